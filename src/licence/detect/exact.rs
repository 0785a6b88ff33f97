//! Exact matching: a file that is one rule's text (whole-text hash), and every occurrence of
//! every short rule in a file (the Aho-Corasick automaton over token bytes).

use super::index::{Index, exact_bytes};
use super::matches::{Found, Matcher};
use super::query::Query;

/// The rule the whole query is, if it is one.
pub fn whole(index: &Index, query: &Query) -> Option<Found> {
    if query.ids.is_empty() {
        return None;
    }
    let rule = index.whole_match(&query.ids)?;
    Some(Found::of_rule(
        index,
        rule,
        Matcher::Whole,
        0,
        query.ids.len(),
        query.ids.len(),
    ))
}

/// Every occurrence of every exactly-matched rule.
pub fn occurrences(index: &Index, query: &Query) -> Vec<Found> {
    let mut bytes = Vec::new();
    exact_bytes(&query.ids, &mut bytes);
    let mut out = Vec::new();
    for m in index.exact().find_overlapping_iter(&bytes) {
        // Tokens are two bytes each: a match at an odd offset straddles two tokens.
        if m.start() % 2 != 0 {
            continue;
        }
        let rule = index.exact_rule(m.pattern().as_usize());
        let (start, end) = (m.start() / 2, m.end() / 2);
        out.push(Found::of_rule(
            index,
            rule,
            Matcher::Exact,
            start,
            end,
            end - start,
        ));
    }
    out
}
