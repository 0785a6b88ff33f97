//! Approximate matching: near-copies of rules (licence texts with a changed word, a reflowed
//! notice, a text whose copyright line sits in the middle).
//!
//! 1. **Candidates.** The query's minimisers are looked up in the index; each rule counts the
//!    distinct minimisers it shares with the query. Rules that share enough of theirs are
//!    candidates, the best first (shared minimisers, weighted by the share of the rule).
//! 2. **Blocks.** Each shared minimiser of a candidate is a seed: a run of equal tokens in the
//!    query and the rule, extended both ways as far as the tokens stay equal.
//! 3. **Chains.** The blocks, in query order, are chained while they go forward in the rule and
//!    the query skips no more than the rule does (with some slack): each chain is one
//!    occurrence of the rule, the tokens of its blocks the part of the rule found.
//!
//! Every step is linear in the query's length (sorting aside), with a bounded number of
//! candidates and a bounded amount of extension work per candidate: no input makes it slow.

use super::data;
use super::index::{GRAM, Index, for_each_minimiser, is_approximate};
use super::matches::{Found, Matcher};
use super::query::Query;
use std::cell::RefCell;
use std::collections::HashMap;

/// Candidates aligned per query (more for longer texts, which hold more licences).
fn candidate_limit(tokens: usize) -> usize {
    (64 + tokens / 100).min(2_000)
}

/// Seeds (query position, rule position) per pass: hundreds of copies of a licence text. A
/// text with more is searched on in further passes; the memory of a pass stays bounded.
const SEED_BUDGET: usize = 4_000_000;

/// Candidates of one expression aligned per query.
const PER_EXPRESSION: usize = 8;

/// The share of a rule that a near-copy must cover, unless the rule sets its own.
pub fn minimum_coverage(rule: &data::Rule) -> f64 {
    if rule.minimum_coverage > 0 {
        return rule.minimum_coverage as f64 / 100.0;
    }
    match rule.token_count {
        0..20 => 1.0,
        20..50 => 0.8,
        50..200 => 0.7,
        _ => 0.5,
    }
}

#[derive(Default)]
struct Scratch {
    count: Vec<u32>,
    stamp: Vec<u32>,
    slot: Vec<u32>,
    touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

const NO_SLOT: u32 = u32::MAX;

/// Near-copies of rules in the query, seeded only from the query positions that `covered`
/// (sorted, disjoint token ranges) leaves out: the parts of a text that earlier matches did
/// not explain.
///
/// Returns the matches, and where the seed budget cut the pass short, if it did: the text from
/// there on was not searched yet, and another pass goes on.
pub fn approximate(
    index: &Index,
    query: &Query,
    covered: &[(usize, usize)],
) -> (Vec<Found>, Option<usize>) {
    let ids = &query.ids;
    // The query's minimisers in text order, and the same sorted by hash to group them.
    let mut in_order: Vec<(u32, u64)> = Vec::new();
    for_each_minimiser(ids, |p, h| {
        let inside = covered
            .get(covered.partition_point(|&(_, end)| end <= p))
            .is_some_and(|&(start, _)| start <= p);
        if !inside {
            in_order.push((p as u32, h));
        }
    });
    if in_order.is_empty() {
        return (Vec::new(), None);
    }
    let mut hashes: Vec<u64> = in_order.iter().map(|&(_, h)| h).collect();
    hashes.sort_unstable();
    hashes.dedup();
    // The number of each distinct hash, for each minimiser in text order.
    let group_of: Vec<u32> = in_order
        .iter()
        .map(|&(_, h)| hashes.binary_search(&h).unwrap_or(0) as u32)
        .collect();

    SCRATCH.with(|scratch| {
        let mut s = scratch.borrow_mut();
        let rules = index.rule_count();
        if s.count.len() != rules {
            s.count = vec![0; rules];
            s.stamp = vec![0; rules];
            s.slot = vec![NO_SLOT; rules];
        }
        let Scratch {
            count,
            stamp,
            slot,
            touched,
        } = &mut *s;
        touched.clear();

        // 1. Count distinct shared minimisers per rule.
        for (g, h) in hashes.iter().enumerate() {
            let mark = g as u32 + 1;
            for e in index.lookup(*h) {
                let r = e.rule as usize;
                if stamp[r] != mark {
                    stamp[r] = mark;
                    if count[r] == 0 {
                        touched.push(r as u32);
                    }
                    count[r] += 1;
                }
            }
        }
        let mut candidates: Vec<(f64, u32)> = Vec::new();
        for &r in touched.iter() {
            let shared = count[r as usize] as f64;
            let rule = index.rule(r);
            let total = index.minimisers[r as usize].max(1) as f64;
            // Minimisers near a difference are lost along with it: ask for half the share the
            // rule must cover.
            let needed = (total * minimum_coverage(rule) * 0.5).max(2.0);
            if shared >= needed && is_approximate(rule) {
                // The weight the match would have (see Found::weight), estimated.
                let coverage = (shared / total).min(1.0);
                candidates.push((shared * coverage * coverage, r));
            }
        }
        for &r in touched.iter() {
            count[r as usize] = 0;
            stamp[r as usize] = 0;
        }
        candidates.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        // A long licence text has hundreds of variants in the data: a few per expression leave
        // room for the other licences of the text.
        let mut per_expression: HashMap<u32, usize, foldhash::fast::FixedState> =
            HashMap::default();
        candidates.retain(|&(_, r)| {
            let n = per_expression.entry(index.rule(r).expression).or_default();
            *n += 1;
            *n <= PER_EXPRESSION
        });
        // A text that repeats itself needs no more candidates than it has distinct content.
        // A text that repeats itself needs no more candidates than it has distinct content.
        candidates.truncate(candidate_limit(ids.len()).min(64 + hashes.len()));

        // 2. Seeds per candidate, in one pass over the groups.
        for (n, &(_, r)) in candidates.iter().enumerate() {
            slot[r as usize] = n as u32;
        }
        // The candidates' entries of each distinct hash, once; then the seeds in text order.
        let mut group_entries: Vec<Vec<(u32, u16)>> = vec![Vec::new(); hashes.len()];
        for (g, h) in hashes.iter().enumerate() {
            for e in index.lookup(*h) {
                let n = slot[e.rule as usize];
                if n != NO_SLOT {
                    group_entries[g].push((n, e.pos));
                }
            }
        }
        // Seeds in text order, up to the budget: all candidates are seeded up to the same
        // place, so that none claims a part of the text that a better one had no seeds for.
        let mut hits: Vec<Vec<(u32, u16)>> = vec![Vec::new(); candidates.len()];
        let mut seeds = 0usize;
        let mut cutoff = usize::MAX;
        for (&(q, _), &g) in in_order.iter().zip(&group_of) {
            let entries = &group_entries[g as usize];
            if seeds + entries.len() > SEED_BUDGET {
                cutoff = q as usize;
                break;
            }
            seeds += entries.len();
            for &(n, pos) in entries {
                hits[n as usize].push((q, pos));
            }
        }
        for &(_, r) in &candidates {
            slot[r as usize] = NO_SLOT;
        }

        // 3. Blocks and chains per candidate.
        let mut out = Vec::new();
        for ((_, r), seeds) in candidates.into_iter().zip(hits) {
            let rule_tokens = index.tokens(r);
            let blocks = blocks(ids, rule_tokens, &seeds);
            for chain in chains(&blocks, rule_tokens.len()) {
                // A copy that may go on past the cut-off is matched in the next pass.
                let rest = rule_tokens.len().saturating_sub(chain.rule_end);
                if cutoff != usize::MAX && rest > 0 && chain.end + 2 * rest + GRAM >= cutoff {
                    continue;
                }
                if !has_required_phrases(index, r, &chain.rule_ranges)
                    || changes_a_number(index, ids, rule_tokens, &chain)
                {
                    continue;
                }
                out.push(Found::of_rule(
                    index,
                    r,
                    Matcher::Approximate,
                    chain.start,
                    chain.end,
                    chain.matched,
                ));
            }
        }
        (out, (cutoff != usize::MAX).then_some(cutoff))
    })
}

/// A run of equal tokens: query position, rule position, length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Block {
    q: usize,
    r: usize,
    len: usize,
}

fn blocks(query: &[u16], rule: &[u16], seeds: &[(u32, u16)]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    // Where the last block of each diagonal (query minus rule position) ends in the query.
    let mut diagonal_end: HashMap<i64, usize, foldhash::fast::FixedState> = HashMap::default();
    // Extension is bounded per candidate, so that no text makes it quadratic.
    let mut budget = 8 * (query.len() + rule.len());
    for &(q, r) in seeds {
        let (q, r) = (q as usize, r as usize);
        let d = q as i64 - r as i64;
        if diagonal_end.get(&d).is_some_and(|&end| q < end) {
            continue;
        }
        if q + GRAM > query.len()
            || r + GRAM > rule.len()
            || query[q..q + GRAM] != rule[r..r + GRAM]
        {
            continue; // a hash collision
        }
        let (mut qs, mut rs) = (q, r);
        let floor = diagonal_end.get(&d).copied().unwrap_or(0);
        while qs > floor && rs > 0 && query[qs - 1] == rule[rs - 1] {
            qs -= 1;
            rs -= 1;
        }
        let (mut qe, mut re) = (q + GRAM, r + GRAM);
        while qe < query.len() && re < rule.len() && query[qe] == rule[re] {
            qe += 1;
            re += 1;
        }
        let work = qe - qs;
        if work > budget {
            break;
        }
        budget -= work;
        diagonal_end.insert(d, qe);
        out.push(Block {
            q: qs,
            r: rs,
            len: qe - qs,
        });
    }
    out.sort_unstable();
    out
}

/// One occurrence of a rule in the query.
#[derive(Debug)]
struct Chain {
    start: usize,
    end: usize,
    rule_end: usize,
    matched: usize,
    rule_ranges: Vec<(usize, usize)>,
    /// The query ranges of the blocks, parallel to `rule_ranges`.
    query_ranges: Vec<(usize, usize)>,
}

impl Chain {
    fn new(b: Block) -> Chain {
        Chain {
            start: b.q,
            end: b.q + b.len,
            rule_end: b.r + b.len,
            matched: b.len,
            rule_ranges: vec![(b.r, b.r + b.len)],
            query_ranges: vec![(b.q, b.q + b.len)],
        }
    }
}

/// How many query tokens may lie between two blocks of one occurrence that are `rule_gap`
/// rule tokens apart: inserted words, a copyright line in place of a placeholder, comment
/// markup the tokeniser keeps.
fn allowed_gap(rule_gap: usize) -> usize {
    (rule_gap * 2 + 8).max(24)
}

fn chains(blocks: &[Block], rule_len: usize) -> Vec<Chain> {
    let mut out = Vec::new();
    let mut current: Option<Chain> = None;
    for &b in blocks {
        let Some(c) = current.as_mut() else {
            current = Some(Chain::new(b));
            continue;
        };
        let b_end = b.q + b.len;
        if b_end <= c.end {
            continue; // inside the occurrence already
        }
        // Trim what overlaps the chain, in the query or in the rule.
        let overlap = c
            .end
            .saturating_sub(b.q)
            .max(c.rule_end.saturating_sub(b.r));
        let fits_rule = b.r + overlap >= c.rule_end && overlap < b.len;
        let q_gap = (b.q + overlap).saturating_sub(c.end);
        let r_gap = (b.r + overlap).saturating_sub(c.rule_end);
        if fits_rule && b.r >= c.rule_end.saturating_sub(b.len) && q_gap <= allowed_gap(r_gap) {
            let len = b.len - overlap;
            c.end = b_end;
            c.rule_end = b.r + b.len;
            c.matched += len;
            c.rule_ranges.push((b.r + overlap, b.r + b.len));
            c.query_ranges.push((b.q + overlap, b_end));
            continue;
        }
        let far = b.q.saturating_sub(c.end) > allowed_gap(rule_len.saturating_sub(c.rule_end));
        let restarts = b.r < c.rule_end
            && b.len >= 2 * GRAM
            && (b.r < 2 * GRAM || c.rule_end * 5 >= rule_len * 4);
        if far || restarts {
            out.push(current.take().expect("a current chain"));
            current = Some(Chain::new(b));
        }
        // Otherwise a stray block (a phrase the rule repeats elsewhere): left out.
    }
    out.extend(current);
    out
}

/// Whether the query puts another number where the rule has one, between two matched blocks:
/// "Version 1.2" is not a near-copy of "Version 1.1", however alike the rest.
fn changes_a_number(index: &Index, query: &[u16], rule: &[u16], chain: &Chain) -> bool {
    let numbers = |tokens: &[u16]| -> Vec<u16> {
        tokens
            .iter()
            .copied()
            .filter(|&t| index.is_number(t))
            .collect()
    };
    for i in 1..chain.rule_ranges.len() {
        let rule_gap = &rule
            [chain.rule_ranges[i - 1].1..chain.rule_ranges[i].0.max(chain.rule_ranges[i - 1].1)];
        let query_gap = &query
            [chain.query_ranges[i - 1].1..chain.query_ranges[i].0.max(chain.query_ranges[i - 1].1)];
        let (in_rule, in_query) = (numbers(rule_gap), numbers(query_gap));
        if !in_rule.is_empty() && !in_query.is_empty() && in_rule != in_query {
            return true;
        }
    }
    false
}

fn has_required_phrases(index: &Index, rule: u32, ranges: &[(usize, usize)]) -> bool {
    let rule = index.rule(rule);
    index.required(rule).iter().all(|&(s, e)| {
        let (s, e) = (s as usize, e as usize);
        ranges.iter().any(|&(rs, re)| rs <= s && e <= re)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(q: usize, r: usize, len: usize) -> Block {
        Block { q, r, len }
    }

    #[test]
    fn blocks_in_order_make_one_chain() {
        let found = chains(
            &[block(0, 0, 30), block(32, 31, 40), block(80, 71, 29)],
            100,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].matched, 99);
        assert_eq!((found[0].start, found[0].end), (0, 109));
    }

    #[test]
    fn a_second_occurrence_makes_a_second_chain() {
        let found = chains(&[block(0, 0, 100), block(110, 0, 100)], 100);
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].start, 110);
    }

    #[test]
    fn a_stray_block_does_not_break_a_chain() {
        let found = chains(&[block(0, 0, 30), block(31, 3, 5), block(40, 30, 30)], 60);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].matched, 60);
    }
}
