//! Raw notice text → normalised text, with a map back to the original offsets.
//!
//! Normalisation folds width and spacing, drops zero-width characters and carriage returns,
//! removes pinyin left behind by broken script conversion (`網(wǎng)` → `網`) — all in
//! [`super::fold`] — converts traditional to simplified script (here), and marks site boilerplate
//! ([`super::boilerplate`]). Every
//! normalised char remembers the original char it came from, so spans found downstream are
//! reported against the text the caller sent.
//!
//! Script conversion is OpenCC's t2s (greedy longest match over TSPhrases, then TSCharacters),
//! from the dictionaries vendored as `ts_phrases.txt` and `ts_characters.txt`, plus 著 → 着
//! outside the words listed in `zhu_words.txt`. It applies only to text that has a traditional
//! char, and runs in the same single pass over the raw text as the folding.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::boilerplate::boilerplate_spans;
use super::fold::Fold;
use super::TextError;

/// Normalised text plus the offset map back to the original and the boilerplate spans.
#[derive(Debug, Clone)]
pub struct Normalized {
    text: String,
    /// For normalised char `i`, the original char index it came from.
    origin: Vec<u32>,
    /// Original text length in chars (the end of the last span).
    original_len: u32,
    /// Byte ranges of `text` that are site boilerplate, sorted and disjoint.
    boilerplate: Vec<Range<usize>>,
}

impl Normalized {
    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Length of the normalised text in chars.
    pub fn char_len(&self) -> usize {
        self.origin.len()
    }

    /// The normalised text with boilerplate cut out, as borrowed segments in order.
    pub fn content(&self) -> impl Iterator<Item = &str> + '_ {
        let mut pos = 0;
        let mut cuts = self.boilerplate.iter();
        std::iter::from_fn(move || loop {
            if pos > self.text.len() {
                return None;
            }
            let (end, next) = match cuts.next() {
                Some(cut) => (cut.start, cut.end),
                None => (self.text.len(), self.text.len() + 1),
            };
            let seg = &self.text[pos..end];
            pos = next;
            if !seg.is_empty() {
                return Some(seg);
            }
        })
    }

    /// Maps a char span of the normalised text to the char span of the original text it covers.
    ///
    /// Spans out of range are clamped; an empty span maps to an empty span.
    pub fn to_original(&self, span: Range<usize>) -> Range<usize> {
        let n = self.origin.len();
        let (s, e) = (span.start.min(n), span.end.min(n));
        let start = self.orig_start(s);
        if e <= s {
            return start..start;
        }
        let end = self.origin[e - 1] as usize + 1;
        start..end.max(start)
    }

    /// Maps an original char offset to the first normalised char at or after it.
    pub fn to_normalized(&self, original: usize) -> usize {
        self.origin.partition_point(|&o| (o as usize) < original)
    }

    fn orig_start(&self, i: usize) -> usize {
        self.origin
            .get(i)
            .map_or(self.original_len as usize, |&o| o as usize)
    }
}

/// Two runs of chars: a dictionary key and its value (equally long, checked when loading), or
/// the context before and after 著.
type Pair = (Box<[char]>, Box<[char]>);

/// 著 is also a simplified char (显著, 著作), so OpenCC leaves it; as the aspect particle
/// (存在著, 隨著) simplified script writes 着.
const ZHU: char = '著';

/// Turns raw notice text into [`Normalized`] text. Build once and share: it holds the
/// conversion tables (about a millisecond to build from the vendored dictionaries).
pub struct Normalizer {
    /// TSCharacters: traditional char → simplified char, only chars that change.
    chars: FxHashMap<char, char>,
    /// TSPhrases by first char, longest key first.
    phrases: FxHashMap<char, Vec<Pair>>,
    /// `zhu_words.txt` split around 著: the chars before it (nearest first) and after it.
    zhu_words: Vec<Pair>,
    /// Bit per BMP char that is a key above (or 著), so other chars skip the lookups.
    special: Box<[u64; 1024]>,
}

impl Normalizer {
    pub fn new() -> Result<Self, TextError> {
        let mut chars = FxHashMap::default();
        let file = "ts_characters.txt";
        for (key, value) in dictionary(file, include_str!("ts_characters.txt"))? {
            match (&key[..], &value[..]) {
                ([k], [v]) if k != v => {
                    chars.insert(*k, *v);
                }
                ([_], [_]) => {}
                _ => return Err(bad_data(file, &key.iter().collect::<String>())),
            }
        }
        let mut phrases: FxHashMap<char, Vec<Pair>> = FxHashMap::default();
        for (key, value) in dictionary("ts_phrases.txt", include_str!("ts_phrases.txt"))? {
            if let Some(&first) = key.first() {
                phrases.entry(first).or_default().push((key, value));
            }
        }
        for list in phrases.values_mut() {
            list.sort_by_key(|(key, _)| std::cmp::Reverse(key.len()));
        }
        let zhu_words = data_lines(include_str!("zhu_words.txt"))
            .map(|word| match word.split_once(ZHU) {
                Some((before, after)) => {
                    Ok((before.chars().rev().collect(), after.chars().collect()))
                }
                None => Err(bad_data("zhu_words.txt", word)),
            })
            .collect::<Result<_, _>>()?;
        let mut special = Box::new([0u64; 1024]);
        for &c in chars.keys().chain(phrases.keys()).chain([&ZHU]) {
            if let Some(bits) = special.get_mut(c as usize / 64) {
                *bits |= 1 << (c as usize % 64);
            }
        }
        Ok(Self {
            chars,
            phrases,
            zhu_words,
            special,
        })
    }

    /// Might `c` be converted? Every key is a CJK ideograph (U+3400 and up); outside the BMP
    /// the lookups decide.
    fn is_special(&self, c: char) -> bool {
        let i = c as usize;
        i >= 0x3400
            && self
                .special
                .get(i / 64)
                .is_none_or(|bits| bits & (1 << (i % 64)) != 0)
    }

    fn simplified(&self, c: char) -> char {
        self.chars.get(&c).copied().unwrap_or(c)
    }

    /// Normalises `raw`. Never fails: text that cannot be improved is passed through.
    pub fn normalize(&self, raw: &str) -> Normalized {
        let original_len = raw.chars().count();
        let mut text = String::with_capacity(raw.len());
        let mut origin = Vec::with_capacity(original_len);
        // Only text with a traditional char is converted, so phrase rules (沈默 → 沉默, 著 → 着)
        // never touch simplified text. The first such char restarts the pass in converting mode
        // (it is usually in the title), which spares simplified text a separate scan.
        let mut convert = false;
        let mut fold = Fold::new(raw);
        while let Some((c, i)) = fold.next() {
            if !self.is_special(c) || (!convert && !self.chars.contains_key(&c)) {
                text.push(c);
                origin.push(i);
                continue;
            }
            if !convert {
                convert = true;
                fold = Fold::new(raw);
                text.clear();
                origin.clear();
                continue;
            }
            if let Some(value) = self.phrase_at(c, &fold) {
                // The key's other chars come next in `fold`; each value char keeps its key
                // char's origin, so the offset map stays exact.
                let rest = fold.by_ref().take(value.len().saturating_sub(1));
                for (&v, o) in value
                    .iter()
                    .zip(std::iter::once(i).chain(rest.map(|(_, o)| o)))
                {
                    text.push(v);
                    origin.push(o);
                }
                continue;
            }
            text.push(match c {
                ZHU if !self.zhu_word_at(&text, &fold) => '着',
                _ => self.simplified(c),
            });
            origin.push(i);
        }
        let boilerplate = boilerplate_spans(&text);
        Normalized {
            text,
            origin,
            original_len: original_len as u32,
            boilerplate,
        }
    }

    /// The value of the longest TSPhrases key made of `c` and the chars `ahead`, as OpenCC picks.
    fn phrase_at(&self, c: char, ahead: &Fold) -> Option<&[char]> {
        let (_, value) = self.phrases.get(&c)?.iter().find(|(key, _)| {
            let mut ahead = ahead.clone();
            key.iter()
                .skip(1)
                .all(|&k| ahead.next().is_some_and(|(a, _)| a == k))
        })?;
        Some(&**value)
    }

    /// Is the 著 about to be pushed part of a `zhu_words.txt` word? `text` is the converted text
    /// before it; the chars `ahead` are compared in their simplified form.
    fn zhu_word_at(&self, text: &str, ahead: &Fold) -> bool {
        self.zhu_words.iter().any(|(before, after)| {
            let mut ahead = ahead.clone();
            text.chars()
                .rev()
                .take(before.len())
                .eq(before.iter().copied())
                && after
                    .iter()
                    .all(|&a| ahead.next().is_some_and(|(c, _)| self.simplified(c) == a))
        })
    }
}

/// Non-empty, non-comment lines of a vendored data file.
fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// OpenCC dictionary lines `key<TAB>value[ value…]` as (key, first value): OpenCC uses only the
/// first. Key and value must be equally long and non-empty, or the offset map would break.
fn dictionary(file: &str, text: &str) -> Result<Vec<Pair>, TextError> {
    data_lines(text)
        .map(|line| {
            let (key, values) = line.split_once('\t').ok_or_else(|| bad_data(file, line))?;
            let value = values.split_once(' ').map_or(values, |(first, _)| first);
            let (key, value): Pair = (key.chars().collect(), value.chars().collect());
            if key.is_empty() || key.len() != value.len() {
                return Err(bad_data(file, line));
            }
            Ok((key, value))
        })
        .collect()
}

fn bad_data(file: &str, line: &str) -> TextError {
    TextError::Dictionary(format!("{file}: bad entry {line:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Normalized {
        Normalizer::new().unwrap().normalize(s)
    }

    #[test]
    fn traditional_with_pinyin_artifacts_becomes_simplified_words() {
        // Real patterns from crawled pages (web source of the pool).
        assert_eq!(
            norm("本網(wǎng)拉薩8月11日訊").as_str(),
            "本网拉萨8月11日讯"
        );
        assert_eq!(norm("自治區(qū)黨委").as_str(), "自治区党委");
        assert_eq!(norm("國務(wù)院辦公廳").as_str(), "国务院办公厅");
        assert_eq!(
            norm("實現(xiàn)了經(jīng)濟發(fā)展").as_str(),
            "实现了经济发展"
        );
        assert_eq!(norm("會議(yì)強調(diào)").as_str(), "会议强调");
        assert_eq!(norm("全會(huì )精神").as_str(), "全会精神");
        // Simplified text skips OpenCC but still gets the rest of normalisation.
        assert_eq!(norm("国务院１２月").as_str(), "国务院12月");
    }

    #[test]
    fn ordinary_parentheses_stay() {
        assert_eq!(norm("(記者 張黎黎)").as_str(), "(记者 张黎黎)");
        assert_eq!(norm("常委會(擴大)會議").as_str(), "常委会(扩大)会议");
        assert_eq!(norm("（一）總體要求").as_str(), "(一)总体要求");
        assert_eq!(norm("附件(a)").as_str(), "附件(a)");
    }

    #[test]
    fn width_space_and_controls_fold() {
        assert_eq!(norm("１２月３１日").as_str(), "12月31日");
        assert_eq!(norm("ＡＢＣ，１").as_str(), "ABC,1");
        assert_eq!(norm("a\u{3000}b\u{00A0}c").as_str(), "a b c");
        assert_eq!(norm("通\u{200B}知\u{FEFF}").as_str(), "通知");
        assert_eq!(norm("一\r\n二\r三").as_str(), "一\n二\n三");
    }

    #[test]
    fn offsets_map_back_to_original_chars() {
        let raw = "本網(wǎng)拉薩１２月\u{200B}訊";
        let n = norm(raw);
        assert_eq!(n.as_str(), "本网拉萨12月讯");
        let chars: Vec<char> = raw.chars().collect();
        let slice = |r: Range<usize>| chars[r].iter().collect::<String>();
        assert_eq!(slice(n.to_original(2..4)), "拉薩");
        assert_eq!(slice(n.to_original(4..7)), "１２月");
        assert_eq!(
            slice(n.to_original(0..2)),
            "本網(wǎng)"[..].chars().take(2).collect::<String>()
        );
        assert_eq!(n.to_original(7..8), 14..15);
    }

    #[test]
    fn boilerplate_is_cut_from_content_but_kept_in_text() {
        let raw = "当前位置 : 首页 > 民政要闻\n通榆县民政局部署工作。\n版权所有：吉林省民政厅 吉ICP备05002043号\n";
        let n = norm(raw);
        let content: String = n.content().collect();
        assert_eq!(content, "通榆县民政局部署工作。\n");
        assert!(n.as_str().contains("版权所有"));
    }

    #[test]
    fn boilerplate_phrases_in_long_lines() {
        let body = "各县民政局：为进一步做好特困人员救助供养工作，现将有关事项通知如下。".repeat(3);
        let raw = format!("{body}【字体：大 中 小】打印本页 京ICP备12345678号-1");
        let content: String = norm(&raw).content().collect();
        assert!(content.starts_with(norm(&body).as_str()));
        assert!(!content.contains("ICP") && !content.contains("打印本页"));
    }

    #[test]
    fn phrases_take_the_longest_key_and_keep_offsets() {
        assert_eq!(norm("乾隆年間乾淨").as_str(), "乾隆年间干净");
        assert_eq!(norm("乾隆時期").as_str(), "乾隆时期");
        // Phrase-only change (瞭 alone stays), matched across a garble; 解 keeps its own origin.
        let n = norm("我們不瞭(liǎo)解情況");
        assert_eq!(n.as_str(), "我们不了解情况");
        assert_eq!(n.to_original(3..5), 3..11);
        // Without any traditional char the text is not converted at all (沈默 may be a name).
        assert_eq!(norm("沈默瞭解").as_str(), "沈默瞭解");
    }

    #[test]
    fn zhu_becomes_zhe_outside_listed_words_in_traditional_text() {
        assert_eq!(norm("存在著問題，隨著時間").as_str(), "存在着问题,随着时间");
        assert_eq!(
            norm("顯著提高，著作權，著稱於世").as_str(),
            "显著提高,著作权,著称于世"
        );
        assert_eq!(
            norm("成績卓著，菡子著《重逢》").as_str(),
            "成绩卓著,菡子著《重逢》"
        );
        // Context is read through invisible chars and garbles too.
        assert_eq!(norm("顯(xiǎn)\u{200B}著").as_str(), "显著");
        // Simplified text keeps 著 as written.
        assert_eq!(norm("存在著问题").as_str(), "存在著问题");
    }

    #[test]
    fn dictionaries_load_and_bad_entries_are_refused() {
        let n = Normalizer::new().unwrap();
        assert!(n.chars.len() > 4000 && n.phrases.len() > 100 && n.zhu_words.len() > 20);
        assert!(dictionary("t", "開\t开 開\n").is_ok());
        for bad in ["開开", "開\t开心", "\t开"] {
            assert!(dictionary("t", bad).is_err(), "{bad:?}");
        }
    }
}
