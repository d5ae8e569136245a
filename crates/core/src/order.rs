//! Stable sorting shared by every list the core orders (findings, sections, MX hosts, steps).
//!
//! Hand-written over `<[usize]>::sort_by` in place of calling `<[T]>::sort_by_key` on each list:
//! the standard library's stable sort is compiled again for every element type and key, and
//! the checker's page carried seven copies of it (24 KB of its module before compression, about
//! 5 KB brotli). Here the sort itself is compiled once, on indices through a `dyn` comparison,
//! and each caller adds only the few bytes that compare two of its items and move them into
//! place. The lists are short (a check's findings, a domain's MX hosts), so the indirection
//! costs nothing anyone could measure.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping the given order among equals (as `<[T]>::sort_by`).
pub fn sort_by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = sorted_indices(items.len(), &|a, b| compare(&items[a], &items[b]));
    permute(items, order);
}

/// Sorts `items` by the key `key` gives, keeping the given order among equals (as
/// `<[T]>::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` in their natural order (stable, as `<[T]>::sort`).
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// `0..n` ordered by `compare`, stably: the one instance of the standard sort.
fn sorted_indices(n: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..n).collect();
    indices.sort_by(|a, b| compare(*a, *b));
    indices
}

/// Moves the item at `order[i]` to position `i` for every `i`, one cycle of the permutation at
/// a time (`order` is a permutation of `0..items.len()`; each visited entry is marked done).
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != DONE {
            let from = order[at];
            order[at] = DONE;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort, equal keys included (each item
        /// carries its original position, so a change among equals would show).
        #[test]
        // Both sorts are called with a comparison on purpose: `sort_by` is what is tested.
        #[allow(clippy::unnecessary_sort_by)]
        fn agrees_with_the_standard_stable_sort(keys in proptest::collection::vec(0u8..6, 0..80)) {
            let items: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
            let mut want = items.clone();
            want.sort_by_key(|x| x.0);
            let mut got = items.clone();
            sort_by_key(&mut got, |x| x.0);
            prop_assert_eq!(&got, &want);
            let mut want = items.clone();
            want.sort_by(|a, b| b.0.cmp(&a.0));
            let mut got = items;
            sort_by(&mut got, |a, b| b.0.cmp(&a.0));
            prop_assert_eq!(got, want);
        }

        #[test]
        fn natural_order_is_the_standard_one(mut words in proptest::collection::vec("[a-c]{0,3}", 0..40)) {
            let mut want = words.clone();
            want.sort();
            sort(&mut words);
            prop_assert_eq!(words, want);
        }
    }

    #[test]
    fn short_lists_and_reversed_ones() {
        let mut empty: Vec<u8> = Vec::new();
        sort(&mut empty);
        assert!(empty.is_empty());
        let mut one = vec![7];
        sort(&mut one);
        assert_eq!(one, [7]);
        let mut rev: Vec<u32> = (0..100).rev().collect();
        sort(&mut rev);
        assert_eq!(rev, (0..100).collect::<Vec<_>>());
    }
}
