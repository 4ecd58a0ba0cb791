//! The text pipeline shared by training and serving: raw text → [`Normalized`] → tokens.
//!
//! Nothing here knows about models or transport; everything above calls into it.

mod boilerplate;
mod fold;
mod normalize;
mod tokenize;

pub(crate) use fold::is_han;
pub use normalize::{Normalized, Normalizer};
pub use tokenize::{is_stopword, TokenOptions, Tokenizer};

/// Errors building the text pipeline (request-time normalisation cannot fail).
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("loading the traditional→simplified dictionary failed: {0}")]
    Dictionary(String),
}

/// Normaliser and tokenizer together: the one text pipeline every path uses.
pub struct TextPipeline {
    pub normalizer: Normalizer,
    pub tokenizer: Tokenizer,
}

impl TextPipeline {
    pub fn new() -> Result<Self, TextError> {
        Ok(Self {
            normalizer: Normalizer::new()?,
            tokenizer: Tokenizer::new(),
        })
    }
}
