//! Re-annotates a training corpus with a reference corpus's conventions where they disagree.
//!
//! MSRA tags `两岸` and `亚太` as places, `东盟` and `十五大` as organisations and each of `中`/`美`
//! in `中美` as a place; People's Daily tags all of these as abbreviations, outside any entity.
//! Trained together, the two teach opposite things about the same strings. Here every string that
//! the reference tags the same way nearly every time it occurs gets that tagging in the target
//! corpus too, so the target still contributes its other names and contexts.

use rustc_hash::FxHashMap;

use super::corpus::Sentence;
use super::{bio, char_offsets, EntityType};

/// Longest string (chars) whose tagging is carried over.
const MAX_LEN: usize = 8;
/// A string is carried over when seen this often in the reference ...
const MIN_COUNT: u32 = 3;
/// ... with one tagging in at least this share of its occurrences.
const MIN_SHARE: f64 = 0.9;
/// Tag of an occurrence that cuts through an entity of the reference: never carried over.
const CUT: usize = usize::MAX;

/// The tags of chars `s..e`, or `[CUT]` when the window starts or ends inside an entity.
fn window(tags: &[usize], s: usize, e: usize) -> Vec<usize> {
    let inside = |i: usize| tags.get(i).is_some_and(|&t| bio::is_inside(t));
    if inside(s) || inside(e) {
        vec![CUT]
    } else {
        tags[s..e].to_vec()
    }
}

/// Strings the reference tags (as one entity, or as adjacent ones like `中美`) with the tagging
/// it gives them in at least `MIN_SHARE` of their occurrences.
fn consistent_taggings(
    reference: &[Sentence],
    types: &[EntityType],
) -> FxHashMap<String, Vec<usize>> {
    let mut tally: FxHashMap<String, FxHashMap<Vec<usize>, u32>> = FxHashMap::default();
    for s in reference {
        let mut spans: Vec<_> = s.spans.iter().filter(|x| types.contains(&x.2)).collect();
        spans.sort_unstable_by_key(|x| x.0);
        let chars: Vec<char> = s.text.chars().collect();
        let mut add = |start: usize, end: usize| {
            if (2..=MAX_LEN).contains(&(end - start)) && end <= chars.len() {
                tally.entry(chars[start..end].iter().collect()).or_default();
            }
        };
        let mut i = 0;
        while i < spans.len() {
            add(spans[i].0, spans[i].1);
            // A run of adjacent entities, such as 中/美, is a candidate too.
            let mut j = i;
            while j + 1 < spans.len() && spans[j + 1].0 == spans[j].1 {
                j += 1;
            }
            if j > i {
                add(spans[i].0, spans[j].1);
            }
            i += 1;
        }
    }
    for s in reference {
        let tags = bio::encode(s.text.chars().count(), &s.spans, types);
        let at = char_offsets(&s.text);
        for start in 0..tags.len() {
            for end in start + 2..=(start + MAX_LEN).min(tags.len()) {
                if let Some(seen) = tally.get_mut(&s.text[at[start]..at[end]]) {
                    *seen.entry(window(&tags, start, end)).or_default() += 1;
                }
            }
        }
    }
    tally
        .into_iter()
        .filter_map(|(text, seen)| {
            let total: u32 = seen.values().sum();
            let (best, count) = seen
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
            let tagged = best.iter().any(|&t| t != 0 && t != CUT);
            (tagged && total >= MIN_COUNT && count as f64 >= MIN_SHARE * total as f64)
                .then_some((text, best))
        })
        .collect()
}

/// Rewrites the `types` spans of `target` wherever a string the reference tags consistently
/// stands on its own (not inside a target entity) with another tagging. Returns how many
/// places changed.
pub fn align_conventions(
    reference: &[Sentence],
    target: &mut [Sentence],
    types: &[EntityType],
) -> usize {
    let taggings = consistent_taggings(reference, types);
    let mut changed = 0;
    for s in target.iter_mut() {
        let mut tags = bio::encode(s.text.chars().count(), &s.spans, types);
        let at = char_offsets(&s.text);
        let mut start = 0;
        let mut touched = false;
        while start < tags.len() {
            let hit = (2..=MAX_LEN.min(tags.len() - start)).rev().find_map(|len| {
                let want = taggings.get(&s.text[at[start]..at[start + len]])?;
                (window(&tags, start, start + len) != [CUT]).then_some((len, want))
            });
            match hit {
                Some((len, want)) => {
                    if tags[start..start + len] != want[..] {
                        tags[start..start + len].copy_from_slice(want);
                        changed += 1;
                        touched = true;
                    }
                    start += len;
                }
                None => start += 1,
            }
        }
        if touched {
            s.spans.retain(|x| !types.contains(&x.2));
            s.spans.extend(bio::decode(&tags, types));
            s.spans.sort_unstable_by_key(|x| (x.0, x.1));
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityType::{Location as L, Org as O, Person as P};

    fn sent(text: &str, spans: &[(usize, usize, EntityType)]) -> Sentence {
        Sentence {
            text: text.into(),
            spans: spans.to_vec(),
        }
    }

    #[test]
    fn carries_over_consistent_taggings_only() {
        let types = [P, O, L];
        let reference: Vec<Sentence> = (0..4)
            .map(|_| sent("中美关系，两岸", &[(0, 1, L), (1, 2, L), (5, 7, L)]))
            .chain([sent("东盟会议", &[(0, 2, O)]), sent("东盟国家", &[])])
            .collect();
        let mut target = vec![
            sent("中美和两岸", &[]),
            sent("海峡两岸协会", &[(0, 6, O)]),
            sent("东盟", &[]),
        ];
        let changed = align_conventions(&reference, &mut target, &types);
        assert_eq!(changed, 2);
        assert_eq!(target[0].spans, vec![(0, 1, L), (1, 2, L), (3, 5, L)]);
        // Inside a target entity: untouched. Tagged only half the time: untouched.
        assert_eq!(target[1].spans, vec![(0, 6, O)]);
        assert!(target[2].spans.is_empty());
    }
}
