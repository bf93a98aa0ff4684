//! What makes an instance reconcile, from its kind's watch and its children's: the object, or the instance a
//! child belongs to, handed on only once the cache a reconcile reads holds what the event said.
//!
//! A watch that lists again (after a 410 Gone, or an API server that came back) delivers every object as
//! `InitApply`, and the caches take them in only at `InitDone`, swapping the whole list in at once. Handed on
//! as they arrive (kube's `applied_objects`), they start reconciles that read the cache of before the relist:
//! an instance deleted while the watch was down was reconciled as if it were not, found nothing to do, and was
//! never looked at again (its deletion was seen, and spent, on the stale copy). So the objects of a relist are
//! held until it is done. A child that the relist no longer has (deleted while the watch was down) has no event
//! at all: its instance is reconciled too, so the child is created again.

use std::collections::HashSet;

use futures::{Stream, StreamExt, future, stream};
use kube::api::DynamicObject;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher::{self, Event};

use super::cached::CachedInstance;
use super::children::{Change, ChildCache};

/// The objects of a watch that a reconcile should look at (created or changed; not deleted), each handed on
/// once the reflector upstream has stored it: at once for a change, at the end of the list for a (re)list.
pub fn applied_once_stored<K>(
    events: impl Stream<Item = Result<Event<K>, watcher::Error>>,
) -> impl Stream<Item = Result<K, watcher::Error>> {
    events
        .scan(Vec::new(), |listed: &mut Vec<K>, event| {
            let out: Vec<Result<K, watcher::Error>> = match event {
                Ok(Event::Apply(object)) => vec![Ok(object)],
                Ok(Event::Delete(_)) => Vec::new(),
                Ok(Event::Init) => {
                    listed.clear();
                    Vec::new()
                }
                Ok(Event::InitApply(object)) => {
                    listed.push(object);
                    Vec::new()
                }
                Ok(Event::InitDone) => std::mem::take(listed).into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            future::ready(Some(stream::iter(out)))
        })
        .flatten()
}

/// Follows a child kind's watch into `cache` and yields the instances to reconcile: the instance of each child
/// changed or deleted, and after a (re)list, every instance with a child in it or with a child it no longer
/// has. `changed` sees each change of the cache first (the caller's bookkeeping of what it applied). Watch
/// errors are left to the watcher, which retries with backoff.
pub fn instances_of_children(
    events: impl Stream<Item = Result<Event<DynamicObject>, watcher::Error>>,
    cache: std::sync::Arc<ChildCache>,
    instance_of: impl Fn(&DynamicObject) -> Option<ObjectRef<CachedInstance>>,
    instance_named: impl Fn(&str, Option<&str>) -> ObjectRef<CachedInstance>,
    changed: impl Fn(&Change),
) -> impl Stream<Item = ObjectRef<CachedInstance>> {
    events
        .scan(HashSet::new(), move |listed: &mut HashSet<ObjectRef<CachedInstance>>, event| {
            let out: Vec<ObjectRef<CachedInstance>> = match event {
                Ok(event) => {
                    let change = cache.observe(&event);
                    changed(&change);
                    match (event, change) {
                        (Event::Apply(child) | Event::Delete(child), _) => instance_of(&child).into_iter().collect(),
                        (Event::Init, _) => {
                            listed.clear();
                            Vec::new()
                        }
                        (Event::InitApply(child), _) => {
                            listed.extend(instance_of(&child));
                            Vec::new()
                        }
                        (Event::InitDone, Change::Relisted { vanished, .. }) => {
                            let mut instances = std::mem::take(listed);
                            instances.extend(vanished.iter().map(|(name, ns)| instance_named(name, ns.as_deref())));
                            instances.into_iter().collect()
                        }
                        (Event::InitDone, _) => std::mem::take(listed).into_iter().collect(),
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %e, "child watch failed; it retries");
                    Vec::new()
                }
            };
            future::ready(Some(stream::iter(out)))
        })
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_objects_of_a_relist_come_after_its_end_and_changes_at_once() {
        let events = stream::iter([
            Ok(Event::Init),
            Ok(Event::InitApply(1)),
            Ok(Event::InitApply(2)),
            Ok(Event::InitDone),
            Ok(Event::Apply(3)),
            Ok(Event::Delete(3)),
            Ok(Event::Init),
            Ok(Event::InitApply(4)),
        ]);
        let seen: Vec<i32> = applied_once_stored(events).filter_map(|r| future::ready(r.ok())).collect().await;
        // 4's relist never ended: held back, since the cache does not hold it yet.
        assert_eq!(seen, [1, 2, 3]);
    }
}
