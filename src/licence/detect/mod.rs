//! Licence detection: which licences a text states, where, and how sure each match is.
//!
//! The engine matches the rules of ScanCode's LicenseDB (licence texts, notices, references,
//! tags; `licensedcode-data`, CC-BY-4.0) against a text's tokens:
//! - [`tokenize`]: how texts are decoded and cut into words;
//! - [`data`]: the rules' binary form, made by `generate.rs` and embedded by the build;
//! - [`index`]: the structures built from it once, lazily;
//! - `exact`: whole-file and Aho-Corasick matches of rules;
//! - `approx`: near-copies, from shared shingles aligned in order;
//! - `spdx_id`: `SPDX-License-Identifier:` lines;
//! - `combine`: the matches that stand, and the file's expression;
//! - `files`: licence files of packages, their hashes and the detection cache.
//!
//! [`detect_bytes`] is the entry point for any text, from a file or an archive.

mod approx;
mod combine;
pub mod data;
mod exact;
mod files;
pub mod index;
mod matches;
mod query;
mod spdx_id;
pub mod tokenize;

pub use files::*;
pub use matches::Matcher;

use serde::{Deserialize, Serialize};

/// Matches reported per file at most (a file of one licence text repeated thousands of times
/// would otherwise list every copy); the expression still comes from all of them.
pub const MAX_REPORTED_MATCHES: usize = 1_000;

/// Searches for near-copies in what earlier matches left unexplained, at most this often.
const MAX_PASSES: usize = 3;
/// Passes at most for a segment whose passes are cut short by their seed budget.
const MAX_BUDGET_PASSES: usize = 64;
/// A pass cut short by its seed budget that moves the cut less than this share of the text
/// (1/n) past the previous pass's cut has stalled: see [`match_segment`].
const STALLED_PROGRESS: usize = 8;
/// Texts longer than this many tokens (about 1.2 MB) are matched in segments of this size...
const SEGMENT: usize = 200_000;
/// ... that overlap by this many tokens, more than the longest rule has.
const SEGMENT_OVERLAP: usize = 16_384;

/// What a text was found to state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// The SPDX expression of every licence found, joined with AND; absent when none is.
    pub expression: Option<String>,
    /// The matches that stand, in text order.
    pub matches: Vec<LicenceMatch>,
    /// More matches were found than [`MAX_REPORTED_MATCHES`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Why the text was not analysed, when it was not (no licence data in this build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What kind of text a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// A whole licence text.
    Text,
    /// A statement that something is under a licence.
    Notice,
    /// A licence's name or URL.
    Reference,
    /// A structured licence field or an `SPDX-License-Identifier` line.
    Tag,
    /// An introduction to a licence ("licensed under the following terms"): names none.
    Intro,
    /// A weak hint: reported, not concluded from.
    Clue,
}

/// One match of a rule in a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenceMatch {
    /// The SPDX expression the matched rule stands for.
    pub expression: String,
    /// The rule: a file of ScanCode's LicenseDB (`mit.LICENSE`, `apache-2.0_12.RULE`), or
    /// `spdx-license-identifier` for an identifier line.
    pub rule: String,
    pub kind: RuleKind,
    pub matcher: Matcher,
    /// The lines of the text the match spans (1-based, inclusive).
    pub start_line: u32,
    pub end_line: u32,
    /// Byte offsets of the matched text (start inclusive, end exclusive): what to reproduce.
    pub start_byte: usize,
    pub end_byte: usize,
    /// 0–100: the share of the rule found, weighted by the rule's relevance.
    pub score: f32,
    /// 0–100: the share of the rule's tokens found.
    pub coverage: f32,
    /// Tokens of the rule found, and tokens the rule has.
    pub matched_tokens: u32,
    pub rule_tokens: u32,
}

impl Detection {
    fn none() -> Detection {
        Detection {
            expression: None,
            matches: Vec::new(),
            truncated: false,
            error: None,
        }
    }

    /// The lowest score of the matches that name a licence, 0 to 1 (0 when none does).
    pub fn confidence(&self) -> f32 {
        let claims = self
            .matches
            .iter()
            .filter(|m| !matches!(m.kind, RuleKind::Intro | RuleKind::Clue));
        let lowest = claims.map(|m| m.score).fold(f32::MAX, f32::min);
        if lowest == f32::MAX {
            0.0
        } else {
            lowest / 100.0
        }
    }
}

/// Detects the licences a file's bytes state. `name` (a file name or path, only a hint) says
/// nothing to the matcher today; it is taken so that callers from archives and trees use one
/// signature when it does (binary formats). Any bytes give an answer: binary data, invalid
/// UTF-8 and UTF-16 are decoded as well as they can be, and a text with nothing licence-like
/// in it gives a detection without expression.
pub fn detect_bytes(name: &str, bytes: &[u8]) -> Detection {
    let _ = name;
    let text = tokenize::decode(bytes);
    detect_text(&text)
}

/// Detects the licences a text states.
pub fn detect_text(text: &str) -> Detection {
    let index = match index::index() {
        Ok(index) => index,
        Err(e) => {
            let mut d = Detection::none();
            d.error = Some(e.to_string());
            return d;
        }
    };
    let query = query::Query::new(index, text);
    if query.ids.is_empty() {
        return Detection::none();
    }
    let kept = match exact::whole(index, &query) {
        Some(whole) => vec![whole],
        None if query.ids.len() <= SEGMENT + SEGMENT_OVERLAP => {
            let found = spdx_id::identifier_lines(index, &query);
            match_segment(index, &query, found)
        }
        None => {
            // A long text is matched in segments (overlapping by more than the longest
            // rule), so that the work and the memory per segment stay bounded whatever the
            // text repeats; the matches of all segments are then weighed together.
            let mut found = spdx_id::identifier_lines(index, &query);
            let n = query.ids.len();
            for start in (0..n).step_by(SEGMENT) {
                let end = (start + SEGMENT + SEGMENT_OVERLAP).min(n);
                let segment = query.slice(start, end);
                for mut f in match_segment(index, &segment, Vec::new()) {
                    if f.start < SEGMENT || end == n {
                        f.start += start;
                        f.end += start;
                        found.push(f);
                    }
                }
                if end == n {
                    break;
                }
            }
            combine::select(index, &query, &found)
        }
    };
    let expression = combine::expression(index, &kept);
    let truncated = kept.len() > MAX_REPORTED_MATCHES;
    let matches = kept
        .iter()
        .take(MAX_REPORTED_MATCHES)
        .map(|f| report(index, &query, f))
        .collect();
    Detection {
        expression,
        matches,
        truncated,
        error: None,
    }
}

/// The matches that stand in a query (a whole text, or a segment of a long one), given the
/// identifier lines found in it.
fn match_segment(
    index: &index::Index,
    query: &query::Query,
    found: Vec<matches::Found>,
) -> Vec<matches::Found> {
    match_segment_with_budget(index, query, found, approx::SEED_BUDGET)
}

/// [`match_segment`] with another seed budget per pass (tests reach the passes of a long text
/// with a short one).
fn match_segment_with_budget(
    index: &index::Index,
    query: &query::Query,
    mut found: Vec<matches::Found>,
    seed_budget: usize,
) -> Vec<matches::Found> {
    found.extend(exact::occurrences(index, query));
    let (first, mut cut) = approx::approximate(index, query, &[], 0, seed_budget);
    found.extend(first);
    let mut kept = combine::select(index, query, &found);
    // The candidates of a text with several licences are ranked over the whole text: the parts
    // that the matches so far leave unexplained are searched again on their own (a short ISC
    // text after a BSD text whose variants took every place). A pass cut short by its seed
    // budget (a text that repeats a licence hundreds of times) is always followed by another,
    // which searches everything after the cut again.
    //
    // Such a pass searches the unexplained parts before the cut again as well. Where those
    // take most of the budget (a phrase of many rules repeated thousands of times, never a
    // whole rule), the cut stalls: from the first pass that moves it less than
    // [`STALLED_PROGRESS`] of the text on, passes search only from where a copy left to them
    // starts (or from the cut), so that every pass gets on through the text.
    let mut from = 0;
    let mut stalled = false;
    let mut passes = 0;
    while passes < MAX_PASSES || (cut.is_some() && passes < MAX_BUDGET_PASSES) {
        passes += 1;
        let searched_until = cut.map_or(usize::MAX, |c| c.at);
        let settled: Vec<matches::Found> = kept
            .iter()
            .filter(|f| f.end <= searched_until)
            .cloned()
            .collect();
        let covered = combine::covered(&settled);
        let (more, next_cut) = approx::approximate(index, query, &covered, from, seed_budget);
        if let (Some(before), Some(now)) = (cut, next_cut) {
            stalled |= now.at < before.at + query.ids.len() / STALLED_PROGRESS;
            if stalled {
                // Where a copy left to the next pass starts; the cut itself if that would not
                // get on.
                from = if now.resume > from {
                    now.resume
                } else {
                    now.at
                };
            }
        }
        cut = next_cut;
        if more.is_empty() && cut.is_none() {
            break;
        }
        found.extend(more);
        let again = combine::select(index, query, &found);
        let done = again.len() == kept.len() && cut.is_none();
        kept = again;
        if done {
            break;
        }
    }
    kept
}

fn report(index: &index::Index, query: &query::Query, f: &matches::Found) -> LicenceMatch {
    let (start_line, end_line) = query.lines(f.start, f.end);
    let (start_byte, end_byte) = query.bytes(f.start, f.end);
    let coverage = (f.coverage() * 100.0).min(100.0);
    let rule = match f.rule {
        Some(r) => index.name(index.rule(r)).to_string(),
        None => "spdx-license-identifier".to_string(),
    };
    LicenceMatch {
        expression: combine::expression_of(index, f).to_string(),
        rule,
        kind: kind_of(f.flags),
        matcher: f.matcher,
        start_line,
        end_line,
        start_byte,
        end_byte,
        score: round2(coverage * f.relevance as f64 / 100.0),
        coverage: round2(coverage),
        matched_tokens: f.matched as u32,
        rule_tokens: f.rule_len as u32,
    }
}

fn round2(x: f64) -> f32 {
    ((x * 100.0).round() / 100.0) as f32
}

fn kind_of(flags: u16) -> RuleKind {
    if flags & data::TEXT != 0 {
        RuleKind::Text
    } else if flags & data::NOTICE != 0 {
        RuleKind::Notice
    } else if flags & data::TAG != 0 {
        RuleKind::Tag
    } else if flags & data::INTRO != 0 {
        RuleKind::Intro
    } else if flags & data::CLUE != 0 {
        RuleKind::Clue
    } else {
        RuleKind::Reference
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GPL_2_0: &str =
        include_str!("../../../tests/fixtures/licence-detection/cases/spdx-texts/GPL-2.0.txt");
    /// Copies of the line in the smaller text, and the seed budget of its passes: the smaller
    /// text needs no pass cut short, the larger one (four times the smaller) several.
    const FEW_LINES: usize = 200;
    const TEST_BUDGET: usize = 200_000;
    /// One line of the GNU notice, which thousands of rules share.
    const LINE: &str = "the Free Software Foundation; either version 2 of the License, or\n";

    /// A GPL-2.0 notice, `lines` copies of one of its lines, and the GPL-2.0 text: the shape of
    /// a fuzz input (tests/fixtures/fuzz/licence-file/gnu-notice-line-repeated).
    fn notice_line_repeated(lines: usize) -> String {
        let mut text = String::from(
            "This program is free software; you can redistribute it and/or modify\n\
             it under the terms of the GNU General Public License as published by\n",
        );
        text.push_str(&LINE.repeat(lines));
        text.push_str("(at your option) any later version.\n\n");
        text.push_str(GPL_2_0);
        text
    }

    /// Passes cut short by the seed budget get on through the text: a phrase of many rules
    /// repeated thousands of times (never a whole rule, so never covered) once made every
    /// further pass seed the same part again, up to [`MAX_BUDGET_PASSES`] passes that found
    /// nothing new (108 s for a 340 KB fuzz input in a debug build). A short budget reaches
    /// those passes at a size a test can afford.
    #[test]
    fn passes_cut_short_by_their_budget_grow_linearly() {
        let index = index::index().unwrap();
        let small = notice_line_repeated(FEW_LINES);
        let large = small.repeat(4);
        crate::growth::assert_linear(
            "near-copy passes over a repeated notice line",
            &small,
            &large,
            |text| {
                let query = query::Query::new(index, text);
                std::hint::black_box(match_segment_with_budget(
                    index,
                    &query,
                    Vec::new(),
                    TEST_BUDGET,
                ));
            },
        );
        // And every pass finds what it should: the GPL-2.0 text each time.
        let query = query::Query::new(index, &large);
        let kept = match_segment_with_budget(index, &query, Vec::new(), TEST_BUDGET);
        let texts = kept
            .iter()
            .filter(|f| f.is(data::TEXT) && combine::expression_of(index, f) == "GPL-2.0-only")
            .count();
        assert_eq!(texts, 4, "{kept:#?}");
    }
}
