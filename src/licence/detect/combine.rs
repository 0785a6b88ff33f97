//! Weighing the matches of a file against each other, and the file's expression.
//!
//! 1. Matches that fail their rule's terms go: near-copies below the rule's minimum coverage or
//!    too sparse in the text, one-word references that are part of an identifier or a path.
//! 2. The rest are taken best first (identifier lines, then the most tokens found weighted by
//!    the share of the rule they are): a match that mostly overlaps one already taken is a
//!    part of it (the notice inside a licence text, the GPL-1.0 text that shares most of
//!    GPL-2.0's) and goes.
//! 3. False positives that were taken suppress what they overlap and are then dropped;
//!    introductions and clues are reported but name no licence.
//! 4. The expression joins the distinct expressions of the rest with AND, in the order of the
//!    text; "unknown" references go when a licence is named, and a licence's text goes
//!    behind a notice of the same licence that says "or later".

use super::approx::minimum_coverage;
use super::data;
use super::index::Index;
use super::matches::{Found, Matcher};
use super::query::Query;
use std::collections::BTreeMap;

/// Matches that cover less of the query span than this share (matched tokens among the tokens
/// from their first to their last) are too scattered to be a copy.
const MIN_DENSITY: f64 = 0.6;

/// Keeps the matches that stand, in text order.
pub fn select(index: &Index, query: &Query, found: Vec<Found>) -> Vec<Found> {
    let mut valid: Vec<Found> = found
        .into_iter()
        .filter(|f| is_valid(index, query, f))
        .collect();
    valid.sort_by(|a, b| {
        let identifier = |f: &Found| f.matcher == Matcher::SpdxIdentifier;
        identifier(b)
            .cmp(&identifier(a))
            .then(b.weight().total_cmp(&a.weight()))
            .then(b.coverage().total_cmp(&a.coverage()))
            .then(b.relevance.cmp(&a.relevance))
            .then(b.is(data::LICENCE).cmp(&a.is(data::LICENCE)))
            .then(a.start.cmp(&b.start))
            .then(a.rule.cmp(&b.rule))
    });
    // Taken spans, by start: start -> end.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept = Vec::new();
    for f in valid {
        let len = f.end - f.start;
        let mut overlap = 0;
        for (&start, &end) in taken.range(..f.end).rev() {
            if end <= f.start {
                break;
            }
            overlap += end.min(f.end) - start.max(f.start);
        }
        if overlap * 10 > len {
            continue;
        }
        let end = taken.entry(f.start).or_insert(f.end);
        *end = (*end).max(f.end);
        kept.push(f);
    }
    kept.retain(|f| !f.is(data::FALSE_POSITIVE));
    kept.sort_by_key(|f| (f.start, f.end));
    kept
}

fn is_valid(index: &Index, query: &Query, f: &Found) -> bool {
    let Some(rule) = f.rule.map(|r| index.rule(r)) else {
        return true; // identifier lines
    };
    if f.matcher == Matcher::Approximate {
        let span = (f.end - f.start).max(1) as f64;
        if f.coverage() < minimum_coverage(rule) || (f.matched as f64) < span * MIN_DENSITY {
            return false;
        }
    }
    if f.matched <= 2 && f.matcher == Matcher::Exact && !rule_is_tag(rule) {
        return stands_alone(query, f);
    }
    true
}

fn rule_is_tag(rule: &data::Rule) -> bool {
    rule.flags & data::TAG != 0
}

/// A one- or two-word reference ("GPLv2", "MIT license") counts only where it is words of the
/// text, not part of an identifier, a file name or a path (`gpl_init`, `mit.js`, `/gpl/`).
fn stands_alone(query: &Query, f: &Found) -> bool {
    let (from, to) = query.bytes(f.start, f.end);
    let text = query.text;
    let before = text[..from].chars().next_back();
    let mut after_chars = text[to..].chars();
    let after = after_chars.next();
    let after_next = after_chars.next();
    if matches!(
        before,
        Some('_' | '/' | '\\' | '@' | '$' | '.' | '-' | '#' | '%' | '&' | '=')
    ) {
        return false;
    }
    if matches!(after, Some('_' | '/' | '\\' | '@' | '(' | '[' | '=' | '-')) {
        return false;
    }
    if after == Some('.') && after_next.is_some_and(|c| c.is_alphanumeric()) {
        return false;
    }
    true
}

/// The expression a match stands for.
pub fn expression_of<'a>(index: &'a Index, f: &'a Found) -> &'a str {
    match (&f.expression, f.rule) {
        (Some(e), _) => e,
        (None, Some(r)) => index.expression(index.rule(r)),
        (None, None) => "",
    }
}

/// The file's expression from the matches that stand: the distinct expressions of the claims,
/// in text order, joined with AND.
pub fn expression(index: &Index, kept: &[Found]) -> Option<String> {
    let mut parts: Vec<(String, bool)> = Vec::new(); // (expression, from a licence text)
    for f in kept.iter().filter(|f| f.is_claim()) {
        let e = expression_of(index, f);
        if e.is_empty() {
            continue;
        }
        let text = f.is(data::TEXT);
        match parts.iter_mut().find(|(p, _)| p == e) {
            Some(part) => part.1 &= text,
            None => parts.push((e.to_string(), text)),
        }
    }
    // "Unknown" references go when a licence is named.
    if parts.iter().any(|(e, _)| !is_unknown(e)) {
        parts.retain(|(e, _)| !is_unknown(e));
    }
    // A GNU licence's text and a notice that grants "or any later version" of it: the
    // notice's grant is what applies.
    let later: Vec<String> = parts
        .iter()
        .filter_map(|(e, _)| e.strip_suffix("-or-later").map(str::to_string))
        .collect();
    parts.retain(|(e, text)| {
        !(*text
            && e.strip_suffix("-only")
                .is_some_and(|base| later.iter().any(|l| l == base)))
    });
    if parts.is_empty() {
        return None;
    }
    let single = parts.len() == 1;
    let joined: Vec<String> = parts
        .into_iter()
        .map(|(e, _)| {
            if !single && (e.contains(" OR ") || e.contains(" or ")) && !is_parenthesised(&e) {
                format!("({e})")
            } else {
                e
            }
        })
        .collect();
    Some(joined.join(" AND "))
}

fn is_unknown(expression: &str) -> bool {
    expression.split([' ', '(', ')']).all(|id| {
        id.is_empty()
            || matches!(id, "AND" | "OR" | "WITH")
            || (id.starts_with("LicenseRef-scancode-") && id.contains("unknown"))
    })
}

fn is_parenthesised(e: &str) -> bool {
    if !(e.starts_with('(') && e.ends_with(')')) {
        return false;
    }
    let mut depth = 0i32;
    for (i, c) in e.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i != e.len() - 1 {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_parenthesised_expressions_are_recognised() {
        assert!(is_unknown("LicenseRef-scancode-unknown-license-reference"));
        assert!(!is_unknown("MIT AND LicenseRef-scancode-unknown"));
        assert!(is_parenthesised("(MIT OR Apache-2.0)"));
        assert!(!is_parenthesised("(MIT) OR (Apache-2.0)"));
    }
}
