//! A scanned text, tokenised against the index's vocabulary.

use super::index::Index;
use super::tokenize::{self, Span};

/// A text and its tokens: ids (unknown words are [`super::index::UNKNOWN_WORD`]) and where
/// each token is.
pub struct Query<'t> {
    pub text: &'t str,
    pub ids: Vec<u16>,
    pub spans: Vec<Span>,
}

impl<'t> Query<'t> {
    pub fn new(index: &Index, text: &'t str) -> Query<'t> {
        let mut ids = Vec::with_capacity(text.len() / 6);
        let mut spans = Vec::with_capacity(text.len() / 6);
        tokenize::for_each_token(text, false, |word, span| {
            ids.push(index.word(word));
            spans.push(span);
        });
        Query { text, ids, spans }
    }

    /// The tokens `start..end` as a query of their own (positions count from `start`).
    pub fn slice(&self, start: usize, end: usize) -> Query<'t> {
        Query {
            text: self.text,
            ids: self.ids[start..end].to_vec(),
            spans: self.spans[start..end].to_vec(),
        }
    }

    /// The first and last line of the tokens `start..end` (exclusive end).
    pub fn lines(&self, start: usize, end: usize) -> (u32, u32) {
        let first = self.spans.get(start).map_or(0, |s| s.line);
        let last = self
            .spans
            .get(end.saturating_sub(1))
            .map_or(first, |s| s.line);
        (first, last)
    }

    /// The byte range of the text that tokens `start..end` cover.
    pub fn bytes(&self, start: usize, end: usize) -> (usize, usize) {
        let from = self.spans.get(start).map_or(0, |s| s.start);
        let to = self
            .spans
            .get(end.saturating_sub(1))
            .map_or(from, |s| s.end);
        (from, to)
    }
}
