//! The licence data's binary form: written by the generator (`generate.rs`), read once when the
//! index loads.
//!
//! Everything is little-endian. After the magic `FDLC` and the format version come the source
//! data's version, then sections, each a `u32` count followed by its items:
//! 1. the vocabulary: every token of every rule, `u16` length and UTF-8 bytes, in id order;
//! 2. strings (expressions and rule names): `u16` length and bytes;
//! 3. identifier aliases: pairs of string numbers (an identifier as it may be written in an
//!    `SPDX-License-Identifier` line, lower-case; and the SPDX expression it stands for);
//! 4. rules: name, expression (string numbers, `u32`), flags (`u16`), relevance and minimum
//!    coverage (`u8`, percent; 0 when unset), first token and token count (`u32`), first
//!    required phrase (`u32`) and count (`u16`);
//! 5. required phrases: pairs of `u16` token positions (start inclusive, end exclusive);
//! 6. tokens: `u16` ids, the rules' texts one after the other.
//!
//! Reading checks every count and bound, so a damaged file is an error, never a panic.

/// The format version this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: &[u8; 4] = b"FDLC";

/// The rule is a whole licence text.
pub const TEXT: u16 = 1;
/// A notice: a statement that something is under a licence.
pub const NOTICE: u16 = 1 << 1;
/// A reference: a licence's name or URL.
pub const REFERENCE: u16 = 1 << 2;
/// A tag: a structured licence field (`License: MIT`).
pub const TAG: u16 = 1 << 3;
/// An introduction ("licensed under the following terms:"), which names no licence itself.
pub const INTRO: u16 = 1 << 4;
/// A clue: a weak hint, reported but not concluded from.
pub const CLUE: u16 = 1 << 5;
/// Text that looks like a licence but is not one (lists of licence names, ...): a match of it
/// suppresses what it overlaps and is reported as nothing.
pub const FALSE_POSITIVE: u16 = 1 << 6;
/// Must be matched exactly, as one run of tokens.
pub const CONTINUOUS: u16 = 1 << 7;
/// A licence's own reference text (ScanCode's `.LICENSE` file), not a rule.
pub const LICENCE: u16 = 1 << 8;
/// The expression is ScanCode's "unknown" family: something licence-like, no licence named.
pub const UNKNOWN: u16 = 1 << 9;

/// One rule: a text and the licence expression it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// String number of the rule's name (`mit.LICENSE`, `apache-2.0_12.RULE`).
    pub name: u32,
    /// String number of the SPDX expression.
    pub expression: u32,
    pub flags: u16,
    /// 0–100; how strongly a match counts (ScanCode's relevance, 100 when unset).
    pub relevance: u8,
    /// 0–100; the share of the rule a match must cover (0: the matcher's default).
    pub minimum_coverage: u8,
    pub first_token: u32,
    pub token_count: u32,
    pub first_required: u32,
    pub required_count: u16,
}

/// The licence data, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Data {
    pub source_version: String,
    pub vocabulary: Vec<String>,
    pub strings: Vec<String>,
    pub aliases: Vec<(u32, u32)>,
    pub rules: Vec<Rule>,
    pub required: Vec<(u16, u16)>,
    pub tokens: Vec<u16>,
}

impl Data {
    pub fn string(&self, number: u32) -> &str {
        self.strings.get(number as usize).map_or("", String::as_str)
    }

    pub fn rule_tokens(&self, rule: &Rule) -> &[u16] {
        let start = rule.first_token as usize;
        &self.tokens[start..start + rule.token_count as usize]
    }

    /// The binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        put_str(&mut out, &self.source_version);
        put_u32(&mut out, self.vocabulary.len());
        for word in &self.vocabulary {
            put_str(&mut out, word);
        }
        put_u32(&mut out, self.strings.len());
        for s in &self.strings {
            put_str(&mut out, s);
        }
        put_u32(&mut out, self.aliases.len());
        for (alias, expression) in &self.aliases {
            out.extend_from_slice(&alias.to_le_bytes());
            out.extend_from_slice(&expression.to_le_bytes());
        }
        put_u32(&mut out, self.rules.len());
        for r in &self.rules {
            out.extend_from_slice(&r.name.to_le_bytes());
            out.extend_from_slice(&r.expression.to_le_bytes());
            out.extend_from_slice(&r.flags.to_le_bytes());
            out.push(r.relevance);
            out.push(r.minimum_coverage);
            out.extend_from_slice(&r.first_token.to_le_bytes());
            out.extend_from_slice(&r.token_count.to_le_bytes());
            out.extend_from_slice(&r.first_required.to_le_bytes());
            out.extend_from_slice(&r.required_count.to_le_bytes());
        }
        put_u32(&mut out, self.required.len());
        for (start, end) in &self.required {
            out.extend_from_slice(&start.to_le_bytes());
            out.extend_from_slice(&end.to_le_bytes());
        }
        put_u32(&mut out, self.tokens.len());
        for t in &self.tokens {
            out.extend_from_slice(&t.to_le_bytes());
        }
        out
    }

    /// The version of the licence data ("licensedcode-data 32.1.0") from the header of the
    /// binary form alone, without reading the rest.
    pub fn source_version_of(bytes: &[u8]) -> Result<String, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err("not fundament licence data (bad magic)".into());
        }
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(format!(
                "licence data format {version}, this build reads {FORMAT_VERSION}"
            ));
        }
        r.string()
    }

    /// Reads the binary form, checking every bound.
    pub fn from_bytes(bytes: &[u8]) -> Result<Data, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err("not fundament licence data (bad magic)".into());
        }
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(format!(
                "licence data format {version}, this build reads {FORMAT_VERSION}"
            ));
        }
        let source_version = r.string()?;
        let n = r.count(2)?;
        let mut vocabulary = Vec::with_capacity(n);
        for _ in 0..n {
            vocabulary.push(r.string()?);
        }
        let n = r.count(2)?;
        let mut strings = Vec::with_capacity(n);
        for _ in 0..n {
            strings.push(r.string()?);
        }
        let n = r.count(8)?;
        let mut aliases = Vec::with_capacity(n);
        for _ in 0..n {
            aliases.push((r.index(strings.len())?, r.index(strings.len())?));
        }
        let n = r.count(24)?;
        let mut rules = Vec::with_capacity(n);
        for _ in 0..n {
            rules.push(Rule {
                name: r.index(strings.len())?,
                expression: r.index(strings.len())?,
                flags: r.u16()?,
                relevance: r.u8()?.min(100),
                minimum_coverage: r.u8()?.min(100),
                first_token: r.u32()?,
                token_count: r.u32()?,
                first_required: r.u32()?,
                required_count: r.u16()?,
            });
        }
        let n = r.count(4)?;
        let mut required = Vec::with_capacity(n);
        for _ in 0..n {
            required.push((r.u16()?, r.u16()?));
        }
        let n = r.count(2)?;
        let raw = r.take(n * 2)?;
        let tokens: Vec<u16> = raw
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        if r.at != bytes.len() {
            return Err("trailing bytes after the licence data".into());
        }
        for rule in &rules {
            let end = rule.first_token as u64 + rule.token_count as u64;
            if end > tokens.len() as u64 || rule.token_count == 0 {
                return Err(format!("rule {} has tokens out of bounds", rule.name));
            }
            let req_end = rule.first_required as u64 + rule.required_count as u64;
            if req_end > required.len() as u64 {
                return Err(format!(
                    "rule {} has required phrases out of bounds",
                    rule.name
                ));
            }
            for &(start, end) in &required[rule.first_required as usize..req_end as usize] {
                if start >= end || end as u32 > rule.token_count {
                    return Err(format!("rule {} has a bad required phrase", rule.name));
                }
            }
        }
        if let Some(bad) = tokens.iter().find(|&&t| t as usize >= vocabulary.len()) {
            return Err(format!("token id {bad} outside the vocabulary"));
        }
        Ok(Data {
            source_version,
            vocabulary,
            strings,
            aliases,
            rules,
            required,
            tokens,
        })
    }
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let bytes = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
    out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
    out.extend_from_slice(bytes);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or("licence data ends early")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A count of items of at least `min_size` bytes each, checked against what is left.
    fn count(&mut self, min_size: usize) -> Result<usize, String> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_size) > self.bytes.len() - self.at {
            return Err("licence data count larger than the data".into());
        }
        Ok(n)
    }
    fn index(&mut self, len: usize) -> Result<u32, String> {
        let i = self.u32()?;
        if i as usize >= len {
            return Err(format!("string number {i} out of bounds"));
        }
        Ok(i)
    }
    fn string(&mut self) -> Result<String, String> {
        let n = self.u16()? as usize;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| "licence data string is not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Data {
        Data {
            source_version: "test".into(),
            vocabulary: vec!["mit".into(), "license".into()],
            strings: vec!["MIT".into(), "mit_1.RULE".into(), "mit".into()],
            aliases: vec![(2, 0)],
            rules: vec![Rule {
                name: 1,
                expression: 0,
                flags: REFERENCE,
                relevance: 100,
                minimum_coverage: 0,
                first_token: 0,
                token_count: 2,
                first_required: 0,
                required_count: 1,
            }],
            required: vec![(0, 1)],
            tokens: vec![0, 1],
        }
    }

    #[test]
    fn the_binary_form_reads_back() {
        let data = sample();
        assert_eq!(Data::from_bytes(&data.to_bytes()).unwrap(), data);
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error() {
        let bytes = sample().to_bytes();
        for len in 0..bytes.len() {
            assert!(Data::from_bytes(&bytes[..len]).is_err(), "length {len}");
        }
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0xFF;
            // Either an error or some data, never a panic.
            let _ = Data::from_bytes(&damaged);
        }
    }
}
