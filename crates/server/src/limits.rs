//! What each client may take: a rate per minute, a share of the checks in flight, and results
//! kept for a short time. Every map here is held to a fixed size with O(1) work per request
//! (the `lru` crate), so a hundred thousand distinct clients or domains cost the same per
//! request as ten. (The rate limiter once scanned its whole map under one mutex on every
//! request past its cap: 9.4k → 2.6k requests/s at 100k clients.)

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;

/// Clients remembered by the rate limiter. Past this, the client seen least recently is
/// forgotten (and starts again with a full bucket): bounded memory, about 64 bytes a client.
pub const MAX_CLIENTS: usize = 100_000;

/// A token bucket per client address: `per_minute` requests, refilled continuously.
pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<LruCache<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter::with_capacity(per_minute, MAX_CLIENTS)
    }

    pub fn with_capacity(per_minute: u32, clients: usize) -> Self {
        RateLimiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(LruCache::new(non_zero(clients))),
        }
    }

    /// `Ok` to go ahead, or `Err(seconds)` until the next request is allowed.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let rate = self.per_minute / 60.0;
        let full = self.per_minute;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, at) = buckets.get_or_insert_mut(client, || (full, now));
        *tokens = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * rate).min(full);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil() as u64)
        }
    }

    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Results kept for `ttl`: at most `capacity` of them and `max_bytes` in all (the least
/// recently used go first). A hostile domain's answer can be large, so the count alone is no
/// bound on memory.
pub struct Cache<K: Hash + Eq, V> {
    ttl: Duration,
    max_bytes: usize,
    /// The entries (when kept, value, bytes) and the bytes kept in all.
    map: Mutex<(Entries<K, V>, usize)>,
}

type Entries<K, V> = LruCache<K, (Instant, V, usize)>;

impl<K: Eq + Hash + Clone, V: Clone> Cache<K, V> {
    pub fn new(ttl: Duration, capacity: usize, max_bytes: usize) -> Self {
        Cache {
            ttl,
            max_bytes,
            map: Mutex::new((LruCache::new(non_zero(capacity)), 0)),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let mut guard = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let (map, total) = &mut *guard;
        match map.get(key) {
            Some((at, v, _)) if at.elapsed() < self.ttl => Some(v.clone()),
            Some(_) => {
                if let Some((_, _, bytes)) = map.pop(key) {
                    *total -= bytes;
                }
                None
            }
            None => None,
        }
    }

    /// Keeps `value`, which weighs `bytes`; one larger than an eighth of the budget is not
    /// kept at all.
    pub fn put(&self, key: K, value: V, bytes: usize) {
        if self.ttl.is_zero() || bytes > self.max_bytes / 8 {
            return;
        }
        let mut guard = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let (map, total) = &mut *guard;
        if let Some((_, (_, _, old))) = map.push(key, (Instant::now(), value, bytes)) {
            *total -= old;
        }
        *total += bytes;
        while *total > self.max_bytes {
            match map.pop_lru() {
                Some((_, (_, _, b))) => *total -= b,
                None => break,
            }
        }
    }

    /// Bytes kept now.
    pub fn bytes(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).1
    }

    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How many of something each client holds at once (connections, checks in flight), at most
/// `cap` each. A [`Share`] gives its place back when dropped; the map holds only clients that
/// hold something, so it is bounded by what is held in all.
pub struct Shares<K: Hash + Eq> {
    cap: usize,
    held: Mutex<HashMap<K, usize>>,
}

/// One place held by one client.
pub struct Share<K: Hash + Eq + Clone> {
    owner: Arc<Shares<K>>,
    key: K,
}

impl<K: Hash + Eq + Clone> Shares<K> {
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(Shares {
            cap: cap.max(1),
            held: Mutex::new(HashMap::new()),
        })
    }

    /// A place for `key`, or `None` when it holds its whole share.
    pub fn take(self: &Arc<Self>, key: K) -> Option<Share<K>> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(key.clone()).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(Share {
            owner: self.clone(),
            key,
        })
    }

    /// Clients holding something now.
    pub fn holders(&self) -> usize {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl<K: Hash + Eq + Clone> Drop for Share<K> {
    fn drop(&mut self) {
        let mut held = self.owner.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&self.key);
            }
        }
    }
}

/// The key a client is counted under: its IPv4 address, or the /64 of its IPv6 address (one
/// subscriber or server usually holds a whole /64, so per-address limits would be no limit).
/// IPv4-mapped IPv6 addresses count as the IPv4 address.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

fn non_zero(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
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

    /// The client map never grows past its cap, and an active client keeps its bucket while
    /// idle ones are forgotten.
    #[test]
    fn the_client_map_is_held_to_its_cap() {
        let rl = RateLimiter::with_capacity(1, 1000);
        let t0 = Instant::now();
        let busy: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(rl.check_at(busy, t0).is_ok());
        for i in 0..100_000u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let _ = rl.check_at(ip, t0);
            if i % 500 == 0 {
                assert!(
                    rl.check_at(busy, t0).is_err(),
                    "the busy client stays limited"
                );
            }
        }
        assert_eq!(rl.len(), 1000);
    }

    #[test]
    fn cache_is_bounded_and_expires() {
        let c = Cache::new(Duration::from_secs(60), 2, 1 << 20);
        c.put("a", 1, 10);
        c.put("b", 2, 10);
        c.put("c", 3, 10);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&"c"), Some(3));
        assert_eq!(c.get(&"a"), None, "the least recently used went first");
        let short = Cache::new(Duration::from_millis(1), 8, 1 << 20);
        short.put("x", 1, 10);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(short.get(&"x"), None);
        assert!(short.is_empty(), "an expired entry is dropped when seen");
    }

    /// However many entries fit, the bytes kept stay within the budget.
    #[test]
    fn cache_is_bounded_by_bytes() {
        let c = Cache::new(Duration::from_secs(60), 1000, 1000);
        for i in 0..100 {
            c.put(i, i, 100);
            assert!(c.bytes() <= 1000, "{} bytes", c.bytes());
        }
        assert_eq!(c.len(), 10);
        assert_eq!(c.get(&99), Some(99));
        c.put(1000, 0, 200);
        assert_eq!(
            c.get(&1000),
            None,
            "more than an eighth of the budget is not kept"
        );
        c.put(5, 5, 100);
        c.put(5, 6, 50);
        assert!(c.bytes() <= 1000);
        assert_eq!(
            c.get(&5),
            Some(6),
            "a key put again replaces its entry and weight"
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
        assert_eq!(
            client_key("192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn shares_are_capped_per_client_and_given_back() {
        let s = Shares::new(2);
        let a = s.take("a").unwrap();
        let a2 = s.take("a").unwrap();
        assert!(s.take("a").is_none());
        assert!(s.take("b").is_some(), "another client has its own share");
        drop(a);
        assert!(s.take("a").is_some());
        drop(a2);
        assert_eq!(s.holders(), 0, "clients holding nothing are not remembered");
    }
}
