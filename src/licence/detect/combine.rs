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
/// A near-copy of less than half its rule counts only with at least this many tokens.
const MIN_PARTIAL_TOKENS: usize = 150;

/// Keeps the matches that stand, in text order.
pub fn select(index: &Index, query: &Query, found: &[Found]) -> Vec<Found> {
    let mut valid: Vec<&Found> = found.iter().filter(|f| is_valid(index, query, f)).collect();
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
    let mut kept: Vec<Found> = Vec::new();
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
        kept.push(f.clone());
    }
    kept.retain(|f| !f.is(data::FALSE_POSITIVE));
    kept.sort_by_key(|f| (f.start, f.end));
    drop_titles(&mut kept);
    kept
}

/// The token ranges that matches of whole rules cover, sorted and merged: what needs no
/// further search. A near-copy that lacks words of its rule does not count, so that a better
/// rule can still be found for its place.
pub fn covered(kept: &[Found]) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = kept
        .iter()
        .filter(|f| f.matched >= f.rule_len)
        .map(|f| (f.start, f.end))
        .collect();
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// Tokens between a licence's name and its text for the name to be the text's title.
const TITLE_GAP: usize = 30;

/// A licence text's title ("The BSD License" over a BSD-2-Clause text) names the text, not a
/// licence of its own: a short reference just before a licence text goes.
fn drop_titles(kept: &mut Vec<Found>) {
    let text_starts: Vec<usize> = kept
        .iter()
        .filter(|f| f.is(data::TEXT) && f.coverage() >= 0.8)
        .map(|f| f.start)
        .collect();
    kept.retain(|f| {
        let title_like = f.is(data::REFERENCE)
            && !f.is(data::TEXT | data::NOTICE)
            && f.rule_len <= 4
            && f.matcher != Matcher::SpdxIdentifier;
        if !title_like {
            return true;
        }
        let next = text_starts.partition_point(|&s| s < f.end);
        text_starts.get(next).is_none_or(|&s| s - f.end > TITLE_GAP)
    });
}

fn is_valid(index: &Index, query: &Query, f: &Found) -> bool {
    let Some(rule) = f.rule.map(|r| index.rule(r)) else {
        return true; // identifier lines
    };
    if f.matcher == Matcher::Approximate && !near_copy_counts(rule, f) {
        return false;
    }
    if f.matched <= 2 && f.matcher == Matcher::Exact && !rule_is_tag(rule) {
        return stands_alone(query, f);
    }
    true
}

/// Whether a near-copy of `rule` found as `f` covers enough of the rule, densely enough, to
/// count. The approximate matcher asks this before its costlier checks, so that what it
/// returns is only what [`select`] would consider.
pub fn near_copy_counts(rule: &data::Rule, f: &Found) -> bool {
    let span = (f.end - f.start).max(1) as f64;
    if f.coverage() < minimum_coverage(rule) || (f.matched as f64) < span * MIN_DENSITY {
        return false;
    }
    // Some rules allow a tenth of themselves to match (a long notice whose first lines are
    // common to many): below half, a near-copy must be long to count, else the first sentence
    // of any GNU-style notice would name a GPL.
    !(f.coverage() < 0.5 && f.matched < MIN_PARTIAL_TOKENS)
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
    // Words joined into an identifier or a path (`gpl_compatible`, `mit/apache`).
    !text[from..to].contains(['_', '/', '\\'])
}

/// The expression a match stands for.
pub fn expression_of<'a>(index: &'a Index, f: &'a Found) -> &'a str {
    match (&f.expression, f.rule) {
        (Some(e), _) => e,
        (None, Some(r)) => index.expression(index.rule(r)),
        (None, None) => "",
    }
}

/// The file's expression from the matches that stand: the distinct licences of the claims, in
/// text order, joined with AND.
pub fn expression(index: &Index, kept: &[Found]) -> Option<String> {
    // (top-level AND term, from a licence text)
    let mut parts: Vec<(String, bool)> = Vec::new();
    for f in kept.iter().filter(|f| f.is_claim()) {
        let e = expression_of(index, f);
        let text = f.is(data::TEXT);
        for term in and_terms(e) {
            match parts.iter_mut().find(|(p, _)| *p == term) {
                Some(part) => part.1 &= text,
                None => parts.push((term, text)),
            }
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
    // The LGPL-3.0 is a set of permissions on top of the GPL-3.0, whose text it comes with.
    if parts.iter().any(|(e, _)| e.starts_with("LGPL-3.0")) {
        parts.retain(|(e, text)| !(*text && e == "GPL-3.0-only"));
    }
    // A choice ("MIT OR Apache-2.0") and the texts or names of its licences: the texts are
    // those of the choice, not licences of their own.
    let choices: Vec<Vec<String>> = parts
        .iter()
        .filter(|(e, _)| e.contains(" OR "))
        .map(|(e, _)| {
            e.split([' ', '(', ')'])
                .filter(|w| !w.is_empty() && !matches!(*w, "AND" | "OR" | "WITH"))
                .map(str::to_string)
                .collect()
        })
        .collect();
    parts.retain(|(e, _)| {
        e.contains(' ') || !choices.iter().any(|ids| ids.iter().any(|id| id == e))
    });
    if parts.is_empty() {
        return None;
    }
    let single = parts.len() == 1;
    let joined: Vec<String> = parts
        .into_iter()
        .map(|(e, _)| {
            if !single && e.contains(" OR ") && !is_parenthesised(&e) {
                format!("({e})")
            } else {
                e
            }
        })
        .collect();
    Some(joined.join(" AND "))
}

/// The top-level AND terms of an expression (`A AND (B OR C)`: `A`, `(B OR C)`).
fn and_terms(expression: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut current: Vec<&str> = Vec::new();
    for word in expression.split_whitespace() {
        let opens = word.matches('(').count() as i32;
        let closes = word.matches(')').count() as i32;
        if word == "AND" && depth == 0 {
            out.push(current.join(" "));
            current.clear();
        } else {
            current.push(word);
        }
        depth += opens - closes;
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out.into_iter()
        .map(|t| {
            let t = t.trim().to_string();
            // "(MIT)" is MIT; "(A OR B)" stays for joining.
            if is_parenthesised(&t) && !t[1..t.len() - 1].contains(' ') {
                t[1..t.len() - 1].to_string()
            } else {
                t
            }
        })
        .filter(|t| !t.is_empty())
        .collect()
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
    fn expressions_are_cut_at_their_top_level_ands() {
        assert_eq!(and_terms("MIT AND Zlib"), ["MIT", "Zlib"]);
        assert_eq!(
            and_terms("(MIT OR Apache-2.0) AND BSD-3-Clause"),
            ["(MIT OR Apache-2.0)", "BSD-3-Clause"]
        );
        assert_eq!(and_terms("MIT OR Apache-2.0"), ["MIT OR Apache-2.0"]);
        assert_eq!(and_terms("(GPL-2.0-only)"), ["GPL-2.0-only"]);
    }

    #[test]
    fn unknown_and_parenthesised_expressions_are_recognised() {
        assert!(is_unknown("LicenseRef-scancode-unknown-license-reference"));
        assert!(!is_unknown("MIT AND LicenseRef-scancode-unknown"));
        assert!(is_parenthesised("(MIT OR Apache-2.0)"));
        assert!(!is_parenthesised("(MIT) OR (Apache-2.0)"));
    }
}
