//! Lists of keys bound to `IN (…)`.
//!
//! A read by a list of keys runs one statement per chunk of keys. The
//! statement's text depends on how many placeholders it has, and every
//! text is a prepared statement of its own in the connection's cache. With
//! one placeholder per key, the last chunk of each call made a new text
//! (1 to 511 keys) and these pushed the statements in use, the commit's
//! among them, out of the cache. So each chunk is padded, by repeating its
//! last key, to a power of two: a read prepares at most ten texts (1, 2, 4
//! … 512 placeholders). A key twice in `IN (…)` finds its row once.

/// Keys per statement at most.
pub(crate) const CHUNK: usize = 512;

/// One chunk of keys and the width of its statement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InList<'a, T> {
    chunk: &'a [T],
    width: usize,
}

impl<'a, T> InList<'a, T> {
    /// `?,?,…`: the statement's placeholders, one per bound key.
    pub(crate) fn placeholders(&self) -> String {
        vec!["?"; self.width].join(",")
    }

    /// The keys to bind: the chunk, then its last key until the width is
    /// filled.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &'a T> + 'a {
        let pad = self.width - self.chunk.len();
        self.chunk.iter().chain(
            self.chunk
                .last()
                .into_iter()
                .flat_map(move |last| std::iter::repeat_n(last, pad)),
        )
    }
}

/// The keys in chunks of at most [`CHUNK`], each with a power-of-two width.
/// No keys, no chunks.
pub(crate) fn in_lists<T>(keys: &[T]) -> impl Iterator<Item = InList<'_, T>> {
    keys.chunks(CHUNK).map(|chunk| InList {
        chunk,
        width: chunk.len().next_power_of_two(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths(n: usize) -> Vec<usize> {
        let keys: Vec<usize> = (0..n).collect();
        in_lists(&keys).map(|l| l.width).collect()
    }

    #[test]
    fn chunks_are_padded_to_a_power_of_two_with_the_last_key() {
        assert!(widths(0).is_empty());
        assert_eq!(widths(1), [1]);
        assert_eq!(widths(3), [4]);
        assert_eq!(widths(512), [512]);
        assert_eq!(widths(513), [512, 1]);
        assert_eq!(widths(1100), [512, 512, 128]);
        let keys = ["a", "b", "c"];
        let list = in_lists(&keys).next().unwrap();
        assert_eq!(list.placeholders(), "?,?,?,?");
        assert_eq!(
            list.keys().copied().collect::<Vec<_>>(),
            ["a", "b", "c", "c"]
        );
    }

    #[test]
    fn every_key_is_bound_once_in_order_and_texts_stay_few() {
        let mut texts = std::collections::BTreeSet::new();
        for n in 1..=1500 {
            let keys: Vec<usize> = (0..n).collect();
            let mut bound = Vec::new();
            for list in in_lists(&keys) {
                let chunk: Vec<usize> = list.keys().copied().collect();
                assert_eq!(chunk.len(), list.placeholders().split(',').count());
                texts.insert(chunk.len());
                let mut distinct = chunk.clone();
                distinct.dedup();
                bound.extend(distinct);
            }
            assert_eq!(bound, keys, "{n} keys");
        }
        assert_eq!(texts.len(), 10, "{texts:?}");
    }
}
