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

use super::combine::near_copy_counts;
use super::data;
use super::index::{GRAM, Index, for_each_minimiser, is_approximate};
use super::matches::{Found, Matcher};
use super::query::Query;
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;

/// Candidates aligned per query (more for longer texts, which hold more licences).
fn candidate_limit(tokens: usize) -> usize {
    (64 + tokens / 100).min(2_000)
}

/// Seeds (query position, rule position) per pass: hundreds of copies of a licence text. A
/// text with more is searched on in further passes; the memory of a pass stays bounded.
pub const SEED_BUDGET: usize = 4_000_000;

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

/// Where the seed budget cut a pass short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// The text from this token on was not searched: another pass goes on.
    pub at: usize,
    /// The earliest token at which a copy that the pass left to the next one (it may go on
    /// past `at`) starts; `at` when there is none. A pass from here on finds them all again.
    pub resume: usize,
}

/// Near-copies of rules in the query, seeded only from the query positions from `from` on
/// that `covered` (sorted, disjoint token ranges) leaves out: the parts of a text that earlier
/// matches did not explain.
///
/// Returns the matches, and where the seed budget (seeds per pass: [`SEED_BUDGET`], or less
/// in tests) cut the pass short, if it did.
pub fn approximate(
    index: &Index,
    query: &Query,
    covered: &[(usize, usize)],
    from: usize,
    seed_budget: usize,
) -> (Vec<Found>, Option<Cut>) {
    let ids = &query.ids;
    // The query's minimisers in text order, and the same sorted by hash to group them.
    let mut in_order: Vec<(u32, u64)> = Vec::new();
    for_each_minimiser(ids, |p, h| {
        if p < from {
            return;
        }
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

    let (candidates, hits, hit_start, cutoff) = SCRATCH.with(|scratch| {
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
        candidates.truncate(candidate_limit(ids.len()).min(64 + hashes.len()));

        // 2. Seeds per candidate, in one pass over the groups.
        for (n, &(_, r)) in candidates.iter().enumerate() {
            slot[r as usize] = n as u32;
        }
        // The candidates' entries of each distinct hash, once (group `g` is
        // `group_entries[group_start[g]..group_start[g + 1]]`); then the seeds in text order.
        let mut group_start: Vec<u32> = Vec::with_capacity(hashes.len() + 1);
        let mut group_entries: Vec<(u32, u16)> = Vec::new();
        for h in hashes.iter() {
            group_start.push(group_entries.len() as u32);
            for e in index.lookup(*h) {
                let n = slot[e.rule as usize];
                if n != NO_SLOT {
                    group_entries.push((n, e.pos));
                }
            }
        }
        group_start.push(group_entries.len() as u32);
        let group = |g: u32| {
            &group_entries[group_start[g as usize] as usize..group_start[g as usize + 1] as usize]
        };
        // Seeds in text order, up to the budget: all candidates are seeded up to the same
        // place, so that none claims a part of the text that a better one had no seeds for.
        // Counted first, then placed: candidate `n`'s seeds are
        // `hits[hit_start[n]..hit_start[n + 1]]`, in text order.
        let mut hit_start = vec![0u32; candidates.len() + 1];
        let mut seeds = 0usize;
        let mut cutoff = usize::MAX;
        let mut seeded = in_order.len();
        for (i, (&(q, _), &g)) in in_order.iter().zip(&group_of).enumerate() {
            let entries = group(g);
            // (At least one minimiser per pass, so that every pass gets on.)
            if seeds + entries.len() > seed_budget && i > 0 {
                cutoff = q as usize;
                seeded = i;
                break;
            }
            seeds += entries.len();
            for &(n, _) in entries {
                hit_start[n as usize + 1] += 1;
            }
        }
        for n in 0..candidates.len() {
            hit_start[n + 1] += hit_start[n];
        }
        let mut next = hit_start.clone();
        let mut hits = vec![(0u32, 0u16); seeds];
        for (&(q, _), &g) in in_order[..seeded].iter().zip(&group_of) {
            for &(n, pos) in group(g) {
                hits[next[n as usize] as usize] = (q, pos);
                next[n as usize] += 1;
            }
        }
        for &(_, r) in &candidates {
            slot[r as usize] = NO_SLOT;
        }

        let candidates: Vec<u32> = candidates.into_iter().map(|(_, r)| r).collect();
        (candidates, hits, hit_start, cutoff)
    });

    // 3. Blocks and chains per candidate: in parallel for a long text (outside the borrow of
    // the thread's scratch, which another detection on this thread may need meanwhile).
    let seeds_of = |n: usize| &hits[hit_start[n] as usize..hit_start[n + 1] as usize];
    let (out, resume): (Vec<Found>, usize) = if hits.len() >= PARALLEL_SEEDS {
        let per_candidate: Vec<(Vec<Found>, usize)> = candidates
            .par_iter()
            .enumerate()
            .map(|(n, &r)| {
                let mut out = Vec::new();
                // The thread's memory (its diagonal table is as long as the text); a fresh one
                // should the thread's be in use.
                let resume = CHAINING.with(|chaining| match chaining.try_borrow_mut() {
                    Ok(mut chaining) => {
                        chaining.matches(index, ids, r, seeds_of(n), cutoff, &mut out)
                    }
                    Err(_) => {
                        Chaining::default().matches(index, ids, r, seeds_of(n), cutoff, &mut out)
                    }
                });
                (out, resume)
            })
            .collect();
        let resume = per_candidate.iter().map(|p| p.1).min().unwrap_or(cutoff);
        (
            per_candidate.into_iter().flat_map(|p| p.0).collect(),
            resume,
        )
    } else {
        CHAINING.with(|chaining| {
            let mut chaining = chaining.borrow_mut();
            let mut out = Vec::new();
            let mut resume = cutoff;
            for (n, &r) in candidates.iter().enumerate() {
                let left = chaining.matches(index, ids, r, seeds_of(n), cutoff, &mut out);
                resume = resume.min(left);
            }
            (out, resume)
        })
    };
    let cut = (cutoff != usize::MAX).then_some(Cut {
        at: cutoff,
        resume: resume.min(cutoff),
    });
    (out, cut)
}

/// Seeds in all at which the blocks and chains of the candidates are found in parallel.
const PARALLEL_SEEDS: usize = 200_000;

/// The memory of finding one candidate's blocks and chains, kept between candidates.
#[derive(Default)]
struct Chaining {
    diagonals: Diagonals,
    blocks: Vec<Block>,
    chains: Vec<Chain>,
    ranges: Vec<Matched>,
}

thread_local! {
    static CHAINING: RefCell<Chaining> = RefCell::new(Chaining::default());
}

impl Chaining {
    /// The near-copies of rule `r` that its seeds make, onto `out`. Returns the earliest start
    /// of a copy left to the next pass (one that may go on past `cutoff` and could count
    /// then), or `cutoff`.
    fn matches(
        &mut self,
        index: &Index,
        ids: &[u16],
        r: u32,
        seeds: &[(u32, u16)],
        cutoff: usize,
        out: &mut Vec<Found>,
    ) -> usize {
        let rule_tokens = index.tokens(r);
        let rule = index.rule(r);
        blocks(
            ids,
            rule_tokens,
            seeds,
            &mut self.diagonals,
            &mut self.blocks,
        );
        chains(
            &self.blocks,
            rule_tokens.len(),
            &mut self.chains,
            &mut self.ranges,
        );
        let mut resume = cutoff;
        for chain in &self.chains {
            // A copy that may go on past the cut-off is matched in the next pass.
            let rest = rule_tokens.len().saturating_sub(chain.rule_end);
            if cutoff != usize::MAX && rest > 0 && chain.end + 2 * rest + GRAM >= cutoff {
                // (Only one that could cover enough of the rule then needs to be found again.)
                let best = (chain.matched + rest) as f64;
                if best >= minimum_coverage(rule) * rule_tokens.len() as f64 {
                    resume = resume.min(chain.start);
                }
                continue;
            }
            let found = Found::of_rule(
                index,
                r,
                Matcher::Approximate,
                chain.start,
                chain.end,
                chain.matched,
            );
            // What the combination would refuse anyway is not checked further.
            if !near_copy_counts(rule, &found) {
                continue;
            }
            let parts = &self.ranges[chain.ranges.clone()];
            if !has_required_phrases(index, r, parts)
                || changes_a_number(index, ids, rule_tokens, parts)
            {
                continue;
            }
            out.push(found);
        }
        resume
    }
}

/// A run of equal tokens: query position, rule position, length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Block {
    q: usize,
    r: usize,
    len: usize,
}

/// Where the last block of each diagonal (query minus rule position) ends in the query, for
/// the candidate whose blocks are being found: a flat table indexed by the diagonal (offset by
/// the rule's length), reused from candidate to candidate. An entry counts only when it bears
/// the current candidate's stamp, so that nothing needs clearing between candidates (cheaper
/// than a hash map per candidate; the table is as long as the text plus the rule, 2 MB for a
/// segment of a long text, kept per thread).
#[derive(Default)]
struct Diagonals {
    stamp: u32,
    /// Per diagonal: the stamp of the candidate that wrote it, and where its block ends.
    ends: Vec<(u32, u32)>,
}

impl Diagonals {
    /// Starts a new candidate over diagonals `0..len`.
    fn start(&mut self, len: usize) {
        if self.ends.len() < len {
            self.ends.resize(len, (0, 0));
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.ends.iter_mut().for_each(|e| *e = (0, 0));
            self.stamp = 1;
        }
    }

    #[inline]
    fn get(&self, d: usize) -> Option<usize> {
        let (stamp, end) = self.ends[d];
        (stamp == self.stamp).then_some(end as usize)
    }

    #[inline]
    fn set(&mut self, d: usize, end: usize) {
        self.ends[d] = (self.stamp, end as u32);
    }
}

/// The blocks of one candidate from its seeds (in text order), sorted, into `out`.
fn blocks(
    query: &[u16],
    rule: &[u16],
    seeds: &[(u32, u16)],
    diagonal_end: &mut Diagonals,
    out: &mut Vec<Block>,
) {
    out.clear();
    // Diagonal `q - r`, offset by the rule's length: `0..query.len() + rule.len()`.
    diagonal_end.start(query.len() + rule.len());
    // Extension is bounded per candidate, so that no text makes it quadratic.
    let mut budget = 8 * (query.len() + rule.len());
    for &(q, r) in seeds {
        let (q, r) = (q as usize, r as usize);
        if q >= query.len() || r >= rule.len() {
            continue; // (no seed lies outside its texts)
        }
        let d = q + rule.len() - r;
        let floor = match diagonal_end.get(d) {
            Some(end) if q < end => continue,
            Some(end) => end,
            None => 0,
        };
        if q + GRAM > query.len()
            || r + GRAM > rule.len()
            || query[q..q + GRAM] != rule[r..r + GRAM]
        {
            continue; // a hash collision
        }
        let (mut qs, mut rs) = (q, r);
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
        diagonal_end.set(d, qe);
        out.push(Block {
            q: qs,
            r: rs,
            len: qe - qs,
        });
    }
    out.sort_unstable();
}

/// A part of a rule found in the query: rule tokens `rule_start..rule_end` at query tokens
/// `query_start..query_end`.
#[derive(Debug, Clone, Copy)]
struct Matched {
    rule_start: usize,
    rule_end: usize,
    query_start: usize,
    query_end: usize,
}

/// One occurrence of a rule in the query.
#[derive(Debug)]
struct Chain {
    start: usize,
    end: usize,
    rule_end: usize,
    matched: usize,
    /// Its blocks (trimmed where they overlap), as indexes into the ranges that [`chains`]
    /// fills.
    ranges: std::ops::Range<usize>,
}

impl Chain {
    fn new(b: Block, ranges: &mut Vec<Matched>) -> Chain {
        ranges.push(Matched {
            rule_start: b.r,
            rule_end: b.r + b.len,
            query_start: b.q,
            query_end: b.q + b.len,
        });
        Chain {
            start: b.q,
            end: b.q + b.len,
            rule_end: b.r + b.len,
            matched: b.len,
            ranges: ranges.len() - 1..ranges.len(),
        }
    }
}

/// How many query tokens may lie between two blocks of one occurrence that are `rule_gap`
/// rule tokens apart: inserted words, a copyright line in place of a placeholder, comment
/// markup the tokeniser keeps.
fn allowed_gap(rule_gap: usize) -> usize {
    (rule_gap * 2 + 8).max(24)
}

/// The occurrences of a rule that its blocks (sorted) make, into `out`; their parts go into
/// `ranges` (only the chain being built grows, so each chain's parts are one run of it).
fn chains(blocks: &[Block], rule_len: usize, out: &mut Vec<Chain>, ranges: &mut Vec<Matched>) {
    out.clear();
    ranges.clear();
    let mut current: Option<Chain> = None;
    for &b in blocks {
        let Some(c) = current.as_mut() else {
            current = Some(Chain::new(b, ranges));
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
            ranges.push(Matched {
                rule_start: b.r + overlap,
                rule_end: b.r + b.len,
                query_start: b.q + overlap,
                query_end: b_end,
            });
            c.ranges.end += 1;
            continue;
        }
        let far = b.q.saturating_sub(c.end) > allowed_gap(rule_len.saturating_sub(c.rule_end));
        let restarts = b.r < c.rule_end
            && b.len >= 2 * GRAM
            && (b.r < 2 * GRAM || c.rule_end * 5 >= rule_len * 4);
        if far || restarts {
            out.push(current.take().expect("a current chain"));
            current = Some(Chain::new(b, ranges));
        }
        // Otherwise a stray block (a phrase the rule repeats elsewhere): left out.
    }
    out.extend(current);
}

/// Whether the query puts another number where the rule has one, between two matched blocks:
/// "Version 1.2" is not a near-copy of "Version 1.1", however alike the rest.
fn changes_a_number(index: &Index, query: &[u16], rule: &[u16], parts: &[Matched]) -> bool {
    parts.windows(2).any(|pair| {
        let (a, b) = (pair[0], pair[1]);
        let rule_gap = &rule[a.rule_end..b.rule_start.max(a.rule_end)];
        let query_gap = &query[a.query_end..b.query_start.max(a.query_end)];
        let is_number = |t: &u16| index.is_number(*t);
        let mut in_rule = rule_gap.iter().copied().filter(is_number).peekable();
        let mut in_query = query_gap.iter().copied().filter(is_number).peekable();
        in_rule.peek().is_some() && in_query.peek().is_some() && !in_rule.eq(in_query)
    })
}

fn has_required_phrases(index: &Index, rule: u32, parts: &[Matched]) -> bool {
    let rule = index.rule(rule);
    index.required(rule).iter().all(|&(s, e)| {
        let (s, e) = (s as usize, e as usize);
        parts.iter().any(|p| p.rule_start <= s && e <= p.rule_end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(q: usize, r: usize, len: usize) -> Block {
        Block { q, r, len }
    }

    fn chains_of(blocks: &[Block], rule_len: usize) -> Vec<Chain> {
        let (mut out, mut ranges) = (Vec::new(), Vec::new());
        chains(blocks, rule_len, &mut out, &mut ranges);
        out
    }

    #[test]
    fn blocks_in_order_make_one_chain() {
        let found = chains_of(
            &[block(0, 0, 30), block(32, 31, 40), block(80, 71, 29)],
            100,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].matched, 99);
        assert_eq!((found[0].start, found[0].end), (0, 109));
    }

    #[test]
    fn a_second_occurrence_makes_a_second_chain() {
        let found = chains_of(&[block(0, 0, 100), block(110, 0, 100)], 100);
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].start, 110);
    }

    #[test]
    fn a_stray_block_does_not_break_a_chain() {
        let found = chains_of(&[block(0, 0, 30), block(31, 3, 5), block(40, 30, 30)], 60);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].matched, 60);
    }
}
