//! Rule-based extraction of the closed-class entities in Chinese notices.
//!
//! The learned extractor handles open classes (PERSON, ORG, LOCATION); the four classes here
//! (DOC_NUMBER 发文字号, DATE, PHONE, EMAIL) have a regular surface form, so regexes find them more
//! precisely and far more cheaply than a model. The rules favour precision over recall: a form
//! that is ambiguous is left unmatched.
//!
//! The input must already be normalised (full-width ASCII folded to ASCII, simplified script,
//! LF line ends). Offsets in the result are `char` (Unicode scalar value) offsets, end exclusive.
//!
//! Normalised forms:
//! * DOC_NUMBER: the number without spaces, brackets unified to `〔〕`, e.g. `国办发〔2020〕5号`
//!   (a written `第` is kept: `京政发〔2020〕第3号`).
//! * DATE: ISO 8601: `2020-01-29`, `2020-01`, `2020-01-29T09:00`, `2020-02-25T15:55:00`; a date
//!   without a year takes the year of the document's first full date, else the yearless forms
//!   `--01-29` and (day only) `---29`.
//! * PHONE: digits, with one hyphen between area code and local number (`0311-87801234`);
//!   mobiles, service numbers and hotlines are bare digits. An extension (`转123`) is part of
//!   the span but not of the normalised form.
//! * EMAIL: the address in lower case.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// The kind of closed-class entity a [`PatternMatch`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatternKind {
    /// An official document number (发文字号), e.g. `国办发〔2020〕5号`.
    DocNumber,
    /// An explicit date or date-time, e.g. `2020年1月29日`, `11日下午`.
    Date,
    /// A telephone number: mobile, landline with area code, 400/800 or a public hotline.
    Phone,
    /// An e-mail address.
    Email,
}

/// One entity found by [`find_patterns`].
#[derive(Debug, Clone, PartialEq)]
pub struct PatternMatch {
    /// What was found.
    pub kind: PatternKind,
    /// Start offset in chars.
    pub start: usize,
    /// End offset in chars, exclusive.
    pub end: usize,
    /// Canonical form (see the module documentation).
    pub normalized: String,
}

/// Finds all closed-class entities in `text`, non-overlapping, sorted by start.
pub fn find_patterns(text: &str) -> Vec<PatternMatch> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut cands: Vec<Cand> = Vec::new();
    find_doc_numbers(text, &mut cands);
    find_emails(text, &mut cands);
    find_dates(text, &mut cands);
    find_phones(text, &mut cands);

    // Higher priority first, then longer, then earlier: the greedy pass keeps the best.
    cands.sort_by(|a, b| {
        priority(a.kind)
            .cmp(&priority(b.kind))
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    // Boilerplate and URLs block every kind; they are seeded as taken ranges.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    taken.extend(blocked_ranges(text));
    let mut kept: Vec<Cand> = Vec::new();
    for c in cands {
        if c.start < c.end && !overlaps(&taken, c.start, c.end) {
            taken.insert(c.start, c.end);
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    to_char_offsets(text, kept)
}

/// Overlap resolution order: lower value wins.
fn priority(kind: PatternKind) -> u8 {
    match kind {
        PatternKind::DocNumber => 0,
        PatternKind::Email => 1,
        PatternKind::Date => 2,
        PatternKind::Phone => 3,
    }
}

/// A candidate in byte offsets, before overlap resolution.
#[derive(Debug)]
struct Cand {
    kind: PatternKind,
    start: usize,
    end: usize,
    normalized: String,
}

/// Whether `[s, e)` intersects any range in `taken` (ranges there never overlap each other).
fn overlaps(taken: &BTreeMap<usize, usize>, s: usize, e: usize) -> bool {
    if let Some((_, &pe)) = taken.range(..e).next_back() {
        // The last range starting before `e` is the only one that can reach past `s`.
        if pe > s {
            return true;
        }
    }
    false
}

/// Maps byte offsets of the sorted, disjoint matches to char offsets in one pass.
fn to_char_offsets(text: &str, kept: Vec<Cand>) -> Vec<PatternMatch> {
    let mut out = Vec::with_capacity(kept.len());
    let mut chars = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()));
    let mut char_idx = 0usize;
    let mut cur = chars.next();
    // Advances the shared cursor to byte `target` and returns its char index.
    let mut seek = |target: usize| -> usize {
        while let Some(b) = cur {
            if b >= target {
                break;
            }
            cur = chars.next();
            char_idx += 1;
        }
        char_idx
    };
    for c in kept {
        let start = seek(c.start);
        let end = seek(c.end);
        out.push(PatternMatch {
            kind: c.kind,
            start,
            end,
            normalized: c.normalized,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Small text helpers
// ---------------------------------------------------------------------------------------------

/// Char immediately before byte offset `i`.
fn prev_char(text: &str, i: usize) -> Option<char> {
    text.get(..i).and_then(|s| s.chars().next_back())
}

/// Char starting at byte offset `i`.
fn next_char(text: &str, i: usize) -> Option<char> {
    text.get(i..).and_then(|s| s.chars().next())
}

/// Second char starting at byte offset `i`.
fn next_char2(text: &str, i: usize) -> Option<char> {
    text.get(i..).and_then(|s| s.chars().nth(1))
}

fn is_digit(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}

fn is_ascii_alnum(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric())
}

/// CJK unified ideographs (basic, extension A, compatibility and the supplementary planes).
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}')
}

/// At most `max` bytes of `text` from byte `i`, cut at a char boundary (bounds look-ahead work).
fn head(text: &str, i: usize, max: usize) -> &str {
    let t = text.get(i..).unwrap_or("");
    let mut n = t.len().min(max);
    while !t.is_char_boundary(n) {
        n -= 1;
    }
    &t[..n]
}

/// Parses a short ASCII digit string; `None` on anything else (never panics).
fn num(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    s.parse().ok()
}

/// Text of capture group `name`, if it took part in the match.
fn cap<'t>(c: &Captures<'t>, name: &str) -> Option<&'t str> {
    c.name(name).map(|m| m.as_str())
}

/// Units and measure words: a number followed by one of these is a quantity, not a phone.
fn is_unit_char(c: char) -> bool {
    "元万亿千百十人名位个件起次条户家所项宗例份批处天年月日号台辆座吨米亩余多%‰平公里小分秒岁只头套张本期届级度倍斤克升页部节类种场轮组支册栋间床双片块枚股".contains(c)
}

// ---------------------------------------------------------------------------------------------
// Blocked ranges: ICP / 公安备案 boilerplate and URLs
// ---------------------------------------------------------------------------------------------

/// ICP licence numbers, e.g. `京ICP备12345678号-1`, `ICP经营许可证100299号`.
static ICP_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)ICP\p{Han}{0,6}[ \t:：]*[0-9]+(?:[ \t]*号)?(?:[ \t]*-[ \t]*[0-9]+)?")
        .expect("valid ICP regex")
});

/// Police filing numbers and other site registration codes, e.g. `京公网安备11010502030143号`.
static FILING_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:公网安备|网安备|公安备案号?|公安机关备案号?|备案编号|备案序号|备案号|网站标识码|标识码)[ \t:：]*[0-9]+(?:[ \t]*号)?",
    )
    .expect("valid filing regex")
});

/// URLs carry path digits that look like dates and phones.
static URL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:https?://|www\.)[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+").expect("valid URL regex")
});

/// Byte ranges that no entity may overlap, sorted and disjoint.
fn blocked_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for re in [&*ICP_RE, &*FILING_RE] {
        out.extend(re.find_iter(text).map(|m| (m.start(), m.end())));
    }
    for m in URL_RE.find_iter(text) {
        // `www.` inside an e-mail domain (`a@www.x.cn`) is not a URL start.
        let p = prev_char(text, m.start());
        if !(is_ascii_alnum(p) || matches!(p, Some('@' | '.'))) {
            out.push((m.start(), m.end()));
        }
    }
    out.sort_unstable();
    // Merge overlaps so that the taken set stays disjoint.
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(out.len());
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

// ---------------------------------------------------------------------------------------------
// DOC_NUMBER
// ---------------------------------------------------------------------------------------------

/// Bracketed year plus serial: `〔2020〕5号`, `[2020]第3号`, mixed brackets as OCR produces them.
static DOC_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<open>[〔\[(（【［])[ ]?(?P<year>[0-9]{4})[ ]?(?P<close>[〕\])）】］])[ ]?(?P<di>第)?[ ]?(?P<num>[0-9]{1,5}(?:-[0-9]{1,3})?)[ ]?号",
    )
    .expect("valid doc-number regex")
});

/// Words that end the text before a document number: the prefix starts after the last one.
const HARD_STOPS: &[&str] = &[
    "根据", "按照", "依据", "依照", "遵照", "参照", "对照", "详见", "参见", "印发", "转发", "下发",
    "执行", "落实", "贯彻", "符合", "关于", "文件", "事项", "加急", "特急", "特提", "平急", "急件",
    "见", "按", "仍", "被", "在", "你", "的", "和", "及", "与", "号",
];

/// Genre words: an issuer abbreviation never ends in one, but one may run into it
/// (`通知国办发`); cut when at least two chars follow, drop the prefix when nothing else is left.
const GENRE_WORDS: &[&str] = &[
    "通知", "意见", "决定", "批复", "通报", "请示", "报告", "措施",
];

/// Issuer names that may run straight into an abbreviation (`…有限公司办值通`); cut only when
/// both sides keep text, so `人社厅发` or `人社部函` stay whole.
/// The number is how many chars must precede the word (`明电` also heads a header: `明电鲁政办发`).
const SOFT_STOPS: &[(&str, usize)] = &[
    ("委员会", 1),
    ("纪检监察组", 1),
    ("纪要", 1),
    ("总署", 1),
    ("办公室", 1),
    ("办公厅", 1),
    ("公司", 1),
    ("集团", 1),
    ("中心", 1),
    ("政府", 1),
    ("明电", 0),
    ("局", 1),
    ("厅", 1),
    ("部", 1),
    ("令", 1),
];

/// Longest issuer prefix accepted; a longer CJK run is an unsegmented header, left alone.
const MAX_PREFIX_CHARS: usize = 12;
/// How far back the CJK run is examined (bounds the work per match).
const PREFIX_SCAN_CHARS: usize = 40;

fn find_doc_numbers(text: &str, out: &mut Vec<Cand>) {
    for c in DOC_RE.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let (Some(year), Some(num_s)) = (cap(&c, "year").and_then(num), cap(&c, "num")) else {
            continue;
        };
        if !(1900..=2099).contains(&year) || next_char(text, m.end()) == Some('码') {
            continue;
        }
        let Some(prefix_start) = doc_prefix_start(text, m.start()) else {
            continue;
        };
        let prefix = text.get(prefix_start..m.start()).unwrap_or("").trim_end();
        if prefix.is_empty() {
            // A bare `(2020)638号` needs a plausible year and no alphanumeric glued in front.
            let paired = matches!(
                (cap(&c, "open"), cap(&c, "close")),
                (Some("〔"), Some("〕"))
                    | (Some("["), Some("]"))
                    | (Some("("), Some(")"))
                    | (Some("（"), Some("）"))
                    | (Some("【"), Some("】"))
                    | (Some("［"), Some("］"))
            );
            if !paired
                || !(1949..=2099).contains(&year)
                || is_ascii_alnum(prev_char(text, m.start()))
            {
                continue;
            }
        }
        let di = if cap(&c, "di").is_some() { "第" } else { "" };
        out.push(Cand {
            kind: PatternKind::DocNumber,
            start: prefix_start,
            end: m.end(),
            normalized: format!("{prefix}〔{year}〕{di}{num_s}号"),
        });
    }
}

/// Byte offset where the issuer prefix before the bracket at `open` starts (`open` itself when
/// there is none), or `None` when the CJK run is too long to segment safely.
fn doc_prefix_start(text: &str, open: usize) -> Option<usize> {
    let before = text.get(..open)?;
    // One space between issuer and bracket occurs (`新党发 〔2016〕2号`).
    let run_end = match before.strip_suffix(' ') {
        Some(b) if b.chars().next_back().is_some_and(is_han) => b.len(),
        _ => open,
    };
    let mut run_start = run_end;
    for (i, ch) in before[..run_end]
        .char_indices()
        .rev()
        .take(PREFIX_SCAN_CHARS)
    {
        if !is_han(ch) {
            break;
        }
        run_start = i;
    }
    if run_start == run_end {
        return Some(open);
    }
    // A run glued to a number starts with its unit (`…12日交公路发`): drop that char.
    let glued = is_digit(prev_char(text, run_start));
    if let Some(ch) =
        next_char(text, run_start).filter(|&ch| glued && "年月日号时分秒".contains(ch))
    {
        run_start += ch.len_utf8();
    }
    let run = &text[run_start..run_end];
    let mut cut = 0usize;
    for w in HARD_STOPS {
        if let Some(p) = run.rfind(w) {
            cut = cut.max(p + w.len());
        }
    }
    let mut rest = &run[cut..];
    for w in GENRE_WORDS {
        if let Some(p) = rest.rfind(w) {
            let after = p + w.len();
            if rest[after..].chars().count() >= 2 {
                rest = &rest[after..];
            }
        }
    }
    if GENRE_WORDS.contains(&rest) {
        return Some(open);
    }
    cut = run.len() - rest.len();
    let mut soft = 0usize;
    for (w, min_before) in SOFT_STOPS {
        for (p, _) in rest.match_indices(w) {
            let after = p + w.len();
            if rest[..p].chars().count() >= *min_before && rest[after..].chars().count() >= 2 {
                soft = soft.max(after);
            }
        }
    }
    let prefix = &rest[soft..];
    if prefix.chars().count() > MAX_PREFIX_CHARS {
        return None;
    }
    if prefix.is_empty() {
        return Some(open);
    }
    Some(run_start + cut + soft)
}

// ---------------------------------------------------------------------------------------------
// EMAIL
// ---------------------------------------------------------------------------------------------

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}")
        .expect("valid e-mail regex")
});

/// An address starting right here (anchored, so the check costs only the address length).
static EMAIL_START_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*@[A-Za-z0-9]").expect("valid regex")
});

/// A local part that opens with a landline: `0311-66908752…@`.
static GLUED_PHONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(0[0-9]{2,3}-[0-9]{7,8})|0[0-9]{2,3}-[0-9])").expect("valid regex")
});

fn find_emails(text: &str, out: &mut Vec<Cand>) {
    for m in EMAIL_RE.find_iter(text) {
        // A TLD running into more letters or digits is OCR noise (`x@sgcc.com.cno3`).
        let next = next_char(text, m.end());
        if is_ascii_alnum(next) || (next == Some('-')) {
            continue;
        }
        let mut s = m.as_str().trim_start_matches(['-', '+', '%']);
        // A landline glued in front (`022-28237492lishuli@…`) is not part of the address.
        if let Some(g) = GLUED_PHONE_RE.captures(s) {
            match g.get(1) {
                Some(p) if s[p.end()..].starts_with(|c: char| c.is_ascii_alphabetic()) => {
                    s = &s[p.end()..];
                }
                _ => continue,
            }
        }
        let start = m.end() - s.len();
        if s.starts_with('@') {
            continue;
        }
        out.push(Cand {
            kind: PatternKind::Email,
            start,
            end: m.end(),
            normalized: s.to_ascii_lowercase(),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// DATE
// ---------------------------------------------------------------------------------------------

/// Date heads; leftmost-first picks the longest form at each start.
static DATE_RE: LazyLock<Regex> = LazyLock::new(|| {
    let cn_m = "十[一二]?|[一二三四五六七八九]";
    let cn_d = "三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]";
    let pat = format!(
        concat!(
            r"(?P<y1>[0-9]{{4}})年[ ]?(?P<m1>[0-9]{{1,2}})月(?:[ ]?(?P<d1>[0-9]{{1,2}})日)?",
            r"|(?P<y2>[0-9]{{4}})(?P<s1>[-/.])(?P<m2>[0-9]{{1,2}})(?P<s2>[-/.])(?P<d2>[0-9]{{1,2}})",
            r"|(?P<y3>[〇零○一二三四五六七八九]{{4}})年(?P<m3>{cn_m})月(?:(?P<d3>{cn_d})日)?",
            r"|(?P<y7>[0-9]{{4}})年度?",
            r"|(?P<m8>[0-9]{{1,2}})月份",
            r"|(?P<m4>[0-9]{{1,2}})月[ ]?(?P<d4>[0-9]{{1,2}})日",
            r"|(?P<m5>{cn_m})月(?P<d5>{cn_d})日",
            r"|(?P<d6>[0-9]{{1,2}})日",
        ),
        cn_m = cn_m,
        cn_d = cn_d
    );
    Regex::new(&pat).expect("valid date regex")
});

/// Part of day and clock time after a Chinese date (`上午9时`, `19:30`, `下午3点半`).
static CN_TIME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<p>上午|下午|中午|晚上|早上|早晨|凌晨|傍晚|夜间|夜里|晚)?(?:(?P<h>[0-9]{1,2})(?:时|点)(?:(?P<mi>[0-9]{1,2})分|(?P<half>半))?|(?P<h2>[0-9]{1,2}):(?P<mi2>[0-9]{2})(?::(?P<s2>[0-9]{2}))?)?",
    )
    .expect("valid time regex")
});

/// Clock time after a numeric date (`2020-02-25 15:55:00`).
static ISO_TIME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:T|[ ]{1,2})(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?")
        .expect("valid ISO time regex")
});

/// A further day in the same month: `2月19日和24日`, `10月1日至7日`.
static DAY_CONT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:和|及|与|、|至|到|或|——|—|-|~|～)(?P<d>[0-9]{1,2})日").expect("valid regex")
});

/// Year as written relative to the document date, for month-day dates (`去年3月5日`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum YearRef {
    Explicit(u32),
    Doc(i32),
}

#[derive(Debug, Clone, Copy)]
struct DateVal {
    year: Option<YearRef>,
    month: Option<u32>,
    day: Option<u32>,
    /// Hour, minute, optional second.
    time: Option<(u32, u32, Option<u32>)>,
}

struct DateCand {
    start: usize,
    end: usize,
    val: DateVal,
}

fn cn_digit(c: char) -> Option<u32> {
    match c {
        '〇' | '零' | '○' => Some(0),
        '一' => Some(1),
        '二' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    }
}

/// `二〇二〇` → 2020 (digit by digit).
fn cn_year(s: &str) -> Option<u32> {
    s.chars()
        .try_fold(0u32, |acc, c| Some(acc * 10 + cn_digit(c)?))
}

/// `十二` → 12, `二十九` → 29, `三十一` → 31, `九` → 9.
fn cn_small(s: &str) -> Option<u32> {
    let cs: Vec<char> = s.chars().collect();
    match cs.as_slice() {
        [a] if *a == '十' => Some(10),
        [a] => cn_digit(*a),
        ['十', b] => Some(10 + cn_digit(*b)?),
        [a, '十'] => Some(cn_digit(*a)? * 10),
        [a, '十', b] => Some(cn_digit(*a)? * 10 + cn_digit(*b)?),
        _ => None,
    }
}

fn days_in_month(year: Option<u32>, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => match year {
            Some(y) if !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) => 28,
            _ => 29,
        },
        _ => 0,
    }
}

fn valid_md(year: Option<u32>, month: u32, day: Option<u32>) -> bool {
    (1..=12).contains(&month) && day.is_none_or(|d| d >= 1 && d <= days_in_month(year, month))
}

/// Words that make a following bare day relative (`第3日`, `前3日`), not a date.
fn relative_before_day(c: Option<char>) -> bool {
    c.is_some_and(|c| "第近前后每这那隔数连续头末(（".contains(c))
}

fn find_dates(text: &str, out: &mut Vec<Cand>) {
    let mut dates: Vec<DateCand> = Vec::new();
    for c in DATE_RE.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let (start, end) = (m.start(), m.end());
        let prev = prev_char(text, start);
        if is_digit(prev) || (matches!(prev, Some('.' | '-' | '/')) && c.name("y2").is_some()) {
            continue;
        }
        let Some((val, numeric, chinese)) = parse_date_head(&c, text, start) else {
            continue;
        };
        if chinese && prev.and_then(cn_digit).is_some() {
            continue;
        }
        // `2019-2021年`: half of a range whose first year has no 年; not a date of its own.
        if c.name("y7").is_some() && matches!(prev, Some('-' | '—' | '–' | '~' | '～')) {
            continue;
        }
        let next = next_char(text, end);
        if numeric {
            // `2020.02.25.1`, `2020-02-251`: part of something longer.
            if is_digit(next)
                || matches!(next, Some('.' | '-' | '/')) && is_digit(next_char2(text, end))
            {
                continue;
            }
        } else if is_digit(next) && val.day.is_none() && c.name("d6").is_none() {
            // `2020年1月29` with no 日 is malformed.
            continue;
        }
        let mut d = DateCand { start, end, val };
        if numeric {
            extend_iso_time(text, &mut d);
        } else if val.day.is_some() {
            extend_cn_time(text, &mut d);
        }
        if c.name("d6").is_some() {
            // A bare day is a date only with a part of day (`11日下午`).
            if d.end == end || relative_before_day(prev) {
                continue;
            }
        }
        let chain_month = d.val.day.and(d.val.month);
        let chain_year = d.val.year;
        let mut pos = d.end;
        dates.push(d);
        if let Some(month) = chain_month {
            // Further days of the same month: `2月19日和24日`.
            while let Some(cc) = text.get(pos..).and_then(|s| DAY_CONT_RE.captures(s)) {
                let (Some(all), Some(day)) = (cc.get(0), cap(&cc, "d").and_then(num)) else {
                    break;
                };
                let explicit = match chain_year {
                    Some(YearRef::Explicit(y)) => Some(y),
                    _ => None,
                };
                let dm = cc.get(1).map_or(0, |g| g.start());
                let (ds, de) = (pos + dm, pos + all.end());
                if is_digit(next_char(text, de)) || !valid_md(explicit, month, Some(day)) {
                    break;
                }
                let mut cont = DateCand {
                    start: ds,
                    end: de,
                    val: DateVal {
                        year: chain_year,
                        month: Some(month),
                        day: Some(day),
                        time: None,
                    },
                };
                extend_cn_time(text, &mut cont);
                pos = cont.end;
                dates.push(cont);
            }
        }
    }
    // The document's own year: the first complete date that states its year.
    let doc_year = dates.iter().find_map(|d| match (d.val.year, d.val.day) {
        (Some(YearRef::Explicit(y)), Some(_)) if d.val.month.is_some() => Some(y as i32),
        _ => None,
    });
    for d in dates {
        out.push(Cand {
            kind: PatternKind::Date,
            start: d.start,
            end: d.end,
            normalized: iso_date(&d.val, doc_year),
        });
    }
}

/// Parses the matched head; returns the value and whether it is numeric / Chinese-numeral.
fn parse_date_head(c: &Captures<'_>, text: &str, start: usize) -> Option<(DateVal, bool, bool)> {
    let mut val = DateVal {
        year: None,
        month: None,
        day: None,
        time: None,
    };
    let (mut numeric, mut chinese) = (false, false);
    if let Some(y) = cap(c, "y1") {
        let y = num(y)?;
        if !(1800..=2199).contains(&y) {
            return None;
        }
        val.year = Some(YearRef::Explicit(y));
        val.month = Some(num(cap(c, "m1")?)?);
        val.day = match cap(c, "d1") {
            Some(d) => Some(num(d)?),
            None => None,
        };
    } else if let Some(y) = cap(c, "y2") {
        let y = num(y)?;
        if !(1900..=2099).contains(&y) || cap(c, "s1") != cap(c, "s2") {
            return None;
        }
        numeric = true;
        val.year = Some(YearRef::Explicit(y));
        val.month = Some(num(cap(c, "m2")?)?);
        val.day = Some(num(cap(c, "d2")?)?);
    } else if let Some(y) = cap(c, "y3") {
        let y = cn_year(y)?;
        if !(1800..=2199).contains(&y) {
            return None;
        }
        chinese = true;
        val.year = Some(YearRef::Explicit(y));
        val.month = Some(cn_small(cap(c, "m3")?)?);
        val.day = match cap(c, "d3") {
            Some(d) => Some(cn_small(d)?),
            None => None,
        };
    } else if let Some(y) = cap(c, "y7") {
        // A year on its own (`2020年`, `2020年度`) is an explicit date; normalised to `2020`.
        let y = num(y)?;
        if !(1800..=2199).contains(&y) {
            return None;
        }
        val.year = Some(YearRef::Explicit(y));
        return Some((val, false, false));
    } else if let Some(m) = cap(c, "m8") {
        // A month on its own (`4月份`), in the document's year.
        let m = num(m)?;
        if !(1..=12).contains(&m) || preceded_by_every(text, start) {
            return None;
        }
        val.month = Some(m);
        return Some((val, false, false));
    } else if let Some(m) = cap(c, "m4") {
        if preceded_by_every(text, start) {
            return None;
        }
        val.year = relative_year(text, start);
        val.month = Some(num(m)?);
        val.day = Some(num(cap(c, "d4")?)?);
    } else if let Some(m) = cap(c, "m5") {
        if preceded_by_every(text, start) {
            return None;
        }
        chinese = true;
        val.year = relative_year(text, start);
        val.month = Some(cn_small(m)?);
        val.day = Some(cn_small(cap(c, "d5")?)?);
    } else {
        let d = num(cap(c, "d6")?)?;
        if !(1..=31).contains(&d) {
            return None;
        }
        val.day = Some(d);
        return Some((val, false, false));
    }
    let explicit = match val.year {
        Some(YearRef::Explicit(y)) => Some(y),
        _ => None,
    };
    if !valid_md(explicit, val.month?, val.day) {
        return None;
    }
    Some((val, numeric, chinese))
}

/// `每年1月1日`, `每月5日` recur; they name no particular date.
fn preceded_by_every(text: &str, start: usize) -> bool {
    let before = text.get(..start).unwrap_or("");
    before.ends_with("每年") || before.ends_with('每')
}

/// Year of a month-day date written after 今年/去年/明年 (relative to the document year).
fn relative_year(text: &str, start: usize) -> Option<YearRef> {
    let before = text.get(..start).unwrap_or("");
    if before.ends_with("去年") {
        Some(YearRef::Doc(-1))
    } else if before.ends_with("明年") {
        Some(YearRef::Doc(1))
    } else {
        None
    }
}

fn extend_iso_time(text: &str, d: &mut DateCand) {
    let Some(c) = text.get(d.end..).and_then(|s| ISO_TIME_RE.captures(s)) else {
        return;
    };
    let Some(all) = c.get(0) else { return };
    let end = d.end + all.end();
    if is_digit(next_char(text, end)) || next_char(text, end) == Some(':') {
        return;
    }
    let h = cap(&c, "h").and_then(num);
    let mi = cap(&c, "mi").and_then(num);
    let s = cap(&c, "s").and_then(num);
    let valid = |&(h, mi): &(u32, u32)| h <= 23 && mi <= 59 && s.is_none_or(|s| s <= 59);
    if let Some((h, mi)) = h.zip(mi).filter(valid) {
        d.val.time = Some((h, mi, s));
        d.end = end;
    }
}

fn extend_cn_time(text: &str, d: &mut DateCand) {
    let Some(c) = text.get(d.end..).and_then(|s| CN_TIME_RE.captures(s)) else {
        return;
    };
    let base = d.end;
    let period = c.name("p");
    // `晚会`, `晚宴` are events, not the evening.
    let event = |p: &regex::Match<'_>| {
        p.as_str() == "晚"
            && next_char(text, base + p.end()).is_some_and(|ch| "会宴饭餐报霞间".contains(ch))
    };
    if period.as_ref().is_some_and(event) {
        return;
    }
    let hour = cap(&c, "h").or(cap(&c, "h2")).and_then(num);
    let minute = if c.name("half").is_some() {
        Some(30)
    } else {
        cap(&c, "mi").or(cap(&c, "mi2")).and_then(num)
    };
    let second = cap(&c, "s2").and_then(num);
    let full_end = c.get(0).map_or(base, |m| base + m.end());
    if let Some(h) = hour {
        let mi = minute.unwrap_or(0);
        let after = next_char(text, full_end);
        let ok = h <= 23 && mi <= 59 && second.is_none_or(|s| s <= 59) && !is_digit(after);
        if ok {
            let h = match period.map(|p| p.as_str()) {
                Some("下午" | "晚上" | "傍晚" | "夜间" | "夜里" | "晚") if h < 12 => {
                    h + 12
                }
                Some("中午") if h <= 3 => h + 12,
                _ => h,
            };
            d.val.time = Some((h, mi, second));
            d.end = full_end;
            return;
        }
    }
    if let Some(p) = period {
        d.end = base + p.end();
    }
}

fn iso_date(v: &DateVal, doc_year: Option<i32>) -> String {
    let year = match v.year {
        Some(YearRef::Explicit(y)) => Some(y as i32),
        Some(YearRef::Doc(off)) => doc_year.map(|y| y + off),
        None => doc_year,
    };
    let mut s = match (year, v.month, v.day) {
        (Some(y), Some(m), Some(d)) => format!("{y:04}-{m:02}-{d:02}"),
        (Some(y), Some(m), None) => format!("{y:04}-{m:02}"),
        (None, Some(m), Some(d)) => format!("--{m:02}-{d:02}"),
        (_, None, Some(d)) => format!("---{d:02}"),
        (None, Some(m), None) => format!("--{m:02}"),
        (Some(y), None, None) => format!("{y:04}"),
        (None, None, None) => String::new(),
    };
    if let Some((h, mi, sec)) = v.time {
        s.push_str(&format!("T{h:02}:{mi:02}"));
        if let Some(sec) = sec {
            s.push_str(&format!(":{sec:02}"));
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// PHONE
// ---------------------------------------------------------------------------------------------

/// Phone shapes: mobile, landline with area code (separated), 400/800, a local number without
/// area code, short hotline.
static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<mob>1[3-9][0-9]{9}|1[3-9][0-9]-[0-9]{4}-[0-9]{4})",
        r"|(?:\((?P<ac1>0[0-9]{2,3})\)[ \-]?|(?P<ac2>0[0-9]{2,3})(?:[ ]?[\-—–][ ]?|[ ]))(?P<local>[1-9][0-9]{6,7})",
        r"|(?P<svc>[48]00)(?P<sep>[\- ])(?P<svc2>[0-9]{3})[\- ](?P<svc3>[0-9]{4})",
        r"|(?P<svcc>[48]00[0-9]{7})",
        r"|(?P<bare>[2-9][0-9]{6,7})",
        r"|(?P<hot>[0-9]{3,5})",
    ))
    .expect("valid phone regex")
});

/// Extension after a landline: `转123`, `-123`, `分机123`.
static EXT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:转|分机|-)(?P<x>[0-9]{1,5})").expect("valid extension regex")
});

/// Public service hotlines (110 police, 119 fire, 120 ambulance, 123xx government lines …).
const HOTLINES: &[&str] = &[
    "110", "119", "120", "122", "12110", "12119", "12306", "12309", "12310", "12315", "12318",
    "12319", "12320", "12328", "12329", "12331", "12333", "12338", "12345", "12348", "12350",
    "12351", "12355", "12356", "12358", "12365", "12366", "12369", "12378", "12388", "12393",
    "12395", "95598", "96110",
];

/// Words that announce a phone number.
const PHONE_KEYWORDS: &[&str] = &["热线", "电话", "拨打", "举报"];

/// What may stand between a keyword and a hotline (`举报电话:`, `热线”和“`, `拨打110或`).
static HOTLINE_GAP_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:[ \t:：()（）“”"'、,，/]|号码|为|是|或|和|及|拨打|热线|电话|举报|投诉|咨询|服务|监督|专线|求助|报警|政务|市民|便民|[0-9]{3,8})*$"#)
        .expect("valid gap regex")
});

/// The hotline just before a list separator at the end of the text searched.
static HOTLINE_LIST_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9])([0-9]{3,8})[ ]?(?:、|,|，|/|或|和|及)[ ]?$").expect("valid regex")
});

/// How many chars a hotline may sit after its keyword.
const HOTLINE_WINDOW: usize = 6;

fn find_phones(text: &str, out: &mut Vec<Cand>) {
    for c in PHONE_RE.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let (start, mut end) = (m.start(), m.end());
        let prev = prev_char(text, start);
        let next = next_char(text, end);
        // Never part of a longer number or identifier.
        if is_ascii_alnum(prev) || is_digit(next) {
            continue;
        }
        // A letter may follow only when an e-mail address or a capitalised word starts there
        // (`…37492lishuli@tj.cn`, `13887859117My JSP` from glued page chrome), never a unit.
        if next.is_some_and(|n| n.is_ascii_alphabetic())
            && !(next.is_some_and(|n| n.is_ascii_uppercase())
                && next_char2(text, end).is_some_and(|n| n.is_ascii_lowercase()))
            && !EMAIL_START_RE.is_match(head(text, end, 128))
        {
            continue;
        }
        if matches!(prev, Some('.' | '-' | '_' | '/'))
            || next == Some('.') && is_digit(next_char2(text, end))
        {
            continue;
        }
        let normalized = if let Some(mob) = cap(&c, "mob") {
            if next.is_some_and(is_unit_char) || near_qq(text, start) {
                continue;
            }
            mob.replace('-', "")
        } else if let Some(local) = cap(&c, "local") {
            let Some(ac) = cap(&c, "ac1").or(cap(&c, "ac2")) else {
                continue;
            };
            if !valid_area(ac, local) || (next == Some('-') && !is_digit(next_char2(text, end))) {
                continue;
            }
            if let Some(x) = text.get(end..).and_then(|s| EXT_RE.captures(s)) {
                let xe = x.get(0).map_or(0, |g| g.end());
                if !is_digit(next_char(text, end + xe)) {
                    end += xe;
                } else {
                    continue;
                }
            } else if next == Some('-') {
                continue;
            }
            format!("{ac}-{local}")
        } else if let Some(svc) = cap(&c, "svc") {
            if next.is_some_and(is_unit_char) {
                continue;
            }
            let (Some(b), Some(d)) = (cap(&c, "svc2"), cap(&c, "svc3")) else {
                continue;
            };
            format!("{svc}{b}{d}")
        } else if let Some(svcc) = cap(&c, "svcc") {
            // An unseparated 400 number is only trusted right after a phone keyword.
            if next.is_some_and(is_unit_char) || !keyword_before(text, start) {
                continue;
            }
            svcc.to_string()
        } else if let Some(bare) = cap(&c, "bare") {
            // A landline without its area code (`电话：88267810`) only right after a keyword.
            if next.is_some_and(is_unit_char) || !keyword_before(text, start) {
                continue;
            }
            bare.to_string()
        } else if let Some(hot) = cap(&c, "hot") {
            if !HOTLINES.contains(&hot)
                || next.is_some_and(is_unit_char)
                || matches!(next, Some('-' | ':' | '.' | '%'))
                || !keyword_before(text, start)
            {
                continue;
            }
            hot.to_string()
        } else {
            continue;
        };
        out.push(Cand {
            kind: PatternKind::Phone,
            start,
            end,
            normalized,
        });
    }
}

/// Area code plus local-number length is a real Chinese landline shape.
fn valid_area(ac: &str, local: &str) -> bool {
    match ac.len() {
        // 010 and 02x are followed by 8 digits.
        3 => (ac == "010" || ac.starts_with("02")) && local.len() == 8,
        // 0xxx (x ≥ 3) by 7 or 8 digits.
        4 => !ac.starts_with("01") && !ac.starts_with("02") && ac != "0000",
        _ => false,
    }
}

/// `QQ:13527440590` is an account, not a phone.
fn near_qq(text: &str, start: usize) -> bool {
    let before: String = text
        .get(..start)
        .unwrap_or("")
        .chars()
        .rev()
        .take(6)
        .collect();
    before.contains("QQ") || before.contains("qq") || before.contains("群")
}

/// Whether a phone keyword ends within [`HOTLINE_WINDOW`] chars before `start`, separated from
/// it only by punctuation or connective words, or the number continues a list of hotlines that
/// has one (`举报电话:12350、110`).
fn keyword_before(text: &str, start: usize) -> bool {
    let mut start = start;
    // Each step moves one list item back; a few items are plenty and bound the work.
    for _ in 0..4 {
        let before = text.get(..start).unwrap_or("");
        // Look back far enough to cover a keyword that ends inside the window.
        let lo = before
            .char_indices()
            .rev()
            .nth(HOTLINE_WINDOW + 3)
            .map_or(0, |(i, _)| i);
        let tail = &before[lo..];
        let direct = PHONE_KEYWORDS.iter().any(|k| {
            tail.match_indices(k).any(|(p, _)| {
                let gap = &tail[p + k.len()..];
                gap.chars().count() <= HOTLINE_WINDOW && HOTLINE_GAP_RE.is_match(gap)
            })
        });
        if direct {
            return true;
        }
        match HOTLINE_LIST_RE.captures(tail) {
            Some(c) => match (c.get(0), c.get(1)) {
                (Some(all), Some(prev))
                    if HOTLINES.contains(&prev.as_str()) || prev.as_str().len() >= 7 =>
                {
                    start = lo + all.start();
                }
                _ => return false,
            },
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(PatternKind, String, String)> {
        let chars: Vec<char> = text.chars().collect();
        find_patterns(text)
            .into_iter()
            .map(|m| {
                let s: String = chars[m.start..m.end].iter().collect();
                (m.kind, s, m.normalized)
            })
            .collect()
    }

    fn of_kind(text: &str, kind: PatternKind) -> Vec<(String, String)> {
        spans(text)
            .into_iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, s, n)| (s, n))
            .collect()
    }

    fn one(text: &str, kind: PatternKind, span: &str, norm: &str) {
        let got = of_kind(text, kind);
        assert_eq!(
            got,
            vec![(span.to_string(), norm.to_string())],
            "text: {text}\nall: {:?}",
            spans(text)
        );
    }

    fn none(text: &str) {
        assert!(
            find_patterns(text).is_empty(),
            "text: {text}\ngot: {:?}",
            spans(text)
        );
    }

    use PatternKind::{Date, DocNumber, Email, Phone};

    // ---- DOC_NUMBER ----

    #[test]
    fn doc_number_basic_forms() {
        one(
            "院委〔2020〕4号",
            DocNumber,
            "院委〔2020〕4号",
            "院委〔2020〕4号",
        );
        one(
            "渝教工委〔2020〕1号",
            DocNumber,
            "渝教工委〔2020〕1号",
            "渝教工委〔2020〕1号",
        );
        one(
            "粤府办〔2013〕22号",
            DocNumber,
            "粤府办〔2013〕22号",
            "粤府办〔2013〕22号",
        );
        one(
            "国办发[2020]5号",
            DocNumber,
            "国办发[2020]5号",
            "国办发〔2020〕5号",
        );
        one(
            "国办发(2020)5号",
            DocNumber,
            "国办发(2020)5号",
            "国办发〔2020〕5号",
        );
        one(
            "鲁扶贫组字〔2021〕1号",
            DocNumber,
            "鲁扶贫组字〔2021〕1号",
            "鲁扶贫组字〔2021〕1号",
        );
        one(
            "京政发〔2020〕第3号",
            DocNumber,
            "京政发〔2020〕第3号",
            "京政发〔2020〕第3号",
        );
    }

    #[test]
    fn doc_number_all_bracket_kinds() {
        for (o, c) in [
            ("〔", "〕"),
            ("[", "]"),
            ("(", ")"),
            ("【", "】"),
            ("［", "］"),
            ("（", "）"),
        ] {
            let t = format!("国办发{o}2020{c}5号");
            one(&t, DocNumber, &t, "国办发〔2020〕5号");
        }
        // Mixed brackets, as OCR leaves them.
        one(
            "(国家电网设备〔2021)8号)",
            DocNumber,
            "国家电网设备〔2021)8号",
            "国家电网设备〔2021〕8号",
        );
    }

    #[test]
    fn doc_number_bare_year_number() {
        one("见(2020)638号", DocNumber, "(2020)638号", "〔2020〕638号");
        one("(2020)638号", DocNumber, "(2020)638号", "〔2020〕638号");
        // Mismatched brackets need an issuer prefix.
        none("请示》(2024〕4号)收悉");
        one(
            "《通知》(2020)638号",
            DocNumber,
            "(2020)638号",
            "〔2020〕638号",
        );
        // Out-of-range year or no 号: nothing.
        none("x (1850)638号");
        none("市场监管“年关守护(2023)”行动");
        none("《国际卫生条例(2005)》");
    }

    #[test]
    fn doc_number_prefix_stops_at_common_words() {
        one(
            "根据国办发〔2020〕5号文件",
            DocNumber,
            "国办发〔2020〕5号",
            "国办发〔2020〕5号",
        );
        one(
            "按照京政发〔2020〕3号要求",
            DocNumber,
            "京政发〔2020〕3号",
            "京政发〔2020〕3号",
        );
        one(
            "依据和国办发〔2020〕5号",
            DocNumber,
            "国办发〔2020〕5号",
            "国办发〔2020〕5号",
        );
        one(
            "关于印发粤府办〔2013〕22号",
            DocNumber,
            "粤府办〔2013〕22号",
            "粤府办〔2013〕22号",
        );
        one(
            "意见》(国办发〔2020〕6号,以下",
            DocNumber,
            "国办发〔2020〕6号",
            "国办发〔2020〕6号",
        );
        one(
            "文号:靖政发〔2018〕53号",
            DocNumber,
            "靖政发〔2018〕53号",
            "靖政发〔2018〕53号",
        );
        one(
            "(新党发 〔2016〕2号)",
            DocNumber,
            "新党发 〔2016〕2号",
            "新党发〔2016〕2号",
        );
        one(
            "(全爱卫发〔2016〕5 号)",
            DocNumber,
            "全爱卫发〔2016〕5 号",
            "全爱卫发〔2016〕5号",
        );
    }

    #[test]
    fn doc_number_headers_and_issuers() {
        one(
            "山东省扶贫开发领导组文件鲁扶贫组字〔2021〕1号山东省",
            DocNumber,
            "鲁扶贫组字〔2021〕1号",
            "鲁扶贫组字〔2021〕1号",
        );
        one(
            "国家电网有限公司加急办值通(2020)638号关于",
            DocNumber,
            "办值通(2020)638号",
            "办值通〔2020〕638号",
        );
        one(
            "等级特急·明电鲁政办发明电〔2021〕1号鲁机发号",
            DocNumber,
            "鲁政办发明电〔2021〕1号",
            "鲁政办发明电〔2021〕1号",
        );
        one(
            "山东省市场监督管理局鲁市监标函〔2021〕33号",
            DocNumber,
            "鲁市监标函〔2021〕33号",
            "鲁市监标函〔2021〕33号",
        );
        one(
            "1998年6月12日交通部交公路发〔1998〕349号公布",
            DocNumber,
            "交公路发〔1998〕349号",
            "交公路发〔1998〕349号",
        );
        one(
            "(组通字〔2020〕28号)",
            DocNumber,
            "组通字〔2020〕28号",
            "组通字〔2020〕28号",
        );
        one(
            "(人社部发〔2019〕119号)",
            DocNumber,
            "人社部发〔2019〕119号",
            "人社部发〔2019〕119号",
        );
        // A header too long to segment is left alone.
        none("区应对新冠肺炎疫情工作指挥部〔2021〕第22号通告");
    }

    #[test]
    fn doc_number_not_court_case_or_icp() {
        // Court case numbers carry a court code after the year.
        none("(2020)京01民终1234号");
        none("京ICP备12345678号");
        none("冀ICP备05003620号-1");
        none("京公网安备11010502030143号");
        none("ICP证");
        none("京ICP证030173号");
        none("宁公网安备 64010402000731号");
        none("网安备51019002001697号");
        none("备案号:晋ICP备05001036号 网站标识码:1405000001");
        none("豫ICP备2022023519号-1 豫公网安备41040202000123号");
    }

    // ---- DATE ----

    #[test]
    fn date_chinese_numeric() {
        one("于2020年1月29日召开", Date, "2020年1月29日", "2020-01-29");
        one("2020年1月", Date, "2020年1月", "2020-01");
        one("2020年1月底前", Date, "2020年1月", "2020-01");
        one("1月29日", Date, "1月29日", "--01-29");
        assert_eq!(
            of_kind("2020年1月29日通知。1月30日起", Date)[1].1,
            "2020-01-30"
        );
    }

    #[test]
    fn date_continued_day_carries_month() {
        let got = of_kind("定于2月19日和24日举行", Date);
        assert_eq!(
            got,
            vec![
                ("2月19日".into(), "--02-19".into()),
                ("24日".into(), "--02-24".into())
            ]
        );
        let got = of_kind("2021年1月4日。国庆节:10月1日至7日放假", Date);
        assert_eq!(got[2], ("7日".into(), "2021-10-07".into()));
        let got = of_kind("2020年1月1日至31日", Date);
        assert_eq!(got[1], ("31日".into(), "2020-01-31".into()));
    }

    #[test]
    fn date_iso_forms() {
        one(
            "2020-02-25 15:55:00",
            Date,
            "2020-02-25 15:55:00",
            "2020-02-25T15:55:00",
        );
        one("发布时间:2020-02-25", Date, "2020-02-25", "2020-02-25");
        one("2020/2/25", Date, "2020/2/25", "2020-02-25");
        one("2020.02.25", Date, "2020.02.25", "2020-02-25");
        one("[2019-4-4]", Date, "2019-4-4", "2019-04-04");
        one(
            "2023-10-10 11:31 阅读",
            Date,
            "2023-10-10 11:31",
            "2023-10-10T11:31",
        );
        none("2020-02/25");
        none("2020.02.25.1");
        none("12020-02-25");
    }

    #[test]
    fn date_chinese_numerals() {
        one(
            "二〇二〇年一月二十九日",
            Date,
            "二〇二〇年一月二十九日",
            "2020-01-29",
        );
        one(
            "一九九七年十二月三十一日",
            Date,
            "一九九七年十二月三十一日",
            "1997-12-31",
        );
        one("十二月三十一日", Date, "十二月三十一日", "--12-31");
        one("二○二一年三月", Date, "二○二一年三月", "2021-03");
    }

    #[test]
    fn date_with_time_and_part_of_day() {
        one("11日下午", Date, "11日下午", "---11");
        one("1月29日上午9时", Date, "1月29日上午9时", "--01-29T09:00");
        one(
            "2021年1月17日19:30,济南",
            Date,
            "2021年1月17日19:30",
            "2021-01-17T19:30",
        );
        one(
            "2021年1月5日下午3点半",
            Date,
            "2021年1月5日下午3点半",
            "2021-01-05T15:30",
        );
        one("2021年1月5日上午", Date, "2021年1月5日上午", "2021-01-05");
        one("2021年1月5日晚会", Date, "2021年1月5日", "2021-01-05");
        one("本报讯 17日上午", Date, "17日上午", "---17");
    }

    #[test]
    fn date_uses_document_year() {
        let t = "时间:2021-07-16\n定于8月3日上午召开";
        let got = of_kind(t, Date);
        assert_eq!(got[1], ("8月3日上午".into(), "2021-08-03".into()));
        let t = "去年3月5日……2021年1月29日";
        assert_eq!(of_kind(t, Date)[0].1, "2020-03-05");
        let t = "5日上午 2022年3月1日";
        assert_eq!(of_kind(t, Date)[0].1, "---05");
        let t = "2019年3月27日发布。4月份起";
        assert_eq!(of_kind(t, Date)[1], ("4月份".into(), "2019-04".into()));
    }

    #[test]
    fn date_bare_years() {
        one("2020年是决胜之年", Date, "2020年", "2020");
        one("2020年度考核", Date, "2020年度", "2020");
        let got = of_kind("2019年至2020年", Date);
        assert_eq!(got.len(), 2, "{got:?}");
        none("每月份");
        none("13月份");
        none("1200年");
        none("12020年");
    }

    #[test]
    fn date_negatives() {
        none("近日,当前,今年以来,今天,昨天");
        none("2020年13月1日");
        none("2月30日");
        none("2021年2月29日");
        none("1月32日");
        none("3日内完成");
        none("第3日上午");
        none("每年1月1日");
        none("2023828日");
        none("昨天(19日)下午");
        none("2019-2021年");
        none("2020年1月29");
        assert_eq!(of_kind("2020年2月29日", Date).len(), 1);
    }

    // ---- PHONE ----

    #[test]
    fn phone_mobile() {
        one("联系电话:13527440590", Phone, "13527440590", "13527440590");
        one("13527440590", Phone, "13527440590", "13527440590");
        one("手机 135-2744-0590", Phone, "135-2744-0590", "13527440590");
        none("装机13500000000kWh");
        none("电话13500000000MW");
        none("123527440590");
        none("135274405901");
        none("编号913527440590");
        none("投资13500000000元");
        none("QQ:13527440590");
    }

    #[test]
    fn phone_landline() {
        one("0311-87801234", Phone, "0311-87801234", "0311-87801234");
        one("(0311)87801234", Phone, "(0311)87801234", "0311-87801234");
        one("电话:010-12345678。", Phone, "010-12345678", "010-12345678");
        one("0891-6824567", Phone, "0891-6824567", "0891-6824567");
        one(
            "广告热线:0596—2598333 订报",
            Phone,
            "0596—2598333",
            "0596-2598333",
        );
        one(
            "0311-87801234转123",
            Phone,
            "0311-87801234转123",
            "0311-87801234",
        );
        none("0791-862946323");
        none("010-1234567");
        none("031187801234");
        none("20311-87801234");
    }

    #[test]
    fn phone_service_and_hotlines() {
        one("客服 400-123-4567", Phone, "400-123-4567", "4001234567");
        one("800-810-8888", Phone, "800-810-8888", "8008108888");
        one("请拨打12345热线", Phone, "12345", "12345");
        one("投诉举报电话:12315", Phone, "12315", "12315");
        one("设立举报电话:12369,接受", Phone, "12369", "12369");
        one("服务电话 110。", Phone, "110", "110");
        one("联系电话：88267810", Phone, "88267810", "88267810");
        let got = of_kind("联系电话:88267810、88300973。", Phone);
        assert_eq!(got.len(), 2, "{got:?}");
        none("共计88267810元");
        none("编号88267810");
        let got = of_kind("如有疑问,请及时拨打96110或110进行咨询", Phone);
        assert_eq!(
            got,
            vec![
                ("96110".into(), "96110".into()),
                ("110".into(), "110".into())
            ]
        );
        // No keyword, or a quantity: not a phone.
        none("共有12345人参加");
        none("受理举报120件");
        none("全国安全生产电视电话会议120余人");
        none("第110次会议");
        none("电话会议之后的大约110");
        none("热线 110kV 线路");
    }

    // ---- EMAIL ----

    #[test]
    fn email_forms() {
        one(
            "邮箱:Name@Example.cn。",
            Email,
            "Name@Example.cn",
            "name@example.cn",
        );
        one(
            "电子邮箱：hbsrstzjzcc@163.com邮递地址",
            Email,
            "hbsrstzjzcc@163.com",
            "hbsrstzjzcc@163.com",
        );
        one(
            "发至XXX@sgcc.com.cn。",
            Email,
            "XXX@sgcc.com.cn",
            "xxx@sgcc.com.cn",
        );
        one(
            "邮箱:13527440590@qq.com",
            Email,
            "13527440590@qq.com",
            "13527440590@qq.com",
        );
        none("XXX@sgcc.com.cno3");
        none("a@b");
    }

    // ---- real snippets from notices/pool.jsonl.gz (full-width folded as in production) ----

    fn all(text: &str) -> Vec<(PatternKind, &'static str, &'static str)> {
        // Leaks are fine in tests: they give `&'static str` for terse expectations.
        spans(text)
            .into_iter()
            .map(|(k, s, n)| (k, &*s.leak(), &*n.leak()))
            .collect()
    }

    #[test]
    fn real_web_doc_numbers() {
        let t = "府关于进一步建立健全特困人员供养制度的实施意见》(粤府〔2016〕147号)、《广东省民政厅关于加强特困供养人员护理工作的通知》(粤民";
        assert_eq!(
            all(t),
            vec![(DocNumber, "粤府〔2016〕147号", "粤府〔2016〕147号")]
        );
        let t = "共中央、国务院关于打赢扶贫攻坚战的决定〉的意见》(新党发 〔2016〕2号)和《关于进一步做好";
        assert_eq!(
            all(t),
            vec![(DocNumber, "新党发 〔2016〕2号", "新党发〔2016〕2号")]
        );
        assert_eq!(
            all("发文字号 济兖政字〔2022〕27号 有效性 有效"),
            vec![(DocNumber, "济兖政字〔2022〕27号", "济兖政字〔2022〕27号")]
        );
        assert_eq!(
            all("兰政字〔2012〕30-17号"),
            vec![(DocNumber, "兰政字〔2012〕30-17号", "兰政字〔2012〕30-17号")]
        );
    }

    const NORM_LU: &str = "鲁医保中心发〔2020〕11号";

    #[test]
    fn real_govdoc_header_and_meeting_time() {
        let t = "送回执。联系人:XXX联系电话:6659XXXX,1391139XXXX国网办公室2020年12月31日山东省医疗保险事业中心文件鲁医保中心发〔2020〕11号关于做好";
        assert_eq!(
            all(t),
            vec![
                (Date, "2020年12月31日", "2020-12-31"),
                (DocNumber, "鲁医保中心发〔2020〕11号", NORM_LU),
            ]
        );
        assert_eq!(
            all("工作。二、时间地点2021年1月17日19:30,济南市南郊宾馆俱乐部礼堂。"),
            vec![(Date, "2021年1月17日19:30", "2021-01-17T19:30")]
        );
        assert_eq!(
            all(
                "省有关部门(单位):2021年1月7日8时,我省黄河河段出现首封,总长度4.6千米;1月8日13时,封"
            ),
            vec![
                (Date, "2021年1月7日8时", "2021-01-07T08:00"),
                (Date, "1月8日13时", "2021-01-08T13:00"),
            ]
        );
        // Masked numbers are not phones; the meeting time takes no year without a full date.
        let t = "一、会议时间3月9日上午9:00,会期半天。联系人:XXX,电话:0531-5576XXXX;1815601XXXX传真:0531-5576XXXX附件";
        assert_eq!(all(t), vec![(Date, "3月9日上午9:00", "--03-09T09:00")]);
    }

    #[test]
    fn real_web_phones_and_boilerplate() {
        assert_eq!(
            all("广告热线:0596—2598333 订报及投诉:0596-2594000 内容纠错:0596—2598915"),
            vec![
                (Phone, "0596—2598333", "0596-2598333"),
                (Phone, "0596-2594000", "0596-2594000"),
                (Phone, "0596—2598915", "0596-2598915"),
            ]
        );
        assert_eq!(
            all("如有疑问,请及时拨打96110或110进行咨询,也可到就近派出所现场咨询。"),
            vec![(Phone, "96110", "96110"), (Phone, "110", "110")]
        );
        assert_eq!(
            all("举报非法销售、运输、储存、燃放烟花爆竹等违法行为。举报电话:12350、110。"),
            vec![(Phone, "12350", "12350"), (Phone, "110", "110")]
        );
        assert_eq!(
            all("发现森林火灾,应立即报告。(森林火情举报电话:12119;6623731)"),
            vec![(Phone, "12119", "12119")]
        );
        assert_eq!(
            all("联系人及电话:骆永仙,13887859117My JSP"),
            vec![(Phone, "13887859117", "13887859117")]
        );
        assert!(all("微信投票可通过关注“江西体育”公众号实现,咨询电话0791-862946323。").is_empty());
        assert!(all("宁ICP备05000081号 | Copyright 2009 www.nx.gov.cn").is_empty());
        assert!(all("ICP备案:京ICP备20012564号-1 京公网安备11010当前位置: 首页").is_empty());
    }

    #[test]
    fn real_hebei_contacts() {
        assert_eq!(
            all("省交通运输厅郝泽鹏联系电话:(0311)67693230电子邮箱:jttzyc@163.com省卫生健康委"),
            vec![
                (Phone, "(0311)67693230", "0311-67693230"),
                (Email, "jttzyc@163.com", "jttzyc@163.com"),
            ]
        );
        // OCR glued a landline to the next address.
        assert_eq!(
            all("@qq.com天津:李淑丽022-28237492lishuli@tj.gov.cn河北省人力资源和社会保障厅"),
            vec![
                (Phone, "022-28237492", "022-28237492"),
                (Email, "lishuli@tj.gov.cn", "lishuli@tj.gov.cn"),
            ]
        );
    }

    #[test]
    fn real_web_dates() {
        assert_eq!(
            all("发布时间:2023-07-23 06:25:36 浏览:130"),
            vec![(Date, "2023-07-23 06:25:36", "2023-07-23T06:25:36")]
        );
        let t = "发布时间:2019-01-07\n七、国庆节:10月1日至7日放假调休,共7天。9月29日(星期日)、10月12日(星期六)上班";
        assert_eq!(
            all(t),
            vec![
                (Date, "2019-01-07", "2019-01-07"),
                (Date, "10月1日", "2019-10-01"),
                (Date, "7日", "2019-10-07"),
                (Date, "9月29日", "2019-09-29"),
                (Date, "10月12日", "2019-10-12"),
            ]
        );
        assert_eq!(
            all("新华社北京3月17日电题:加强生态环境保护"),
            vec![(Date, "3月17日", "--03-17")]
        );
    }

    // ---- overlaps and robustness ----

    #[test]
    fn overlap_priority() {
        // The phone-shaped digits inside an e-mail address belong to the e-mail only.
        assert_eq!(spans("13527440590@qq.com").len(), 1);
        // URL digits are neither dates nor phones.
        none("http://www.gov.cn/2020-02-25/13527440590.html");
    }

    #[test]
    fn char_offsets_are_chars() {
        let t = "这是😀文件国办发〔2020〕5号";
        let m = find_patterns(t);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].start, m[0].end), (5, 16));
    }

    #[test]
    fn results_sorted_and_disjoint() {
        let t = "2020年1月29日,国办发〔2020〕5号,电话0311-87801234,a@b.cn,13527440590";
        let m = find_patterns(t);
        assert_eq!(m.len(), 5);
        for w in m.windows(2) {
            assert!(w[0].end <= w[1].start);
        }
    }

    #[test]
    fn empty_and_random_inputs_never_panic() {
        assert!(find_patterns("").is_empty());
        let alphabet: Vec<char> = "0123456789年月日号〔〕[]()【】［］（）-—/.:：@aZ电话拨打热线举报ICP备发第 \n上午下午十二〇一九😀\u{0}\u{200d}\u{10FFFF}é中文，。、转"
            .chars()
            .collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            // xorshift64*: deterministic, no extra crate.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        for _ in 0..3000 {
            let len = (next() % 60) as usize;
            let s: String = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 7 == 0 {
                        char::from_u32((r >> 8) as u32 % 0x11_0000).unwrap_or('?')
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let n = s.chars().count();
            let ms = find_patterns(&s);
            for w in ms.windows(2) {
                assert!(w[0].end <= w[1].start, "{s:?}");
            }
            for m in ms {
                assert!(m.start < m.end && m.end <= n, "{s:?}");
            }
        }
    }
}
