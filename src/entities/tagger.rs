//! The learned layer for PERSON, ORG and LOCATION: a maximum-entropy character tagger.
//!
//! Each char gets sparse window features (chars and char n-grams around it, the jieba word it
//! sits in with its POS tag — jieba's dictionary tags nr/ns/nt act as a gazetteer — the longest
//! names of the training lexicon covering it (`lexicon`), the nearest ORG or LOCATION ending
//! ahead of it (`endings`), and the previous tag), hashed into a fixed space and scored by the
//! same softmax regression as the classifiers (fitted in f32, served as its 8-bit copy,
//! `QuantizedSoftmax`). Decoding is a Viterbi pass over BIO tags that forbids invalid transitions
//! (`O → I-X`, `B-X → I-Y`), with the previous-tag feature making it a maximum-entropy Markov
//! model, and a small bonus for entity tags tuned on held-out sentences ([`DecodeBias`]).

use std::hash::Hasher;

use indicatif::ProgressBar;
use jieba_rs::Jieba;
use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use rayon::prelude::*;
use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};

use super::bio;
use super::endings::NameEndings;
use super::lexicon::{fold_of, jackknife, Lexicon};
use super::EntityType;
use crate::classify::{LogisticError, QuantizedSoftmax, SoftmaxRegression, SparseRows, LINE_ROWS};

/// Tags in model order: O, then B/I for each learned type.
const TYPES: [EntityType; 3] = [EntityType::Person, EntityType::Org, EntityType::Location];
/// Types whose name endings are looked for ahead of each char (`endings`).
const ENDING_TYPES: [EntityType; 2] = [EntityType::Org, EntityType::Location];
const N_TAGS: usize = 1 + 2 * TYPES.len();
const START: usize = N_TAGS;
/// Training sentences are featurised with a lexicon and name endings built from the other folds.
const FOLDS: usize = 5;
/// Most observation features a char gets: 26 of the window, 2 per lexicon type, 3 per ending type.
const MAX_FEATURES: usize = 26 + 2 * TYPES.len() + 3 * ENDING_TYPES.len();
/// How many chars ahead of scoring the weight rows are prefetched.
const PREFETCH_AHEAD: usize = 2;

fn tag_name(t: usize) -> String {
    match t {
        0 => "O".into(),
        _ => format!(
            "{}-{}",
            if t % 2 == 1 { "B" } else { "I" },
            TYPES[(t - 1) / 2].as_str()
        ),
    }
}

/// May tag `cur` follow tag `prev` (START for the first char)?
fn allowed(prev: usize, cur: usize) -> bool {
    cur == 0 || cur % 2 == 1 || (prev != START && prev != 0 && prev.div_ceil(2) == cur / 2)
}

/// A trained tagger. Saved as [`TaggerParts`]; what decoding derives from them is computed once,
/// on loading.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "TaggerParts", into = "TaggerParts")]
pub struct EntityTagger {
    parts: TaggerParts,
    /// Per previous tag (START last), the exp of the weight its feature adds to each tag's score
    /// (lanes past `N_TAGS` are 0, so sums over all eight lanes are sums over the tags).
    trans_exp: [Lanes; N_TAGS + 1],
    /// `trans_exp` times the decoding bias factor of the current tag, 0 where BIO forbids the
    /// transition: what Viterbi maximises.
    decode_trans: [Lanes; N_TAGS + 1],
}

/// A tagged span: chars of the sentence (end exclusive), type, confidence.
pub(crate) type TaggedSpan = (usize, usize, EntityType, f32);

/// One value per tag, padded to eight lanes (one SIMD register).
type Lanes = [f32; 8];

/// Which feature templates and hashing this build computes (`observation_features`,
/// `WindowLines`, `bucket`); bump it when they change. A model trained on other features would
/// load and tag nonsense, so loading refuses it.
const FEATURE_SCHEME: u32 = 7;

/// What a tagger artifact holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TaggerParts {
    /// The [`FEATURE_SCHEME`] of the build that trained it.
    scheme: u32,
    bits: u8,
    model: QuantizedSoftmax,
    lexicon: Lexicon,
    endings: NameEndings,
    /// Added to the score of each B- and each I- tag when decoding (see [`DecodeBias`]).
    bias: DecodeBias,
}

/// A bonus for entity tags when decoding, tuned on held-out sentences: the tagger's
/// probabilities favour `O`, which gives high precision and low recall.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DecodeBias {
    /// Per B- tag, by type (PERSON, ORG, LOCATION): more entities of that type.
    pub begin: [f32; 3],
    /// Per I- tag: longer entities.
    pub inside: f32,
}

impl DecodeBias {
    /// Are all bonuses numbers (not NaN or infinite)?
    pub fn is_finite(self) -> bool {
        self.begin
            .iter()
            .chain([&self.inside])
            .all(|b| b.is_finite())
    }

    fn for_tag(self, tag: usize) -> f32 {
        match tag {
            0 => 0.0,
            _ if tag % 2 == 1 => self.begin[tag / 2],
            _ => self.inside,
        }
    }
}

impl TryFrom<TaggerParts> for EntityTagger {
    type Error = String;

    fn try_from(parts: TaggerParts) -> Result<Self, String> {
        if parts.scheme != FEATURE_SCHEME {
            return Err(format!(
                "the entity model was trained on feature scheme {} (or saved before models \
                 recorded one), this build computes scheme {FEATURE_SCHEME}: retrain it with \
                 `notice-svc train-entities`",
                parts.scheme
            ));
        }
        if parts.bits > 32 || !parts.bias.is_finite() {
            return Err("the entity model's feature bits or decoding bias are out of range".into());
        }
        Ok(Self::new(parts))
    }
}

impl EntityTagger {
    /// What decoding derives from the saved parts.
    fn new(parts: TaggerParts) -> Self {
        let mask = (1u64 << parts.bits) - 1;
        let trans_exp = std::array::from_fn(|p| {
            std::array::from_fn(|c| match c {
                _ if c < N_TAGS => parts.model.weight(prev_feature(p, mask), c).exp(),
                _ => 0.0,
            })
        });
        let mut tagger = Self {
            parts,
            trans_exp,
            decode_trans: [[0.0; 8]; N_TAGS + 1],
        };
        tagger.set_bias(tagger.parts.bias);
        tagger
    }
}

impl From<EntityTagger> for TaggerParts {
    fn from(tagger: EntityTagger) -> Self {
        tagger.parts
    }
}

/// Training knobs.
#[derive(Debug, Clone, Serialize)]
pub struct TaggerOptions {
    /// Feature space size is 2^bits.
    pub bits: u8,
    pub alpha: f64,
    pub max_iterations: u64,
    pub prune: f32,
    pub bias: DecodeBias,
}

/// A sentence with gold spans (chars, end exclusive), for training.
pub struct TrainSentence<'a> {
    pub text: &'a str,
    pub spans: &'a [(usize, usize, EntityType)],
    pub weight: f32,
}

impl EntityTagger {
    /// Tag names in model order (for the model card).
    pub fn tag_names() -> Vec<String> {
        (0..N_TAGS).map(tag_name).collect()
    }

    /// Trains on `sentences`.
    pub fn train(
        jieba: &Jieba,
        sentences: &[TrainSentence],
        opts: &TaggerOptions,
        progress: &ProgressBar,
    ) -> Result<Self, LogisticError> {
        progress.set_message(format!(
            "extracting features of {} sentences",
            sentences.len()
        ));
        let mask = (1u64 << opts.bits) - 1;
        let named: Vec<_> = sentences.iter().map(|s| (s.text, s.spans)).collect();
        let folds = jackknife(&named, FOLDS, |s| {
            Lexicon::from_spans(s.iter().copied(), &TYPES)
        });
        let ending_folds = jackknife(&named, FOLDS, |s| NameEndings::from_spans(s, &ENDING_TYPES));
        let per_sentence: Vec<(CharFeatures, Vec<usize>)> = sentences
            .par_iter()
            .enumerate()
            .map(|(i, s)| {
                let chars: Vec<char> = s.text.chars().collect();
                let tags = bio::encode(chars.len(), s.spans, &TYPES);
                let fold = fold_of(i, sentences.len(), FOLDS);
                let known = Known {
                    lexicon: &folds[fold],
                    endings: &ending_folds[fold],
                };
                (
                    observation_features(jieba, &known, s.text, &chars, opts.bits),
                    tags,
                )
            })
            .collect();
        drop((folds, ending_folds)); // the fold tables are not needed while fitting
        let mut rows = SparseRows::new(1 << opts.bits);
        let (mut targets, mut weights) = (Vec::new(), Vec::new());
        let mut buf = Vec::new();
        for ((feats, tags), s) in per_sentence.iter().zip(sentences) {
            for (i, f) in feats.iter().enumerate() {
                buf.clear();
                buf.extend_from_slice(f);
                buf.push(prev_feature(if i == 0 { START } else { tags[i - 1] }, mask));
                rows.push(&buf, &vec![1.0; buf.len()]);
                targets.push(tags[i]);
                weights.push(s.weight);
            }
        }
        progress.set_message(format!("fitting on {} chars", targets.len()));
        let data =
            DatasetBase::new(rows, Array1::from(targets)).with_weights(Array1::from(weights));
        let mut model = SoftmaxRegression {
            alpha: opts.alpha,
            max_iterations: opts.max_iterations,
            n_classes: Some(N_TAGS),
            ..Default::default()
        }
        .fit(&data)?;
        model.prune(opts.prune);
        Ok(Self::new(TaggerParts {
            scheme: FEATURE_SCHEME,
            bits: opts.bits,
            model: QuantizedSoftmax::new(&model)?,
            endings: NameEndings::from_spans(&named, &ENDING_TYPES),
            lexicon: Lexicon::from_spans(named, &TYPES),
            bias: opts.bias,
        }))
    }

    /// How many names the lexicon holds (for the model card).
    pub fn lexicon_names(&self) -> usize {
        self.parts.lexicon.len()
    }

    /// How many name endings the tagger looks for (for the model card).
    pub fn name_endings(&self) -> usize {
        self.parts.endings.len()
    }

    /// Decodes with `bias` from now on (it is saved with the tagger).
    pub fn set_bias(&mut self, bias: DecodeBias) {
        self.parts.bias = bias;
        // Viterbi multiplies probabilities, so a bias is the factor exp(bias); dividing every
        // factor by the largest keeps them ≤ 1 and leaves the best path as it is.
        let top = (0..N_TAGS).map(|c| bias.for_tag(c)).fold(0.0, f32::max);
        for (p, row) in self.decode_trans.iter_mut().enumerate() {
            *row = std::array::from_fn(|c| match c {
                _ if c < N_TAGS && allowed(p, c) => {
                    // Floored so that no tag's factor underflows to 0 (its row would be lost).
                    self.trans_exp[p][c] * (bias.for_tag(c) - top).max(-60.0).exp()
                }
                _ => 0.0,
            });
        }
    }

    /// PERSON/ORG/LOCATION spans of one sentence (chars of `text`, end exclusive) with a
    /// confidence (the lowest tag probability along the span), and the char offsets where the
    /// jieba words the features saw end, so that later rules need not cut the sentence again.
    pub(crate) fn tag_with_words(
        &self,
        jieba: &Jieba,
        text: &str,
    ) -> (Vec<TaggedSpan>, Vec<usize>) {
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let TaggerParts {
            bits,
            model,
            lexicon,
            endings,
            ..
        } = &self.parts;
        let known = Known { lexicon, endings };
        let feats = observation_features(jieba, &known, text, &chars, *bits);
        // p(c | x, p) = e[c]·exp(tr[p][c]) / Σ_c' e[c']·exp(tr[p][c']) with e = exp(obs), so each
        // char needs N_TAGS exps and one division per previous tag, and no logs.
        let mut scores = Vec::with_capacity(chars.len());
        // Rows are fetched two chars ahead: the lookups, not the arithmetic, bound this loop.
        for i in 0..PREFETCH_AHEAD.min(chars.len()) {
            model.prefetch(feats.get(i));
        }
        for (t, f) in feats.iter().enumerate() {
            if t + PREFETCH_AHEAD < chars.len() {
                model.prefetch(feats.get(t + PREFETCH_AHEAD));
            }
            let mut obs = [0.0; N_TAGS];
            model.logits(f, &mut obs);
            let max = obs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let e: Lanes = std::array::from_fn(|c| obs.get(c).map_or(0.0, |v| (v - max).exp()));
            let mut s = CharScores {
                e,
                inv_z: [0.0; N_TAGS + 1],
            };
            // START precedes only the first char.
            let prevs = if t == 0 { N_TAGS + 1 } else { N_TAGS };
            for (z, te) in s.inv_z.iter_mut().zip(&self.trans_exp).take(prevs) {
                *z = 1.0 / e.iter().zip(te).map(|(a, b)| a * b).sum::<f32>();
            }
            scores.push(s);
        }
        let path = viterbi(&scores, &self.decode_trans);
        (spans_of(&path, &scores, &self.trans_exp), feats.word_ends)
    }
}

/// One char's scores: p(cur | x, prev) = `e[cur] · trans_exp[prev][cur] · inv_z[prev]`, kept as
/// its parts rather than as the 8 × 7 table.
struct CharScores {
    /// exp of the observation scores, shifted so that the largest is 1.
    e: Lanes,
    /// Per previous tag (START last; 0 where it cannot precede), 1 / the normaliser.
    inv_z: [f32; N_TAGS + 1],
}

impl CharScores {
    fn local(&self, trans_exp: &[Lanes], prev: usize, cur: usize) -> f32 {
        self.e[cur] * trans_exp[prev][cur] * self.inv_z[prev]
    }
}

fn prev_feature(prev: usize, mask: u64) -> u32 {
    bucket(&[0xFE, prev as u32], mask)
}

/// Best tag sequence, by products of the local probabilities rescaled at each char; `trans` is
/// 0 where BIO forbids a transition, so no path takes one.
fn viterbi(local: &[CharScores], trans: &[Lanes]) -> Vec<usize> {
    let n = local.len();
    let mut score: [f32; N_TAGS] = std::array::from_fn(|c| local[0].local(trans, START, c));
    let mut back = vec![[0u8; N_TAGS]; n];
    for t in 1..n {
        // The previous tag's normaliser belongs to this char, so fold it in once per tag.
        let w: [f32; N_TAGS] = std::array::from_fn(|p| score[p] * local[t].inv_z[p]);
        let mut next = [0.0f32; N_TAGS];
        for (c, nc) in next.iter_mut().enumerate() {
            let mut best = -1.0;
            for (p, &wp) in w.iter().enumerate() {
                let s = wp * trans[p][c];
                if s > best {
                    best = s;
                    back[t][c] = p as u8;
                }
            }
            *nc = best * local[t].e[c];
        }
        // Rescaled so that long sentences do not underflow; the best path does not change.
        let top = next.iter().copied().fold(0.0, f32::max);
        if top > 0.0 {
            next = next.map(|v| v / top);
        }
        score = next;
    }
    let mut best = (0..N_TAGS).fold(0, |b, c| if score[c] > score[b] { c } else { b });
    let mut path = vec![0; n];
    for t in (0..n).rev() {
        path[t] = best;
        best = back[t][best] as usize;
    }
    path
}

/// The spans of the decoded `path`, each with the lowest probability of its tags.
fn spans_of(
    path: &[usize],
    local: &[CharScores],
    trans_exp: &[Lanes],
) -> Vec<(usize, usize, EntityType, f32)> {
    bio::decode(path, &TYPES)
        .into_iter()
        .map(|(s, e, kind)| {
            let conf = (s..e)
                .map(|i| {
                    let prev = if i == 0 { START } else { path[i - 1] };
                    local[i].local(trans_exp, prev, path[i])
                })
                .fold(1.0f32, f32::min);
            (s, e, kind, conf)
        })
        .collect()
}

/// Coarse class of a char, so unseen digits and letters still share evidence.
fn shape(c: char) -> u32 {
    match c {
        '0'..='9' | '０'..='９' => 1,
        'a'..='z' | 'A'..='Z' => 2,
        _ if crate::text::is_han(c) => 3,
        _ if c.is_whitespace() => 4,
        _ if c.is_ascii_punctuation()
            || ('\u{3000}'..='\u{303F}').contains(&c)
            || ('\u{FF00}'..='\u{FFEF}').contains(&c) =>
        {
            5
        }
        _ => 6,
    }
}

/// Hashes a template id and its values into the feature space. FxHash is deterministic across
/// runs and machines, which the saved model relies on.
fn bucket(parts: &[u32], mask: u64) -> u32 {
    let mut h = FxHasher::default();
    for &p in parts {
        h.write_u32(p);
    }
    (h.finish()
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(23)
        & mask) as u32
}

/// The first bucket of a line of [`LINE_ROWS`] buckets: the weight table stores those rows on
/// one cache line. A char is looked up at seven offsets as the window passes over it (and a char
/// pair at four); keying all of them on one line costs one cache miss instead of seven.
fn line_start(parts: &[u32], mask: u64) -> u32 {
    bucket(parts, mask) & !(LINE_ROWS - 1)
}

/// Per char of a sentence, padded by [`WINDOW`] on both sides, the line of the templates keyed
/// on that char alone and of those keyed on the pair it starts.
struct WindowLines {
    chars: Vec<u32>,
    pairs: Vec<u32>,
}

/// How far the char window reaches on each side.
const WINDOW: usize = 3;

impl WindowLines {
    fn new(n: usize, c: impl Fn(isize) -> u32, mask: u64) -> Self {
        let at = |k: usize| k as isize - WINDOW as isize;
        Self {
            chars: (0..n + 2 * WINDOW)
                .map(|k| line_start(&[1, c(at(k))], mask))
                .collect(),
            pairs: (0..n + 2 * WINDOW)
                .map(|k| line_start(&[2, c(at(k)), c(at(k) + 1)], mask))
                .collect(),
        }
    }

    /// The char at offset `d` (−3..=3) from char `i`, in its slot `d + 3` of the char's line.
    fn char_feature(&self, i: usize, d: isize) -> u32 {
        let slot = (d + WINDOW as isize) as usize;
        self.chars[i + slot] | slot as u32
    }

    /// The pair starting at offset `d` (−2..=1) from char `i`, in slot `d + 2` of its line.
    fn pair_feature(&self, i: usize, d: isize) -> u32 {
        let slot = d + 2;
        self.pairs[(i as isize + d + WINDOW as isize) as usize] | slot as u32
    }
}

/// Chars to a name ending, coarsened: near ones matter one by one, far ones by range.
fn distance_bucket(d: u32) -> u32 {
    match d {
        0..=5 => d,
        6..=7 => 6,
        8..=10 => 7,
        11..=14 => 8,
        _ => 9,
    }
}

/// The observation features of every char of a sentence, in one buffer.
struct CharFeatures {
    all: Vec<u32>,
    /// `all[ends[i - 1]..ends[i]]` are char `i`'s features.
    ends: Vec<usize>,
    /// Where the sentence's jieba words end (char offsets, ascending).
    word_ends: Vec<usize>,
}

impl CharFeatures {
    fn get(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.all[start..self.ends[i]]
    }

    fn iter(&self) -> impl Iterator<Item = &[u32]> {
        (0..self.ends.len()).map(|i| self.get(i))
    }
}

/// What training taught the tagger about whole strings, beyond the model's weights.
struct Known<'a> {
    lexicon: &'a Lexicon,
    endings: &'a NameEndings,
}

/// Observation features of every char of `text` (everything but the previous tag).
fn observation_features(
    jieba: &Jieba,
    known: &Known,
    text: &str,
    chars: &[char],
    bits: u8,
) -> CharFeatures {
    let mask = (1u64 << bits) - 1;
    let n = chars.len();
    let cover = known.lexicon.longest_cover(chars);
    let ahead = known.endings.ahead(chars);
    // Where char `i` sits in the longest known name of type `t` covering it: 0 none, 1 single,
    // 2 begin, 3 middle, 4 end.
    let place_in = |i: isize, t: usize| -> u32 {
        if i < 0 {
            return 0;
        }
        match cover.get(i as usize).and_then(|c| c[t]) {
            None => 0,
            Some((a, b)) if b - a == 1 => 1,
            Some((a, _)) if a as isize == i => 2,
            Some((_, b)) if b as isize == i + 1 => 4,
            Some(_) => 3,
        }
    };
    // Word of each char (hash), its POS tag (hash), and the char's position in the word (B/M/E/S),
    // plus the index of that word, for features of the neighbouring words.
    let mut word = vec![(0u32, 0u32, 0u32, 0u32); n];
    let mut word_of = vec![0usize; n];
    let mut word_ends = Vec::new();
    let mut words: Vec<(u32, u32)> = Vec::new();
    let mut pos = 0;
    for tag in jieba.tag(text, true) {
        let len = tag.word.chars().count();
        let wh = tag
            .word
            .chars()
            .fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(c as u32));
        let th = tag
            .tag
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
        for k in 0..len {
            if pos + k < n {
                let place = if len == 1 {
                    0
                } else if k == 0 {
                    1
                } else if k + 1 == len {
                    3
                } else {
                    2
                };
                word[pos + k] = (wh, th, place, len.min(6) as u32);
                word_of[pos + k] = words.len();
            }
        }
        words.push((wh, th));
        pos += len;
        word_ends.push(pos.min(n));
    }
    // Neighbouring words (hash, POS) by offset from the char's word; (0, 0) past either end.
    let near = |i: usize, d: isize| -> (u32, u32) {
        let w = word_of[i] as isize + d;
        if w < 0 || w as usize >= words.len() {
            (0, 0)
        } else {
            words[w as usize]
        }
    };
    let c = |i: isize| -> u32 {
        if i < 0 || i as usize >= n {
            0x11_0000 + (i < 0) as u32
        } else {
            chars[i as usize] as u32
        }
    };
    let sh = |i: isize| -> u32 {
        if i < 0 || i as usize >= n {
            0
        } else {
            shape(chars[i as usize])
        }
    };
    let lines = WindowLines::new(n, c, mask);
    let mut out = CharFeatures {
        all: Vec::with_capacity(n * MAX_FEATURES),
        ends: Vec::with_capacity(n),
        word_ends,
    };
    for i in 0..n {
        let i = i as isize;
        let (wh, th, place, len) = word[i as usize];
        let prev_tag = if i > 0 { word[i as usize - 1].1 } else { 0 };
        let next_tag = if (i as usize) + 1 < n {
            word[i as usize + 1].1
        } else {
            0
        };
        let (before, after, after2) = (
            near(i as usize, -1),
            near(i as usize, 1),
            near(i as usize, 2),
        );
        let u = i as usize;
        let f = [
            lines.char_feature(u, -3),
            lines.char_feature(u, -2),
            lines.char_feature(u, -1),
            lines.char_feature(u, 0),
            lines.char_feature(u, 1),
            lines.char_feature(u, 2),
            lines.char_feature(u, 3),
            lines.pair_feature(u, -2),
            lines.pair_feature(u, -1),
            lines.pair_feature(u, 0),
            lines.pair_feature(u, 1),
            bucket(&[10, c(i - 1), c(i + 1)], mask),
            bucket(&[11, c(i - 1), c(i), c(i + 1)], mask),
            bucket(&[12, wh, place], mask),
            bucket(&[13, th, place], mask),
            bucket(&[14, th, place, c(i)], mask),
            bucket(&[15, prev_tag, th, place], mask),
            bucket(&[16, th, next_tag, place], mask),
            bucket(&[17, len, place], mask),
            bucket(&[18, sh(i - 1), sh(i), sh(i + 1)], mask),
            bucket(&[19, wh], mask),
            // Word context: an ORG's or LOC's suffix word (大学, 委员会, 县) is often a word
            // or two after the char being tagged, outside the char window.
            bucket(&[22, before.0, place], mask),
            bucket(&[23, after.0, place], mask),
            bucket(&[24, after2.0, place], mask),
            bucket(&[25, before.1, th, after.1], mask),
            bucket(&[26, th, after.1, after2.1], mask),
        ];
        out.all.extend_from_slice(&f);
        for (t, name) in cover[i as usize].iter().enumerate() {
            let here = place_in(i, t);
            let (before, after) = (place_in(i - 1, t), place_in(i + 1, t));
            if here + before + after > 0 {
                let len = name.map_or(0, |(a, b)| (b - a).min(8));
                out.all.push(bucket(&[27 + t as u32, here, len], mask));
                out.all
                    .push(bucket(&[30 + t as u32, before, here, after], mask));
            }
        }
        for (t, a) in ahead[i as usize].iter().enumerate() {
            if let Some(a) = a {
                let t = t as u32;
                let far = distance_bucket(a.distance);
                out.all.push(bucket(&[33 + t, far, a.len, a.share], mask));
                out.all.push(bucket(&[35 + t, far, a.id], mask));
                out.all
                    .push(bucket(&[37 + t, far, a.share, th, place], mask));
            }
        }
        out.ends.push(out.all.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bio_constraints() {
        assert!(allowed(START, 0) && allowed(START, 1) && !allowed(START, 2));
        assert!(allowed(1, 2) && allowed(2, 2) && !allowed(1, 4) && !allowed(0, 2));
        assert_eq!(tag_name(3), "B-ORG");
        assert_eq!(tag_name(6), "I-LOCATION");
    }

    #[test]
    fn viterbi_finds_the_most_probable_allowed_path() {
        // Pseudo-random scores (an LCG, so the test is the same on every run) and every path of
        // four tags tried, in logs, against the rescaled products.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 40) as f32 / (1u64 << 24) as f32
        };
        for _ in 0..20 {
            let trans: Vec<Lanes> = (0..=N_TAGS)
                .map(|p| std::array::from_fn(|c| f32::from(allowed(p, c)) * 3.0 * next()))
                .collect();
            let chars: Vec<CharScores> = (0..4)
                .map(|_| CharScores {
                    e: std::array::from_fn(|_| next()),
                    inv_z: std::array::from_fn(|_| 0.5 + next()),
                })
                .collect();
            let log_score = |path: &[usize]| -> f64 {
                (0..path.len())
                    .map(|t| {
                        let prev = if t == 0 { START } else { path[t - 1] };
                        f64::from(chars[t].local(&trans, prev, path[t])).ln()
                    })
                    .sum()
            };
            let best = (0..N_TAGS.pow(4))
                .map(|k| {
                    (0..4)
                        .map(|t| k / N_TAGS.pow(t) % N_TAGS)
                        .collect::<Vec<_>>()
                })
                .max_by(|a, b| log_score(a).total_cmp(&log_score(b)))
                .unwrap();
            let path = viterbi(&chars, &trans);
            assert!(
                (log_score(&path) - log_score(&best)).abs() < 1e-5,
                "{path:?} {best:?}"
            );
        }
    }

    #[test]
    fn each_char_and_pair_is_looked_up_on_one_line() {
        let line = |f: u32| f & !(LINE_ROWS - 1);
        let window = WindowLines::new(10, |j| j as u32, (1 << 20) - 1);
        // Char 5 as seen from chars 8 (offset −3) to 2 (offset +3): one line, a slot per offset.
        let seen: Vec<u32> = (-3..=3)
            .map(|d| window.char_feature((5 - d) as usize, d))
            .collect();
        assert!(seen.iter().all(|&f| line(f) == line(seen[0])));
        let slots: Vec<u32> = seen.iter().map(|f| f % LINE_ROWS).collect();
        assert_eq!(slots, [0, 1, 2, 3, 4, 5, 6]);
        // The pair starting at char 5, from chars 7 to 4.
        let pairs: Vec<u32> = (-2..=1)
            .map(|d| window.pair_feature((5 - d) as usize, d))
            .collect();
        assert!(pairs.iter().all(|&f| line(f) == line(pairs[0])));
        assert_ne!(pairs[0], pairs[3]);
        assert_ne!(line(seen[0]), line(pairs[0]));
    }

    #[test]
    fn learns_and_decodes_a_tiny_corpus() {
        let jieba = Jieba::new();
        let spans = [(0, 3, EntityType::Person), (4, 6, EntityType::Location)];
        let spans2 = [(0, 2, EntityType::Location), (3, 6, EntityType::Org)];
        let sents: Vec<TrainSentence> = (0..20)
            .flat_map(|_| {
                [
                    TrainSentence {
                        text: "李明华在北京工作。",
                        spans: &spans,
                        weight: 1.0,
                    },
                    TrainSentence {
                        text: "上海的复旦大学很好。",
                        spans: &spans2,
                        weight: 1.0,
                    },
                ]
            })
            .collect();
        let opts = TaggerOptions {
            bits: 16,
            alpha: 0.01,
            max_iterations: 100,
            prune: 0.0,
            bias: DecodeBias::default(),
        };
        let tagger = EntityTagger::train(&jieba, &sents, &opts, &ProgressBar::hidden()).unwrap();
        let got: Vec<_> = tagger
            .tag_with_words(&jieba, "李明华在北京工作。")
            .0
            .into_iter()
            .map(|(s, e, k, _)| (s, e, k))
            .collect();
        assert_eq!(got, spans.to_vec());
        // A bonus for B- tags finds more entities (zero bias is the model's own decoding): a
        // huge one makes every char a one-char entity, with its unbiased probability.
        let mut biased = tagger.clone();
        biased.set_bias(DecodeBias {
            begin: [1e3; 3],
            inside: 0.0,
        });
        let text = "李明华在北京工作。";
        let spans = biased.tag_with_words(&jieba, text).0;
        assert_eq!(spans.len(), 9);
        assert!(spans
            .iter()
            .all(|&(s, e, _, conf)| e == s + 1 && conf < 1.0));
        // A model of another feature scheme does not load; this one does.
        let config = bincode::config::standard();
        let mut parts = tagger.parts.clone();
        let decode = |parts: &TaggerParts| {
            let bytes = bincode::serde::encode_to_vec(parts, config).unwrap();
            bincode::serde::decode_from_slice::<EntityTagger, _>(&bytes, config).map(|_| ())
        };
        assert!(decode(&parts).is_ok());
        parts.scheme += 1;
        assert!(decode(&parts).is_err());
        // Decoding never yields an I- tag without its B-.
        for text in ["", "。", "复旦大学在上海", "工作李明华"] {
            for (s, e, _, conf) in tagger.tag_with_words(&jieba, text).0 {
                assert!(s < e && e <= text.chars().count() && (0.0..=1.0).contains(&conf));
            }
        }
    }
}
