//! Tokens → TF-IDF features → label probabilities; training and evaluation of classifiers.

mod dataset;
mod eval;
mod logistic;
mod model;
mod quantized;
mod term_index;
mod tfidf;
mod train;

pub use dataset::{load as load_labelled, read_rows, DataError, Fields, LabelledDoc};
pub use eval::{evaluate, ClassMetrics, Metrics};
pub use logistic::{
    argmax, softmax_in_place, FittedSoftmax, LogisticError, SoftmaxRegression, SparseRows,
};
pub use model::{ModelCard, NoticeClassifier, CARD_FILE, MODEL_FILE};
pub use quantized::QuantizedSoftmax;
pub(crate) use quantized::LINE_ROWS;
pub use tfidf::{count_terms, SparseVec, TfidfConfig, TfidfVectorizer};
pub use train::{
    evaluate_predictions, predict_docs, stratified_split, train, ClassWeight, TrainOptions,
    TrainReport,
};
