//! conlleval-style exact-span evaluation of entity extraction.
//!
//! A predicted span is correct only when its start, end and type all equal a gold span of the
//! same sentence. Precision, recall and F1 are fractions in `0.0..=1.0` (0 when undefined, never
//! NaN); `overall` is micro-averaged over the scored types.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use super::EntityType;

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TypeScore {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub gold: usize,
    pub predicted: usize,
    pub correct: usize,
}

impl TypeScore {
    fn from_counts(gold: usize, predicted: usize, correct: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(correct, predicted);
        let recall = ratio(correct, gold);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Self {
            precision,
            recall,
            f1,
            gold,
            predicted,
            correct,
        }
    }
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SpanScores {
    pub overall: TypeScore,
    /// Keyed by [`EntityType::as_str`]; every requested type has an entry, even with no spans.
    pub by_type: BTreeMap<String, TypeScore>,
}

/// Exact-span match: a predicted span counts only if start, end and type all equal a gold span.
/// `types` limits scoring to those types (spans of other types are ignored on both sides).
/// Duplicate spans within a sentence count once.
///
/// # Panics
/// If `gold` and `predicted` do not hold the same number of sentences.
pub fn score_spans(
    gold: &[Vec<(usize, usize, EntityType)>],
    predicted: &[Vec<(usize, usize, EntityType)>],
    types: &[EntityType],
) -> SpanScores {
    assert_eq!(
        gold.len(),
        predicted.len(),
        "score_spans: gold and predicted must have one entry per sentence"
    );
    // type → (gold, predicted, correct)
    let mut counts: BTreeMap<EntityType, (usize, usize, usize)> =
        types.iter().map(|&t| (t, (0, 0, 0))).collect();
    for (g, p) in gold.iter().zip(predicted) {
        let g: HashSet<_> = g.iter().filter(|s| counts.contains_key(&s.2)).collect();
        let p: HashSet<_> = p.iter().filter(|s| counts.contains_key(&s.2)).collect();
        for s in &g {
            if let Some(c) = counts.get_mut(&s.2) {
                c.0 += 1;
            }
        }
        for s in &p {
            if let Some(c) = counts.get_mut(&s.2) {
                c.1 += 1;
                c.2 += usize::from(g.contains(s));
            }
        }
    }
    let total = counts
        .values()
        .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    SpanScores {
        overall: TypeScore::from_counts(total.0, total.1, total.2),
        by_type: counts
            .into_iter()
            .map(|(t, (g, p, c))| (t.as_str().to_string(), TypeScore::from_counts(g, p, c)))
            .collect(),
    }
}

impl SpanScores {
    /// A readable table: one row per type then `overall`, with P, R and F1 in percent.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<12} {:>7} {:>7} {:>7} {:>7} {:>9}\n",
            "type", "P%", "R%", "F1%", "gold", "predicted"
        );
        let rows = self
            .by_type
            .iter()
            .map(|(name, s)| (name.as_str(), s))
            .chain([("overall", &self.overall)]);
        for (name, s) in rows {
            // Writing to a String cannot fail.
            let _ = writeln!(
                out,
                "{name:<12} {:>7.2} {:>7.2} {:>7.2} {:>7} {:>9}",
                100.0 * s.precision,
                100.0 * s.recall,
                100.0 * s.f1,
                s.gold,
                s.predicted
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityType::{Date, Location, Org, Person};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn hand_computed_example() {
        let gold = vec![
            vec![(0, 3, Person), (5, 7, Location), (10, 14, Org)],
            vec![(0, 2, Person), (3, 5, Date)],
            vec![],
        ];
        let predicted = vec![
            // right; end off by one; right boundaries but wrong type
            vec![(0, 3, Person), (5, 8, Location), (10, 14, Location)],
            // right; spurious; right but Date is not scored
            vec![(0, 2, Person), (6, 8, Org), (3, 5, Date)],
            // a spurious person, listed twice: duplicates count once
            vec![(1, 2, Person), (1, 2, Person)],
        ];
        let s = score_spans(&gold, &predicted, &[Person, Org, Location]);

        // PERSON: gold 2, predicted 3, correct 2.
        let p = &s.by_type["PERSON"];
        assert_eq!((p.gold, p.predicted, p.correct), (2, 3, 2));
        assert!(close(p.precision, 2.0 / 3.0) && close(p.recall, 1.0) && close(p.f1, 0.8));
        // LOCATION: gold 1, predicted 2, correct 0.
        let l = &s.by_type["LOCATION"];
        assert_eq!((l.gold, l.predicted, l.correct), (1, 2, 0));
        assert_eq!((l.precision, l.recall, l.f1), (0.0, 0.0, 0.0));
        // ORG: gold 1, predicted 1, correct 0.
        let o = &s.by_type["ORG"];
        assert_eq!((o.gold, o.predicted, o.correct), (1, 1, 0));
        assert!(!s.by_type.contains_key("DATE"));

        // overall: gold 4, predicted 6, correct 2 → P 1/3, R 1/2, F1 0.4.
        let all = &s.overall;
        assert_eq!((all.gold, all.predicted, all.correct), (4, 6, 2));
        assert!(close(all.precision, 1.0 / 3.0) && close(all.recall, 0.5) && close(all.f1, 0.4));

        let table = s.table();
        assert_eq!(table.lines().count(), 5, "{table}");
        assert!(
            table.contains("PERSON") && table.contains("80.00"),
            "{table}"
        );
        assert!(
            table.lines().last().unwrap().starts_with("overall"),
            "{table}"
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["overall"]["correct"], 2);
    }

    #[test]
    fn empty_input_scores_zero_without_nan() {
        let s = score_spans(&[vec![]], &[vec![(0, 1, Date)]], &[Person, Date]);
        assert_eq!(s.by_type.len(), 2);
        assert_eq!(s.by_type["PERSON"].f1, 0.0);
        assert_eq!(s.by_type["DATE"].predicted, 1);
        assert_eq!(
            (s.overall.precision, s.overall.recall, s.overall.f1),
            (0.0, 0.0, 0.0)
        );
        assert!(s.table().contains("overall"));
    }

    #[test]
    #[should_panic(expected = "one entry per sentence")]
    fn mismatched_sentence_counts_panic() {
        score_spans(&[vec![]], &[], &[Person]);
    }
}
