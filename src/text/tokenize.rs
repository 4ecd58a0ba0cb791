//! Normalised text → feature tokens for classification, and jieba access for the tagger.
//!
//! Tokens are jieba words with a Han char (or Latin words), plus, when a model asks for them,
//! character bigrams of Han runs (off by default: measured in `docs/TOKENS.md`). The stop-list
//! (`stopwords.txt`, data rather than code) is applied when a vocabulary is fitted, so stop-words
//! never become features.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use super::fold::is_han;
use super::normalize::Normalized;

/// Which tokens a model's features are built from; stored in the model so that serving uses
/// exactly what training used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenOptions {
    /// Add bigrams of adjacent Han chars to the jieba words.
    pub char_bigrams: bool,
}

/// Words only by default: bigrams did not help the notice models and cost 5× the training
/// time (docs/TOKENS.md).
impl Default for TokenOptions {
    fn default() -> Self {
        Self {
            char_bigrams: false,
        }
    }
}

static STOPWORDS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    include_str!("stopwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// A sentence whose first word jieba must guess a POS tag for (see `Tokenizer::new`).
const POS_WARM_UP: &str = "樊禹说";

/// Segments normalised text. Holds the jieba dictionary; build once and share (it is `Sync`).
pub struct Tokenizer {
    jieba: Jieba,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer {
    pub fn new() -> Self {
        let jieba = Jieba::new();
        // jieba parses its POS model for unknown words (樊禹, not in its dictionary) once per
        // process, on first use (~30 ms): at start-up, not in the first request that meets one.
        jieba.tag(POS_WARM_UP, true);
        Self { jieba }
    }

    /// The jieba segmenter, for callers that need words with positions or POS tags.
    pub fn jieba(&self) -> &Jieba {
        &self.jieba
    }

    /// Appends the feature tokens of `text`'s content (boilerplate excluded) to `out`.
    pub fn feature_tokens<'a>(
        &self,
        text: &'a Normalized,
        opts: TokenOptions,
        out: &mut Vec<&'a str>,
    ) {
        for segment in text.content() {
            self.segment_tokens(segment, opts, out);
        }
    }

    fn segment_tokens<'a>(&self, segment: &'a str, opts: TokenOptions, out: &mut Vec<&'a str>) {
        for token in self.jieba.cut(segment, false) {
            if is_feature_word(token.word) {
                out.push(token.word);
            }
        }
        if opts.char_bigrams {
            push_han_bigrams(segment, out);
        }
    }
}

/// A word worth a feature: it has a Han char or is a Latin word. Stop-words pass here and are
/// left out when a vocabulary is built (see [`is_stopword`]), so a document being classified
/// costs one hash lookup per token (the vocabulary's), not two.
fn is_feature_word(word: &str) -> bool {
    word.chars().any(is_han) || (word.len() >= 2 && word.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Whether `word` is on the stop-list (`stopwords.txt`): function words and boilerplate terms
/// that never become features.
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(word)
}

fn push_han_bigrams<'a>(segment: &'a str, out: &mut Vec<&'a str>) {
    let mut prev: Option<(usize, char)> = None;
    for (i, c) in segment.char_indices() {
        if !is_han(c) {
            prev = None;
            continue;
        }
        if let Some((p, _)) = prev {
            out.push(&segment[p..i + c.len_utf8()]);
        }
        prev = Some((i, c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Normalizer;

    fn tokens(raw: &str, bigrams: bool) -> Vec<String> {
        let n = Normalizer::new().unwrap().normalize(raw);
        let mut out = Vec::new();
        Tokenizer::new().feature_tokens(
            &n,
            TokenOptions {
                char_bigrams: bigrams,
            },
            &mut out,
        );
        out.into_iter().map(String::from).collect()
    }

    #[test]
    fn the_warm_up_sentence_starts_with_an_unknown_word() {
        let jieba = Jieba::new();
        assert_eq!(jieba.tag(POS_WARM_UP, true)[0].word, "樊禹");
        assert!(!jieba.has_word("樊禹"));
    }

    #[test]
    fn simplified_and_traditional_give_the_same_tokens() {
        let simp = "国务院办公厅关于进一步做好疫情防控工作的通知";
        let trad = "國務院辦公廳關於進一步做好疫情防控工作的通知";
        let garbled = "國務(wù)院辦公廳關於進一步做好疫情防控工作的通知";
        assert_eq!(tokens(simp, true), tokens(trad, true));
        assert_eq!(tokens(simp, true), tokens(garbled, true));
    }

    #[test]
    fn digits_and_punctuation_are_dropped_stopwords_are_marked() {
        let t = tokens("关于2020年的通知，请于12月31日前报送。", false);
        assert!(t.contains(&"通知".to_string()));
        for bad in ["2020", "，", "。", "12"] {
            assert!(!t.contains(&bad.to_string()), "{bad} in {t:?}");
        }
        assert!(is_stopword("的") && is_stopword("关于") && !is_stopword("通知"));
    }

    #[test]
    fn bigrams_cover_han_runs_only() {
        let t = tokens("防控A1工作", true);
        assert!(t.contains(&"防控".to_string()) && t.contains(&"工作".to_string()));
        assert!(!t.iter().any(|w| w.contains('A')));
    }

    #[test]
    fn boilerplate_yields_no_feature_tokens() {
        let t = tokens("版权所有：吉林省民政厅\n当前位置：首页 > 要闻", true);
        assert!(t.is_empty(), "{t:?}");
    }
}
