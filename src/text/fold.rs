//! Width, space and control folding of raw text, one char at a time, with each char's original
//! index, skipping zero-width chars, CR before LF and the `(pīnyīn)` left by broken script
//! converters (`網(wǎng)` → `網`). The first stage of [`super::Normalizer`].

use std::str::Chars;

/// The raw text's chars after width, space and control folding, each with its original char
/// index; zero-width chars, CR before LF and `(pīnyīn)` garbles after a Han char are skipped.
/// Cloning it is how conversion looks ahead.
#[derive(Clone)]
pub(super) struct Fold<'a> {
    /// The next raw char, decoded once for the checks that peek at it.
    ahead: Option<char>,
    rest: Chars<'a>,
    /// Original index of `ahead`.
    index: u32,
}

impl<'a> Fold<'a> {
    pub(super) fn new(raw: &'a str) -> Self {
        let mut rest = raw.chars();
        Fold {
            ahead: rest.next(),
            rest,
            index: 0,
        }
    }

    fn bump(&mut self) {
        self.ahead = self.rest.next();
        self.index += 1;
    }

    /// The raw chars from `ahead` on, folded (invisible ones left out), each with its distance
    /// from `ahead`.
    fn visible(&self) -> impl Iterator<Item = (usize, char)> + 'a {
        let chars = self.ahead.into_iter().chain(self.rest.clone());
        chars
            .enumerate()
            .filter_map(|(n, c)| Some((n, fold_char(c)?)))
    }
}

impl Iterator for Fold<'_> {
    type Item = (char, u32);

    // Called once per char, and from the look-ahead clones: inlining it makes folding ~25 %
    // faster.
    #[inline(always)]
    fn next(&mut self) -> Option<(char, u32)> {
        loop {
            let c = self.ahead?;
            let i = self.index;
            self.bump();
            // ASCII but CR and tab folds to itself: the cheapest test goes first (~7 % faster).
            if c.is_ascii() && c != '\r' && c != '\t' {
                return Some((c, i));
            }
            let f = match c {
                '\r' if self.visible().next().map(|(_, c)| c) == Some('\n') => continue,
                '\r' => '\n',
                c if is_han(c) => {
                    if matches!(self.ahead, Some('(' | '（')) || self.ahead.is_some_and(invisible)
                    {
                        if let Some(skip) = pinyin_artifact_len(self.visible()) {
                            (0..skip).for_each(|_| self.bump());
                        }
                    }
                    c
                }
                c => match fold_char(c) {
                    Some(f) => f,
                    None => continue,
                },
            };
            return Some((f, i));
        }
    }
}

/// Zero-width and soft-hyphen chars, which fold to nothing.
#[inline]
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// One char's folded form, or `None` when it is invisible. CR is left to [`Fold`].
#[inline]
fn fold_char(c: char) -> Option<char> {
    match c {
        c if invisible(c) => None,
        '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\t' => {
            Some(' ')
        }
        // Full-width ASCII block maps onto ASCII by a fixed offset.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        _ => Some(c),
    }
}

/// Length in raw chars of a `(pīnyīn)` group at the start of `chars` (folded chars with their
/// raw offsets), brackets included, if it is one. Reading folded text means zero-width chars
/// and full-width forms do not hide a garble. Ordinary parentheses (`(记者 张黎黎)`, `(扩大)`,
/// `（一）`) never qualify: the content must be Latin letters carrying a tone mark, or a toneless
/// syllable from a short list.
fn pinyin_artifact_len(mut chars: impl Iterator<Item = (usize, char)>) -> Option<usize> {
    if chars.next()?.1 != '(' {
        return None;
    }
    let mut word = String::new();
    for (n, c) in chars.take(10) {
        match c {
            ')' => {
                let toned = word.chars().any(|c| !c.is_ascii_lowercase());
                let short = (1..=6).contains(&word.chars().count());
                return (short && (toned || TONELESS.contains(&word.as_str()))).then_some(n + 1);
            }
            // Broken converters sometimes pad the syllable: `(huì )`.
            ' ' => {}
            c if is_pinyin_letter(c) => word.push(c),
            _ => return None,
        }
    }
    None
}

const TONELESS: &[&str] = &["de", "le", "men", "me", "zi", "ma", "ne", "ba", "zhe"];

fn is_pinyin_letter(c: char) -> bool {
    c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ".contains(c)
}

/// CJK unified ideographs (with extension A), the script of notice bodies.
#[inline]
pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}
