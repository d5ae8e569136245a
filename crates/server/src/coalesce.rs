//! One fetch per key at a time: concurrent requests for the same domain wait on the fetch
//! already running instead of each starting its own (three clients asking for one slow domain
//! once held every API slot for 20 s and sent the domain three times the connections).
//!
//! - The work runs as its own task, to completion, whatever its waiters do: a future paused
//!   when every waiter left and resumed later by a new one would find its time limit long
//!   past and report a timeout that never happened. What the caller moves into the work (the
//!   client's share of checks in flight) stays held until the work ends, so hanging up does
//!   not free a client's share while its check still runs.
//! - At most `cap` runs at once, counted until each ends, so clients that start checks and
//!   hang up cannot pile up work.
//! - A request that asks for fresh facts (`since`) joins only a run that started after it
//!   arrived; otherwise it starts its own, which later requests then join.
//! - A run that panics is still removed (a drop guard), so its key is never blocked.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::future::{BoxFuture, FutureExt, Shared};

/// The shared result of one running fetch (`None` if it panicked).
type Running<V> = Shared<BoxFuture<'static, Option<V>>>;

struct Run<V> {
    id: u64,
    started: Instant,
    result: Running<V>,
}

struct Inner<K, V> {
    running: HashMap<K, Run<V>>,
    /// Runs not yet ended, including ones a fresh run replaced in the map.
    active: usize,
    next_id: u64,
}

pub struct Coalescer<K, V> {
    cap: usize,
    inner: Arc<Mutex<Inner<K, V>>>,
}

/// Too many runs at once already.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

/// Ends a run in the books when its task ends, normally or by a panic.
struct Ending<K: Eq + Hash, V> {
    inner: Arc<Mutex<Inner<K, V>>>,
    key: K,
    id: u64,
}

impl<K: Eq + Hash, V> Drop for Ending<K, V> {
    fn drop(&mut self) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.active = inner.active.saturating_sub(1);
        if inner
            .running
            .get(&self.key)
            .is_some_and(|r| r.id == self.id)
        {
            inner.running.remove(&self.key);
        }
    }
}

impl<K, V> Coalescer<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(cap: usize) -> Self {
        Coalescer {
            cap: cap.max(1),
            inner: Arc::new(Mutex::new(Inner {
                running: HashMap::new(),
                active: 0,
                next_id: 0,
            })),
        }
    }

    /// The result for `key`: joins the run already going (one that started at or after
    /// `since`, when given), or starts `work` as a task. `joined` says whether another request
    /// started it; the value is `None` only if the work panicked.
    pub async fn run<F>(
        &self,
        key: K,
        since: Option<Instant>,
        work: F,
    ) -> Result<(Option<V>, bool), Full>
    where
        F: Future<Output = V> + Send + 'static,
    {
        let (result, joined) = {
            let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            match inner.running.get(&key) {
                Some(r) if since.is_none_or(|t| r.started >= t) => (r.result.clone(), true),
                _ => {
                    if inner.active >= self.cap {
                        return Err(Full);
                    }
                    inner.active += 1;
                    inner.next_id += 1;
                    let id = inner.next_id;
                    let ending = Ending {
                        inner: self.inner.clone(),
                        key: key.clone(),
                        id,
                    };
                    let task = tokio::spawn(async move {
                        let _ending = ending;
                        work.await
                    });
                    let result: Running<V> = async move { task.await.ok() }.boxed().shared();
                    inner.running.insert(
                        key,
                        Run {
                            id,
                            started: Instant::now(),
                            result: result.clone(),
                        },
                    );
                    (result, false)
                }
            }
        };
        Ok((result.await, joined))
    }

    /// Runs not yet ended.
    pub fn active(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).active
    }

    /// Keys a request can join now.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .running
            .len()
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
                c.run("example.com", None, async move {
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
        assert_eq!(c.active(), 0);
    }

    /// Waiters that leave do not stop the run (nor what it holds), and a later request gets
    /// a fresh one.
    #[tokio::test]
    async fn a_run_and_what_it_holds_outlive_its_waiters() {
        let c = Arc::new(Coalescer::<&str, usize>::new(8));
        let held = Arc::new(());
        let h = held.clone();
        let waiter = {
            let c = c.clone();
            tokio::spawn(async move {
                c.run("k", None, async move {
                    let _h = h;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    7
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        waiter.abort();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            Arc::strong_count(&held),
            2,
            "still held while the run goes on"
        );
        assert_eq!(c.active(), 1);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(Arc::strong_count(&held), 1, "given back when it ends");
        assert!(c.is_empty());
        assert_eq!(c.active(), 0);
    }

    /// A request for fresh facts does not join a run that began before it.
    #[tokio::test]
    async fn fresh_requests_join_only_newer_runs() {
        let c = Arc::new(Coalescer::<&str, u32>::new(8));
        let old = {
            let c = c.clone();
            tokio::spawn(async move {
                c.run("k", None, async {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    1
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let asked = Instant::now();
        let fresh = c.run("k", Some(asked), async { 2 }).await.unwrap();
        assert_eq!(fresh, (Some(2), false), "a run of its own");
        assert_eq!(old.await.unwrap().unwrap(), (Some(1), false));
        assert_eq!(c.active(), 0);
    }

    #[tokio::test]
    async fn runs_are_capped_and_a_panic_frees_its_key() {
        let c = Arc::new(Coalescer::<u32, u32>::new(2));
        let slow = |c: Arc<Coalescer<u32, u32>>, k| {
            tokio::spawn(async move {
                c.run(k, None, async move {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    k
                })
                .await
            })
        };
        let (a, b) = (slow(c.clone(), 1), slow(c.clone(), 2));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(c.run(3, None, async { 3 }).await, Err(Full));
        // Joining a key already running is never refused.
        assert_eq!(c.run(1, None, async { 99 }).await, Ok((Some(1), true)));
        let _ = (a.await, b.await);
        let panicked = c
            .run(4, None, async {
                if true {
                    panic!("a bug in a check");
                }
                4
            })
            .await;
        assert_eq!(panicked, Ok((None, false)));
        assert!(c.is_empty(), "the panicked run's key is free again");
        assert_eq!(c.run(4, None, async { 4 }).await, Ok((Some(4), false)));
    }
}
