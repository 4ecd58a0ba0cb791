//! Multinomial (softmax) logistic regression with L2 regularisation over sparse rows.
//!
//! `linfa-logistic` only takes dense `ndarray` input, which cannot hold 10⁵ features × 10⁴
//! documents, so the objective and gradient are written here for CSR rows and minimised with
//! argmin's L-BFGS, the optimiser linfa itself uses. The objective is linfa-logistic's, so the
//! two agree where both fit (see the tests):
//! `J(W, b) = Σᵢ sᵢ·(−log softmax(xᵢW + b)[yᵢ]) + α/2·‖W‖²`, with sample weights `sᵢ` (default 1).

use std::sync::Mutex;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::{linesearch::MoreThuenteLineSearch, quasinewton::LBFGS};
use linfa::dataset::{DatasetBase, Records};
use linfa::traits::{Fit, PredictInplace};
use ndarray::Array1;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::memory::prefetch;

/// Rows of a sparse matrix in CSR form: the records type of a linfa `Dataset` for this model.
#[derive(Debug, Clone, Default)]
pub struct SparseRows {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
    n_features: usize,
}

impl SparseRows {
    pub fn new(n_features: usize) -> Self {
        Self {
            indptr: vec![0],
            n_features,
            ..Self::default()
        }
    }

    /// Appends one row; indices must be below `n_features`.
    pub fn push(&mut self, indices: &[u32], values: &[f32]) {
        debug_assert!(indices.iter().all(|&j| (j as usize) < self.n_features));
        self.indices.extend_from_slice(indices);
        self.values.extend_from_slice(values);
        self.indptr.push(self.indices.len());
    }

    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }

    pub fn len(&self) -> usize {
        self.indptr.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Records for SparseRows {
    type Elem = f32;
    fn nsamples(&self) -> usize {
        self.len()
    }
    fn nfeatures(&self) -> usize {
        self.n_features
    }
}

/// Hyper-parameters of [`SoftmaxRegression`]; `fit` it on a linfa `Dataset` of [`SparseRows`]
/// with class indices as targets (and optional sample weights).
#[derive(Debug, Clone)]
pub struct SoftmaxRegression {
    pub alpha: f64,
    pub max_iterations: u64,
    /// Stop when the gradient's L2 norm per unit of row weight falls below this.
    pub gradient_tolerance: f64,
    /// Stop when one iteration lowers the loss per unit of row weight by less than this.
    pub cost_tolerance: f64,
    /// Number of classes; `None` takes the largest target + 1.
    pub n_classes: Option<usize>,
    /// Warm start: parameters of an earlier fit with the same shape.
    pub initial: Option<FittedSoftmax>,
}

impl Default for SoftmaxRegression {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            max_iterations: 300,
            gradient_tolerance: 1e-4,
            cost_tolerance: 1e-9,
            n_classes: None,
            initial: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LogisticError {
    #[error("no training rows")]
    Empty,
    #[error("target {0} is not below the number of classes {1}")]
    BadTarget(usize, usize),
    #[error("{0} classes is more than the {1} a quantized model holds")]
    TooManyClasses(usize, usize),
    #[error("need at least two classes, got {0}")]
    TooFewClasses(usize),
    #[error("optimiser failed: {0}")]
    Solver(String),
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// A fitted model: feature-major weights (`weights[j * k + c]`) and one bias per class.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FittedSoftmax {
    n_features: usize,
    n_classes: usize,
    /// A document's rows are spread over the whole table, hence huge pages.
    #[serde(deserialize_with = "crate::memory::deserialize_to_huge_pages")]
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl FittedSoftmax {
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// Weight of feature `j` towards class `c`.
    pub fn weight(&self, j: u32, c: usize) -> f32 {
        self.weights[j as usize * self.n_classes + c]
    }

    /// Raw class scores (logits) of one sparse row, written into `out` (len = classes).
    pub fn logits(&self, indices: &[u32], values: &[f32], out: &mut [f32]) {
        // Rows are far apart, so each is requested a few features before it is summed.
        const AHEAD: usize = 8;
        let k = self.n_classes;
        out.copy_from_slice(&self.bias);
        for (i, (&j, &x)) in indices.iter().zip(values).enumerate() {
            if let Some(&ahead) = indices.get(i + AHEAD) {
                let row = &self.weights[ahead as usize * k..(ahead as usize + 1) * k];
                // 16 f32 to a cache line: one element of each line the row touches.
                row.iter().step_by(16).chain(row.last()).for_each(prefetch);
            }
            let w = &self.weights[j as usize * k..(j as usize + 1) * k];
            for (o, &wc) in out.iter_mut().zip(w) {
                *o += x * wc;
            }
        }
    }

    /// Class probabilities of one sparse row, written into `out`.
    pub fn probabilities(&self, indices: &[u32], values: &[f32], out: &mut [f32]) {
        self.logits(indices, values, out);
        softmax_in_place(out);
    }

    /// Zeroes weights whose magnitude is below `threshold`; returns how many survive. Pruned
    /// weights compress to almost nothing in the artifact.
    pub fn prune(&mut self, threshold: f32) -> usize {
        let mut kept = 0;
        for w in &mut self.weights {
            if w.abs() < threshold {
                *w = 0.0;
            } else {
                kept += 1;
            }
        }
        kept
    }

    fn to_params(&self) -> Array1<f64> {
        self.weights
            .iter()
            .chain(&self.bias)
            .map(|&v| v as f64)
            .collect()
    }

    fn from_params(p: &Array1<f64>, n_features: usize, n_classes: usize) -> Self {
        let split = n_features * n_classes;
        Self {
            n_features,
            n_classes,
            weights: p.iter().take(split).map(|&v| v as f32).collect(),
            bias: p.iter().skip(split).map(|&v| v as f32).collect(),
        }
    }
}

pub fn softmax_in_place(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

impl PredictInplace<SparseRows, Array1<usize>> for FittedSoftmax {
    fn predict_inplace(&self, x: &SparseRows, y: &mut Array1<usize>) {
        let mut scores = vec![0.0; self.n_classes];
        for (i, y) in y.iter_mut().enumerate().take(x.len()) {
            let (ind, val) = x.row(i);
            self.logits(ind, val, &mut scores);
            *y = argmax(&scores);
        }
    }

    fn default_target(&self, x: &SparseRows) -> Array1<usize> {
        Array1::zeros(x.len())
    }
}

pub fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &s)| {
            if s > best.1 {
                (i, s)
            } else {
                best
            }
        })
        .0
}

impl Fit<SparseRows, Array1<usize>, LogisticError> for SoftmaxRegression {
    type Object = FittedSoftmax;

    fn fit(
        &self,
        data: &DatasetBase<SparseRows, Array1<usize>>,
    ) -> Result<FittedSoftmax, LogisticError> {
        let x = &data.records;
        let y = data.targets.as_slice().ok_or(LogisticError::Empty)?;
        if x.is_empty() {
            return Err(LogisticError::Empty);
        }
        let max_target = y.iter().copied().max().unwrap_or(0);
        let k = self.n_classes.unwrap_or(max_target + 1);
        if k < 2 {
            return Err(LogisticError::TooFewClasses(k));
        }
        if max_target >= k {
            return Err(LogisticError::BadTarget(max_target, k));
        }
        let weights = data.weights().map(|w| w.to_vec());
        let problem = Objective::new(x, y, weights.as_deref(), k, self.alpha);
        let init = match &self.initial {
            Some(m) if m.n_features == x.n_features && m.n_classes == k => m.to_params(),
            _ => Array1::zeros((x.n_features + 1) * k),
        };
        // The loss is a sum over rows, so tolerances given per unit of row weight (as
        // scikit-learn's, whose loss is a mean) scale with the total weight.
        let total_weight = weights
            .as_ref()
            .map_or(x.len() as f64, |w| w.iter().map(|&v| f64::from(v)).sum());
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(self.gradient_tolerance * total_weight)
            .and_then(|s| s.with_tolerance_cost(self.cost_tolerance * total_weight))
            .map_err(|e| LogisticError::Solver(e.to_string()))?;
        let result = Executor::new(problem, solver)
            .configure(|s| s.param(init).max_iters(self.max_iterations))
            .run()
            .map_err(|e| LogisticError::Solver(e.to_string()))?;
        let best = result
            .state()
            .get_best_param()
            .ok_or_else(|| LogisticError::Solver("no parameters returned".into()))?;
        Ok(FittedSoftmax::from_params(best, x.n_features, k))
    }
}

/// Rows are split into this many fixed chunks for the parallel loss, so the summation order
/// (and hence the fitted model) does not depend on the number of threads.
const CHUNKS: usize = 8;

/// Features per parallel task in the gradient pass.
const FEATURE_BLOCK: usize = 1024;

/// Parameters with the loss and gradient found there.
type Evaluation = (Array1<f64>, f64, Array1<f64>);

/// The columns of a [`SparseRows`] (CSC). The gradient is summed feature by feature over it:
/// every sum then has one fixed order whatever the thread count, and no per-thread copies of
/// the (features × classes) gradient have to be zeroed and added up at each evaluation.
struct Columns {
    indptr: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f32>,
}

impl Columns {
    fn of(x: &SparseRows) -> Self {
        let mut indptr = vec![0usize; x.n_features + 1];
        for &j in &x.indices {
            indptr[j as usize + 1] += 1;
        }
        for j in 0..x.n_features {
            indptr[j + 1] += indptr[j];
        }
        let mut next = indptr.clone();
        let (mut rows, mut values) = (vec![0u32; x.indices.len()], vec![0f32; x.indices.len()]);
        for i in 0..x.len() {
            let (ind, val) = x.row(i);
            for (&j, &v) in ind.iter().zip(val) {
                let at = &mut next[j as usize];
                rows[*at] = i as u32;
                values[*at] = v;
                *at += 1;
            }
        }
        Self {
            indptr,
            rows,
            values,
        }
    }
}

/// The regularised negative log-likelihood; evaluates loss and gradient in one pass and caches
/// them, because L-BFGS's line search asks for both at the same point.
pub(crate) struct Objective<'a> {
    x: &'a SparseRows,
    columns: Columns,
    y: &'a [usize],
    weights: Option<&'a [f32]>,
    k: usize,
    alpha: f64,
    cache: Mutex<Option<Evaluation>>,
    evaluations: std::sync::atomic::AtomicUsize,
}

impl<'a> Objective<'a> {
    pub(crate) fn new(
        x: &'a SparseRows,
        y: &'a [usize],
        weights: Option<&'a [f32]>,
        k: usize,
        alpha: f64,
    ) -> Self {
        Self {
            x,
            columns: Columns::of(x),
            y,
            weights,
            k,
            alpha,
            cache: Mutex::new(None),
            evaluations: Default::default(),
        }
    }

    fn evaluate(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((cp, loss, grad)) = cache.as_ref() {
            if cp == p {
                return (*loss, grad.clone());
            }
        }
        let (loss, grad) = self.loss_grad(p);
        let n = self
            .evaluations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        if n % 10 == 0 {
            let grad_norm = grad.dot(&grad).sqrt();
            tracing::info!(evaluations = n, loss, grad_norm, "fitting");
        }
        *cache = Some((p.clone(), loss, grad.clone()));
        (loss, grad)
    }

    /// Two passes: rows → per-row residuals `sᵢ·(softmax − onehot)` and losses; then
    /// columns → the weight gradient `Xᵀ·R + αW`, feature by feature.
    pub(crate) fn loss_grad(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let (d, k, n) = (self.x.n_features, self.k, self.x.len());
        // The row pass runs in f32: it is bound by memory traffic over the weights, and f32
        // halves it. Losses and gradient sums are accumulated in f64.
        let theta: Vec<f32> = p.iter().map(|&v| v as f32).collect();
        let mut resid = vec![0f32; n * k];
        let per = n.div_ceil(CHUNKS);
        let losses: Vec<f64> = resid
            .par_chunks_mut(per * k)
            .enumerate()
            .map(|(c, r)| self.residuals(&theta, c * per, r))
            .collect();
        let mut loss: f64 = losses.iter().sum();

        let mut grad = vec![0f64; (d + 1) * k];
        let (weights, bias) = grad.split_at_mut(d * k);
        let owned;
        let params = match p.as_slice() {
            Some(s) => s,
            None => {
                owned = p.to_vec();
                &owned
            }
        };
        let squares: Vec<f64> = weights
            .par_chunks_mut(FEATURE_BLOCK * k)
            .enumerate()
            .map(|(b, g)| self.weight_gradient(params, &resid, b * FEATURE_BLOCK, g))
            .collect();
        loss += 0.5 * self.alpha * squares.iter().sum::<f64>();
        for r in resid.chunks_exact(k) {
            bias.iter_mut().zip(r).for_each(|(g, &v)| *g += v as f64);
        }
        (loss, Array1::from(grad))
    }

    /// Residuals of the rows starting at `first` (one row of `k` per chunk of `out`); returns
    /// their loss.
    fn residuals(&self, theta: &[f32], first: usize, out: &mut [f32]) -> f64 {
        let (d, k) = (self.x.n_features, self.k);
        let mut loss = 0.0;
        for (r, z) in out.chunks_exact_mut(k).enumerate() {
            let i = first + r;
            let (ind, val) = self.x.row(i);
            z.copy_from_slice(&theta[d * k..]);
            for (&j, &x) in ind.iter().zip(val) {
                let w = &theta[j as usize * k..(j as usize + 1) * k];
                for (zc, &wc) in z.iter_mut().zip(w) {
                    *zc += x * wc;
                }
            }
            let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let lse = max + z.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
            let s = self.weights.map_or(1.0, |w| w[i]);
            let y = self.y[i];
            loss += s as f64 * (lse - z[y]) as f64;
            for (c, zc) in z.iter_mut().enumerate() {
                *zc = s * ((*zc - lse).exp() - if c == y { 1.0 } else { 0.0 });
            }
        }
        loss
    }

    /// Gradient rows of the features starting at `first` (one row of `k` per chunk of `out`),
    /// regularisation included; returns their squared weights.
    fn weight_gradient(&self, params: &[f64], resid: &[f32], first: usize, out: &mut [f64]) -> f64 {
        let (k, cols) = (self.k, &self.columns);
        let mut squares = 0.0;
        for (f, g) in out.chunks_exact_mut(k).enumerate() {
            let j = first + f;
            for at in cols.indptr[j]..cols.indptr[j + 1] {
                let (i, v) = (cols.rows[at] as usize, cols.values[at] as f64);
                for (gc, &rc) in g.iter_mut().zip(&resid[i * k..(i + 1) * k]) {
                    *gc += v * rc as f64;
                }
            }
            for (gc, &w) in g.iter_mut().zip(&params[j * k..(j + 1) * k]) {
                *gc += self.alpha * w;
                squares += w * w;
            }
        }
        squares
    }
}

impl CostFunction for Objective<'_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.evaluate(p).0)
    }
}

impl Gradient for Objective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, p: &Self::Param) -> Result<Array1<f64>, argmin::core::Error> {
        Ok(self.evaluate(p).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::traits::Predict;
    use linfa_logistic::MultiLogisticRegression;
    use ndarray::{Array2, Axis};

    /// A small, deterministic 3-class problem that dense linfa-logistic can also fit.
    fn problem() -> (Array2<f64>, Array1<usize>) {
        let n = 90;
        let mut x = Array2::zeros((n, 5));
        let mut y = Array1::zeros(n);
        for i in 0..n {
            let c = i % 3;
            y[i] = c;
            for j in 0..5 {
                // pseudo-random but fixed, with class-dependent means
                let noise = (((i * 31 + j * 17) % 23) as f64 / 23.0) - 0.5;
                let mean = if j == c {
                    1.0
                } else if j == 3 {
                    0.3
                } else {
                    0.0
                };
                x[[i, j]] = mean + noise;
            }
        }
        (x, y)
    }

    fn to_sparse(x: &Array2<f64>) -> SparseRows {
        let mut rows = SparseRows::new(x.ncols());
        for r in x.axis_iter(Axis(0)) {
            let (ind, val): (Vec<u32>, Vec<f32>) = r
                .iter()
                .enumerate()
                .filter(|(_, &v)| v != 0.0)
                .map(|(j, &v)| (j as u32, v as f32))
                .unzip();
            rows.push(&ind, &val);
        }
        rows
    }

    #[test]
    fn matches_linfa_logistic_on_a_dense_problem() {
        let (x, y) = problem();
        let alpha = 0.5;
        let dense = MultiLogisticRegression::default()
            .alpha(alpha)
            .gradient_tolerance(1e-8)
            .max_iterations(500)
            .fit(&DatasetBase::new(x.clone(), y.clone()))
            .unwrap();
        let sparse_x = to_sparse(&x);
        let ours = SoftmaxRegression {
            alpha,
            gradient_tolerance: 1e-8,
            max_iterations: 500,
            ..Default::default()
        }
        .fit(&DatasetBase::new(sparse_x.clone(), y.clone()))
        .unwrap();

        let ours_pred: Array1<usize> = ours.predict(&DatasetBase::new(sparse_x.clone(), y.clone()));
        assert_eq!(dense.predict(&x), ours_pred);

        // Evaluate both optima under our objective: equal within 1e-6 relative.
        let objective = Objective::new(&sparse_x, y.as_slice().unwrap(), None, 3, alpha);
        let mut theirs = Vec::new();
        theirs.extend(dense.params().iter().copied());
        theirs.extend(dense.intercept().iter().copied());
        let (l_theirs, _) = objective.loss_grad(&Array1::from(theirs));
        let (l_ours, _) = objective.loss_grad(&ours.to_params());
        assert!(
            ((l_theirs - l_ours) / l_theirs).abs() < 1e-6,
            "{l_theirs} vs {l_ours}"
        );
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = problem();
        let sx = to_sparse(&x);
        let w = Array1::from(vec![0.5f32; 90]);
        let obj = Objective::new(&sx, y.as_slice().unwrap(), w.as_slice(), 3, 0.3);
        let p: Array1<f64> = (0..18).map(|i| ((i * 7) % 5) as f64 * 0.1 - 0.2).collect();
        let (_, g) = obj.loss_grad(&p);
        for i in [0, 4, 9, 15, 17] {
            let mut hi = p.clone();
            // The data pass runs in f32, so the step must be wide enough to rise above its noise.
            hi[i] += 1e-2;
            let mut lo = p.clone();
            lo[i] -= 1e-2;
            let num = (obj.loss_grad(&hi).0 - obj.loss_grad(&lo).0) / 2e-2;
            assert!(
                (num - g[i]).abs() < 1e-3 * (1.0 + g[i].abs()),
                "param {i}: {num} vs {}",
                g[i]
            );
        }
    }

    #[test]
    fn rejects_bad_targets() {
        let rows = to_sparse(&problem().0);
        let y = Array1::from(vec![5usize; rows.len()]);
        let fit = SoftmaxRegression {
            n_classes: Some(3),
            ..Default::default()
        }
        .fit(&DatasetBase::new(rows, y));
        assert!(matches!(fit, Err(LogisticError::BadTarget(5, 3))));
    }
}
