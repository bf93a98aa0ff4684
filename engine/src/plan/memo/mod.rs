//! What a simulation keeps from one pass to the next, so a pass renders again only the resources whose inputs
//! changed: a 100-resource chain renders each resource once instead of once per pass (5,150 renders in 101
//! passes).
//!
//! A resource's objects ([`super::objects`]) depend on what is fixed for a whole simulation (the RGD, the
//! catalog, the options but the apply failures scripted events add, which rendering does not read), on the
//! instance, and on what its expressions read: the observed objects bound under the ids it depends on (a
//! collection's items, an external reference's matches).
//! The simulated cluster numbers every object it stores with a version that no other object ever gets, so
//! "the same value bound" is "the same versions bound", and a pass finds a resource's objects here when the
//! versions of what it reads are those it was rendered from. The instance cannot change within a simulation
//! (only its status does, which `schema` leaves out); the memo still checks it and starts over if it does.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::objects::Rendered;

/// The version of an observed object: what tells two values bound under one id apart.
pub(super) type Version = u64;

/// The rendered objects of each resource, with the versions they were rendered from.
#[derive(Debug, Default)]
pub(super) struct Memo {
    /// `schema` as every entry saw it.
    schema: Option<Value>,
    /// By resource index: the versions of what it read, in `depends_on` order, and what it rendered.
    entries: HashMap<usize, (Vec<Version>, Arc<Rendered>)>,
    /// How many renders the memo saved and how many it could not: for the tests.
    pub hits: usize,
    pub misses: usize,
}

impl Memo {
    /// Starts a pass over `schema`: entries made for another instance are dropped.
    pub(super) fn start(&mut self, schema: &Value) {
        if self.schema.as_ref() != Some(schema) {
            self.entries.clear();
            self.schema = Some(schema.clone());
        }
    }

    /// What resource `index` rendered from exactly `reads`, if it did.
    pub(super) fn get(&mut self, index: usize, reads: &[Version]) -> Option<Arc<Rendered>> {
        let found = self.entries.get(&index).filter(|(read, _)| read == reads).map(|(_, r)| Arc::clone(r));
        if found.is_some() {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        found
    }

    /// Keeps what resource `index` rendered from `reads`, in place of what it rendered before.
    pub(super) fn put(&mut self, index: usize, reads: Vec<Version>, rendered: Arc<Rendered>) {
        self.entries.insert(index, (reads, rendered));
    }
}

#[cfg(test)]
mod tests;
