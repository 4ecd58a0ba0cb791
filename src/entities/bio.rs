//! BIO tags over a list of entity types: 0 is O, `1 + 2k` begins an entity of type `k` and
//! `2 + 2k` continues it. One encoding for the tagger's targets and decoded paths and for
//! re-annotating training corpora.

use super::EntityType;

/// A span in chars (end exclusive) with its type.
pub(super) type CharSpan = (usize, usize, EntityType);

/// Tags of `n` chars carrying `spans`; spans of other types, empty ones and ones past `n` are
/// left out.
pub(super) fn encode(n: usize, spans: &[CharSpan], types: &[EntityType]) -> Vec<usize> {
    let mut tags = vec![0; n];
    for &(s, e, kind) in spans {
        if let Some(k) = types.iter().position(|&t| t == kind) {
            if s < e && e <= n {
                tags[s] = 1 + 2 * k;
                tags[s + 1..e].iter_mut().for_each(|t| *t = 2 + 2 * k);
            }
        }
    }
    tags
}

/// The spans of a tag sequence: each B tag with the I tags of its type that follow it.
pub(super) fn decode(tags: &[usize], types: &[EntityType]) -> Vec<CharSpan> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tags.len() {
        if tags[i] % 2 == 1 {
            let mut end = i + 1;
            while end < tags.len() && tags[end] == tags[i] + 1 {
                end += 1;
            }
            out.push((i, end, types[(tags[i] - 1) / 2]));
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `tag` continues an entity (an I tag).
pub(super) fn is_inside(tag: usize) -> bool {
    tag > 0 && tag % 2 == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityType::{Location as L, Org as O, Person as P};

    #[test]
    fn encode_and_decode_round_trip() {
        let types = [P, O, L];
        let spans = vec![(0, 1, L), (1, 2, L), (3, 6, O)];
        let tags = encode(7, &spans, &types);
        assert_eq!(tags, vec![5, 5, 0, 3, 4, 4, 0]);
        assert_eq!(decode(&tags, &types), spans);
        assert!(is_inside(4) && !is_inside(3) && !is_inside(0));
        // Other types, empty spans and spans past the end are left out.
        assert_eq!(
            encode(3, &[(0, 1, EntityType::Date), (1, 1, P), (2, 5, P)], &types),
            vec![0; 3]
        );
    }
}
