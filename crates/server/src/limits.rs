//! Per-client rate limiting and a short, bounded cache of results. Hand-written (a mutex and a
//! map each): `governor` and `moka` would do more than the proxy needs.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket per client address: `per_minute` requests, refilled continuously.
pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Most clients remembered before idle ones are dropped.
const MAX_CLIENTS: usize = 10_000;

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` to go ahead, or `Err(seconds)` until the next request is allowed.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let rate = self.per_minute / 60.0;
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_CLIENTS {
            let cap = self.per_minute;
            map.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < cap
            });
        }
        let (tokens, at) = map.entry(client).or_insert((self.per_minute, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(self.per_minute);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil() as u64)
        }
    }
}

/// Results kept for a short time, at most `capacity` entries.
pub struct Cache<K, V> {
    ttl: Duration,
    capacity: usize,
    map: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Cache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Cache {
            ttl,
            capacity: capacity.max(1),
            map: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.capacity {
            let ttl = self.ttl;
            map.retain(|_, (at, _)| at.elapsed() < ttl);
            if map.len() >= self.capacity {
                if let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, (at, _))| *at)
                    .map(|(k, _)| k.clone())
                {
                    map.remove(&oldest);
                }
            }
        }
        map.insert(key, (Instant::now(), value));
    }

    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refills() {
        let rl = RateLimiter::new(60);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..60 {
            assert!(rl.check_at(ip, t0).is_ok());
        }
        assert_eq!(rl.check_at(ip, t0), Err(1));
        assert!(rl.check_at(ip, t0 + Duration::from_millis(1100)).is_ok());
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(rl.check_at(other, t0).is_ok(), "clients are separate");
    }

    #[test]
    fn cache_is_bounded_and_expires() {
        let c = Cache::new(Duration::from_secs(60), 2);
        c.put("a", 1);
        c.put("b", 2);
        c.put("c", 3);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&"c"), Some(3));
        let short = Cache::new(Duration::from_millis(1), 8);
        short.put("x", 1);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(short.get(&"x"), None);
    }
}
