//! Term → column lookup for the TF-IDF vectorizer, built for the serving loop: a document's
//! thousands of tokens are looked up in a batch, each probe's cache line requested several
//! tokens before it is read.
//!
//! Slots hold a 64-bit XXH3 hash of the term, not the term, so a probe is one cache line
//! instead of a bucket, a `String` and its bytes in three places. A token outside the
//! vocabulary matches a term's hash with probability about |vocabulary| / 2^64 (~10^-14 for
//! 200K terms); two vocabulary terms sharing a hash are refused when the index is built.

use xxhash_rust::xxh3::xxh3_64;

use crate::memory::{copy_to_huge_pages, prefetch};

/// How many tokens ahead a probe's slot is prefetched: enough to cover a memory access with
/// the hashing and probing of the tokens in between.
const AHEAD: usize = 8;

/// Marks an empty slot's column.
const EMPTY: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    column: u32,
}

/// Open addressing with linear probing, at most half full.
#[derive(Debug, Clone)]
pub(super) struct TermIndex {
    slots: Vec<Slot>,
    mask: usize,
}

/// No terms (what a vectorizer holds before its index is built).
impl Default for TermIndex {
    fn default() -> Self {
        Self::empty(0)
    }
}

impl TermIndex {
    /// Room for `n` terms, none in yet.
    fn empty(n: usize) -> Self {
        let len = (n * 2).next_power_of_two().max(8);
        let slot = Slot {
            hash: 0,
            column: EMPTY,
        };
        Self {
            slots: vec![slot; len],
            mask: len - 1,
        }
    }

    /// Indexes `terms` by position; `Err` is the position of a term whose hash an earlier term
    /// already has.
    pub(super) fn new<S: AsRef<str>>(terms: &[S]) -> Result<Self, usize> {
        let mut index = Self::empty(terms.len());
        for (column, term) in terms.iter().enumerate() {
            let hash = xxh3_64(term.as_ref().as_bytes());
            let i = index.probe(hash);
            if index.slots[i].column != EMPTY {
                return Err(column);
            }
            index.slots[i] = Slot {
                hash,
                column: column as u32,
            };
        }
        index.slots = copy_to_huge_pages(&index.slots);
        Ok(index)
    }

    /// The slot holding `hash`, or the empty slot where it would go.
    #[inline]
    fn probe(&self, hash: u64) -> usize {
        let mut i = hash as usize & self.mask;
        loop {
            let slot = &self.slots[i];
            if slot.column == EMPTY || slot.hash == hash {
                return i;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The column of `term`, if it is one (one probe, for callers without a batch).
    pub(super) fn column(&self, term: &str) -> Option<u32> {
        let column = self.slots[self.probe(xxh3_64(term.as_bytes()))].column;
        (column != EMPTY).then_some(column)
    }

    /// Appends the column of every token of `tokens` that is a term, in token order.
    pub(super) fn columns(&self, tokens: &[&str], out: &mut Vec<u32>) {
        let hashes: Vec<u64> = tokens.iter().map(|t| xxh3_64(t.as_bytes())).collect();
        for (i, &hash) in hashes.iter().enumerate() {
            if let Some(&ahead) = hashes.get(i + AHEAD) {
                prefetch(&self.slots[ahead as usize & self.mask]);
            }
            let column = self.slots[self.probe(hash)].column;
            if column != EMPTY {
                out.push(column);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_term_and_nothing_else() {
        let terms: Vec<String> = (0..5000).map(|i| format!("词{i}")).collect();
        let index = TermIndex::new(&terms).unwrap();
        let tokens: Vec<&str> = ["词17", "不在", "词4999", "词17", "", "词5000"].to_vec();
        let mut out = Vec::new();
        index.columns(&tokens, &mut out);
        assert_eq!(out, vec![17, 4999, 17]);
        assert_eq!((index.column("词9"), index.column("词")), (Some(9), None));
        let all: Vec<&str> = terms.iter().map(String::as_str).collect();
        out.clear();
        index.columns(&all, &mut out);
        assert_eq!(out, (0..5000).collect::<Vec<u32>>());
    }

    #[test]
    fn empty_vocabulary_and_duplicate_terms() {
        let mut out = Vec::new();
        TermIndex::default().columns(&["a"], &mut out);
        TermIndex::new::<&str>(&[])
            .unwrap()
            .columns(&["a"], &mut out);
        assert!(out.is_empty());
        assert_eq!(TermIndex::default().column("a"), None);
        assert_eq!(TermIndex::new(&["a", "b", "a"]).unwrap_err(), 2);
    }
}
