//! One fetch per key at a time: concurrent requests for the same domain wait on the fetch
//! already running instead of each starting its own (three clients asking for one slow domain
//! once held every API slot for 20 s and sent the domain three times the connections).
//!
//! The work runs as its own task, to completion, whatever its waiters do: a future paused when
//! every waiter left and resumed later by a new one would find its time limit long past and
//! report a timeout that never happened. At most `cap` distinct keys are in flight, so clients
//! that start checks and hang up cannot pile up work behind the API's concurrency limit.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use futures_util::future::{BoxFuture, FutureExt, Shared};

/// The shared result of one running fetch.
type Running<V> = Shared<BoxFuture<'static, Option<V>>>;

pub struct Coalescer<K, V> {
    cap: usize,
    running: Arc<Mutex<HashMap<K, Running<V>>>>,
}

/// Too many different fetches are running already.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

impl<K, V> Coalescer<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(cap: usize) -> Self {
        Coalescer {
            cap: cap.max(1),
            running: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The result for `key`: joins the fetch already running, or starts `work` as a task.
    /// `None` only if the task panicked. `joined` says whether another request started it.
    pub async fn run<F>(&self, key: K, work: F) -> Result<(Option<V>, bool), Full>
    where
        F: Future<Output = V> + Send + 'static,
    {
        let (running, joined) = {
            let mut map = self.running.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(r) = map.get(&key) {
                (r.clone(), true)
            } else {
                if map.len() >= self.cap {
                    return Err(Full);
                }
                let registry = self.running.clone();
                let done_key = key.clone();
                let task = tokio::spawn(async move {
                    let v = work.await;
                    registry
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&done_key);
                    v
                });
                let r: Running<V> = async move { task.await.ok() }.boxed().shared();
                map.insert(key, r.clone());
                (r, false)
            }
        };
        Ok((running.await, joined))
    }

    /// Keys in flight now.
    pub fn len(&self) -> usize {
        self.running.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn concurrent_requests_for_one_key_share_one_run() {
        let c = Arc::new(Coalescer::<&str, usize>::new(8));
        let runs = Arc::new(AtomicUsize::new(0));
        let mut waiters = Vec::new();
        for _ in 0..5 {
            let (c, runs) = (c.clone(), runs.clone());
            waiters.push(tokio::spawn(async move {
                c.run("example.com", async move {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    runs.fetch_add(1, Ordering::SeqCst) + 1
                })
                .await
            }));
        }
        let mut joined = 0;
        for w in waiters {
            let (v, j) = w.await.unwrap().unwrap();
            assert_eq!(v, Some(1));
            joined += usize::from(j);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(joined, 4);
        assert!(c.is_empty(), "a finished run leaves the map");
    }

    /// Waiters that leave do not stop the run, and a later request gets a fresh one.
    #[tokio::test]
    async fn a_run_finishes_when_its_waiters_leave() {
        let c = Arc::new(Coalescer::<&str, usize>::new(8));
        let finished = Arc::new(AtomicUsize::new(0));
        let f = finished.clone();
        let waiter = {
            let c = c.clone();
            tokio::spawn(async move {
                c.run("k", async move {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    f.fetch_add(1, Ordering::SeqCst);
                    7
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        waiter.abort();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(finished.load(Ordering::SeqCst), 1);
        assert!(c.is_empty());
    }

    #[tokio::test]
    async fn distinct_keys_are_capped() {
        let c = Arc::new(Coalescer::<u32, u32>::new(2));
        let slow = |c: Arc<Coalescer<u32, u32>>, k| {
            tokio::spawn(async move {
                c.run(k, async move {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    k
                })
                .await
            })
        };
        let (a, b) = (slow(c.clone(), 1), slow(c.clone(), 2));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(c.run(3, async { 3 }).await, Err(Full));
        // Joining a key already running is never refused.
        assert_eq!(c.run(1, async { 99 }).await, Ok((Some(1), true)));
        let _ = (a.await, b.await);
    }
}
