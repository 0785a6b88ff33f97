//! The licence index: the rules with their tokens, and the three structures the matchers use,
//! built once, lazily, from the embedded data.
//!
//! - **Whole texts**: a hash of every rule's token sequence, for a file that is exactly one rule.
//! - **Exact**: an Aho-Corasick automaton over the token sequences of the short rules (notices,
//!   references, tags; every rule of up to [`EXACT_MAX`] tokens and every rule that must be
//!   matched as one run), each token written as two bytes. It finds every occurrence of every
//!   such rule in one pass over a file, in linear time.
//! - **Approximate**: for rules of at least [`APPROX_MIN`] tokens, the *minimisers* of their
//!   [`GRAM`]-token shingles (in every window of [`WINDOW`] consecutive shingles, the one with
//!   the smallest hash). Two texts that share a run of `GRAM + WINDOW - 1` tokens share a
//!   minimiser, so near-copies of a rule are found from a fifth of its shingles. The minimisers
//!   sit in hash buckets: a look-up is one bucket.

use super::data::{self, Data, Rule};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Rules of up to this many tokens are matched exactly, in any text.
pub const EXACT_MAX: u32 = 80;
/// Rules of at least this many tokens are also matched approximately.
pub const APPROX_MIN: u32 = 12;
/// Tokens per shingle.
pub const GRAM: usize = 4;
/// Shingles per minimiser window.
pub const WINDOW: usize = 5;
/// The id of a word that no rule has: it never matches.
pub const UNKNOWN_WORD: u16 = u16::MAX;
const BUCKET_BITS: u32 = 18;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// One minimiser of a rule: where it is, and 32 more bits of its hash to tell it from the
/// others of its bucket.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub check: u32,
    pub rule: u16,
    pub pos: u16,
}

pub struct Index {
    pub data: Data,
    words: FastMap<String, u16>,
    /// Per word id: the word is a number ("2", "0+", "v3").
    numbers: Vec<bool>,
    whole: FastMap<u64, u32>,
    exact: AhoCorasick,
    /// The rule of each pattern of `exact`.
    exact_rules: Vec<u32>,
    /// Bucket `b` holds `entries[buckets[b]..buckets[b + 1]]`.
    buckets: Vec<u32>,
    entries: Vec<Entry>,
    /// Per rule, how many distinct minimisers it has (0: not matched approximately).
    pub minimisers: Vec<u16>,
}

static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/licensedcode.bin"));

/// The index, loaded on first use. An error when the embedded data cannot be read (a build
/// without the data file).
pub fn index() -> Result<&'static Index, &'static str> {
    static INDEX: OnceLock<Result<Index, String>> = OnceLock::new();
    INDEX.get_or_init(load).as_ref().map_err(String::as_str)
}

/// Reads the embedded data and builds a new index (what [`index`] does once; for benchmarks).
pub fn load() -> Result<Index, String> {
    if EMBEDDED.is_empty() {
        return Err("this build has no licence data".to_string());
    }
    Data::from_bytes(EMBEDDED).map(Index::build)
}

/// The version of the licence data this build embeds ("licensedcode-data 32.1.0"), or
/// "none".
pub fn data_version() -> &'static str {
    // From the data's header: building the index takes most of a second, and the detection
    // cache asks for the version on every audit, also when every text is cached.
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        if EMBEDDED.is_empty() {
            return "none".to_string();
        }
        Data::source_version_of(EMBEDDED).unwrap_or_else(|_| "none".to_string())
    })
}

/// The hash of a shingle (its tokens packed into 64 bits, then mixed).
#[inline]
pub fn shingle_hash(tokens: &[u16]) -> u64 {
    let mut key = 0u64;
    for &t in &tokens[..GRAM] {
        key = (key << 16) | t as u64;
    }
    mix(key)
}

#[inline]
fn mix(mut x: u64) -> u64 {
    // A 64-bit finaliser (from MurmurHash3): every input bit moves every output bit.
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The hash of a whole token sequence.
pub fn sequence_hash(tokens: &[u16]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(tokens)
}

/// Calls `emit(position, hash)` for each minimiser of `tokens`: in every window of [`WINDOW`]
/// consecutive shingles, the leftmost one of smallest hash, each position once. Shingles with
/// an unknown word are never minimisers (they cannot match). Linear time (a window of five).
pub fn for_each_minimiser(tokens: &[u16], mut emit: impl FnMut(usize, u64)) {
    if tokens.len() < GRAM {
        return;
    }
    let shingles = tokens.len() - GRAM + 1;
    // The hashes of the last WINDOW shingles, shingle `i` at `i % WINDOW`: a window is five
    // values, scanned whole (cheaper than a queue at this size).
    let mut window = [u64::MAX; WINDOW];
    let mut last_emitted = usize::MAX;
    let mut unknown_until = 0usize; // shingles starting before this hold an unknown word
    for i in 0..shingles {
        let end = i + GRAM - 1;
        if tokens[end] == UNKNOWN_WORD {
            unknown_until = end + 1;
        }
        window[i % WINDOW] = if i < unknown_until {
            u64::MAX
        } else {
            shingle_hash(&tokens[i..])
        };
        if i + 1 >= WINDOW || i + 1 == shingles {
            let window_start = (i + 1).saturating_sub(WINDOW);
            // The leftmost shingle of smallest hash in window_start..=i.
            let (mut p, mut ph) = (window_start, window[window_start % WINDOW]);
            for j in window_start + 1..=i {
                let h = window[j % WINDOW];
                if h < ph {
                    (p, ph) = (j, h);
                }
            }
            if p != last_emitted && ph != u64::MAX {
                last_emitted = p;
                emit(p, ph);
            }
        }
    }
}

/// The bytes of a token sequence for the exact automaton: two per token, big-endian.
pub fn exact_bytes(tokens: &[u16], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(tokens.len() * 2);
    for &t in tokens {
        out.extend_from_slice(&t.to_be_bytes());
    }
}

impl Index {
    fn build(data: Data) -> Index {
        let words: FastMap<String, u16> = data
            .vocabulary
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i as u16))
            .collect();
        let numbers = data
            .vocabulary
            .iter()
            .map(|w| {
                let digits = w.trim_start_matches('v').trim_end_matches('+');
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            })
            .collect();
        let (whole, ((exact, exact_rules), (buckets, entries, minimisers))) = rayon::join(
            || build_whole(&data),
            || rayon::join(|| build_exact(&data), || build_minimisers(&data)),
        );
        Index {
            data,
            words,
            numbers,
            whole,
            exact,
            exact_rules,
            buckets,
            entries,
            minimisers,
        }
    }

    /// The id of a (lower-case) word, or [`UNKNOWN_WORD`].
    #[inline]
    pub fn word(&self, word: &str) -> u16 {
        self.words.get(word).copied().unwrap_or(UNKNOWN_WORD)
    }

    /// Whether a word id is a number (a version, a section).
    #[inline]
    pub fn is_number(&self, word: u16) -> bool {
        self.numbers.get(word as usize).copied().unwrap_or(false)
    }

    pub fn rule(&self, number: u32) -> &Rule {
        &self.data.rules[number as usize]
    }

    pub fn tokens(&self, number: u32) -> &[u16] {
        self.data.rule_tokens(self.rule(number))
    }

    /// The rule whose whole text is exactly `tokens`, if one is.
    pub fn whole_match(&self, tokens: &[u16]) -> Option<u32> {
        let r = *self.whole.get(&sequence_hash(tokens))?;
        (self.tokens(r) == tokens).then_some(r)
    }

    pub fn exact(&self) -> &AhoCorasick {
        &self.exact
    }

    pub fn exact_rule(&self, pattern: usize) -> u32 {
        self.exact_rules[pattern]
    }

    /// The minimiser entries whose hash is `hash`.
    #[inline]
    pub fn lookup(&self, hash: u64) -> impl Iterator<Item = &Entry> {
        let b = (hash >> (64 - BUCKET_BITS)) as usize;
        let check = hash as u32;
        self.entries[self.buckets[b] as usize..self.buckets[b + 1] as usize]
            .iter()
            .filter(move |e| e.check == check)
    }

    /// The required phrases of a rule, as token ranges of the rule.
    pub fn required(&self, rule: &Rule) -> &[(u16, u16)] {
        let start = rule.first_required as usize;
        &self.data.required[start..start + rule.required_count as usize]
    }

    pub fn expression(&self, rule: &Rule) -> &str {
        self.data.string(rule.expression)
    }

    pub fn name(&self, rule: &Rule) -> &str {
        self.data.string(rule.name)
    }

    /// The SPDX expression an identifier (as written in an `SPDX-License-Identifier` line)
    /// stands for, if the licence data knows it.
    pub fn alias(&self, identifier: &str) -> Option<&str> {
        let lower = identifier.to_ascii_lowercase();
        let aliases = &self.data.aliases;
        let i = aliases
            .binary_search_by(|(a, _)| self.data.string(*a).cmp(&lower))
            .ok()?;
        Some(self.data.string(aliases[i].1))
    }

    pub fn rule_count(&self) -> usize {
        self.data.rules.len()
    }
}

fn build_whole(data: &Data) -> FastMap<u64, u32> {
    let mut whole = FastMap::default();
    for (i, rule) in data.rules.iter().enumerate() {
        // The first rule of a text wins; the data has no two rules with one text.
        whole
            .entry(sequence_hash(data.rule_tokens(rule)))
            .or_insert(i as u32);
    }
    whole
}

fn is_exact(rule: &Rule) -> bool {
    rule.token_count <= EXACT_MAX || rule.flags & data::CONTINUOUS != 0
}

/// Whether a rule is matched approximately as well as exactly.
pub fn is_approximate(rule: &Rule) -> bool {
    rule.token_count >= APPROX_MIN && rule.flags & data::CONTINUOUS == 0
}

fn build_exact(data: &Data) -> (AhoCorasick, Vec<u32>) {
    let mut patterns = Vec::new();
    let mut rules = Vec::new();
    let mut bytes = Vec::new();
    for (i, rule) in data.rules.iter().enumerate() {
        if is_exact(rule) {
            exact_bytes(data.rule_tokens(rule), &mut bytes);
            patterns.push(bytes.clone());
            rules.push(i as u32);
        }
    }
    // The non-contiguous NFA, not the contiguous one: building the contiguous one means
    // building this one and then converting it, a fifth of the index load's CPU (about 60 ms
    // of 270); its search is faster (2 against 4 ms per MB of text), which pays back the
    // conversion only after some 15 MB of text in one process. The DFA takes seconds to build.
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::NoncontiguousNFA))
        .build(&patterns)
        .expect("the licence rules make a valid automaton");
    (automaton, rules)
}

type Minimisers = (Vec<u32>, Vec<Entry>, Vec<u16>);

/// The minimisers (hash, rule, position) of a chunk of rules, and each rule's count of distinct
/// ones.
type ChunkMinimisers = (Vec<(u64, u16, u16)>, Vec<u16>);

/// Rules per parallel task when the minimisers are computed.
const MINIMISER_CHUNK: usize = 2_048;

fn build_minimisers(data: &Data) -> Minimisers {
    use rayon::prelude::*;
    let buckets = 1usize << BUCKET_BITS;
    // The minimisers of each chunk of rules, in parallel; concatenated in rule order, so that
    // the buckets list a rule's entries in the same order however the work was split.
    let chunks: Vec<ChunkMinimisers> = data
        .rules
        .par_chunks(MINIMISER_CHUNK)
        .enumerate()
        .map(|(c, rules)| {
            let mut found: Vec<(u64, u16, u16)> = Vec::new();
            let mut minimisers = vec![0u16; rules.len()];
            let mut hashes: Vec<u64> = Vec::new();
            for (k, rule) in rules.iter().enumerate() {
                if !is_approximate(rule) {
                    continue;
                }
                let i = c * MINIMISER_CHUNK + k;
                let tokens = data.rule_tokens(rule);
                let before = found.len();
                for_each_minimiser(tokens, |p, h| found.push((h, i as u16, p as u16)));
                // Distinct minimiser hashes of the rule: what a query's distinct hits are
                // counted against.
                hashes.clear();
                hashes.extend(found[before..].iter().map(|f| f.0));
                hashes.sort_unstable();
                hashes.dedup();
                minimisers[k] = hashes.len().min(u16::MAX as usize) as u16;
            }
            (found, minimisers)
        })
        .collect();
    let mut counts = vec![0u32; buckets + 1];
    for (found, _) in &chunks {
        for &(h, _, _) in found {
            counts[(h >> (64 - BUCKET_BITS)) as usize + 1] += 1;
        }
    }
    for b in 0..buckets {
        counts[b + 1] += counts[b];
    }
    // Two passes (count, then place) make the buckets without sorting.
    let mut next = counts.clone();
    let total = counts[buckets] as usize;
    let mut entries = vec![
        Entry {
            check: 0,
            rule: 0,
            pos: 0
        };
        total
    ];
    let mut minimisers = Vec::with_capacity(data.rules.len());
    for (found, counted) in chunks {
        for (h, rule, pos) in found {
            let b = (h >> (64 - BUCKET_BITS)) as usize;
            entries[next[b] as usize] = Entry {
                check: h as u32,
                rule,
                pos,
            };
            next[b] += 1;
        }
        minimisers.extend(counted);
    }
    (counts, entries, minimisers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimisers_of_a_shared_run_are_shared() {
        let a: Vec<u16> = (0..60).collect();
        let mut b: Vec<u16> = vec![900, 901, 902];
        b.extend(20..40);
        let mut in_a = Vec::new();
        for_each_minimiser(&a, |_, h| in_a.push(h));
        let mut shared = 0;
        for_each_minimiser(&b, |_, h| shared += in_a.contains(&h) as usize);
        assert!(shared >= 2, "{shared}");
    }

    #[test]
    fn unknown_words_never_make_minimisers() {
        let tokens = [UNKNOWN_WORD; 20];
        let mut n = 0;
        for_each_minimiser(&tokens, |_, _| n += 1);
        assert_eq!(n, 0);
    }

    #[test]
    fn the_embedded_data_loads() {
        let index = index().unwrap();
        assert!(index.rule_count() > 30_000);
        assert_eq!(index.alias("mit"), Some("MIT"));
        assert_eq!(index.alias("GPL-2.0+"), Some("GPL-2.0-or-later"));
        // The header gives the version the index holds, without building it.
        assert_eq!(data_version(), index.data.source_version);
        assert!(
            data_version().starts_with("licensedcode-data"),
            "{}",
            data_version()
        );
    }
}
