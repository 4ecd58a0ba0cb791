//! Raw notice text → normalised text, with a map back to the original offsets.
//!
//! Normalisation folds width and spacing, drops zero-width characters and carriage returns,
//! removes pinyin left behind by broken script conversion (`網(wǎng)` → `網`), converts traditional
//! to simplified script, and marks site boilerplate (footers, crumbs, share bars). Every
//! normalised char remembers the original char it came from, so spans found downstream are
//! reported against the text the caller sent.

use std::ops::Range;
use std::sync::LazyLock;

use ferrous_opencc::{config::BuiltinConfig, OpenCC};
use regex::Regex;

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

/// Turns raw notice text into [`Normalized`] text. Build once and share: it holds the
/// conversion dictionaries.
pub struct Normalizer {
    t2s: OpenCC,
    /// Bit per BMP char: does OpenCC change it on its own? Most notices are already simplified,
    /// and this lets them skip the conversion, which costs more than tokenising.
    convertible: Box<[u64; 1024]>,
}

impl Normalizer {
    pub fn new() -> Result<Self, TextError> {
        let t2s = OpenCC::from_config(BuiltinConfig::T2s)
            .map_err(|e| TextError::Dictionary(e.to_string()))?;
        let mut convertible = Box::new([0u64; 1024]);
        let mut buf = [0u8; 4];
        for c in ('\u{3400}'..='\u{9FFF}').chain('\u{F900}'..='\u{FAFF}') {
            let one: &str = c.encode_utf8(&mut buf);
            if t2s.convert(one) != one {
                convertible[c as usize / 64] |= 1 << (c as usize % 64);
            }
        }
        Ok(Self { t2s, convertible })
    }

    /// Might OpenCC change `text`? Chars outside the BMP are checked by OpenCC itself.
    /// (Phrase-only conversions of unchanged chars, such as 瞭解→了解, are skipped in text
    /// that has no convertible char at all.)
    fn needs_conversion(&self, text: &str) -> bool {
        text.chars().any(|c| {
            let i = c as usize;
            i > 0xFFFF || self.convertible[i / 64] & (1 << (i % 64)) != 0
        })
    }

    /// Normalises `raw`. Never fails: text that cannot be improved is passed through.
    pub fn normalize(&self, raw: &str) -> Normalized {
        let (folded, origin) = fold(raw);
        let text = self.to_simplified(folded);
        let boilerplate = boilerplate_spans(&text);
        Normalized {
            text,
            origin,
            original_len: raw.chars().count() as u32,
            boilerplate,
        }
    }

    /// Converts to simplified script char-for-char, so the offset map stays valid. OpenCC's
    /// phrase tables almost never change length; when a line does, that line is converted one
    /// char at a time instead.
    fn to_simplified(&self, text: String) -> String {
        if !self.needs_conversion(&text) {
            return text;
        }
        let converted = self.t2s.convert(&text);
        if converted.chars().count() == text.chars().count() {
            return converted;
        }
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let conv = self.t2s.convert(line);
            if conv.chars().count() == line.chars().count() {
                out.push_str(&conv);
            } else {
                for c in line.chars() {
                    let mut buf = [0u8; 4];
                    let one = self.t2s.convert(c.encode_utf8(&mut buf));
                    let mut it = one.chars();
                    match (it.next(), it.next()) {
                        (Some(s), None) => out.push(s),
                        _ => out.push(c),
                    }
                }
            }
        }
        out
    }
}

/// Width, space and control folding plus pinyin-artifact removal, keeping each output char's
/// original index.
fn fold(raw: &str) -> (String, Vec<u32>) {
    let chars: Vec<char> = raw.chars().collect();
    let mut text = String::with_capacity(raw.len());
    let mut origin = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_han(c) {
            if let Some(skip) = pinyin_artifact_len(&chars[i + 1..]) {
                text.push(c);
                origin.push(i as u32);
                i += 1 + skip;
                continue;
            }
        }
        if let Some(f) = fold_char(c, chars.get(i + 1).copied()) {
            text.push(f);
            origin.push(i as u32);
        }
        i += 1;
    }
    (text, origin)
}

/// One char's folded form, or `None` when it is dropped.
fn fold_char(c: char, next: Option<char>) -> Option<char> {
    match c {
        '\r' if next == Some('\n') => None,
        '\r' => Some('\n'),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => None,
        '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\t' => {
            Some(' ')
        }
        // Full-width ASCII block maps onto ASCII by a fixed offset.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        _ => Some(c),
    }
}

/// Length of a `(pīnyīn)` group at the start of `rest` (brackets included), if it is one.
/// Ordinary parentheses (`(记者 张黎黎)`, `(扩大)`, `（一）`) never qualify: the content must be
/// Latin letters carrying a tone mark, or a toneless syllable from a short list.
fn pinyin_artifact_len(rest: &[char]) -> Option<usize> {
    let open = *rest.first()?;
    if open != '(' && open != '（' {
        return None;
    }
    let close = rest.iter().take(11).position(|&c| c == ')' || c == '）')?;
    // Broken converters sometimes pad the syllable: `(huì )`.
    let inner: Vec<char> = rest[1..close]
        .iter()
        .copied()
        .filter(|&c| c != ' ')
        .collect();
    if inner.is_empty() || inner.len() > 6 || !inner.iter().all(|&c| is_pinyin_letter(c)) {
        return None;
    }
    let toned = inner.iter().any(|&c| !c.is_ascii_lowercase());
    let word: String = inner.iter().collect();
    (toned || TONELESS.contains(&word.as_str())).then_some(close + 1)
}

const TONELESS: &[&str] = &["de", "le", "men", "me", "zi", "ma", "ne", "ba", "zhe"];

fn is_pinyin_letter(c: char) -> bool {
    c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ".contains(c)
}

/// CJK unified ideographs (with extension A), the script of notice bodies.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Whole short lines that are site chrome, and boilerplate phrases inside longer lines.
static BOILERPLATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"版权所有|ICP备|ICP证|公网安备|公安备案|网站标识码|分享到|字体\s*[:：]?\s*[【\[]?\s*大|",
        r"打印本页|【打印】|\[打印\]|关闭窗口|【关闭】|责任编辑|扫一扫在手机|当前位置|您的位置|",
        r"网站地图|联系我们|主办单位|承办单位|技术支持|浏览次数|访问量|上一篇|下一篇|首页\s*[>＞»]|",
        r"用手机扫描|手机版|无障碍|适老化|收藏本页|设为首页|加入收藏"
    ))
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

static BOILERPLATE_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"[\p{Han}]{0,3}ICP[备证]\s*\d+号?(?:-\d+)?|[\p{Han}]{0,3}公网安备\s*\d+号?|",
        r"版权所有[^。\n]{0,40}|网站标识码\s*[:：]?\s*\w+|【字体\s*[:：]?\s*大\s*中\s*小】|",
        r"分享到\s*[:：]?|扫一扫在手机打开当前页|打印本页|关闭窗口|责任编辑\s*[:：]\s*\S{0,8}"
    ))
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// Lines no longer than this are dropped whole when they carry a boilerplate marker.
const SHORT_LINE: usize = 80;

fn boilerplate_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        if BOILERPLATE_LINE.is_match(line) {
            if line.chars().count() <= SHORT_LINE {
                spans.push(start..end);
            } else {
                spans.extend(
                    BOILERPLATE_PHRASE
                        .find_iter(line)
                        .map(|m| start + m.start()..start + m.end()),
                );
            }
        }
        start = end;
    }
    spans
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
}
