//! Labelled documents from JSONL or CSV files (optionally gzipped), with an optional labels file
//! joined by `id`, so a corpus and its annotations can live in different places.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use rustc_hash::FxHashMap;
use serde_json::Value;

/// One labelled document.
#[derive(Debug, Clone)]
pub struct LabelledDoc {
    pub id: String,
    pub title: String,
    pub text: String,
    pub label: String,
    pub split: Option<String>,
    /// Sample weight for training (default 1).
    pub weight: f32,
    /// Free-form group (e.g. the pool's `source`), reported separately by `eval`.
    pub group: Option<String>,
}

/// Which fields hold what.
#[derive(Debug, Clone)]
pub struct Fields {
    pub text: String,
    pub title: String,
    pub label: String,
    pub split: String,
    pub weight: String,
    pub group: String,
}

impl Default for Fields {
    fn default() -> Self {
        Self {
            text: "text".into(),
            title: "title".into(),
            label: "label".into(),
            split: "split".into(),
            weight: "weight".into(),
            group: "source".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {reason}")]
    Row {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("{0}: no labelled rows (check --label-field and --labels)")]
    Empty(String),
}

/// Reads every row of `path` that has a non-empty label; rows named in `labels` (JSONL keyed by
/// `id`) take their fields from there. Rows labelled `out_of_scope` are kept: callers decide.
pub fn load(
    path: &Path,
    labels: Option<&Path>,
    fields: &Fields,
) -> Result<Vec<LabelledDoc>, DataError> {
    let overrides = match labels {
        Some(p) => read_rows(p)?
            .into_iter()
            .filter_map(|(_, row)| Some((row.get("id")?.as_str()?.to_string(), row)))
            .collect(),
        None => FxHashMap::default(),
    };
    let mut docs = Vec::new();
    for (line, mut row) in read_rows(path)? {
        let id = str_field(&row, "id").unwrap_or_else(|| format!("{}:{line}", path.display()));
        if let Some(extra) = overrides.get(&id).and_then(Value::as_object) {
            if let Some(obj) = row.as_object_mut() {
                obj.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        let Some(label) = str_field(&row, &fields.label).filter(|l| !l.is_empty()) else {
            continue;
        };
        let text = str_field(&row, &fields.text).ok_or_else(|| DataError::Row {
            path: path.display().to_string(),
            line,
            reason: format!("no string field `{}`", fields.text),
        })?;
        docs.push(LabelledDoc {
            id,
            title: str_field(&row, &fields.title).unwrap_or_default(),
            text,
            label,
            split: str_field(&row, &fields.split),
            weight: row
                .get(&fields.weight)
                .and_then(Value::as_f64)
                .unwrap_or(1.0) as f32,
            group: str_field(&row, &fields.group),
        });
    }
    if docs.is_empty() {
        return Err(DataError::Empty(path.display().to_string()));
    }
    Ok(docs)
}

fn str_field(row: &Value, name: &str) -> Option<String> {
    match row.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Rows of a JSONL or CSV file (by extension, `.gz` allowed) as JSON objects with line numbers.
pub fn read_rows(path: &Path) -> Result<Vec<(usize, Value)>, DataError> {
    let name = path.display().to_string();
    let io = |source| DataError::Io {
        path: name.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let reader: Box<dyn Read> = if name.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let stem = name.trim_end_matches(".gz");
    if stem.ends_with(".csv") {
        return read_csv(reader, &name);
    }
    let mut rows = Vec::new();
    for (i, line) in BufReader::new(reader).lines().enumerate() {
        let line = line.map_err(|source| DataError::Io {
            path: name.clone(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(&line).map_err(|e| DataError::Row {
            path: name.clone(),
            line: i + 1,
            reason: e.to_string(),
        })?;
        rows.push((i + 1, value));
    }
    Ok(rows)
}

fn read_csv(reader: Box<dyn Read>, name: &str) -> Result<Vec<(usize, Value)>, DataError> {
    let mut csv = csv::Reader::from_reader(reader);
    let row_err = |line, e: csv::Error| DataError::Row {
        path: name.into(),
        line,
        reason: e.to_string(),
    };
    let headers = csv.headers().map_err(|e| row_err(1, e))?.clone();
    let mut rows = Vec::new();
    for (i, record) in csv.records().enumerate() {
        let record = record.map_err(|e| row_err(i + 2, e))?;
        let obj = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.to_string(), Value::String(v.to_string())))
            .collect();
        rows.push((i + 2, Value::Object(obj)));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn jsonl_csv_gz_and_labels_join() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("d.jsonl.gz");
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&jsonl).unwrap(),
            Default::default(),
        );
        writeln!(
            gz,
            r#"{{"id":"a","text":"甲","label":"x","split":"train"}}"#
        )
        .unwrap();
        writeln!(gz, r#"{{"id":"b","text":"乙"}}"#).unwrap();
        gz.finish().unwrap();
        let labels = dir.path().join("l.jsonl");
        std::fs::write(&labels, "{\"id\":\"b\",\"label\":\"y\",\"weight\":2.5}\n").unwrap();
        let docs = load(&jsonl, Some(&labels), &Fields::default()).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!((docs[1].label.as_str(), docs[1].weight), ("y", 2.5));
        assert_eq!(docs[0].split.as_deref(), Some("train"));

        let csv = dir.path().join("d.csv");
        std::fs::write(&csv, "text,label\n\"丙,丁\",z\n").unwrap();
        let docs = load(&csv, None, &Fields::default()).unwrap();
        assert_eq!(
            (docs[0].text.as_str(), docs[0].label.as_str()),
            ("丙,丁", "z")
        );
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl");
        std::fs::write(&p, "{\"text\":\"a\",\"label\":\"x\"}\nnot json\n").unwrap();
        let err = load(&p, None, &Fields::default()).unwrap_err().to_string();
        assert!(err.contains("d.jsonl:2"), "{err}");
    }
}
