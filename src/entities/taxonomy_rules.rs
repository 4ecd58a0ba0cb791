//! The taxonomy's span conventions for organisations and places, applied to the tagger's spans.
//!
//! The tagger learned MSRA's conventions, which differ from `taxonomy.md` in ways that matter on
//! real notices: MSRA tags generic references (市委, 县公安局) as ORG, which the taxonomy does
//! not; it splits the higher place levels off a body's name (北京市 | 东城区公证处), where the
//! taxonomy wants the longest name as written; and its news text has no contact blocks, whose
//! street addresses it cuts into pieces. The evaluations score the corpora with their own
//! conventions ([`Conventions::Corpus`]); the service returns the taxonomy's.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

use super::tagger::TaggedSpan;
use super::EntityType;

/// Whose span conventions the learned types follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Conventions {
    /// `taxonomy.md`: what the service returns.
    #[default]
    Taxonomy,
    /// The tagger's own (MSRA's), as the NER corpora are annotated.
    Corpus,
}

/// Bodies that every level of government or party has (民政局, 人民政府, 村民委员会), one per
/// line: alone or after a bare level they name no particular body; after a place they do.
static GENERIC_BODIES: LazyLock<FxHashSet<Vec<char>>> = LazyLock::new(|| {
    include_str!("generic_bodies.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.chars().collect())
        .collect()
});

/// Longest generic body, in chars: how far a lookup need look.
static MAX_BODY: LazyLock<usize> =
    LazyLock::new(|| GENERIC_BODIES.iter().map(Vec::len).max().unwrap_or(0));

/// Levels with no name: generic bodies after one (省科技厅, 自治区党委) are the bodies of
/// whichever province, city or county the text is about.
const LEVELS: [&str; 14] = [
    "省",
    "市",
    "县",
    "区",
    "镇",
    "乡",
    "村",
    "州",
    "自治区",
    "自治州",
    "自治县",
    "开发区",
    "高新区",
    "新区",
];

/// The spans of one sentence (`chars`, sorted and disjoint) under the taxonomy's conventions:
/// a place or body followed by a generic body is one ORG with it (化州市 + 人民政府, 住房和城乡
/// 建设厅 + 办公室), places directly before an ORG are part of it (山东省 + 临沂市金山化工有限
/// 公司), what is left of ORG spans that are generic references is dropped, and a street
/// address after an `地址:` label is one LOCATION. `word_ends` are the char offsets where the
/// tagger's jieba words end.
pub(crate) fn apply(
    spans: Vec<TaggedSpan>,
    chars: &[char],
    word_ends: &[usize],
) -> Vec<TaggedSpan> {
    let mut out: Vec<TaggedSpan> = Vec::with_capacity(spans.len());
    for mut span in spans {
        // A span that an extended one now reaches into becomes part of it.
        if let Some(last) = out.last_mut().filter(|last| span.0 < last.1) {
            *last = (last.0, last.1.max(span.1), last.2, last.3.min(span.3));
            continue;
        }
        if matches!(span.2, EntityType::Location | EntityType::Org) {
            if let Some(n) = body_at(chars, span.1, word_ends) {
                span = (span.0, span.1 + n, EntityType::Org, span.3);
            }
        }
        if span.2 == EntityType::Org && !names_a_law(chars, span.1) && !national(&chars[span.0..]) {
            while let Some(&(s, e, EntityType::Location, conf)) = out.last() {
                if e != span.0 {
                    break;
                }
                span = (s, span.1, EntityType::Org, span.3.min(conf));
                out.pop();
            }
        }
        out.push(span);
    }
    out.retain(|&(s, e, kind, _)| kind != EntityType::Org || !is_generic(&chars[s..e]));
    join_addresses(out, chars, word_ends)
}

/// Longest address after an `地址:` label, in chars.
const MAX_ADDRESS: usize = 40;

/// Chars a street address ends with (…路, …交叉口, …3楼) when it has no house number.
const ADDRESS_ENDS: &str = "路街道巷弄口楼层室座栋幢院村";

/// Chars that make a run a street address rather than a body and its rooms (福州市民政局3楼).
const STREET: &str = "路街道巷弄";

/// A street address after an `地址:` label is one LOCATION (汕尾市区政和路, 福州市北大路242号),
/// where the tagger sees a place and then streets and numbers it splits or mistakes for a body.
/// It must start with a span the tagger found and go on past it, name a street and end like an
/// address at a word end, so 地址:见附件 is no place and 地址:福州市民政局3楼 keeps its ORG.
fn join_addresses(
    mut spans: Vec<TaggedSpan>,
    chars: &[char],
    word_ends: &[usize],
) -> Vec<TaggedSpan> {
    for a in address_starts(chars) {
        let end = (a..chars.len().min(a + MAX_ADDRESS))
            .find(|&i| ends_address_run(&chars[i..]))
            .unwrap_or(chars.len().min(a + MAX_ADDRESS));
        // The street address ends at its house number (…10号, not …10号市民政局二楼).
        let house_number =
            (a + 2..=end).find(|&b| chars[b - 1] == '号' && chars[b - 2].is_ascii_digit());
        let Some(b) = house_number.or_else(|| {
            (a + 1..=end).rev().find(|&b| {
                ADDRESS_ENDS.contains(chars[b - 1]) && word_ends.binary_search(&b).is_ok()
            })
        }) else {
            continue;
        };
        let inside = |s: &TaggedSpan| s.0 >= a && s.1 <= b;
        let starts_with_place = spans
            .iter()
            .any(|s| s.0 == a && s.1 < b && matches!(s.2, EntityType::Location | EntityType::Org));
        let names_a_street = chars[a..b].iter().any(|&c| STREET.contains(c));
        let straddled = spans.iter().any(|s| s.0 < b && a < s.1 && !inside(s));
        if !starts_with_place || !names_a_street || straddled {
            continue;
        }
        let conf = spans
            .iter()
            .filter(|s| inside(s))
            .map(|s| s.3)
            .fold(1.0, f32::min);
        spans.retain(|s| !inside(s));
        spans.push((a, b, EntityType::Location, conf));
        spans.sort_by_key(|s| s.0);
    }
    spans
}

/// Where the text after each `地址:` label starts (past any spaces).
fn address_starts(chars: &[char]) -> Vec<usize> {
    (0..chars.len().saturating_sub(2))
        .filter(|&i| chars[i] == '地' && chars[i + 1] == '址' && matches!(chars[i + 2], ':' | '：'))
        .map(|i| {
            (i + 3..chars.len())
                .find(|&j| !chars[j].is_whitespace())
                .unwrap_or(chars.len())
        })
        .collect()
}

/// Labels of the contact fields that follow an address on the same line.
const FIELD_LABELS: [&str; 8] = [
    "电话",
    "邮编",
    "邮政编码",
    "联系",
    "传真",
    "手机",
    "邮箱",
    "网址",
];

/// Does an address run stop before `rest[0]`: punctuation, a space, or the next field's label?
fn ends_address_run(rest: &[char]) -> bool {
    let Some(&c) = rest.first() else {
        return true;
    };
    c.is_whitespace()
        || "，,；;。、()（）【】[]:：".contains(c)
        || FIELD_LABELS.iter().any(|w| starts_with(rest, w))
}

/// The chars of the generic body starting at `chars[at..]`, the longest one, if it ends where a
/// jieba word does (not 党组 in 党组织) and is not part of a law's name (村民委员会组织法).
fn body_at(chars: &[char], at: usize, word_ends: &[usize]) -> Option<usize> {
    let n = (1..=(*MAX_BODY).min(chars.len().saturating_sub(at)))
        .rev()
        .find(|&n| GENERIC_BODIES.contains(&chars[at..at + n]))?;
    let whole_word = word_ends.binary_search(&(at + n)).is_ok();
    (whole_word && !names_a_law(chars, at + n)).then_some(n)
}

/// Does a national body start at `chars[0]`? A place before it says whose delegates or
/// members are meant (香港特别行政区 | 第九届全国人民代表大会), not a body of that place.
fn national(chars: &[char]) -> bool {
    let session = chars.first() == Some(&'第') && chars.iter().take(5).any(|&c| c == '届');
    session
        || ["全国", "中国", "中华", "中央", "国家"]
            .iter()
            .any(|w| starts_with(chars, w))
}

/// Does the title of a law or rule go on at `chars[at..]`? A body there is part of the title
/// (《中华人民共和国村民委员会组织法》, 《重庆市村民委员会选举规程》), not the body itself.
fn names_a_law(chars: &[char], at: usize) -> bool {
    let rest = &chars[at.min(chars.len())..];
    rest == ['法']
        || ["法》", "组织法", "条例", "规程", "选举"]
            .iter()
            .any(|w| starts_with(rest, w))
}

fn starts_with(chars: &[char], word: &str) -> bool {
    chars.len() >= word.chars().count() && chars.iter().zip(word.chars()).all(|(&a, b)| a == b)
}

/// An ORG that names no particular body: generic bodies alone (民政局, 市委宣传部) or after a
/// bare level (省科技厅, 自治区党委). 镇江市人民政府 starts with a level char but names a place.
fn is_generic(name: &[char]) -> bool {
    only_bodies(name)
        || LEVELS
            .iter()
            .any(|l| starts_with(name, l) && only_bodies(&name[l.chars().count()..]))
}

/// Is `name` one or more generic bodies in a row (市委 + 宣传部), nothing else?
fn only_bodies(mut name: &[char]) -> bool {
    if name.is_empty() {
        return false;
    }
    while !name.is_empty() {
        let Some(n) = (1..=(*MAX_BODY).min(name.len()))
            .rev()
            .find(|&n| GENERIC_BODIES.contains(&name[..n]))
        else {
            return false;
        };
        name = &name[n..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityType::{Location as L, Org as O, Person as P};

    static JIEBA: LazyLock<jieba_rs::Jieba> = LazyLock::new(jieba_rs::Jieba::new);

    fn run(text: &str, spans: &[(usize, usize, EntityType)]) -> Vec<(String, EntityType)> {
        let chars: Vec<char> = text.chars().collect();
        let tagged = spans.iter().map(|&(s, e, k)| (s, e, k, 0.9)).collect();
        // Word ends as the tagger's features see them: jieba with HMM over the sentence.
        let word_ends: Vec<usize> = (JIEBA.cut(text, true).iter())
            .scan(0, |end, w| {
                *end += w.word.chars().count();
                Some(*end)
            })
            .collect();
        apply(tagged, &chars, &word_ends)
            .into_iter()
            .map(|(s, e, k, _)| (chars[s..e].iter().collect(), k))
            .collect()
    }

    #[test]
    fn places_before_a_body_join_it() {
        let got = run(
            "山东省临沂市金山化工有限公司",
            &[(0, 3, L), (3, 6, L), (6, 14, O)],
        );
        assert_eq!(got, [("山东省临沂市金山化工有限公司".into(), O)]);
        assert_eq!(
            run("化州市人民政府发布", &[(0, 3, L)]),
            [("化州市人民政府".into(), O)]
        );
        // A gap, or a person, keeps them apart.
        let got = run("北京的清华大学", &[(0, 2, L), (3, 7, O)]);
        assert_eq!(got, [("北京".into(), L), ("清华大学".into(), O)]);
        assert_eq!(run("张三人民政府", &[(0, 2, P)]), [("张三".into(), P)]);
        let got = run(
            "香港特别行政区第九届全国人民代表大会代表",
            &[(0, 7, L), (7, 18, O)],
        );
        assert_eq!(got.len(), 2);
        // A body reached into by the next span takes it in; no two spans overlap.
        let got = run("化州市人民政府办公室", &[(0, 3, L), (3, 10, O)]);
        assert_eq!(got, [("化州市人民政府办公室".into(), O)]);
        // Only a whole word is a body, and a numbered body is not a national one.
        assert_eq!(
            run("广东省党组织书记", &[(0, 3, L)]),
            [("广东省".into(), L)]
        );
        let got = run("化州市第一人民医院", &[(0, 3, L), (3, 9, O)]);
        assert_eq!(got, [("化州市第一人民医院".into(), O)]);
        // A sub-unit stays inside the body's name.
        let got = run("福建省住房和城乡建设厅办公室", &[(0, 11, O)]);
        assert_eq!(got, [("福建省住房和城乡建设厅办公室".into(), O)]);
        // In a law's title the body is neither joined nor kept.
        let got = run("中华人民共和国村民委员会组织法", &[(0, 7, L), (7, 12, O)]);
        assert_eq!(got, [("中华人民共和国".into(), L)]);
    }

    #[test]
    fn generic_references_are_not_org() {
        for generic in [
            "市委",
            "省科技厅",
            "村民委员会",
            "民政局",
            "县公安局",
            "自治区党委",
            "市委宣传部",
        ] {
            let n = generic.chars().count();
            assert_eq!(run(generic, &[(0, n, O)]), [], "{generic}");
        }
        for named in [
            "外交部",
            "国务院",
            "平顶山市卫生健康委员会",
            "民政部",
            "镇江市人民政府",
        ] {
            let n = named.chars().count();
            assert_eq!(run(named, &[(0, n, O)]), [(named.into(), O)], "{named}");
        }
        // A place that is not followed by a body stays a place.
        assert_eq!(run("市区", &[(0, 2, L)]), [("市区".into(), L)]);
    }

    /// Text, tagged spans, what is served.
    type Case = (
        &'static str,
        &'static [(usize, usize, EntityType)],
        (&'static str, EntityType),
    );

    #[test]
    fn an_address_after_its_label_is_one_place() {
        let cases: [Case; 9] = [
            (
                "通讯地址:汕尾市区政和路,邮编516600",
                &[(5, 8, L)],
                ("汕尾市区政和路", L),
            ),
            (
                "地址： 福州市北大路242号 电话",
                &[(4, 9, O)],
                ("福州市北大路242号", L),
            ),
            // Up to the house number, whether the tagger took the street for a body or not.
            (
                "地址:中山市东区街道兴中道10号市民政局二楼",
                &[(3, 6, L)],
                ("中山市东区街道兴中道10号", L),
            ),
            (
                "地址:中山市东区街道兴中道10号",
                &[(3, 13, O)],
                ("中山市东区街道兴中道10号", L),
            ),
            (
                "地址:平顶山市新华区正风街和集贤街交叉口",
                &[(3, 7, L), (7, 10, L)],
                ("平顶山市新华区正风街和集贤街交叉口", L),
            ),
            // Not an address: it does not end like one, or names a body and its rooms.
            ("地址:北京饭店大堂", &[(3, 7, O)], ("北京饭店", O)),
            ("地址:福州市民政局3楼", &[(3, 9, O)], ("福州市民政局", O)),
            // A phone number after the address is no part of it.
            (
                "地址:汕尾市区政和路手机13800138000",
                &[(3, 6, L)],
                ("汕尾市区政和路", L),
            ),
            // Without the label, places and streets stay as tagged.
            ("汕尾市区政和路", &[(0, 3, L)], ("汕尾市", L)),
        ];
        for (text, spans, (served, kind)) in cases {
            assert_eq!(run(text, spans), [(served.into(), kind)], "{text}");
        }
        // No place found at its start.
        assert_eq!(run("地址:见附件", &[]), []);
    }
}
