//! Text decoding and tokenising, the same for the licence data and for scanned files.
//!
//! A token is a run of letters and digits (the underscore separates), lower-cased, that may hold
//! one `+` followed by more letters or digits: `GPL-2.0+` is `gpl`, `2`, `0+`; `GPLv2+` is
//! `gplv2+`. This follows ScanCode's tokeniser, whose data fundament uses, so that rules and
//! scanned texts are cut the same way. Markup words (HTML tags and entities, `rem`, `dnl`) are
//! dropped: they say nothing about a licence and would break exact matches of marked-up copies.
//!
//! The generator of the licence data (`generate.rs`) uses these very functions, so that the
//! stored rule tokens and a scanned file's tokens can never be cut differently.

use std::borrow::Cow;

/// Words that are never tokens: markup that licence texts carry in HTML, DocBook, batch files
/// and autotools scripts.
const STOPWORDS: &[&str] = &[
    // HTML and XML character entities
    "amp",
    "apos",
    "gt",
    "lt",
    "nbsp",
    "quot",
    "bdquo",
    "bull",
    "ldquo",
    "lsquo",
    "rdquo",
    "rsquo",
    "sbquo",
    "laquo",
    "raquo",
    "lsaquo",
    "rsaquo",
    "mdash",
    "ndash",
    "hellip",
    "emsp",
    "ensp",
    "thinsp",
    "hairsp",
    "numsp",
    "puncsp",
    "copy",
    "reg",
    "trade",
    "middot",
    // HTML tags and attributes
    "a",
    "abbr",
    "alt",
    "b",
    "blockquote",
    "body",
    "br",
    "class",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "href",
    "html",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "rel",
    "script",
    "span",
    "src",
    "strong",
    "style",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "title",
    "tr",
    "tt",
    "u",
    "ul",
    // DocBook
    "para",
    "ulink",
    "literal",
    "citetitle",
    // comment words of batch files and autotools
    "rem",
    "dnl",
];

/// Whether `word` (lower-case) is a stopword.
pub fn is_stopword(word: &str) -> bool {
    // The list is short and the words are short: a linear scan beats hashing here, and most
    // words fail on the length check.
    word.len() <= 9 && STOPWORDS.contains(&word)
}

/// Decodes a file's bytes to text: UTF-8 (invalid sequences replaced), or UTF-16 when the bytes
/// start with its byte-order mark or look like it (every other byte zero in ASCII text).
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Cow::Owned(decode_utf16(rest, false));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return Cow::Owned(decode_utf16(rest, true));
    }
    if let Some(big_endian) = looks_like_utf16(bytes) {
        return Cow::Owned(decode_utf16(bytes, big_endian));
    }
    String::from_utf8_lossy(bytes)
}

/// UTF-16 without a byte-order mark: in the first KiB, nearly every other byte is zero (ASCII
/// text), on the odd bytes for little-endian, the even ones for big-endian.
fn looks_like_utf16(bytes: &[u8]) -> Option<bool> {
    let head = &bytes[..bytes.len().min(1024) & !1];
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let zero_odd = head
        .chunks_exact(2)
        .filter(|p| p[1] == 0 && p[0] != 0)
        .count();
    let zero_even = head
        .chunks_exact(2)
        .filter(|p| p[0] == 0 && p[1] != 0)
        .count();
    if zero_odd * 10 >= pairs * 9 {
        Some(false)
    } else if zero_even * 10 >= pairs * 9 {
        Some(true)
    } else {
        None
    }
}

fn decode_utf16(bytes: &[u8], big_endian: bool) -> String {
    let units = bytes.chunks_exact(2).map(|p| {
        if big_endian {
            u16::from_be_bytes([p[0], p[1]])
        } else {
            u16::from_le_bytes([p[0], p[1]])
        }
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// A letter or digit: the characters of tokens (the underscore is not one).
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric()
    }
}

/// One token of a text, as a position in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offsets of the token in the text.
    pub start: usize,
    pub end: usize,
    /// The 1-based line the token is on.
    pub line: u32,
}

/// Calls `emit(word, span)` for every token of `text`, in order, with the lower-cased word.
/// Stopwords are skipped. Brace pairs `{{` and `}}` are reported as the words `{{` and `}}`
/// when `braces` is set (the required phrases of rule texts), and ignored otherwise.
pub fn for_each_token(text: &str, braces: bool, mut emit: impl FnMut(&str, Span)) {
    let bytes = text.as_bytes();
    let mut word = String::new();
    let mut line: u32 = 1;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c == '\n' {
            line += 1;
            continue;
        }
        if braces && (c == '{' || c == '}') && bytes.get(start + 1) == Some(&(c as u8)) {
            chars.next();
            let marker = if c == '{' { "{{" } else { "}}" };
            emit(
                marker,
                Span {
                    start,
                    end: start + 2,
                    line,
                },
            );
            continue;
        }
        if !is_word_char(c) {
            continue;
        }
        word.clear();
        push_lower(&mut word, c);
        let mut end = start + c.len_utf8();
        let mut plus = false;
        while let Some(&(i, next)) = chars.peek() {
            if is_word_char(next) {
                push_lower(&mut word, next);
            } else if next == '+' && !plus {
                // One `+` may join the word, and the letters or digits after it.
                plus = true;
                word.push('+');
            } else {
                break;
            }
            end = i + next.len_utf8();
            chars.next();
            if plus && word.ends_with('+') {
                // A `+` ends the word unless letters or digits follow at once.
                match chars.peek() {
                    Some(&(_, after)) if is_word_char(after) => {}
                    _ => break,
                }
            }
        }
        if !is_stopword(&word) {
            emit(&word, Span { start, end, line });
        }
    }
}

#[inline]
fn push_lower(word: &mut String, c: char) {
    if c.is_ascii() {
        word.push(c.to_ascii_lowercase());
    } else {
        word.extend(c.to_lowercase());
    }
}

/// The tokens of a text as owned words (for tests and the data generator).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(text, false, |w, _| out.push(w.to_string()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_follow_the_licence_data_rules() {
        assert_eq!(
            words("GPL-2.0+ GPLv2+ C++"),
            ["gpl", "2", "0+", "gplv2+", "c+"]
        );
        assert_eq!(
            words("some Text with   spAces! + _ -"),
            ["some", "text", "with", "spaces"]
        );
        assert_eq!(words("a+b snake_case"), ["a+b", "snake", "case"]);
        assert_eq!(words("<p>MIT &amp; more</p>"), ["mit", "more"]);
        assert_eq!(words("ÜBER Straße"), ["über", "straße"]);
    }

    #[test]
    fn lines_and_braces_are_reported() {
        let mut seen = Vec::new();
        for_each_token("one\n{{two}}\n\nthree", true, |w, s| {
            seen.push((w.to_string(), s.line))
        });
        let expected: Vec<(String, u32)> =
            [("one", 1), ("{{", 2), ("two", 2), ("}}", 2), ("three", 4)]
                .iter()
                .map(|(w, l)| (w.to_string(), *l))
                .collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn utf16_and_invalid_utf8_are_decoded() {
        let text = "MIT License";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(&le), text);
        let be_no_bom: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(decode(&be_no_bom), text);
        assert_eq!(
            decode(b"MIT \xff\xfe License"),
            "MIT \u{fffd}\u{fffd} License"
        );
    }
}
