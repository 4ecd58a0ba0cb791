//! Readers for the public Chinese NER corpora under `../shared/data/ner` (training and
//! evaluation only: nothing here runs at request time).
//!
//! Every reader returns [`Sentence`]s whose gold spans are char offsets (end exclusive) into
//! `Sentence::text`, with the corpus' types mapped onto [`EntityType`]:
//!
//! * MSRA (`char<TAB>tag`, BIO): PER→Person, ORG→Org, LOC→Location.
//! * People's Daily 1998 (PKU `word/tag`): `nr`→Person, `ns`→Location, `nt`→Org, `t`→Date.
//!   A bracketed compound `[..]nt` / `[..]ns` (or `nr`, `t`) is one span over the whole
//!   compound; other bracketed compounds (`[..]nz`, `[..]i`, `[..]l`) are flattened and their
//!   words keep their own tags. Runs of `t` words merge into one Date. Runs of `nr` words are
//!   paired surname + given name (`江/nr 泽民/nr` → 江泽民), so that unseparated name lists
//!   (`江/nr 泽民/nr 李/nr 鹏/nr`) give one Person per name.
//! * CLUENER2020 (JSON spans): name→Person, organization/government/company→Org,
//!   address→Location; scene, position, book, game and movie are dropped (left unlabelled).
//!
//! Files ending in `.gz` are gunzipped. Malformed lines are errors naming file and line; bad
//! spans (out of bounds, overlapping, not matching their text) are skipped, counted, and
//! reported once per file on stderr.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::EntityType;
use crate::text::Normalizer;

/// People's Daily paragraphs longer than this are split between sentences.
const MAX_SENTENCE_CHARS: usize = 300;
/// People's Daily paragraphs dated in this range (inclusive, `YYYYMMDD`) are held out.
const PD_HELD_OUT: (&str, &str) = ("19980125", "19980131");
/// Sentence-final punctuation, then weaker clause breaks, used to split long paragraphs.
const CUT_TIERS: [&[char]; 3] = [
    &['。', '！', '？', '!', '?'],
    &['；', ';'],
    &['，', '、', '：', ','],
];
/// Closing quotes and brackets that stay with the sentence they end.
const CLOSERS: &[char] = &['”', '’', '」', '』', '）', ')', '》', '〉', '】'];
/// Two-character surnames, which PKU segmentation keeps as one `nr` word.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "司徒", "夏侯",
    "长孙", "宇文", "澹台", "端木", "西门", "呼延", "轩辕", "独孤", "南宫", "申屠", "闻人", "钟离",
];

type Span = (usize, usize, EntityType);

/// One sentence with gold entity spans in chars (end exclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub text: String,
    pub spans: Vec<(usize, usize, EntityType)>,
}

impl Sentence {
    /// The sentence as the server's tagger sees it: normalised (width folded, simplified
    /// script, ...), with its spans moved along; a span normalisation removed is dropped.
    pub fn normalised(&self, normalizer: &Normalizer) -> Sentence {
        let norm = normalizer.normalize(&self.text);
        let spans = self
            .spans
            .iter()
            .map(|&(s, e, kind)| (norm.to_normalized(s), norm.to_normalized(e), kind))
            .filter(|&(s, e, _)| s < e)
            .collect();
        Sentence {
            text: norm.as_str().to_string(),
            spans,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {reason}")]
    Malformed {
        path: String,
        line: usize,
        reason: String,
    },
}

fn malformed(path: &Path, line: usize, reason: impl Into<String>) -> CorpusError {
    CorpusError::Malformed {
        path: path.display().to_string(),
        line,
        reason: reason.into(),
    }
}

/// What a reader skipped or repaired in one file.
#[derive(Debug, Default, Clone, PartialEq)]
struct Skipped {
    out_of_bounds: usize,
    overlapping: usize,
    text_mismatch: usize,
    /// BIO `I-X` not continuing an `X` span: started a new span (conlleval's reading).
    stray_inside: usize,
}

impl Skipped {
    fn report(&self, path: &Path) {
        let bad = self.out_of_bounds + self.overlapping + self.text_mismatch;
        if bad + self.stray_inside > 0 {
            eprintln!(
                "warning: {}: skipped {bad} bad spans ({} out of bounds, {} overlapping, {} not \
                 matching their text); {} I- tags without a B- started new spans",
                path.display(),
                self.out_of_bounds,
                self.overlapping,
                self.text_mismatch,
                self.stray_inside
            );
        }
    }
}

/// Calls `f(line_number, line)` for every line of `path` (1-based, line end and a leading BOM
/// removed), gunzipping `.gz` files.
fn for_each_line(
    path: &Path,
    mut f: impl FnMut(usize, &str) -> Result<(), CorpusError>,
) -> Result<(), CorpusError> {
    let io = |source| CorpusError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).map_err(io)? == 0 {
            return Ok(());
        }
        line_no += 1;
        let line = std::str::from_utf8(&buf)
            .map_err(|e| malformed(path, line_no, format!("not UTF-8: {e}")))?;
        let line = if line_no == 1 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        f(line_no, line.trim_end_matches(['\n', '\r']))?;
    }
}

/// Keeps the spans that are in bounds and do not overlap an earlier (or, at the same start,
/// longer) one; exact duplicates are merged silently.
fn validate_spans(n_chars: usize, mut spans: Vec<Span>, skipped: &mut Skipped) -> Vec<Span> {
    spans.retain(|&(s, e, _)| {
        let ok = s < e && e <= n_chars;
        if !ok {
            skipped.out_of_bounds += 1;
        }
        ok
    });
    spans.sort_by_key(|&(s, e, t)| (s, std::cmp::Reverse(e), t));
    spans.dedup();
    let mut kept: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        if kept.last().is_some_and(|&(_, end, _)| span.0 < end) {
            skipped.overlapping += 1;
        } else {
            kept.push(span);
        }
    }
    kept
}

// ---------------------------------------------------------------------------------------------
// MSRA

/// Reads an MSRA BIO file: one `char<TAB>tag` a line, a blank line between sentences.
pub fn read_msra(path: &Path) -> Result<Vec<Sentence>, CorpusError> {
    let (sentences, skipped) = parse_msra(path)?;
    skipped.report(path);
    Ok(sentences)
}

fn msra_type(name: &str) -> Option<EntityType> {
    match name {
        "PER" => Some(EntityType::Person),
        "ORG" => Some(EntityType::Org),
        "LOC" => Some(EntityType::Location),
        _ => None,
    }
}

fn parse_msra(path: &Path) -> Result<(Vec<Sentence>, Skipped), CorpusError> {
    #[derive(Default)]
    struct Builder {
        text: String,
        chars: usize,
        spans: Vec<Span>,
        open: Option<(usize, EntityType)>,
    }
    impl Builder {
        fn close(&mut self) {
            if let Some((start, kind)) = self.open.take() {
                self.spans.push((start, self.chars, kind));
            }
        }
        fn finish(&mut self, out: &mut Vec<Sentence>, skipped: &mut Skipped) {
            self.close();
            let b = std::mem::take(self);
            if !b.text.is_empty() {
                let spans = validate_spans(b.chars, b.spans, skipped);
                out.push(Sentence {
                    text: b.text,
                    spans,
                });
            }
        }
    }

    let mut out = Vec::new();
    let mut skipped = Skipped::default();
    let mut cur = Builder::default();
    for_each_line(path, |line_no, line| {
        if line.trim().is_empty() {
            cur.finish(&mut out, &mut skipped);
            return Ok(());
        }
        let (ch, tag) = line
            .rsplit_once('\t')
            .or_else(|| line.rsplit_once(' '))
            .ok_or_else(|| {
                malformed(path, line_no, format!("expected `char<TAB>tag`: {line:?}"))
            })?;
        let tag = tag.trim();
        if ch.is_empty() {
            return Err(malformed(path, line_no, "empty character field"));
        }
        let bad_tag = || malformed(path, line_no, format!("unknown tag {tag:?}"));
        if tag == "O" {
            cur.close();
        } else {
            let (prefix, name) = tag.split_once('-').ok_or_else(bad_tag)?;
            let kind = msra_type(name).ok_or_else(bad_tag)?;
            match prefix {
                "B" => {
                    cur.close();
                    cur.open = Some((cur.chars, kind));
                }
                "I" => {
                    if cur.open.map(|(_, k)| k) != Some(kind) {
                        skipped.stray_inside += 1;
                        cur.close();
                        cur.open = Some((cur.chars, kind));
                    }
                }
                _ => return Err(bad_tag()),
            }
        }
        cur.text.push_str(ch);
        cur.chars += ch.chars().count();
        Ok(())
    })?;
    cur.finish(&mut out, &mut skipped);
    Ok((out, skipped))
}

// ---------------------------------------------------------------------------------------------
// People's Daily 1998

/// Reads the PKU-segmented People's Daily corpus. Returns `(train, held_out)`: held_out holds
/// the paragraphs dated 1998-01-25 ..= 1998-01-31 (from the id that starts each line), train
/// the rest. Each paragraph is one sentence, split between sentences when longer than
/// 300 chars (never inside a span).
pub fn read_pd1998(path: &Path) -> Result<(Vec<Sentence>, Vec<Sentence>), CorpusError> {
    let (train, held_out, skipped) = parse_pd1998(path)?;
    skipped.report(path);
    Ok((train, held_out))
}

fn pd_type(tag: &str) -> Option<EntityType> {
    match tag {
        "nr" => Some(EntityType::Person),
        "ns" => Some(EntityType::Location),
        "nt" => Some(EntityType::Org),
        "t" => Some(EntityType::Date),
        _ => None,
    }
}

/// One word of a paragraph, or one whole mapped bracketed compound.
struct Unit<'a> {
    word: &'a str,
    start: usize,
    end: usize,
    tag: &'a str,
    /// 0 outside brackets; words of one bracketed compound share a unique id, so runs of `nr`
    /// or `t` never merge across a bracket edge.
    group: usize,
}

/// `[word/tag`, `word/tag`, `word/tag]btag` → (opens a bracket, word, tag, closing bracket tag).
fn parse_pd_token(tok: &str) -> Option<(bool, &str, &str, Option<&str>)> {
    let (opens, rest) = match tok.strip_prefix('[') {
        Some(rest) if !rest.starts_with('/') => (true, rest),
        _ => (false, tok),
    };
    let (word, tags) = rest.rsplit_once('/')?;
    let (tag, close) = match tags.split_once(']') {
        Some((tag, close)) => (tag, Some(close)),
        None => (tags, None),
    };
    let is_tag = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphabetic());
    (!word.is_empty() && is_tag(tag) && close.is_none_or(is_tag))
        .then_some((opens, word, tag, close))
}

/// A paragraph id such as `19980101-01-001-001/m` → its date `19980101`.
fn pd_date(id: &str) -> Option<&str> {
    let id = id.strip_suffix("/m")?;
    let date = id.get(..8)?;
    (date.bytes().all(|b| b.is_ascii_digit()) && id[8..].starts_with('-')).then_some(date)
}

/// Parses one paragraph line (without its id) into text and spans.
fn parse_pd_paragraph(
    tokens: &[&str],
    path: &Path,
    line_no: usize,
) -> Result<(String, Vec<Span>), CorpusError> {
    let mut text = String::new();
    let mut pos = 0;
    let mut units: Vec<Unit> = Vec::new();
    let mut groups = 0;
    // Open bracket: (start char, group, index of its first unit).
    let mut bracket: Option<(usize, usize, usize)> = None;
    for tok in tokens {
        let (opens, word, tag, close) = parse_pd_token(tok)
            .ok_or_else(|| malformed(path, line_no, format!("bad token {tok:?}")))?;
        if opens {
            if bracket.is_some() {
                return Err(malformed(path, line_no, format!("nested `[` at {tok:?}")));
            }
            groups += 1;
            bracket = Some((pos, groups, units.len()));
        }
        let start = pos;
        text.push_str(word);
        pos += word.chars().count();
        let group = bracket.map_or(0, |(_, g, _)| g);
        units.push(Unit {
            word,
            start,
            end: pos,
            tag,
            group,
        });
        if let Some(btag) = close {
            let (bstart, group, first) = bracket
                .take()
                .ok_or_else(|| malformed(path, line_no, format!("`]` without `[` at {tok:?}")))?;
            if pd_type(btag).is_some() {
                units.truncate(first);
                units.push(Unit {
                    word: "",
                    start: bstart,
                    end: pos,
                    tag: btag,
                    group,
                });
            }
        }
    }
    if bracket.is_some() {
        return Err(malformed(path, line_no, "unclosed `[`"));
    }

    let mut spans = Vec::new();
    let mut i = 0;
    while i < units.len() {
        let u = &units[i];
        let Some(kind) = pd_type(u.tag) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        if matches!(kind, EntityType::Person | EntityType::Date) {
            while j < units.len() && units[j].tag == u.tag && units[j].group == u.group {
                j += 1;
            }
        }
        if kind == EntityType::Person && u.word.is_empty() {
            // A bracketed `[..]nr` compound: one person.
            spans.push((u.start, u.end, kind));
        } else if kind == EntityType::Person {
            person_spans(&units[i..j], &mut spans);
        } else {
            spans.push((u.start, units[j - 1].end, kind));
        }
        i = j;
    }
    Ok((text, spans))
}

/// Splits a run of adjacent `nr` words into people: a surname (one char, or a two-char
/// compound surname) takes the next word as given name; otherwise a word is a name by itself
/// (foreign names are one word). Exactly three words of 1, 1 and 2+ chars are one person with a
/// double surname (陈方安生, 范徐丽泰).
fn person_spans(run: &[Unit], out: &mut Vec<Span>) {
    let chars = |u: &Unit| u.word.chars().count();
    if run.len() == 3 && chars(&run[0]) == 1 && chars(&run[1]) == 1 && chars(&run[2]) >= 2 {
        out.push((run[0].start, run[2].end, EntityType::Person));
        return;
    }
    let mut k = 0;
    while k < run.len() {
        let surname = chars(&run[k]) == 1 || COMPOUND_SURNAMES.contains(&run[k].word);
        let len = if surname && k + 1 < run.len() { 2 } else { 1 };
        out.push((run[k].start, run[k + len - 1].end, EntityType::Person));
        k += len;
    }
}

/// Whether a cut before `chars[c]` ends a clause of `tier` (closing quotes stay behind).
fn ends_clause(chars: &[char], c: usize, tier: &[char]) -> bool {
    if chars.get(c).is_some_and(|ch| CLOSERS.contains(ch)) {
        return false;
    }
    let mut k = c;
    while k > 0 && CLOSERS.contains(&chars[k - 1]) {
        k -= 1;
    }
    k > 0 && tier.contains(&chars[k - 1])
}

/// Splits a paragraph longer than [`MAX_SENTENCE_CHARS`] into pieces of at most that many
/// chars, each ending at the last sentence end that fits (else the last `；`, else the last
/// comma, else anywhere), never inside a span.
fn split_long(text: String, spans: Vec<Span>) -> Vec<Sentence> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= MAX_SENTENCE_CHARS {
        return vec![Sentence { text, spans }];
    }
    let inside = |c: usize| spans.iter().any(|&(s, e, _)| s < c && c < e);
    let mut bounds = vec![0];
    let mut start = 0;
    while chars.len() - start > MAX_SENTENCE_CHARS {
        let limit = start + MAX_SENTENCE_CHARS;
        let fits = || (start + 1..=limit).rev();
        let cut = CUT_TIERS
            .iter()
            .find_map(|tier| fits().find(|&c| ends_clause(&chars, c, tier) && !inside(c)))
            .or_else(|| fits().find(|&c| !inside(c)))
            // Only a span longer than the limit covers the whole window: cut after it.
            .or_else(|| {
                spans
                    .iter()
                    .find(|&&(s, e, _)| s < limit && limit < e)
                    .map(|s| s.1)
            })
            .unwrap_or(limit);
        bounds.push(cut);
        start = cut;
    }
    bounds.push(chars.len());
    bounds
        .windows(2)
        .map(|w| Sentence {
            text: chars[w[0]..w[1]].iter().collect(),
            spans: spans
                .iter()
                .filter(|&&(s, e, _)| s >= w[0] && e <= w[1])
                .map(|&(s, e, t)| (s - w[0], e - w[0], t))
                .collect(),
        })
        .collect()
}

type PdSplit = (Vec<Sentence>, Vec<Sentence>, Skipped);

fn parse_pd1998(path: &Path) -> Result<PdSplit, CorpusError> {
    let mut train = Vec::new();
    let mut held_out = Vec::new();
    let mut skipped = Skipped::default();
    for_each_line(path, |line_no, line| {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some((id, words)) = tokens.split_first() else {
            return Ok(());
        };
        let date = pd_date(id).ok_or_else(|| {
            malformed(
                path,
                line_no,
                format!("expected a paragraph id like 19980101-01-001-001/m, got {id:?}"),
            )
        })?;
        let (text, spans) = parse_pd_paragraph(words, path, line_no)?;
        if text.is_empty() {
            return Ok(());
        }
        let spans = validate_spans(text.chars().count(), spans, &mut skipped);
        let out = if (PD_HELD_OUT.0..=PD_HELD_OUT.1).contains(&date) {
            &mut held_out
        } else {
            &mut train
        };
        out.extend(split_long(text, spans));
        Ok(())
    })?;
    Ok((train, held_out, skipped))
}

// ---------------------------------------------------------------------------------------------
// CLUENER2020

#[derive(serde::Deserialize)]
struct ClueRow {
    text: String,
    #[serde(default)]
    label: BTreeMap<String, BTreeMap<String, Vec<[usize; 2]>>>,
}

/// CLUENER label → our type; `Ok(None)` for the fine types we drop.
fn clue_type(label: &str) -> Result<Option<EntityType>, ()> {
    match label {
        "name" => Ok(Some(EntityType::Person)),
        "organization" | "government" | "company" => Ok(Some(EntityType::Org)),
        "address" => Ok(Some(EntityType::Location)),
        "scene" | "position" | "book" | "game" | "movie" => Ok(None),
        _ => Err(()),
    }
}

/// Reads CLUENER2020 JSON lines (`{"text", "label": {type: {name: [[start, end_incl]]}}}`).
pub fn read_cluener(path: &Path) -> Result<Vec<Sentence>, CorpusError> {
    let (sentences, skipped) = parse_cluener(path)?;
    skipped.report(path);
    Ok(sentences)
}

fn parse_cluener(path: &Path) -> Result<(Vec<Sentence>, Skipped), CorpusError> {
    let mut out = Vec::new();
    let mut skipped = Skipped::default();
    for_each_line(path, |line_no, line| {
        if line.trim().is_empty() {
            return Ok(());
        }
        let row: ClueRow = serde_json::from_str(line)
            .map_err(|e| malformed(path, line_no, format!("bad JSON row: {e}")))?;
        let chars: Vec<char> = row.text.chars().collect();
        let mut spans = Vec::new();
        for (label, names) in &row.label {
            let kind = clue_type(label)
                .map_err(|()| malformed(path, line_no, format!("unknown label {label:?}")))?;
            let Some(kind) = kind else { continue };
            for (name, positions) in names {
                for &[start, end_incl] in positions {
                    let end = end_incl.saturating_add(1);
                    if start >= end || end > chars.len() {
                        skipped.out_of_bounds += 1;
                    } else if !chars[start..end].iter().copied().eq(name.chars()) {
                        skipped.text_mismatch += 1;
                    } else {
                        spans.push((start, end, kind));
                    }
                }
            }
        }
        let spans = validate_spans(chars.len(), spans, &mut skipped);
        if !row.text.is_empty() {
            out.push(Sentence {
                text: row.text,
                spans,
            });
        }
        Ok(())
    })?;
    Ok((out, skipped))
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use EntityType::{Date, Location, Org, Person};

    fn write(dir: &tempfile::TempDir, name: &str, content: &str) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn write_gz(dir: &tempfile::TempDir, name: &str, content: &str) -> std::path::PathBuf {
        let path = dir.path().join(name);
        let file = File::create(&path).unwrap();
        let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        enc.write_all(content.as_bytes()).unwrap();
        enc.finish().unwrap();
        path
    }

    /// The spans of a sentence as (text, type), for readable assertions.
    fn named(s: &Sentence) -> Vec<(String, EntityType)> {
        let chars: Vec<char> = s.text.chars().collect();
        s.spans
            .iter()
            .map(|&(a, b, t)| (chars[a..b].iter().collect(), t))
            .collect()
    }

    fn n(text: &str, t: EntityType) -> (String, EntityType) {
        (text.to_string(), t)
    }

    const PD_SAMPLE: &str = "\
19980101-01-001-002/m  中共中央/nt  总书记/n  、/w  国家/n  主席/n  江/nr  泽民/nr  \r\n\
\r\n\
19980101-01-001-004/m  １２月/t  ３１日/t  ，/w  记者/n  兰/nr  红光/nr  摄/Vg  \r\r\n\
19980101-01-001-006/m  通过/p  [中央/n  人民/n  广播/vn  电台/n]nt  向/p  [香港/ns  特别/a  行政区/n]ns  同胞/n  \r\n\
19980124-01-001-001/m  （/w  一九九七年/t  十二月/t  三十一日/t  ）/w  \r\n\
19980125-02-003-004/m  江/nr  泽民/nr  李/nr  鹏/nr  乔/nr  石/nr  等/u  会见/v  陈/nr  方/nr  安生/nr  \r\n\
19980131-02-003-005/m  欧阳/nr  中石/nr  读/v  马克思/nr  恩格斯/nr  ，/w  游/v  [长江/ns  三峡/ns  工程/n]nz  \r\n\
19980201-01-001-001/m  \r\n";

    #[test]
    fn pd1998_merges_names_dates_and_brackets_and_splits_by_date() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "pd.txt", PD_SAMPLE);
        let (train, held_out, skipped) = parse_pd1998(&path).unwrap();
        assert_eq!(skipped, Skipped::default());
        assert_eq!(train.len(), 4);
        assert_eq!(held_out.len(), 2);

        assert_eq!(train[0].text, "中共中央总书记、国家主席江泽民");
        assert_eq!(train[0].spans, vec![(0, 4, Org), (12, 15, Person)]);
        assert_eq!(
            named(&train[1]),
            vec![n("１２月３１日", Date), n("兰红光", Person)]
        );
        assert_eq!(
            named(&train[2]),
            vec![n("中央人民广播电台", Org), n("香港特别行政区", Location)]
        );
        assert_eq!(named(&train[3]), vec![n("一九九七年十二月三十一日", Date)]);

        assert_eq!(
            named(&held_out[0]),
            vec![
                n("江泽民", Person),
                n("李鹏", Person),
                n("乔石", Person),
                n("陈方安生", Person)
            ]
        );
        assert_eq!(
            named(&held_out[1]),
            vec![
                n("欧阳中石", Person),
                n("马克思", Person),
                n("恩格斯", Person),
                n("长江", Location),
                n("三峡", Location)
            ]
        );

        // Same content gzipped reads the same.
        let gz = write_gz(&dir, "pd.txt.gz", PD_SAMPLE);
        assert_eq!(read_pd1998(&gz).unwrap(), (train, held_out));
    }

    #[test]
    fn pd1998_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "bad.txt",
            "19980101-01-001-001/m  好/a\n\n19980101-01-001-002/m  坏\n",
        );
        let err = read_pd1998(&path).unwrap_err().to_string();
        assert!(err.contains("bad.txt:3:") && err.contains("坏"), "{err}");

        let path = write(&dir, "noid.txt", "迈向/v  世纪/n\n");
        let err = read_pd1998(&path).unwrap_err().to_string();
        assert!(err.contains("noid.txt:1:"), "{err}");

        let path = write(
            &dir,
            "unclosed.txt",
            "19980101-01-001-001/m  [中央/n  电台/n\n",
        );
        assert!(read_pd1998(&path).is_err());

        let err = read_pd1998(&dir.path().join("missing.txt")).unwrap_err();
        assert!(matches!(err, CorpusError::Io { .. }), "{err}");
    }

    #[test]
    fn pd1998_splits_long_paragraphs_between_sentences() {
        // 30 sentences of 14 chars, each naming a person: 420 chars in one paragraph.
        let sentence = "王/nr  小明/nr  说/v  ：/w  “/w  今天/t  天气/n  很/d  好/a  。/w  ”/w  ";
        let line = format!("19980101-01-001-001/m  {}\n", sentence.repeat(30));
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "long.txt", &line);
        let (train, _) = read_pd1998(&path).unwrap();
        assert_eq!(train.len(), 2);
        assert!(train
            .iter()
            .all(|s| s.text.chars().count() <= MAX_SENTENCE_CHARS));
        let joined: String = train.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined.chars().count(), 30 * 14);
        assert!(train[0].text.ends_with("。”") && train[1].text.starts_with("王小明"));
        let spans: usize = train.iter().map(|s| s.spans.len()).sum();
        assert_eq!(spans, 60);
        for s in &train {
            assert!(named(s).iter().all(|(t, _)| t == "王小明" || t == "今天"));
        }
    }

    #[test]
    fn split_long_falls_back_to_commas_and_never_cuts_a_span() {
        let text = "甲，".repeat(200);
        let spans = vec![(299, 302, Org)];
        let parts = split_long(text, spans);
        assert_eq!(parts[0].text.chars().count(), 298);
        assert!(parts[0].text.ends_with('，'));
        assert_eq!(parts[1].spans, vec![(1, 4, Org)]);
    }

    #[test]
    fn msra_bio_sequences() {
        let sample = "\
中\tB-ORG\n共\tI-ORG\n中\tI-ORG\n央\tI-ORG\n和\tO\n江\tB-PER\n泽\tI-PER\n民\tI-PER\n在\tO\n\
北\tB-LOC\n京\tI-LOC\n\n\n\
美\tB-LOC\n国\tI-LOC\n日\tB-LOC\n本\tI-LOC\n的\tO\n李\tI-PER\n四\tI-PER\n张\tB-PER\n";
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "msra_bio", sample);
        let (sents, skipped) = parse_msra(&path).unwrap();
        assert_eq!(sents.len(), 2);
        assert_eq!(sents[0].text, "中共中央和江泽民在北京");
        assert_eq!(
            sents[0].spans,
            vec![(0, 4, Org), (5, 8, Person), (9, 11, Location)]
        );
        assert_eq!(
            named(&sents[1]),
            vec![
                n("美国", Location),
                n("日本", Location),
                n("李四", Person),
                n("张", Person)
            ]
        );
        assert_eq!(skipped.stray_inside, 1);

        let path = write(&dir, "bad_bio", "中\tO\n共\tB-TIME\n");
        let err = read_msra(&path).unwrap_err().to_string();
        assert!(
            err.contains("bad_bio:2:") && err.contains("B-TIME"),
            "{err}"
        );
    }

    #[test]
    fn cluener_maps_and_validates_spans() {
        let sample = concat!(
            r#"{"text": "浙商银行企业信贷部叶老桂博士则从另一个角度", "label": {"name": {"叶老桂": [[9, 11]]}, "company": {"浙商银行": [[0, 3]]}, "position": {"博士": [[12, 13]]}}}"#,
            "\n\n",
            r#"{"text": "北京市政府在朝阳区", "label": {"government": {"北京市政府": [[0, 4]]}, "address": {"北京市": [[0, 2]], "朝阳区": [[6, 8]]}, "scene": {"朝阳": [[6, 7]]}}}"#,
            "\n",
            r#"{"text": "张三和李四", "label": {"name": {"张三": [[0, 1]], "李四": [[3, 9]], "王五": [[3, 4]]}}}"#,
            "\n",
            r#"{"text": "无实体", "label": {}}"#,
            "\n",
        );
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "clue.json", sample);
        let (sents, skipped) = parse_cluener(&path).unwrap();
        assert_eq!(sents.len(), 4);
        assert_eq!(sents[0].spans, vec![(0, 4, Org), (9, 12, Person)]);
        // 北京市 overlaps the longer 北京市政府: skipped. Dropped `scene` never competes.
        assert_eq!(sents[1].spans, vec![(0, 5, Org), (6, 9, Location)]);
        assert_eq!(sents[2].spans, vec![(0, 2, Person)]);
        assert!(sents[3].spans.is_empty());
        assert_eq!(
            skipped,
            Skipped {
                out_of_bounds: 1,
                overlapping: 1,
                text_mismatch: 1,
                stray_inside: 0
            }
        );

        let path = write(
            &dir,
            "clue_bad.json",
            "{\"text\": \"x\", \"label\": {\"weird\": {}}}\n",
        );
        let err = read_cluener(&path).unwrap_err().to_string();
        assert!(
            err.contains("clue_bad.json:1:") && err.contains("weird"),
            "{err}"
        );
    }

    fn count(sents: &[Sentence]) -> BTreeMap<&'static str, usize> {
        let mut c = BTreeMap::new();
        for &(_, _, t) in sents.iter().flat_map(|s| &s.spans) {
            *c.entry(t.as_str()).or_insert(0) += 1;
        }
        c
    }

    #[test]
    fn real_corpora() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ner"));
        if !root.exists() {
            println!("SKIPPED: ../shared/data/ner not found");
            return;
        }
        let (msra_train, skipped) = parse_msra(&root.join("msra/msra_train_bio")).unwrap();
        assert_eq!(skipped, Skipped::default());
        let (msra_test, skipped) = parse_msra(&root.join("msra/msra_test_bio")).unwrap();
        assert_eq!(skipped, Skipped::default());
        assert_eq!(msra_train.len(), 45_000);
        assert_eq!(msra_test.len(), 3_442);
        let c = count(&msra_train);
        assert_eq!(
            (c["PERSON"], c["ORG"], c["LOCATION"]),
            (17_615, 20_584, 36_860)
        );
        let c = count(&msra_test);
        assert_eq!(
            (c["PERSON"], c["ORG"], c["LOCATION"]),
            (1_973, 1_331, 2_886)
        );

        let (pd_train, pd_held, skipped) =
            parse_pd1998(&root.join("pd1998/199801.utf8.txt.gz")).unwrap();
        assert_eq!(skipped, Skipped::default());
        assert!(!pd_train.is_empty() && !pd_held.is_empty());
        // 19,484 paragraphs, 3,717 of them dated 25–31 January; long ones are split
        // (observed: 16,494 train / 3,840 held-out sentences).
        assert!(
            (15_767..17_500).contains(&pd_train.len()),
            "{}",
            pd_train.len()
        );
        assert!((3_717..4_200).contains(&pd_held.len()), "{}", pd_held.len());
        let all: Vec<Sentence> = pd_train.iter().chain(&pd_held).cloned().collect();
        assert!(all
            .iter()
            .all(|s| s.text.chars().count() <= MAX_SENTENCE_CHARS));
        // Observed: PERSON 20,008, LOCATION 22,555, ORG 10,834, DATE 16,068 (`ns`/`nt` words
        // inside `[..]nt` compounds are part of the ORG, not spans of their own).
        let c = count(&all);
        assert!((19_000..21_000).contains(&c["PERSON"]), "{c:?}");
        assert!((21_000..24_000).contains(&c["LOCATION"]), "{c:?}");
        assert!((10_000..12_000).contains(&c["ORG"]), "{c:?}");
        assert!((15_000..17_000).contains(&c["DATE"]), "{c:?}");

        let (clue_train, skipped) = parse_cluener(&root.join("cluener/train.json")).unwrap();
        assert_eq!(skipped, Skipped::default());
        let (clue_dev, skipped) = parse_cluener(&root.join("cluener/dev.json")).unwrap();
        assert_eq!(skipped, Skipped::default());
        assert_eq!((clue_train.len(), clue_dev.len()), (10_748, 1_343));
        let c = count(&clue_train);
        assert_eq!(
            (c["PERSON"], c["ORG"], c["LOCATION"]),
            (3_755, 8_025, 2_891)
        );
        let c = count(&clue_dev);
        assert_eq!((c["PERSON"], c["ORG"], c["LOCATION"]), (465, 992, 373));

        for (name, sents) in [
            ("msra train", &msra_train),
            ("msra test", &msra_test),
            ("pd1998 train", &pd_train),
            ("pd1998 held-out", &pd_held),
            ("cluener train", &clue_train),
            ("cluener dev", &clue_dev),
        ] {
            println!(
                "{name}: {} sentences, entities {:?}",
                sents.len(),
                count(sents)
            );
        }
    }
}
