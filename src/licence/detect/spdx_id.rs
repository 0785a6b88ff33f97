//! `SPDX-License-Identifier:` lines, read as expressions.
//!
//! Identifiers are looked up in the licence data first (SPDX ids, their older forms such as
//! `GPL-2.0+`, and ScanCode keys), then in the SPDX list; a `LicenseRef-` is kept as written.
//! An identifier nobody knows makes the line `LicenseRef-scancode-unknown-spdx`: the file states
//! a licence, fundament cannot say which.

use super::index::Index;
use super::matches::{Found, Matcher};
use super::query::Query;

const TAG: &str = "spdx-license-identifier";
/// Longer lines are not identifier lines (minified code that mentions the tag).
const MAX_LINE: usize = 400;

pub fn identifier_lines(index: &Index, query: &Query) -> Vec<Found> {
    let mut out = Vec::new();
    let text = query.text;
    let lower_tag = TAG.as_bytes();
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = find_ascii_ci(&bytes[from..], lower_tag) {
        let tag_start = from + at;
        let after = tag_start + TAG.len();
        from = after;
        let line_end = text[after..].find('\n').map_or(text.len(), |i| after + i);
        let line_start = text[..tag_start].rfind('\n').map_or(0, |i| i + 1);
        if line_end - line_start > MAX_LINE {
            continue;
        }
        let rest = text[after..line_end].trim_start();
        let Some(rest) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')) else {
            continue;
        };
        let Some(expression) = read_expression(index, rest) else {
            continue;
        };
        // The line's tokens: from the tag to the end of the line.
        let start = query.spans.partition_point(|s| s.start < tag_start);
        let end = query.spans.partition_point(|s| s.start < line_end);
        if start >= end {
            continue;
        }
        out.push(Found {
            rule: None,
            expression: Some(expression),
            matcher: Matcher::SpdxIdentifier,
            start,
            end,
            matched: end - start,
            rule_len: end - start,
            flags: super::data::TAG,
            relevance: 100,
        });
    }
    out
}

fn find_ascii_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        let pos = memchr_ci(first, &haystack[i..haystack.len() - needle.len() + 1])?;
        let at = i + pos;
        if haystack[at..at + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

fn memchr_ci(lower: u8, haystack: &[u8]) -> Option<usize> {
    haystack
        .iter()
        .position(|b| b.to_ascii_lowercase() == lower)
}

/// Reads the expression after the tag: identifiers, `AND`/`OR`/`WITH` (any case, and `/` as
/// ScanCode reads it: OR) and parentheses, up to the first thing that is none of those (a
/// comment's end, a quote).
pub fn read_expression(index: &Index, text: &str) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    let spaced = text.replace('(', " ( ").replace(')', " ) ");
    for raw in spaced.split_whitespace() {
        let word = raw.trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | ';' | '`'));
        let stop = raw.len() != word.len() && word.is_empty();
        if word.is_empty() {
            if stop {
                break;
            }
            continue;
        }
        match word.to_ascii_lowercase().as_str() {
            "(" | ")" => words.push(word.to_string()),
            "and" | "or" | "with" => words.push(word.to_ascii_uppercase()),
            "/" => words.push("OR".to_string()),
            _ if is_identifier(word) => words.push(identifier(index, word)),
            _ => break,
        }
        if raw.len() != word.len() && (raw.ends_with('"') || raw.ends_with('\'')) {
            break; // the closing quote of a string literal
        }
    }
    // Drop operators and brackets left dangling at the end (a comment cut the line).
    while words
        .last()
        .is_some_and(|w| matches!(w.as_str(), "AND" | "OR" | "WITH" | "("))
    {
        words.pop();
    }
    let open = words.iter().filter(|w| *w == "(").count();
    let close = words.iter().filter(|w| *w == ")").count();
    if words.is_empty() || open != close {
        return None;
    }
    if !words
        .iter()
        .any(|w| !matches!(w.as_str(), "(" | ")" | "AND" | "OR" | "WITH"))
    {
        return None;
    }
    let joined = words.join(" ").replace("( ", "(").replace(" )", ")");
    Some(joined)
}

fn is_identifier(word: &str) -> bool {
    word.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+' | ':'))
        && word.chars().any(|c| c.is_ascii_alphanumeric())
}

fn identifier(index: &Index, word: &str) -> String {
    if let Some(known) = index.alias(word) {
        return known.to_string();
    }
    if let Some(id) = spdx::license_id(word) {
        return id.name.to_string();
    }
    if let Some(id) = spdx::exception_id(word) {
        return id.name.to_string();
    }
    if let Some(rest) = word.strip_suffix('+')
        && let Some(id) = spdx::license_id(rest)
    {
        return format!("{}+", id.name);
    }
    if word.starts_with("LicenseRef-") || word.starts_with("DocumentRef-") {
        return word.to_string();
    }
    "LicenseRef-scancode-unknown-spdx".to_string()
}
