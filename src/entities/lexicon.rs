//! Names seen in training, by type: the tagger's "this span is a known name" evidence.
//!
//! Char n-grams around a position cannot see that `中国民主促进会` is one organisation; a
//! lexicon match over the whole span can. During training each sentence is featurised with a
//! lexicon built from the *other* folds (see [`jackknife`]), so the model learns how
//! far to trust a match on names it has not seen, which is the situation at serving time.

use fixedbitset::FixedBitSet;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::EntityType;

/// Longest name looked up, in chars; longer names are rare and already well served by context.
const MAX_NAME: usize = 16;
/// Bit set in an entry whose key is a strict prefix of a longer name (the walk goes on).
const PREFIX: u8 = 0x80;

/// A sentence with its gold spans (chars, end exclusive).
pub type Annotated<'a> = (&'a str, &'a [(usize, usize, EntityType)]);

/// Known names of the learned types. Saved as its names only; the index is built on loading.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "Names", into = "Names")]
pub struct Lexicon {
    names: Vec<(String, u8)>,
    /// Every name and every prefix of one, by [`key`] → type bits (| `PREFIX`). Keyed by a hash
    /// of the chars rather than by the string, so a lookup is one probe of a compact table with
    /// no string to fetch and compare (a third of extraction's lexicon time went to that).
    index: FxHashMap<u64, u8>,
    /// A bit per value of a name's first-two-chars key (top `PAIR_BITS` bits): a walk starts
    /// only where one is set. 128 KB stays in cache; the index does not, and most positions of a
    /// text start no name.
    pairs: FixedBitSet,
}

/// Bits of the first-two-chars filter: 2^20, so ~40K prefixes set ~4 % of them.
const PAIR_BITS: u32 = 20;

fn pair_bit(key: u64) -> usize {
    (key >> (64 - PAIR_BITS)) as usize
}

/// The key of a char sequence extended by `c`: lookups extend a name one char at a time. A
/// collision among the ~10^5 keys would only add a spurious lexicon feature.
fn key(prefix: u64, c: char) -> u64 {
    (prefix.rotate_left(5) ^ u64::from(c)).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// What an artifact holds of a lexicon: the names with their type bits, sorted, which keeps the
/// artifact deterministic.
#[derive(Clone, Serialize, Deserialize)]
struct Names {
    names: Vec<(String, u8)>,
}

impl From<Names> for Lexicon {
    fn from(Names { names }: Names) -> Self {
        let mut index: FxHashMap<u64, u8> = FxHashMap::default();
        let mut pairs = FixedBitSet::with_capacity(1 << PAIR_BITS);
        for (name, bits) in &names {
            let mut h = 0;
            let mut chars = name.chars().enumerate().peekable();
            while let Some((i, c)) = chars.next() {
                h = key(h, c);
                *index.entry(h).or_default() |= if chars.peek().is_some() {
                    PREFIX
                } else {
                    *bits
                };
                if i == 1 {
                    pairs.insert(pair_bit(h));
                }
            }
        }
        Self {
            names,
            index,
            pairs,
        }
    }
}

impl From<Lexicon> for Names {
    fn from(lexicon: Lexicon) -> Self {
        Self {
            names: lexicon.names,
        }
    }
}

/// Which of `k` folds sentence `i` of `n` is in: contiguous blocks, since a corpus keeps an
/// article's sentences together and an article repeats its names.
pub fn fold_of(i: usize, n: usize, k: usize) -> usize {
    i * k / n.max(1)
}

/// `k` tables learned from training strings (a lexicon, name endings), the f-th built by
/// `build` from every sentence outside fold f.
pub fn jackknife<T>(
    sentences: &[Annotated],
    k: usize,
    build: impl Fn(&[Annotated]) -> T,
) -> Vec<T> {
    (0..k)
        .map(|fold| {
            let others: Vec<Annotated> = (sentences.iter().enumerate())
                .filter(|(i, _)| fold_of(*i, sentences.len(), k) != fold)
                .map(|(_, s)| *s)
                .collect();
            build(&others)
        })
        .collect()
}

impl Lexicon {
    /// A lexicon of the names of `sentences` (text, spans in chars) whose type is one of `types`
    /// (at most three: each is a bit of an entry, next to `PREFIX`).
    pub fn from_spans<'a, I>(sentences: I, types: &[EntityType]) -> Self
    where
        I: IntoIterator<Item = Annotated<'a>>,
    {
        debug_assert!(types.len() <= 3, "a lexicon holds at most three types");
        let mut bits: FxHashMap<String, u8> = FxHashMap::default();
        for (text, spans) in sentences {
            let chars: Vec<char> = text.chars().collect();
            for &(s, e, kind) in spans {
                let Some(t) = types.iter().position(|&k| k == kind) else {
                    continue;
                };
                if e <= chars.len() && (2..=MAX_NAME).contains(&(e.saturating_sub(s))) {
                    *bits.entry(chars[s..e].iter().collect()).or_default() |= 1 << t;
                }
            }
        }
        let mut names: Vec<(String, u8)> = bits.into_iter().collect();
        names.sort_unstable();
        Names { names }.into()
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// For each of `chars` and each of the (up to three) types, the longest known name of that
    /// type covering the char, as `(start, end)` in chars.
    pub fn longest_cover(&self, chars: &[char]) -> Vec<[Option<(u32, u32)>; 3]> {
        let n = chars.len();
        let mut cover = vec![[None; 3]; n];
        for s in 0..n.saturating_sub(1) {
            // Names have at least two chars (`from_spans`).
            if !self
                .pairs
                .contains(pair_bit(key(key(0, chars[s]), chars[s + 1])))
            {
                continue;
            }
            let mut h = 0;
            for e in s + 1..=(s + MAX_NAME).min(n) {
                h = key(h, chars[e - 1]);
                let Some(&bits) = self.index.get(&h) else {
                    break;
                };
                let span = (s as u32, e as u32);
                for t in (0..3).filter(|t| bits & (1 << t) != 0) {
                    for c in &mut cover[s..e] {
                        if c[t].is_none_or(|(a, b)| b - a < span.1 - span.0) {
                            c[t] = Some(span);
                        }
                    }
                }
                if bits & PREFIX == 0 {
                    break;
                }
            }
        }
        cover
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: [EntityType; 3] = [EntityType::Person, EntityType::Org, EntityType::Location];

    fn chars(text: &str) -> Vec<char> {
        text.chars().collect()
    }

    #[test]
    fn finds_the_longest_name_of_each_type() {
        let spans = [(0, 2, EntityType::Location), (0, 6, EntityType::Org)];
        let lex = Lexicon::from_spans([("北京大学学生会", &spans[..])], &TYPES);
        assert_eq!(lex.len(), 2);
        let cover = lex.longest_cover(&chars("在北京大学学生会"));
        assert_eq!(cover[0], [None, None, None]);
        assert_eq!(cover[1][1], Some((1, 7)));
        assert_eq!(cover[2][2], Some((1, 3)));
        assert_eq!(cover[4][2], None);
        assert_eq!(cover[7][1], None);
    }

    #[test]
    fn jackknife_folds_leave_their_own_names_out() {
        let a = [(0, 2, EntityType::Person)];
        let b = [(0, 2, EntityType::Location)];
        let sents: Vec<Annotated> = vec![("张三来了", &a[..]), ("上海很大", &b[..])];
        let folds = jackknife(&sents, 2, |s| {
            Lexicon::from_spans(s.iter().copied(), &TYPES)
        });
        assert_eq!(folds[0].longest_cover(&chars("张三"))[0][0], None);
        assert_eq!(folds[1].longest_cover(&chars("张三"))[0][0], Some((0, 2)));
        assert_eq!(folds[0].longest_cover(&chars("上海"))[0][2], Some((0, 2)));
    }
}
