//! Which REST resource serves a kind: `(apiVersion, kind)` to the [`ApiResource`] (plural) and scope a kube
//! client needs, found once per kind through the API server's discovery and cached. A kind the server does not
//! serve (its CRD not installed yet) is not cached, so it is found once it is.

use std::collections::HashMap;
use std::sync::Mutex;

use kube::api::{ApiResource, GroupVersionKind};
use kube::discovery::Scope;
use kube::{Client, discovery};

/// A served kind.
#[derive(Debug, Clone)]
pub struct Served {
    pub resource: ApiResource,
    pub namespaced: bool,
}

#[derive(Debug, Default)]
pub struct Discovery {
    cache: Mutex<HashMap<(String, String), Served>>,
}

impl Discovery {
    pub async fn resolve(&self, client: &Client, api_version: &str, kind: &str) -> Result<Served, kube::Error> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(found) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(found);
        }
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let (resource, caps) = discovery::pinned_kind(client, &gvk).await?;
        let served = Served { resource, namespaced: caps.scope == Scope::Namespaced };
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, served.clone());
        }
        Ok(served)
    }

    /// A kind known only by group and kind (`Deployment.apps`, as `ApplySet` inventories list them), at the
    /// group's preferred version.
    pub async fn resolve_group_kind(&self, client: &Client, group_kind: &str) -> Result<Option<Served>, kube::Error> {
        let (kind, group) = group_kind.split_once('.').unwrap_or((group_kind, ""));
        let key = (format!("{group}/*"), kind.to_string());
        if let Some(found) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(Some(found));
        }
        let Some((resource, caps)) = discovery::group(client, group).await?.recommended_kind(kind) else {
            return Ok(None);
        };
        let served = Served { resource, namespaced: caps.scope == Scope::Namespaced };
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, served.clone());
        }
        Ok(Some(served))
    }

    /// Forgets a kind (its CRD changed or went away).
    pub fn forget(&self, api_version: &str, kind: &str) {
        if let Ok(mut c) = self.cache.lock() {
            c.remove(&(api_version.to_string(), kind.to_string()));
        }
    }
}
