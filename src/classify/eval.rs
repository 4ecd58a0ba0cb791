//! Classification metrics: accuracy, macro-F1, per-class precision/recall/F1, confusion matrix,
//! printed as a table or JSON, or drawn as a self-contained HTML page.

use plotters::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub n: usize,
    pub accuracy: f64,
    /// Mean F1 over classes with gold support.
    pub macro_f1: f64,
    pub per_class: Vec<ClassMetrics>,
    pub labels: Vec<String>,
    /// `confusion[gold][predicted]`.
    pub confusion: Vec<Vec<usize>>,
}

/// Scores predictions against gold class indices into `labels`.
pub fn evaluate(labels: &[String], gold: &[usize], pred: &[usize]) -> Metrics {
    let k = labels.len();
    let mut confusion = vec![vec![0usize; k]; k];
    for (&g, &p) in gold.iter().zip(pred) {
        confusion[g][p] += 1;
    }
    let correct: usize = (0..k).map(|c| confusion[c][c]).sum();
    let per_class: Vec<ClassMetrics> = (0..k)
        .map(|c| {
            let tp = confusion[c][c] as f64;
            let support: usize = confusion[c].iter().sum();
            let predicted: usize = confusion.iter().map(|r| r[c]).sum();
            let precision = if predicted > 0 {
                tp / predicted as f64
            } else {
                0.0
            };
            let recall = if support > 0 {
                tp / support as f64
            } else {
                0.0
            };
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            ClassMetrics {
                label: labels[c].clone(),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    let present: Vec<&ClassMetrics> = per_class.iter().filter(|m| m.support > 0).collect();
    let macro_f1 = present.iter().map(|m| m.f1).sum::<f64>() / present.len().max(1) as f64;
    Metrics {
        n: gold.len(),
        accuracy: correct as f64 / gold.len().max(1) as f64,
        macro_f1,
        per_class,
        labels: labels.to_vec(),
        confusion,
    }
}

impl Metrics {
    /// A plain-text report: summary, per-class table, confusion matrix.
    pub fn table(&self) -> String {
        let mut s = format!(
            "documents {}  accuracy {:.4}  macro-F1 {:.4}\n\n",
            self.n, self.accuracy, self.macro_f1
        );
        s += &format!(
            "{:<16} {:>9} {:>9} {:>9} {:>8}\n",
            "label", "precision", "recall", "f1", "support"
        );
        for m in &self.per_class {
            s += &format!(
                "{:<16} {:>9.4} {:>9.4} {:>9.4} {:>8}\n",
                m.label, m.precision, m.recall, m.f1, m.support
            );
        }
        s += "\nconfusion (rows gold, columns predicted, in label order above)\n";
        for (label, row) in self.labels.iter().zip(&self.confusion) {
            let cells: Vec<String> = row.iter().map(|c| format!("{c:>4}")).collect();
            s += &format!("{label:<16}{}\n", cells.join(""));
        }
        s
    }

    /// A self-contained HTML page: the confusion matrix as a heatmap and per-class F1 bars.
    pub fn html(&self, title: &str) -> Result<String, String> {
        let heat = self.heatmap_svg().map_err(|e| e.to_string())?;
        let bars = self.f1_svg().map_err(|e| e.to_string())?;
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
        Ok(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title>\
             <style>body{{font-family:sans-serif;margin:2em}}pre{{background:#f6f6f6;padding:1em}}</style></head>\
             <body><h1>{t}</h1><p>documents {n} · accuracy {a:.4} · macro-F1 {f:.4}</p>\
             <h2>Confusion matrix</h2>{heat}<h2>Per-class F1</h2>{bars}<h2>Table</h2><pre>{table}</pre></body></html>\n",
            t = esc(title), n = self.n, a = self.accuracy, f = self.macro_f1, table = esc(&self.table())
        ))
    }

    fn heatmap_svg(&self) -> Result<String, Box<dyn std::error::Error>> {
        let k = self.labels.len();
        let cell = 34u32;
        let (w, h) = (160 + cell * k as u32 + 20, 40 + cell * k as u32 + 140);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
            root.fill(&WHITE)?;
            for (g, row) in self.confusion.iter().enumerate() {
                let total = row.iter().sum::<usize>().max(1) as f64;
                for (p, &c) in row.iter().enumerate() {
                    let share = c as f64 / total;
                    let (x, y) = (160 + cell as i32 * p as i32, 20 + cell as i32 * g as i32);
                    let shade = (255.0 * (1.0 - share)) as u8;
                    root.draw(&Rectangle::new(
                        [(x, y), (x + cell as i32, y + cell as i32)],
                        RGBColor(shade, shade, 255).filled(),
                    ))?;
                    if c > 0 {
                        let colour = if share > 0.5 { &WHITE } else { &BLACK };
                        root.draw(&Text::new(
                            c.to_string(),
                            (x + 4, y + 10),
                            ("sans-serif", 12).into_font().color(colour),
                        ))?;
                    }
                }
                root.draw(&Text::new(
                    self.labels[g].clone(),
                    (4, 30 + cell as i32 * g as i32),
                    ("sans-serif", 13),
                ))?;
            }
            let base = 30 + cell as i32 * k as i32;
            for (p, label) in self.labels.iter().enumerate() {
                let style = ("sans-serif", 13)
                    .into_font()
                    .transform(FontTransform::Rotate90);
                root.draw(&Text::new(
                    label.clone(),
                    (170 + cell as i32 * p as i32, base),
                    style,
                ))?;
            }
            root.present()?;
        }
        Ok(svg)
    }

    fn f1_svg(&self) -> Result<String, Box<dyn std::error::Error>> {
        let mut svg = String::new();
        {
            let k = self.per_class.len();
            let root =
                SVGBackend::with_string(&mut svg, (720, 60 + 24 * k as u32)).into_drawing_area();
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(&root)
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(140)
                .build_cartesian_2d(0.0..1.0, (0..k).into_segmented())?;
            let labels = self.labels.clone();
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(k)
                .y_label_formatter(&|v: &SegmentValue<usize>| match v {
                    SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                        labels.get(*i).cloned().unwrap_or_default()
                    }
                    SegmentValue::Last => String::new(),
                })
                .x_desc("F1")
                .draw()?;
            chart.draw_series(self.per_class.iter().enumerate().map(|(i, m)| {
                let colour = if m.f1 < 0.6 {
                    RED.mix(0.7)
                } else {
                    BLUE.mix(0.6)
                };
                Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (m.f1, SegmentValue::Exact(i + 1)),
                    ],
                    colour.filled(),
                )
            }))?;
            root.present()?;
        }
        Ok(svg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_on_a_known_confusion() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let gold = [0, 0, 0, 1, 1, 2];
        let pred = [0, 0, 1, 1, 1, 0];
        let m = evaluate(&labels, &gold, &pred);
        assert!((m.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // a: p=2/3 r=2/3; b: p=2/3 r=1 → 0.8; c: 0
        let f1a = 2.0 / 3.0;
        assert!((m.per_class[1].f1 - 0.8).abs() < 1e-12);
        assert!((m.macro_f1 - (f1a + 0.8 + 0.0) / 3.0).abs() < 1e-12);
        assert_eq!(m.confusion[2][0], 1);
        let html = m.html("t").unwrap();
        assert!(html.contains("<svg") && html.contains("macro-F1"));
        assert!(m.table().contains("support"));
    }
}
