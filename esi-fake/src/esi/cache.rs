//! Rendered resources by key: each rendered once (on a blocking thread), shared afterwards,
//! and the oldest forgotten past a byte budget.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

use super::pages::{RenderJob, Rendered};

/// Bytes of rendered bodies kept before the oldest resources are forgotten.
const CACHE_BUDGET_BYTES: usize = 512 * 1024 * 1024;

type Slot = Arc<OnceCell<Arc<Rendered>>>;

/// Rendered resources by key, forgetting the oldest past a byte budget.
#[derive(Debug, Default)]
pub(crate) struct ResourceCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    slots: HashMap<String, Slot>,
    order: VecDeque<(String, usize)>,
    bytes: usize,
}

impl ResourceCache {
    /// The rendered resource for `job`, rendering it (once, on a blocking thread) if needed.
    pub(crate) async fn get(&self, job: RenderJob) -> Result<Arc<Rendered>, String> {
        let key = job.key();
        let slot = {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            inner.slots.entry(key.clone()).or_default().clone()
        };
        let mut fresh = false;
        let rendered = slot
            .get_or_try_init(|| async {
                fresh = true;
                tokio::task::spawn_blocking(move || Arc::new(job.render()))
                    .await
                    .map_err(|e| format!("rendering failed: {e}"))
            })
            .await?
            .clone();
        if fresh {
            self.account(key, rendered.resource.size());
        }
        Ok(rendered)
    }

    fn account(&self, key: String, size: usize) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.bytes += size;
        inner.order.push_back((key, size));
        while inner.bytes > CACHE_BUDGET_BYTES && inner.order.len() > 1 {
            if let Some((old, old_size)) = inner.order.pop_front() {
                inner.slots.remove(&old);
                inner.bytes -= old_size;
            }
        }
    }

    /// Forgets every rendered resource.
    pub(crate) fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        *inner = CacheInner::default();
    }
}
