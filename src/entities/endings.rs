//! Name endings learned from training spans: strings of one to three chars that often end an
//! ORG or a LOCATION (委员会, 协会, 医院, 出版社, 省, 县), with how often they do.
//!
//! An organisation's ending is often further from its first char than the tagger's char and
//! word windows reach (`民建第七次全国代表大会`, `圣多美和普林西比友好团结协会`), so each char is
//! told the nearest ending ahead of it in its clause: how far, how long, how reliable, which.

use fixedbitset::FixedBitSet;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::lexicon::Annotated;
use super::EntityType;

/// Longest ending, in chars.
const MAX_LEN: usize = 3;
/// An ending must close at least this many training names...
const MIN_NAMES: u32 = 5;
/// ... and this share of the string's occurrences in the training text.
const MIN_SHARE: f32 = 0.2;
/// Farthest ending looked for, in chars ahead.
const MAX_AHEAD: usize = 20;

/// Endings of up to two types (the tagger uses ORG and LOCATION). Saved as a sorted list; the
/// lookup table is built on loading.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "Endings", into = "Endings")]
pub struct NameEndings {
    endings: Vec<(String, [u8; 2])>,
    /// [`key`] of the string → per type, its share bucket (1–4; 0 when it is no ending of it).
    index: FxHashMap<u64, [u8; 2]>,
    /// A bit per last char of an ending (its code point mod 2^16): most chars of a text end
    /// none, and this 8 KB filter spares them the index's probes, which miss the cache.
    last_chars: FixedBitSet,
}

/// Bits of the last-char filter.
const LAST_CHAR_BITS: usize = 1 << 16;

/// The filter's bit for `c`; chars above U+FFFF share one with a BMP char, which only costs a
/// probe.
fn last_char_bit(c: char) -> usize {
    c as usize % LAST_CHAR_BITS
}

#[derive(Clone, Serialize, Deserialize)]
struct Endings {
    endings: Vec<(String, [u8; 2])>,
}

impl From<Endings> for NameEndings {
    fn from(Endings { endings }: Endings) -> Self {
        let index = endings
            .iter()
            .map(|(s, b)| (key(&s.chars().collect::<Vec<_>>()), *b))
            .collect();
        let mut last_chars = FixedBitSet::with_capacity(LAST_CHAR_BITS);
        for c in endings.iter().filter_map(|(s, _)| s.chars().last()) {
            last_chars.insert(last_char_bit(c));
        }
        Self {
            endings,
            index,
            last_chars,
        }
    }
}

impl From<NameEndings> for Endings {
    fn from(e: NameEndings) -> Self {
        Self { endings: e.endings }
    }
}

/// The chars of a string of at most three, 21 bits each: distinct strings, distinct keys (text
/// holds no U+0000 once normalised, the one char that packs to nothing).
fn key(chars: &[char]) -> u64 {
    chars.iter().fold(0, |k, &c| (k << 21) | u64::from(c))
}

/// Does `c` end a clause? Names do not run across one.
fn is_break(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '！'
            | '？'
            | '；'
            | '：'
            | '、'
            | '“'
            | '”'
            | '（'
            | '）'
            | '《'
            | '》'
            | ','
            | '.'
            | '!'
            | '?'
            | ';'
            | ':'
            | '('
            | ')'
            | '"'
    ) || c.is_whitespace()
}

/// The nearest ending of one type ahead of a char.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ahead {
    /// Chars from the char to the ending's last char (0: the char ends it).
    pub distance: u32,
    pub len: u32,
    /// 1–4, higher for an ending that closes a larger share of its occurrences.
    pub share: u32,
    /// Which ending (its key, folded to 32 bits).
    pub id: u32,
}

impl NameEndings {
    /// The endings of the names of `sentences` of the (up to two) `types`.
    pub fn from_spans(sentences: &[Annotated], types: &[EntityType]) -> Self {
        debug_assert!(types.len() <= 2);
        let mut closes: FxHashMap<u64, ([u32; 2], String)> = FxHashMap::default();
        for (text, spans) in sentences {
            let chars: Vec<char> = text.chars().collect();
            for &(s, e, kind) in spans.iter() {
                let Some(t) = types.iter().position(|&k| k == kind) else {
                    continue;
                };
                if e > chars.len() {
                    continue;
                }
                for len in 1..=MAX_LEN.min(e.saturating_sub(s)) {
                    let tail = &chars[e - len..e];
                    // `ahead` never looks across a clause break.
                    if tail.iter().any(|&c| is_break(c)) {
                        break;
                    }
                    closes
                        .entry(key(tail))
                        .or_insert_with(|| ([0; 2], tail.iter().collect()))
                        .0[t] += 1;
                }
            }
        }
        closes.retain(|_, (n, _)| n.iter().any(|&n| n >= MIN_NAMES));
        let mut seen: FxHashMap<u64, u32> = closes.keys().map(|&k| (k, 0)).collect();
        for (text, _) in sentences {
            let chars: Vec<char> = text.chars().collect();
            for e in 1..=chars.len() {
                for len in 1..=MAX_LEN.min(e) {
                    if let Some(n) = seen.get_mut(&key(&chars[e - len..e])) {
                        *n += 1;
                    }
                }
            }
        }
        let mut endings: Vec<(String, [u8; 2])> = closes
            .into_iter()
            .filter_map(|(k, (n, s))| {
                let total = seen.get(&k).copied().unwrap_or(0).max(1) as f32;
                let buckets = n.map(|n| {
                    let share = n as f32 / total;
                    if n < MIN_NAMES || share < MIN_SHARE {
                        0
                    } else {
                        (share.min(0.99) * 5.0) as u8
                    }
                });
                (buckets != [0, 0]).then_some((s, buckets))
            })
            .collect();
        endings.sort_unstable();
        Endings { endings }.into()
    }

    /// How many endings.
    pub fn len(&self) -> usize {
        self.endings.len()
    }

    /// For each of `chars` and each type, the nearest ending ahead in the same clause (the
    /// longest one where several end at the same char).
    pub fn ahead(&self, chars: &[char]) -> Vec<[Option<Ahead>; 2]> {
        let n = chars.len();
        let mut out = vec![[None; 2]; n];
        if self.index.is_empty() {
            return out;
        }
        let mut next: [Option<(usize, u32, u32, u64)>; 2] = [None; 2];
        for e in (0..n).rev() {
            if is_break(chars[e]) {
                next = [None; 2];
                continue;
            }
            let may_end = self.last_chars.contains(last_char_bit(chars[e]));
            let lengths = if may_end { MAX_LEN.min(e + 1) } else { 0 };
            for len in 1..=lengths {
                let k = key(&chars[e + 1 - len..=e]);
                if let Some(b) = self.index.get(&k) {
                    for (nt, &bt) in next.iter_mut().zip(b) {
                        if bt > 0 {
                            *nt = Some((e, len as u32, u32::from(bt), k));
                        }
                    }
                }
            }
            for t in 0..2 {
                out[e][t] = next[t].filter(|&(end, ..)| end - e <= MAX_AHEAD).map(
                    |(end, len, share, k)| Ahead {
                        distance: (end - e) as u32,
                        len,
                        share,
                        id: (k ^ (k >> 32)) as u32,
                    },
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_frequent_endings_and_finds_the_nearest_ahead() {
        let org = [(0, 4, EntityType::Org)];
        let mut sents: Vec<Annotated> = vec![("红十字会在做事", &org[..]); 6];
        sents.push(("会议很长", &[]));
        let endings = NameEndings::from_spans(&sents, &[EntityType::Org, EntityType::Location]);
        // 会, 字会 and 十字会 each close six names; 会 occurs once more, in 会议.
        assert_eq!(endings.len(), 3);
        let ahead = endings.ahead(&"在红十字会，会".chars().collect::<Vec<_>>());
        let at = |i: usize| ahead[i][0].map(|a| (a.distance, a.len));
        assert_eq!(at(1), Some((3, 3)));
        assert_eq!(at(4), Some((0, 3)));
        assert_eq!(ahead[1][1], None);
        // The comma ends the clause: the last 会 is only seen from itself.
        assert_eq!(at(5), None);
        assert_eq!(at(6), Some((0, 1)));
    }

    #[test]
    fn rare_or_unreliable_strings_are_no_endings() {
        let org = [(0, 3, EntityType::Org)];
        let loc = [(0, 2, EntityType::Location)];
        // 局 closes five names but occurs in 25 places (share 0.2, kept at bucket 1); 的 closes
        // five of 125; 县 closes four names only.
        let mut sents: Vec<Annotated> = vec![("公安局", &org[..]); 5];
        sents.extend(vec![("局面的", &[][..]); 20]);
        sents.extend(vec![("的的的的的", &[][..]); 20]);
        sents.extend(vec![("我的", &[(0, 2, EntityType::Org)][..]); 5]);
        sents.extend(vec![("沛县", &loc[..]); 4]);
        let endings = NameEndings::from_spans(&sents, &[EntityType::Org, EntityType::Location]);
        let ahead = |t: &str| endings.ahead(&t.chars().collect::<Vec<_>>());
        assert_eq!(ahead("局")[0][0].map(|a| a.share), Some(1));
        assert_eq!(ahead("的")[0], [None, None]);
        assert_eq!(ahead("县")[0], [None, None]);
        // 安局 closes five of five.
        assert_eq!(ahead("安局")[0][0].map(|a| (a.len, a.share)), Some((2, 4)));
    }

    #[test]
    fn looks_no_further_than_max_ahead_and_fills_each_type() {
        let org = [(0, 2, EntityType::Org)];
        let loc = [(0, 2, EntityType::Location)];
        let mut sents: Vec<Annotated> = vec![("某院", &org[..]); 5];
        sents.extend(vec![("某省", &loc[..]); 5]);
        let endings = NameEndings::from_spans(&sents, &[EntityType::Org, EntityType::Location]);
        let text: String = "甲".repeat(MAX_AHEAD) + "院省";
        let ahead = endings.ahead(&text.chars().collect::<Vec<_>>());
        // 院 is MAX_AHEAD chars from the first char, 省 one more.
        assert_eq!(ahead[0][0].map(|a| a.distance), Some(MAX_AHEAD as u32));
        assert_eq!(ahead[0][1], None);
        assert_eq!(ahead[1][1].map(|a| a.distance), Some(MAX_AHEAD as u32));
    }
}
