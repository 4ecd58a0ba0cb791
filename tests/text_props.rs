//! Property tests for the text pipeline (`notice_svc::text`): normalisation never panics, the
//! offset map is in bounds, monotonic and exact, every normalised char comes from the original
//! char it claims, nothing but controls and pinyin garbles is dropped, and simplified and
//! traditional renderings of real notices give the same feature tokens.
//!
//! Run with `cargo test --release --test text_props` (256 cases per property); add
//! `-- --ignored` to check script conversion against OpenCC on every doc of the shared pool.

mod common;

use std::ops::Range;
use std::sync::LazyLock;

use notice_svc::text::{Normalized, Normalizer, TokenOptions, Tokenizer};
use proptest::prelude::*;
use proptest::sample::{select, Index};

static NORMALIZER: LazyLock<Normalizer> =
    LazyLock::new(|| Normalizer::new().expect("traditional→simplified dictionary loads"));
static TOKENIZER: LazyLock<Tokenizer> = LazyLock::new(Tokenizer::new);

const BIGRAMS: TokenOptions = TokenOptions { char_bigrams: true };
const WORDS_ONLY: TokenOptions = TokenOptions {
    char_bigrams: false,
};

fn norm(raw: &str) -> Normalized {
    NORMALIZER.normalize(raw)
}

fn tokens(n: &Normalized, opts: TokenOptions) -> Vec<String> {
    let mut out = Vec::new();
    TOKENIZER.feature_tokens(n, opts, &mut out);
    out.into_iter().map(String::from).collect()
}

// ---------------------------------------------------------------------------------------------
// Reference model of the per-char folding, written from the documented behaviour.

const ZERO_WIDTH: &[char] = &[
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}',
];
const SPACES: &[char] = &[
    '\u{3000}', '\u{00A0}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}',
    '\u{2008}', '\u{2009}', '\u{200A}', '\u{202F}', '\u{205F}', '\t',
];
const TONE_LETTERS: &str = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ";

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// The width/space/control fold of one char, ignoring script conversion.
fn fold_ref(c: char) -> char {
    match c {
        '\r' => '\n',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c if SPACES.contains(&c) => ' ',
        c => c,
    }
}

fn full_width(c: char) -> Option<char> {
    matches!(c, '!'..='~').then(|| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
}

// ---------------------------------------------------------------------------------------------
// Strategies: notice-like text made of the pieces real crawled pages are made of.

const COMMON_HAN: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年\
动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都\
两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心\
通知关于做好工作意见实施办法省市县区局委员会厅政府民政救助保障";
const TRAD_HAN: &str =
    "網區會國經發與這為時們來說對關於辦廳議調實現濟黨藏訊書記開個聯節產價當體擴構統\
簡醫執聞風環護補貼殘疾縣鄉鎮財務衛廣東貫徹錢農組織導點論萬著乾後裏臺隻餘麼";
const PINYIN: &[&str] = &[
    "wǎng", "qū", "huì", "guó", "fā", "jīng", "yì", "diào", "xiàn", "wù", "bào", "jìn", "shí",
    "jī", "guān", "dòng", "zhuǎn", "lǚ", "nǜ", "gè", "ǹg", "de", "le", "men", "zhe", "ma",
];
const FOOTER_MARKERS: &[&str] = &[
    "当前位置：首页 > 通知公告",
    "【字体：大 中 小】",
    "打印本页 关闭窗口",
    "分享到：",
    "责任编辑：张三",
    "上一篇：关于做好工作的通知",
];

fn chars_of(s: &'static str) -> Vec<char> {
    s.chars().collect()
}

fn han_run(from: &'static str, len: Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(select(chars_of(from)), len).prop_map(|v| v.into_iter().collect())
}

fn pinyin_group() -> impl Strategy<Value = String> {
    let random_letters = prop::collection::vec(
        select(chars_of(
            "abcdefghijklmnopqrstuvwxyzāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü",
        )),
        1..8,
    )
    .prop_map(|v| v.into_iter().collect::<String>());
    let inner = prop_oneof![3 => select(PINYIN).prop_map(String::from), 1 => random_letters];
    (
        han_run(TRAD_HAN, 1..2),
        select(&[("(", ")"), ("（", "）"), ("(", "）"), ("(", " )")][..]),
        inner,
    )
        .prop_map(|(h, (open, close), inner)| format!("{h}{open}{inner}{close}"))
}

fn footer_line() -> impl Strategy<Value = String> {
    (
        select(&["版权所有：", "版權所有：", "主办单位：", "技术支持：", ""][..]),
        han_run(COMMON_HAN, 0..8),
        select(&["京", "吉", "粤", "沪", "浙"][..]),
        select(&["ICP备", "ICP证", "公网安备", "ＩＣＰ备"][..]),
        10_000_000u32..99_999_999,
        0u8..5,
    )
        .prop_map(|(lead, who, prov, kind, num, sub)| {
            format!("\n{lead}{who} {prov}{kind}{num}号-{sub}\n")
        })
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => han_run(COMMON_HAN, 1..8),
        3 => han_run(TRAD_HAN, 1..6),
        1 => prop::collection::vec(proptest::char::range('\u{4E00}', '\u{9FFF}'), 1..4)
            .prop_map(|v| v.into_iter().collect()),
        2 => prop::collection::vec(proptest::char::range('\u{FF01}', '\u{FF5E}'), 1..6)
            .prop_map(|v| v.into_iter().collect()),
        2 => select(SPACES).prop_map(String::from),
        2 => select(ZERO_WIDTH).prop_map(String::from),
        2 => select(&["\r\n", "\n", "\r", "\n\n", "\r\r\n"][..]).prop_map(String::from),
        3 => pinyin_group(),
        1 => footer_line(),
        1 => select(FOOTER_MARKERS).prop_map(String::from),
        2 => "[ -~]{1,8}",
        1 => select(TONE_LETTERS.chars().collect::<Vec<_>>()).prop_map(String::from),
        2 => any::<String>().prop_map(|s| s.chars().take(6).collect()),
    ]
}

/// Notice-like raw text: a few dozen pieces.
fn raw_text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
}

/// Raw text plus random spans (as indices resolved against the normalised length).
fn raw_with_spans() -> impl Strategy<Value = (String, Vec<(Index, Index)>)> {
    (
        raw_text(),
        prop::collection::vec((any::<Index>(), any::<Index>()), 1..16),
    )
}

/// `s` is a subslice of `whole` (same allocation), returning its byte range.
fn byte_range_in(whole: &str, s: &str) -> Option<Range<usize>> {
    let base = whole.as_ptr() as usize;
    let p = s.as_ptr() as usize;
    (p >= base && p + s.len() <= base + whole.len()).then(|| p - base..p - base + s.len())
}

// ---------------------------------------------------------------------------------------------
// (a) Robustness and the offset map.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Never panics; tokens and content segments are borrowed from the normalised text, in order.
    #[test]
    fn pipeline_never_panics_and_borrows_from_normalised_text(raw in raw_text()) {
        let n = norm(&raw);
        prop_assert_eq!(n.char_len(), n.as_str().chars().count());
        let mut last_end = 0;
        for seg in n.content() {
            let r = byte_range_in(n.as_str(), seg).expect("segment borrowed from text");
            prop_assert!(!seg.is_empty());
            prop_assert!(r.start >= last_end, "segments out of order or overlapping");
            last_end = r.end;
        }
        for opts in [BIGRAMS, WORDS_ONLY] {
            let mut out = Vec::new();
            TOKENIZER.feature_tokens(&n, opts, &mut out);
            for t in out {
                prop_assert!(!t.is_empty());
                prop_assert!(byte_range_in(n.as_str(), t).is_some(), "token {:?} not borrowed", t);
                prop_assert!(!t.contains('\n'));
            }
        }
    }

    /// Plain `any::<String>()` input, in case the notice-like pieces miss something.
    #[test]
    fn arbitrary_strings_never_panic(raw in any::<String>()) {
        let n = norm(&raw);
        let _ = tokens(&n, BIGRAMS);
        let len = raw.chars().count();
        let all = n.to_original(0..n.char_len());
        prop_assert!(all.end <= len);
    }

    /// Random spans map into the original, non-empty to non-empty, monotonically in both ends,
    /// and nested spans map to nested spans. Out-of-range spans clamp.
    #[test]
    fn spans_map_in_bounds_and_monotonically((raw, picks) in raw_with_spans()) {
        let n = norm(&raw);
        let len = raw.chars().count();
        let nl = n.char_len();
        let spans: Vec<Range<usize>> = picks
            .iter()
            .map(|(a, b)| {
                let (a, b) = (a.index(nl + 1), b.index(nl + 1));
                a.min(b)..a.max(b)
            })
            .collect();
        for s in &spans {
            let o = n.to_original(s.clone());
            prop_assert!(o.start <= o.end && o.end <= len, "{:?} -> {:?} (len {})", s, o, len);
            prop_assert_eq!(s.is_empty(), o.is_empty(), "{:?} -> {:?}", s, o);
            for t in &spans {
                let p = n.to_original(t.clone());
                if s.start <= t.start {
                    prop_assert!(o.start <= p.start, "starts not monotonic: {:?}->{:?}, {:?}->{:?}", s, o, t, p);
                }
                if s.end <= t.end && !s.is_empty() && !t.is_empty() {
                    prop_assert!(o.end <= p.end, "ends not monotonic: {:?}->{:?}, {:?}->{:?}", s, o, t, p);
                }
                if s.start <= t.start && t.end <= s.end && !t.is_empty() {
                    prop_assert!(o.start <= p.start && p.end <= o.end, "nesting lost: {:?}->{:?} ⊉ {:?}->{:?}", s, o, t, p);
                }
            }
        }
        prop_assert_eq!(n.to_original(nl..nl + 3), len..len);
        prop_assert_eq!(n.to_original(nl + 2..nl + 5), len..len);
    }

    /// Every normalised char maps to exactly one original char and back: the map is a strictly
    /// increasing injection, so `to_normalized(to_original(s..e).start) == s` for *every*
    /// s in 0..=char_len (not just "most"), and `to_normalized` is the left inverse.
    #[test]
    fn every_normalised_char_round_trips(raw in raw_text()) {
        let n = norm(&raw);
        let len = raw.chars().count();
        let nl = n.char_len();
        let mut prev: Option<usize> = None;
        for s in 0..nl {
            let o = n.to_original(s..s + 1);
            prop_assert_eq!(o.len(), 1, "normalised char {} maps to {:?}", s, o);
            prop_assert!(prev.is_none_or(|p| p < o.start), "not strictly increasing at {}", s);
            prev = Some(o.start);
            prop_assert_eq!(n.to_normalized(o.start), s);
            // And the multi-char form used by callers.
            prop_assert_eq!(n.to_normalized(n.to_original(s..nl).start), s);
        }
        prop_assert_eq!(n.to_original(nl..nl), len..len);
        prop_assert_eq!(n.to_normalized(len), nl);
        // to_normalized: monotonic, in range, and "first normalised char at or after".
        let mut last = 0;
        for orig in 0..=len {
            let t = n.to_normalized(orig);
            prop_assert!(t >= last && t <= nl);
            last = t;
            if t < nl {
                prop_assert!(n.to_original(t..t + 1).start >= orig);
            }
            if t > 0 {
                prop_assert!(n.to_original(t - 1..t).start < orig);
            }
        }
    }

    /// The original char behind each normalised char folds to it: ASCII results come from the
    /// same ASCII char or its full-width form (or a space/CR variant), non-Han BMP chars are
    /// untouched, and script conversion never produces or consumes ASCII.
    #[test]
    fn mapped_chars_fold_to_normalised_chars(raw in raw_text()) {
        let n = norm(&raw);
        let orig: Vec<char> = raw.chars().collect();
        for (i, d) in n.as_str().chars().enumerate() {
            let c = orig[n.to_original(i..i + 1).start];
            let f = fold_ref(c);
            if d.is_ascii_alphanumeric() {
                prop_assert!(c == d || Some(c) == full_width(d), "{:?} -> {:?}", c, d);
            }
            if f.is_ascii() {
                prop_assert_eq!(d, f, "{:?} should fold to {:?}", c, f);
            } else if is_han(c) || c > '\u{FFFF}' {
                prop_assert!(!d.is_ascii(), "{:?} -> {:?}", c, d);
            } else {
                prop_assert_eq!(d, c, "non-Han {:?} changed", c);
            }
        }
    }

    /// Only zero-width chars, CR before LF, and `(pīnyīn)` garbles after a Han char are dropped.
    /// Zero-width chars in between do not matter, and full-width forms count as their ASCII.
    #[test]
    fn only_controls_and_pinyin_garbles_are_dropped(raw in raw_text()) {
        let n = norm(&raw);
        let orig: Vec<char> = raw.chars().collect();
        let mut kept = vec![false; orig.len()];
        for i in 0..n.char_len() {
            kept[n.to_original(i..i + 1).start] = true;
        }
        let visible = |k: &usize| !ZERO_WIDTH.contains(&orig[*k]);
        let mut i = 0;
        while i < orig.len() {
            if kept[i] {
                i += 1;
                continue;
            }
            let c = orig[i];
            let next = (i + 1..orig.len()).find(visible);
            if ZERO_WIDTH.contains(&c) || (c == '\r' && next.is_some_and(|k| orig[k] == '\n')) {
                i += 1;
                continue;
            }
            // Otherwise it must be a whole bracketed pinyin group right after a kept Han char.
            let before = (0..i).rev().find(visible);
            prop_assert!(before.is_some_and(|k| kept[k] && is_han(orig[k])), "dropped {:?} at {} in {:?}", c, i, raw);
            prop_assert!(fold_ref(c) == '(', "dropped {:?} at {}", c, i);
            let close = (i + 1..orig.len())
                .find(|&j| fold_ref(orig[j]) == ')')
                .expect("group is closed");
            for j in i + 1..close {
                prop_assert!(!kept[j]);
                // Converters sometimes pad the syllable (`(huì )`): a space belongs to the group.
                let f = fold_ref(orig[j]);
                prop_assert!(ZERO_WIDTH.contains(&orig[j]) || f.is_ascii_lowercase() || TONE_LETTERS.contains(f) || f == ' ');
            }
            prop_assert!(!kept[close]);
            i = close + 1;
        }
    }

    /// CRLF and lone LF line ends normalise identically.
    #[test]
    fn crlf_is_invisible(raw in raw_text()) {
        let lf: String = raw.chars().filter(|&c| c != '\r').collect();
        let crlf = lf.replace('\n', "\r\n");
        let (a, b) = (norm(&lf), norm(&crlf));
        prop_assert_eq!(a.as_str(), b.as_str());
        prop_assert_eq!(tokens(&a, BIGRAMS), tokens(&b, BIGRAMS));
    }

    /// Full-width letters, digits and punctuation fold to the same text as their ASCII forms,
    /// pinyin garbles written in them included.
    #[test]
    fn full_width_is_invisible(raw in raw_text()) {
        let wide: String = raw.chars().map(|c| full_width(c).unwrap_or(c)).collect();
        let (a, b) = (norm(&raw), norm(&wide));
        prop_assert_eq!(a.as_str(), b.as_str());
        prop_assert_eq!(tokens(&a, BIGRAMS), tokens(&b, BIGRAMS));
    }

    /// Zero-width chars inserted anywhere, inside CR-LF pairs and `X(pinyin)` groups too, change
    /// nothing.
    #[test]
    fn zero_width_is_invisible(raw in raw_text(), at in prop::collection::vec((any::<Index>(), select(ZERO_WIDTH)), 1..6)) {
        let mut chars: Vec<char> = raw.chars().collect();
        for (idx, zw) in at {
            let p = idx.index(chars.len() + 1);
            chars.insert(p, zw);
        }
        let noisy: String = chars.into_iter().collect();
        let (a, b) = (norm(&raw), norm(&noisy));
        prop_assert_eq!(a.as_str(), b.as_str());
        prop_assert_eq!(tokens(&a, BIGRAMS), tokens(&b, BIGRAMS));
    }

    /// A site footer on its own line adds no tokens and leaves the body's tokens alone.
    #[test]
    fn footer_lines_add_no_tokens(body in raw_text(), footer in footer_line()) {
        let plain = format!("{body}\n");
        let with_footer = format!("{body}{footer}");
        let (a, b) = (norm(&plain), norm(&with_footer));
        // A traditional-script footer puts the whole document in traditional mode, where the
        // particle 著 becomes 着 (script is decided per document, by design): compare modulo that.
        let zhu = |t: Vec<String>| -> Vec<String> { t.into_iter().map(|w| w.replace('著', "着")).collect() };
        prop_assert_eq!(zhu(tokens(&a, BIGRAMS)), zhu(tokens(&b, BIGRAMS)));
        prop_assert_eq!(zhu(tokens(&a, WORDS_ONLY)), zhu(tokens(&b, WORDS_ONLY)));
        prop_assert!(tokens(&norm(&footer), BIGRAMS).is_empty());
    }

    /// Real notice sentences, concatenated in any order with any line breaks: the simplified and
    /// traditional renderings give identical normalised text and tokens.
    #[test]
    fn simplified_and_traditional_mixes_agree(
        picks in prop::collection::vec((0..PAIRS.len(), select(&["", "\n", "\r\n", "。", " "][..])), 1..6)
    ) {
        let mut simp = String::new();
        let mut trad = String::new();
        for (i, sep) in picks {
            simp.push_str(PAIRS[i].1);
            simp.push_str(sep);
            trad.push_str(PAIRS[i].2);
            trad.push_str(sep);
        }
        let (s, t) = (norm(&simp), norm(&trad));
        prop_assert_eq!(s.as_str(), t.as_str());
        prop_assert_eq!(tokens(&s, BIGRAMS), tokens(&t, BIGRAMS));
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Simplified and traditional renderings of real notices.

/// (source doc id, simplified by hand, traditional as crawled in `pool.jsonl.gz`, web source).
const PAIRS: &[(&str, &str, &str)] = &[
    (
        "web-w1-003",
        "根据《民政部关于印发<特困人员认定办法>的通知》《广东特困人员救助供养工作规定》等要求,为进一步完善我市社会救助制度,保障好特困人员的基本生活和照料服务,结合我市实际,我局草拟了《中山市特困人员救助供养实施办法(征求意见稿)》",
        "根據(jù)《民政部關(guān)于印發(fā)<特困人員認(rèn)定辦法>的通知》《廣東特困人員救助供養(yǎng)工作規(guī)定》等要求,為進(jìn)一步完善我市社會救助制度,保障好特困人員的基本生活和照料服務(wù),結(jié)合我市實際,我局草擬了《中山市特困人員救助供養(yǎng)實施辦法(征求意見稿)》",
    ),
    (
        "web-w1-007",
        "今日竹山网消息 9月4日,全县殡葬改革工作推进会召开。副县长范奇出席会议。\n会议要求,按照“统筹规划、分步实施、循序渐进”的原则,逐步推行火葬、改革土葬,采取切实有效的方式开展农村公益性公墓建设和禁葬区划定工作。",
        "今日竹山網消息 9月4日,全縣殯葬改革工作推進會召開。副縣長范奇出席會議。\n會議要求,按照“統籌規劃、分步實施、循序漸進”的原則,逐步推行火葬、改革土葬,采取切實有效的方式開展農村公益性公墓建設和禁葬區劃定工作。",
    ),
    (
        "web-w1-011",
        "为贯彻落实《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》(国发〔2015〕52号)精神,逐步解决残疾人额外生活支出和长期照护支出偏重问题,促进残疾人全面同步小康",
        "為貫徹落實《國務院關于全面建立困難殘疾人生活補貼和重度殘疾人護理補貼制度的意見》(國發〔2015〕52號)精神,逐步解決殘疾人額外生活支出和長期照護支出偏重問題,促進殘疾人全面同步小康",
    ),
    (
        "web-w1-018",
        "“上头千条线,下面一根针”,这句话常用来形容社区工作的繁琐。\n记者昨日获悉,宁波市给社区减负,将原来一共53项涉及28个市直部门在社区开展的创建项目,一下子消减了43个,只保留了与社区工作紧密联系,社区服务有实效的10个项目。",
        "“上頭千條線,下面一根針”,這句話常用來形容社區(qū)工作的繁瑣。\n記者昨日獲悉,寧波市給社區(qū)減負(fù),將原來一共53項涉及28個市直部門在社區(qū)開展的創(chuàng)建項目,一下子消減了43個,只保留了與社區(qū)工作緊密聯(lián)系,社區(qū)服務(wù)有實效的10個項目。",
    ),
    (
        "web-w1-023",
        "本报讯 为进一步贯彻落实新修改的慈善法,推进普法宣传进机关,,8月1日,,上海市民政局举办慈善法普法宣传系列活动暨机关慈善公益市集",
        "本報(bào)訊 為進(jìn)一步貫徹落實(shí)新修改的慈善法,推進(jìn)普法宣傳進(jìn)機(jī)關(guān),,8月1日,,上海市民政局舉辦慈善法普法宣傳系列活動(dòng)暨機(jī)關(guān)慈善公益市集",
    ),
    (
        "web-w1-046",
        "关于调整城乡最低生活保障标准的通知\n金政办﹝2019﹞33号\n各镇人民政府、街道办事处,县各委办局,县直各单位:\n为进一步提高城乡困难群众的生活水平,经县政府十四届三十三次常务会议研究决定,从2019年7月1日起,调整我县城乡居民最低生活保障标准",
        "關于調整城鄉最低生活保障標準的通知\n金政辦﹝2019﹞33號\n各鎮人民政府、街道辦事處,縣各委辦局,縣直各單位:\n為進一步提高城鄉困難群眾的生活水平,經縣政府十四屆三十三次常務會議研究決定,從2019年7月1日起,調整我縣城鄉居民最低生活保障標準",
    ),
    (
        "web-w2-002",
        "上饶婺源县四部门联合开展月饼市场整治\n2022-08-23 10:30:00 来源:\n  中秋佳节将至,为进一步规范月饼生产经营行为、净化月饼销售环节、满足消费者购买物美价廉的盒装月饼的需求",
        "上饒婺源縣四部門聯(lián)合開展月餅市場整治\n2022-08-23 10:30:00 來源:\n  中秋佳節(jié)將至,為進一步規(guī)范月餅生產(chǎn)經(jīng)營行為、凈化月餅銷售環(huán)節(jié)、滿足消費者購買物美價廉的盒裝月餅的需求",
    ),
    (
        "web-w2-014",
        "安溪县市场监管局立即责令上述5家药店关门停业整顿,并向辖区全体零售药店负责人予以通报。",
        "安溪縣市場監管局立即責令上述5家藥店關門停業整頓,并向轄區全體零售藥店負責人予以通報。",
    ),
    (
        // 著 as the aspect particle becomes 着 (OpenCC t2s leaves it: 著 is also simplified).
        "web-w1-028",
        "一些地方在婚俗领域存在着高价彩礼、大操大办、随礼攀比、铺张浪费、低俗婚闹等问题,成为群众的沉重负担,被社会所诟病。",
        "一些地方在婚俗領域存在著高價彩禮、大操大辦、隨禮攀比、鋪張浪費、低俗婚鬧等問題,成為群眾的沉重負擔,被社會所詬病。",
    ),
    (
        // A padded garble `(huì )` (57 times in the web source).
        "web-w1-025",
        "为深入学习贯彻习近平总书记关于慈善工作的重要指示批示精神和党的二十届三中全会精神",
        "為深入學(xué)習貫徹習近平總書(shū)記關(guān)于慈善工作的重要指示批示精神和黨的二十屆三中全會(huì )精神",
    ),
];

#[test]
fn simplified_and_traditional_real_sentences_agree() {
    for &(id, simp, trad) in PAIRS {
        let (s, t) = (norm(simp), norm(trad));
        assert_eq!(
            s.as_str(),
            simp,
            "{id}: simplified text must pass through unchanged"
        );
        assert_eq!(
            t.as_str(),
            s.as_str(),
            "{id}: normalised traditional differs"
        );
        for opts in [BIGRAMS, WORDS_ONLY] {
            assert_eq!(tokens(&s, opts), tokens(&t, opts), "{id}: tokens differ");
        }
        assert!(!tokens(&t, WORDS_ONLY).is_empty(), "{id}: no tokens at all");
    }
}

/// Garbles behind zero-width chars or in full-width letters are found too (detection reads the
/// folded text), and a zero-width char inside CR-LF does not split the line end.
#[test]
fn garbles_hidden_by_invisible_or_wide_chars_are_stripped() {
    for raw in [
        "本網\u{200B}(wǎng)拉薩",
        "本網(\u{200B}wǎng)拉薩",
        "本網（ｗǎｎｇ）拉薩",
    ] {
        assert_eq!(norm(raw).as_str(), "本网拉萨", "{raw:?}");
    }
    assert_eq!(norm("一\r\u{200B}\n二").as_str(), "一\n二");
}

/// Script conversion is OpenCC t2s (ferrous-opencc, the reference) on every doc of the shared
/// pool, except 著 → 着. The text before conversion is rebuilt through the offset map (folding
/// is per char and conversion char for char); the proptests above cover folding itself.
/// `cargo test --release --test text_props -- --ignored` (a few seconds).
#[test]
#[ignore = "reads ../shared/data/notices/pool.jsonl.gz"]
fn conversion_matches_opencc_on_the_pool() {
    use std::io::BufRead;

    use ferrous_opencc::{config::BuiltinConfig, OpenCC};

    let Some(path) = common::shared_data("notices/pool.jsonl.gz") else {
        return;
    };
    let t2s = OpenCC::from_config(BuiltinConfig::T2s).expect("OpenCC t2s loads");
    let file = std::fs::File::open(&path).expect("pool opens");
    let (mut docs, mut converted, mut zhe) = (0, 0, 0);
    for line in std::io::BufReader::new(flate2::read::GzDecoder::new(file)).lines() {
        let doc: serde_json::Value =
            serde_json::from_str(&line.expect("pool reads")).expect("JSON");
        let (id, raw) = (
            doc["id"].as_str().unwrap_or("?"),
            doc["text"].as_str().expect("text"),
        );
        let n = norm(raw);
        let orig: Vec<char> = raw.chars().collect();
        let folded: String = (0..n.char_len())
            .map(|i| fold_ref(orig[n.to_original(i..i + 1).start]))
            .collect();
        // Text is converted only if some char converts on its own (see normalize.rs).
        let opencc = t2s.convert(&folded);
        let has_traditional = opencc != folded
            && folded
                .chars()
                .any(|c| t2s.convert(c.encode_utf8(&mut [0; 4])) != c.to_string());
        let expected = if has_traditional { opencc } else { folded };
        docs += 1;
        converted += usize::from(has_traditional);
        for (i, (e, got)) in expected.chars().zip(n.as_str().chars()).enumerate() {
            if e != got {
                assert!(
                    has_traditional && (e, got) == ('著', '着'),
                    "{id}: char {i}: OpenCC {e:?}, got {got:?}"
                );
                zhe += 1;
            }
        }
        assert_eq!(expected.chars().count(), n.char_len(), "{id}");
    }
    eprintln!("{docs} docs, {converted} converted, identical to OpenCC but for {zhe} 著 → 着");
    assert!(docs > 5000);
}
