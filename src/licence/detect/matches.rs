//! What a matcher found: a rule (or an identifier line) at a span of the query's tokens.

use super::data;
use super::index::Index;
use serde::{Deserialize, Serialize};

/// How a match was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Matcher {
    /// The whole file is the rule's text.
    Whole,
    /// The rule's text occurs in the file, token for token.
    Exact,
    /// Most of the rule's text occurs in the file, in order, with differences.
    Approximate,
    /// An `SPDX-License-Identifier:` line.
    SpdxIdentifier,
}

/// A candidate match, before the matches of a file are weighed against each other.
#[derive(Debug, Clone)]
pub struct Found {
    /// The rule's number; `None` for an identifier line.
    pub rule: Option<u32>,
    /// The expression of an identifier line (a rule's is in the index).
    pub expression: Option<String>,
    pub matcher: Matcher,
    /// The query tokens `start..end`.
    pub start: usize,
    pub end: usize,
    /// Tokens of the rule found in the query.
    pub matched: usize,
    /// Tokens of the rule (of the identifier line for those).
    pub rule_len: usize,
    pub flags: u16,
    pub relevance: u8,
}

impl Found {
    pub fn of_rule(
        index: &Index,
        rule: u32,
        matcher: Matcher,
        start: usize,
        end: usize,
        matched: usize,
    ) -> Found {
        let r = index.rule(rule);
        Found {
            rule: Some(rule),
            expression: None,
            matcher,
            start,
            end,
            matched,
            rule_len: r.token_count as usize,
            flags: r.flags,
            relevance: r.relevance,
        }
    }

    /// The share of the rule found, 0 to 1.
    pub fn coverage(&self) -> f64 {
        if self.rule_len == 0 {
            0.0
        } else {
            self.matched as f64 / self.rule_len as f64
        }
    }

    /// How much this match weighs against others for the same text: tokens found, scaled by
    /// the square of the share of its rule they are. A long rule barely covered weighs less
    /// than a short rule fully found in the same place, and of two rules that both fit a text
    /// the one with words the text lacks ("No permission is hereby granted ...", a variant of
    /// the MIT text) weighs clearly less than the one found whole.
    pub fn weight(&self) -> f64 {
        let coverage = self.coverage();
        self.matched as f64 * coverage * coverage
    }

    pub fn is(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// A match that names a licence (not a false positive, introduction or clue).
    pub fn is_claim(&self) -> bool {
        !self.is(data::FALSE_POSITIVE | data::INTRO | data::CLUE)
    }
}
