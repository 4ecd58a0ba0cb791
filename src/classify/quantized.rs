//! An 8-bit copy of a fitted softmax model with few classes, for scoring that is bound by
//! memory rather than arithmetic.
//!
//! The entity tagger looks up ~35 random rows of a 2^22-row weight table per char. As f32 the
//! table is 117 MB and the lookups miss every cache. Here a weight is an i8 times one shared
//! scale and a row is 8 bytes (classes padded to 8): 32 MB, whose rows in use fit the L3 cache,
//! and all-zero rows compress to nearly nothing in the artifact. Rows are stored in aligned
//! lines of eight, one cache line each, so a caller that gives related features indices in one
//! aligned group of eight pays one cache miss for all of them.
//! Keeping only the non-zero rows behind a ranked bitmap (3 MB) measured 12 % slower: the rank
//! is a second dependent load. Numbers in BENCHMARKS.md.

use serde::{Deserialize, Serialize};

use super::logistic::{FittedSoftmax, LogisticError};
use crate::memory::{copy_to_huge_pages, prefetch};

/// Classes a row holds; models with more classes are not quantized.
const ROW: usize = 8;

type Row = [i8; ROW];
/// Rows per cache line.
pub(crate) const LINE_ROWS: u32 = 8;

/// Eight rows on one 64-byte cache line.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[repr(C, align(64))]
struct Line([Row; LINE_ROWS as usize]);
const _: () = assert!(std::mem::size_of::<Line>() == 64);

/// Weights as `i8 × scale`, feature-major, one row per feature; biases stay f32.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QuantizedSoftmax {
    n_classes: usize,
    scale: f32,
    /// Looked up at random, hence huge pages.
    #[serde(deserialize_with = "crate::memory::deserialize_to_huge_pages")]
    lines: Vec<Line>,
    bias: Vec<f32>,
}

impl QuantizedSoftmax {
    /// Rounds every weight of `model` to the nearest multiple of `max |w| / 127`.
    pub fn new(model: &FittedSoftmax) -> Result<Self, LogisticError> {
        let k = model.n_classes();
        if k > ROW {
            return Err(LogisticError::TooManyClasses(k, ROW));
        }
        let n = model.n_features();
        let max = (0..n as u32)
            .flat_map(|j| (0..k).map(move |c| model.weight(j, c).abs()))
            .fold(0.0f32, f32::max);
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let quantize = |w: f32| (w / scale).round().clamp(-127.0, 127.0) as i8;
        let row = |j: u32| -> Row {
            std::array::from_fn(|c| {
                if c < k && (j as usize) < n {
                    quantize(model.weight(j, c))
                } else {
                    0
                }
            })
        };
        let lines: Vec<Line> = (0..n.div_ceil(LINE_ROWS as usize) as u32)
            .map(|l| Line(std::array::from_fn(|r| row(l * LINE_ROWS + r as u32))))
            .collect();
        Ok(Self {
            n_classes: k,
            scale,
            lines: copy_to_huge_pages(&lines),
            bias: model.bias().to_vec(),
        })
    }

    /// How many features have a non-zero weight.
    #[cfg(test)]
    fn nonzero_rows(&self) -> usize {
        self.lines
            .iter()
            .flat_map(|l| &l.0)
            .filter(|r| r.iter().any(|&w| w != 0))
            .count()
    }

    /// Weight of feature `j` towards class `c`, as stored.
    pub fn weight(&self, j: u32, c: usize) -> f32 {
        self.row(j).map_or(0.0, |r| r[c] as f32 * self.scale)
    }

    /// The row of feature `j`.
    #[inline]
    fn row(&self, j: u32) -> Option<&Row> {
        let line = self.lines.get((j / LINE_ROWS) as usize)?;
        Some(&line.0[(j % LINE_ROWS) as usize])
    }

    /// Logits of a row of binary features (each index present = 1.0), written into `out`
    /// (len = classes). Sums stay integer, so the result is exact for the stored weights.
    pub fn logits(&self, indices: &[u32], out: &mut [f32]) {
        let mut acc = [0i32; ROW];
        // Sums of up to 258 weights of at most ±127 fit an i16; eight i16 lanes are one SIMD
        // register, so a row costs a widening load and an add.
        for chunk in indices.chunks(258) {
            let mut lanes = [0i16; ROW];
            for row in chunk.iter().filter_map(|&j| self.row(j)) {
                for (a, &w) in lanes.iter_mut().zip(row) {
                    *a += i16::from(w);
                }
            }
            for (a, &l) in acc.iter_mut().zip(&lanes) {
                *a += i32::from(l);
            }
        }
        for ((o, &b), &a) in out.iter_mut().zip(&self.bias).zip(&acc) {
            *o = b + a as f32 * self.scale;
        }
    }

    /// Asks the CPU to start loading the rows of `indices`, so that a later [`Self::logits`]
    /// on them finds them in cache. Only a hint: it never changes a result.
    pub fn prefetch(&self, indices: &[u32]) {
        for row in indices.iter().filter_map(|&j| self.row(j)) {
            prefetch(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{SoftmaxRegression, SparseRows};
    use linfa::dataset::DatasetBase;
    use linfa::traits::Fit;
    use ndarray::Array1;

    /// Features 0-5 are used, 6-202 never are (their weights stay zero).
    fn small_model() -> FittedSoftmax {
        let mut rows = SparseRows::new(203);
        let data = [
            (vec![0, 1], 0),
            (vec![2, 3], 1),
            (vec![4, 5], 2),
            (vec![1, 3], 1),
        ];
        let mut targets = Vec::new();
        for (idx, t) in data.iter().cycle().take(40) {
            rows.push(idx, &vec![1.0; idx.len()]);
            targets.push(*t);
        }
        SoftmaxRegression {
            alpha: 0.1,
            ..Default::default()
        }
        .fit(&DatasetBase::new(rows, Array1::from(targets)))
        .unwrap()
    }

    #[test]
    fn logits_match_the_f32_model_within_half_a_step_per_feature() {
        let model = small_model();
        let q = QuantizedSoftmax::new(&model).unwrap();
        assert_eq!(q.nonzero_rows(), 6);
        let (mut exact, mut approx) = ([0.0f32; 3], [0.0f32; 3]);
        for idx in [vec![0u32, 1], vec![2, 3, 5, 150, 199], vec![]] {
            model.logits(&idx, &vec![1.0; idx.len()], &mut exact);
            q.prefetch(&idx);
            q.logits(&idx, &mut approx);
            let bound = q.scale * 0.5 * idx.len() as f32 + 1e-6;
            for (e, a) in exact.iter().zip(&approx) {
                assert!((e - a).abs() <= bound, "{exact:?} vs {approx:?}");
            }
        }
        for j in [0, 5, 64, 199] {
            assert!((q.weight(j, 2) - model.weight(j, 2)).abs() <= q.scale * 0.5);
        }
        // The last line's padding past the last feature weighs nothing.
        assert_eq!(q.lines.len(), 26);
        assert_eq!(q.weight(204, 0), 0.0);
    }

    #[test]
    fn survives_a_round_trip() {
        let q = QuantizedSoftmax::new(&small_model()).unwrap();
        let bytes = bincode::serde::encode_to_vec(&q, bincode::config::standard()).unwrap();
        let (back, _): (QuantizedSoftmax, _) =
            bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).unwrap();
        assert_eq!(back, q);
    }
}
