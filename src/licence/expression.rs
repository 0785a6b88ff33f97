//! Reading declared licence strings as SPDX expressions, and the expression tree the policy
//! evaluates.
//!
//! A declared string is read in this order, and the report says which step succeeded:
//! 1. `SEE LICENSE IN <file>`: the licence is in a file of the package (npm convention).
//! 2. a valid SPDX expression (strict);
//! 3. a known non-SPDX name from data/declared-aliases.tsv, or the full name of an SPDX licence
//!    ("Apache License 2.0", "MIT License");
//! 4. a licence URL (the SPDX list's own pages, opensource.org, apache.org, gnu.org);
//! 5. lax SPDX: wrong case, `/` for OR, `+` on GNU ids, deprecated ids, imprecise names;
//! 6. the same steps applied to each term of an AND/OR combination ("MIT OR Apache 2").
//!
//! A reading that had to guess (an unversioned "GPL", a bare "BSD") is marked `assumed`.
//!
//! **Limits.** An expression longer than [`MAX_EXPRESSION_BYTES`] or nested deeper than
//! [`MAX_EXPRESSION_DEPTH`] parentheses is not read (a clear "unparsable" with the reason, or an
//! error from [`Tree::parse`]): no licence needs more, and everything below is then bounded.
//! Within the limits, reading and building the tree take time linear in the expression's length
//! (docs/benchmarks.md).

use serde::Serialize;
use spdx::expression::{ExprNode, Operator};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::OnceLock;

/// How a declared string was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reading {
    /// A valid SPDX expression as written.
    Spdx,
    /// A known licence name or alias.
    Alias,
    /// A licence URL.
    Url,
    /// An SPDX expression after fixing case, operators or deprecated ids.
    Lax,
    /// A pointer to a licence file of the package.
    SeeFile,
    /// Not readable as a licence.
    Unparsable,
}

/// The result of reading one declared string.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interpretation {
    /// The SPDX expression, when the string could be read as one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    pub reading: Reading,
    /// True when the reading had to guess a version or variant.
    pub assumed: bool,
    /// Why the reading is what it is (the alias note, the parse error, the file pointed to).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The note of an unreadable string or a `SEE LICENSE IN` in translatable form (the alias
    /// notes have theirs in `[alias_note]`, found by their wording).
    #[serde(skip)]
    pub note_text: Option<crate::diagnostic::Text>,
    /// For `SEE LICENSE IN <file>`: the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl Interpretation {
    fn read(expression: String, reading: Reading, assumed: bool, note: Option<String>) -> Self {
        Interpretation {
            expression: Some(expression),
            reading,
            assumed,
            note,
            note_text: None,
            file: None,
        }
    }

    fn unparsable(note: crate::diagnostic::Text) -> Self {
        Interpretation {
            expression: None,
            reading: Reading::Unparsable,
            assumed: false,
            note: Some(note.english()),
            note_text: Some(note),
            file: None,
        }
    }
}

/// The longest licence expression read, in bytes (64 KiB: a few thousand terms, or a licence
/// text pasted into a licence field).
pub const MAX_EXPRESSION_BYTES: usize = 64 * 1024;
/// The deepest nesting of parentheses read.
pub const MAX_EXPRESSION_DEPTH: usize = 64;

/// Why `text` is too large an expression to read, if it is.
pub fn over_limits(text: &str) -> Option<String> {
    over_limits_text(text).map(|why| why.english())
}

/// [`over_limits`] in translatable form.
fn over_limits_text(text: &str) -> Option<crate::diagnostic::Text> {
    if text.len() > MAX_EXPRESSION_BYTES {
        return Some(crate::text!(
            "reading_too_long",
            length = text.len(),
            max = MAX_EXPRESSION_BYTES
        ));
    }
    let mut depth = 0usize;
    for c in text.bytes() {
        match c {
            b'(' => {
                depth += 1;
                if depth > MAX_EXPRESSION_DEPTH {
                    return Some(crate::text!("reading_too_deep", max = MAX_EXPRESSION_DEPTH));
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Reads a declared licence string.
pub fn interpret(raw: &str) -> Interpretation {
    let text = raw.trim();
    if text.is_empty() {
        return Interpretation::unparsable(crate::diagnostic::Text::new("reading_empty"));
    }
    if let Some(why) = over_limits_text(text) {
        return Interpretation::unparsable(why);
    }
    if let Some(file) = see_licence_in(text) {
        let note = crate::text!("reading_see_file", file = file);
        return Interpretation {
            expression: None,
            reading: Reading::SeeFile,
            assumed: false,
            note: Some(note.english()),
            note_text: Some(note),
            file: Some(file.to_string()),
        };
    }
    let strict_error = match spdx::Expression::parse(text) {
        Ok(expr) => return Interpretation::read(canonical(&expr), Reading::Spdx, false, None),
        Err(err) => err.reason.to_string(),
    };
    if let Some(found) = known_name(text) {
        return found;
    }
    // Term by term before lax mode: lax mode's imprecise names would read "GPLv2+ and BSD"
    // with its own, different guess for "BSD".
    if let Some(found) = combination(text) {
        return found;
    }
    if let Some(found) = lax(text) {
        return found;
    }
    Interpretation::unparsable(crate::text!("reading_not_spdx", error = strict_error))
}

/// Steps 3 to 5 for one licence term.
fn single_term(text: &str) -> Option<Interpretation> {
    known_name(text).or_else(|| lax(text))
}

/// Steps 3 and 4: a known name or a licence URL. Python trove classifiers
/// (`License :: OSI Approved :: MIT License`) are read by their last part.
fn known_name(text: &str) -> Option<Interpretation> {
    let text = match text.get(..10) {
        Some(prefix) if prefix.eq_ignore_ascii_case("license ::") => {
            text.rsplit("::").next().map(str::trim).unwrap_or(text)
        }
        _ => text,
    };
    let key = alias_key(text);
    if let Some(alias) = aliases().get(key.as_str()) {
        return Some(Interpretation::read(
            alias.expression.to_string(),
            Reading::Alias,
            alias.assumed,
            alias.note.map(str::to_string),
        ));
    }
    if let Some(id) = full_names().get(key.as_str()) {
        return Some(Interpretation::read(
            id.to_string(),
            Reading::Alias,
            false,
            Some("the full name of an SPDX licence".to_string()),
        ));
    }
    from_url(text).map(|id| Interpretation::read(id, Reading::Url, false, None))
}

/// Step 5: fix case per token, then let the `spdx` crate's lax mode handle `/`, `+` and
/// deprecated or imprecise ids. Imprecise names ("apache", "gpl") are guesses.
fn lax(text: &str) -> Option<Interpretation> {
    let fixed = fix_case(text);
    if let Ok(expr) = spdx::Expression::parse(&fixed) {
        return Some(Interpretation::read(
            canonical(&expr),
            Reading::Lax,
            false,
            None,
        ));
    }
    let expr = spdx::Expression::parse_mode(&fixed, spdx::ParseMode::LAX).ok()?;
    let canonical_text = canonical(&expr);
    // Re-check in strict mode: lax mode must only ever produce valid SPDX.
    spdx::Expression::parse(&canonical_text).ok()?;
    let imprecise = tokens(&fixed).any(|t| {
        let t = t.trim_end_matches('+');
        !is_operator(t)
            && spdx::license_id(t).is_none()
            && spdx::exception_id(t).is_none()
            && !t.starts_with("LicenseRef-")
    });
    Some(Interpretation::read(
        canonical_text.clone(),
        Reading::Lax,
        imprecise,
        imprecise.then(|| format!("imprecise licence name read as {canonical_text}")),
    ))
}

/// Step 6: "MIT OR Apache 2", "GPLv2+ and BSD": each term read on its own.
fn combination(text: &str) -> Option<Interpretation> {
    const SEPARATORS: [&str; 5] = [" OR ", " or ", " AND ", " and ", " / "];
    let mut parts: Vec<(Option<&str>, &str)> = Vec::new();
    let mut pending_op: Option<&str> = None;
    let mut start = 0;
    // The next position of each separator, found again only once passed: one pass over the
    // text per separator, whatever the number of terms.
    let mut next: Vec<Option<usize>> = SEPARATORS.iter().map(|sep| text.find(sep)).collect();
    loop {
        for (k, sep) in SEPARATORS.iter().enumerate() {
            if next[k].is_some_and(|i| i < start) {
                next[k] = text[start..].find(sep).map(|i| i + start);
            }
        }
        let nearest = next
            .iter()
            .enumerate()
            .filter_map(|(k, i)| i.map(|i| (i, k)))
            .min();
        match nearest {
            Some((index, k)) => {
                let sep = SEPARATORS[k];
                parts.push((pending_op, &text[start..index]));
                pending_op = Some(match sep.trim() {
                    "OR" | "or" | "/" => "OR",
                    _ => "AND",
                });
                start = index + sep.len();
            }
            None => {
                parts.push((pending_op, &text[start..]));
                break;
            }
        }
    }
    if parts.len() < 2 {
        return None;
    }
    let mut out = String::new();
    let mut assumed = false;
    for (op, term) in parts {
        let term = term
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        let read = match spdx::Expression::parse(term) {
            Ok(expr) => Interpretation::read(canonical(&expr), Reading::Spdx, false, None),
            Err(_) => single_term(term)?,
        };
        assumed |= read.assumed;
        if let Some(op) = op {
            out.push(' ');
            out.push_str(op);
            out.push(' ');
        }
        let expr = read.expression?;
        if expr.contains(' ') {
            out.push('(');
            out.push_str(&expr);
            out.push(')');
        } else {
            out.push_str(&expr);
        }
    }
    let expr = spdx::Expression::parse(&out).ok()?;
    let text_out = canonical(&expr);
    Some(Interpretation::read(
        text_out.clone(),
        Reading::Alias,
        assumed,
        Some(format!("each part read on its own, giving {text_out}")),
    ))
}

fn see_licence_in(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    ["see license in ", "see licence in "]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map(|p| text[p.len()..].trim())
        .filter(|f| !f.is_empty())
}

fn is_operator(token: &str) -> bool {
    matches!(token, "AND" | "OR" | "WITH" | "and" | "or" | "with")
}

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '/')
        .filter(|t| !t.is_empty())
}

/// Replaces tokens that are SPDX ids in the wrong case (`mit`, `apache-2.0`).
fn fix_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if token.is_empty() {
            return;
        }
        let (body, plus) = match token.strip_suffix('+') {
            Some(body) => (body, "+"),
            None => (token.as_str(), ""),
        };
        match lowercase_ids().get(body.to_ascii_lowercase().as_str()) {
            Some(id) if !is_operator(body) => {
                out.push_str(id);
                out.push_str(plus);
            }
            _ if is_operator(body) => out.push_str(&body.to_ascii_uppercase()),
            _ => out.push_str(token),
        }
        token.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || c == '(' || c == ')' || c == '/' {
            flush(&mut token, &mut out);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

fn lowercase_ids() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        spdx::identifiers::LICENSES
            .iter()
            .map(|l| (l.name.to_ascii_lowercase(), l.name))
            .chain(
                spdx::identifiers::EXCEPTIONS
                    .iter()
                    .map(|e| (e.name.to_ascii_lowercase(), e.name)),
            )
            .collect()
    })
}

fn full_names() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        spdx::identifiers::LICENSES
            .iter()
            .filter(|l| l.flags & spdx::flags::IS_DEPRECATED == 0)
            .map(|l| (alias_key(l.full_name), l.name))
            .collect()
    })
}

struct Alias {
    expression: &'static str,
    assumed: bool,
    note: Option<&'static str>,
}

const ALIASES_TSV: &str = include_str!("data/declared-aliases.tsv");

fn aliases() -> &'static HashMap<String, Alias> {
    static MAP: OnceLock<HashMap<String, Alias>> = OnceLock::new();
    MAP.get_or_init(|| {
        ALIASES_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|line| {
                let mut cols = line.split('\t');
                let alias = cols.next()?;
                let expression = cols.next()?;
                let assumed = cols.next()? == "assumed";
                let note = cols.next().filter(|n| !n.is_empty());
                Some((
                    alias_key(alias),
                    Alias {
                        expression,
                        assumed,
                        note,
                    },
                ))
            })
            .collect()
    })
}

/// The lookup key of an alias: lower case, single spaces, no leading "the ", no trailing dot.
fn alias_key(text: &str) -> String {
    let lower = text.trim().trim_end_matches('.').to_lowercase();
    let collapsed = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed
        .strip_prefix("the ")
        .map(str::to_string)
        .unwrap_or(collapsed)
}

/// Licence URLs that name exactly one licence.
fn from_url(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let (host, path) = rest.split_once('/')?;
    let path = path.trim_end_matches('/');
    let last = path.rsplit('/').next()?;
    let stem = last
        .trim_end_matches(".html")
        .trim_end_matches(".php")
        .trim_end_matches(".txt")
        .trim_end_matches(".json")
        .trim_end_matches(".en");
    let by_id = |candidate: &str| {
        lowercase_ids()
            .get(candidate)
            .filter(|id| spdx::license_id(id).is_some())
            .map(|id| id.to_string())
    };
    match host {
        "spdx.org" if path.starts_with("licenses/") => by_id(stem),
        "opensource.org" if path.starts_with("licenses/") || path.starts_with("license/") => {
            by_id(stem).or_else(|| match stem {
                "mit-license" => Some("MIT".to_string()),
                "bsd-license" => Some("BSD-2-Clause".to_string()),
                "bsd-3-clause" => Some("BSD-3-Clause".to_string()),
                "apache2.0" => Some("Apache-2.0".to_string()),
                _ => None,
            })
        }
        "apache.org" if path.starts_with("licenses/") && stem == "license-2.0" => {
            Some("Apache-2.0".to_string())
        }
        "mit-license.org" => Some("MIT".to_string()),
        "gnu.org" if path.starts_with("licenses/") => match stem {
            "gpl-2.0" => Some("GPL-2.0-only".to_string()),
            "gpl-3.0" => Some("GPL-3.0-only".to_string()),
            "lgpl-2.1" => Some("LGPL-2.1-only".to_string()),
            "lgpl-3.0" => Some("LGPL-3.0-only".to_string()),
            "agpl-3.0" => Some("AGPL-3.0-only".to_string()),
            _ => None,
        },
        "mozilla.org" if path.starts_with("mpl/2.0") => Some("MPL-2.0".to_string()),
        "eclipse.org" if path.contains("epl-2.0") || path.contains("epl-v20") => {
            Some("EPL-2.0".to_string())
        }
        "eclipse.org" if path.contains("epl-v10") => Some("EPL-1.0".to_string()),
        // The Eclipse Distribution License 1.0: the SPDX licence list gives this page as a
        // source of BSD-3-Clause.
        "eclipse.org" if path.starts_with("org/documents/edl-v10") => {
            Some("BSD-3-Clause".to_string())
        }
        // The SPDX licence list gives creativecommons.org/publicdomain/zero/1.0/legalcode.
        "creativecommons.org" if path.starts_with("publicdomain/zero/1.0") => {
            Some("CC0-1.0".to_string())
        }
        // The Bouncy Castle licence page: the MIT licence text, the Legion of the Bouncy Castle
        // as copyright holder.
        "bouncycastle.org" if path == "licence.html" || path == "license.html" => {
            Some("MIT".to_string())
        }
        // The Oracle Free Use Terms and Conditions: no SPDX id; ScanCode's LicenseDB gives this
        // page as the home of its licence oracle-free-2018, whose text is these terms.
        "oracle.com" if path == "downloads/licenses/oracle-free-license.html" => {
            Some("LicenseRef-scancode-oracle-free-2018".to_string())
        }
        _ => None,
    }
}

/// The canonical text of a parsed expression: GNU ids spelled with -only/-or-later, deprecated
/// ids replaced, operators upper case.
pub fn canonical(expr: &spdx::Expression) -> String {
    Tree::from_expression(expr).to_string()
}

/// An SPDX expression as a tree, for evaluation and for choosing among OR branches.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    Licence(spdx::LicenseReq),
    And(Vec<Tree>),
    Or(Vec<Tree>),
}

impl Tree {
    /// Parses a canonical expression (as produced by [`interpret`]) into a tree; an
    /// expression over the limits ([`over_limits`]) is an error.
    pub fn parse(text: &str) -> Result<Tree, String> {
        if let Some(why) = over_limits(text) {
            return Err(why);
        }
        spdx::Expression::parse_mode(text, spdx::ParseMode::LAX)
            .map(|e| Tree::from_expression(&e))
            .map_err(|e| e.reason.to_string())
    }

    /// The tree of a parsed expression, with chains of the same operator flattened
    /// (`a OR b OR c` is one `Or` of three), in time linear in the expression's size.
    ///
    /// The expression comes in postfix order. Each operator's operands are joined in linked
    /// lists (so that a chain of thousands of `OR`s, left- or right-nested, never copies what it
    /// has gathered), and only the top of each chain of one operator becomes a node with the
    /// list's items.
    pub fn from_expression(expr: &spdx::Expression) -> Tree {
        enum Node {
            Licence(spdx::LicenseReq),
            Op {
                and: bool,
                left: usize,
                right: usize,
            },
        }
        let mut nodes: Vec<Node> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        for node in expr.iter() {
            match node {
                ExprNode::Req(req) => {
                    stack.push(nodes.len());
                    nodes.push(Node::Licence(modernise(&req.req)));
                }
                ExprNode::Op(op) => {
                    let (Some(right), Some(left)) = (stack.pop(), stack.pop()) else {
                        // A parsed expression always has two operands per operator.
                        continue;
                    };
                    stack.push(nodes.len());
                    nodes.push(Node::Op {
                        and: *op == Operator::And,
                        left,
                        right,
                    });
                }
            }
        }
        let Some(top) = stack.pop() else {
            return Tree::And(Vec::new());
        };
        // The operator of each node's parent, to know which operators continue a chain.
        let mut parent_and: Vec<Option<bool>> = vec![None; nodes.len()];
        for node in &nodes {
            if let Node::Op { and, left, right } = node {
                parent_and[*left] = Some(*and);
                parent_and[*right] = Some(*and);
            }
        }
        // Children come before their parents: one pass in order builds every tree. `list` is
        // each chain's operands as a linked list (head, tail) over `next`.
        let mut built: Vec<Option<Tree>> = (0..nodes.len()).map(|_| None).collect();
        let mut next: Vec<Option<usize>> = vec![None; nodes.len()];
        let mut list: Vec<(usize, usize)> = (0..nodes.len()).map(|i| (i, i)).collect();
        for i in 0..nodes.len() {
            match &nodes[i] {
                Node::Licence(req) => built[i] = Some(Tree::Licence(req.clone())),
                Node::Op { and, left, right } => {
                    let continues = |child: usize| matches!(&nodes[child], Node::Op { and: child_and, .. } if child_and == and);
                    let left_list = if continues(*left) {
                        list[*left]
                    } else {
                        (*left, *left)
                    };
                    let right_list = if continues(*right) {
                        list[*right]
                    } else {
                        (*right, *right)
                    };
                    next[left_list.1] = Some(right_list.0);
                    list[i] = (left_list.0, right_list.1);
                    if parent_and[i] != Some(*and) {
                        let mut items = Vec::new();
                        let mut at = Some(list[i].0);
                        while let Some(item) = at {
                            items.extend(built[item].take());
                            at = if item == list[i].1 { None } else { next[item] };
                        }
                        built[i] = Some(if *and {
                            Tree::And(items)
                        } else {
                            Tree::Or(items)
                        });
                    }
                }
            }
        }
        built[top].take().unwrap_or(Tree::And(Vec::new()))
    }

    /// Every licence requirement in the tree.
    pub fn licences(&self) -> Vec<&spdx::LicenseReq> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a spdx::LicenseReq>) {
        match self {
            Tree::Licence(req) => out.push(req),
            Tree::And(items) | Tree::Or(items) => items.iter().for_each(|i| i.collect(out)),
        }
    }
}

/// Deprecated GNU ids (`GPL-2.0`, `GPL-2.0+`) become their -only / -or-later forms; other
/// deprecated ids are kept as written.
fn modernise(req: &spdx::LicenseReq) -> spdx::LicenseReq {
    if let spdx::LicenseItem::Spdx { id, or_later } = &req.license
        && id.is_gnu()
        && !id.name.ends_with("-only")
        && !id.name.ends_with("-or-later")
    {
        let base = id.name.trim_end_matches('+');
        let later = *or_later || id.name.ends_with('+');
        if let Some(modern) = spdx::gnu_license_id(base, later) {
            return spdx::LicenseReq {
                license: spdx::LicenseItem::Spdx {
                    id: modern,
                    or_later: false,
                },
                addition: req.addition.clone(),
            };
        }
    }
    if let spdx::LicenseItem::Spdx { id, or_later: true } = &req.license
        && id.is_gnu()
        && id.name.ends_with("-only")
        && let Some(modern) = spdx::gnu_license_id(id.name.trim_end_matches("-only"), true)
    {
        return spdx::LicenseReq {
            license: spdx::LicenseItem::Spdx {
                id: modern,
                or_later: false,
            },
            addition: req.addition.clone(),
        };
    }
    req.clone()
}

impl fmt::Display for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn write_items(f: &mut fmt::Formatter<'_>, items: &[Tree], op: &str) -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                match item {
                    Tree::Licence(_) => write!(f, "{item}")?,
                    _ => write!(f, "({item})")?,
                }
            }
            Ok(())
        }
        match self {
            Tree::Licence(req) => write!(f, "{req}"),
            Tree::And(items) => write_items(f, items, "AND"),
            Tree::Or(items) => write_items(f, items, "OR"),
        }
    }
}

/// The licence ids (without operators and `WITH` additions) of an expression; none when it
/// does not parse.
pub fn licence_ids(expression: &str) -> BTreeSet<String> {
    Tree::parse(expression)
        .map(|tree| {
            tree.licences()
                .into_iter()
                .map(|req| super::facts::licence_name(&req.license))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &str) -> (Option<String>, Reading, bool) {
        let i = interpret(raw);
        (i.expression, i.reading, i.assumed)
    }

    #[test]
    fn valid_spdx_is_kept() {
        assert_eq!(
            read("MIT OR Apache-2.0"),
            (Some("MIT OR Apache-2.0".into()), Reading::Spdx, false)
        );
        assert_eq!(
            read("(MIT AND BSD-3-Clause)"),
            (Some("MIT AND BSD-3-Clause".into()), Reading::Spdx, false)
        );
        assert_eq!(
            read("Apache-2.0 WITH LLVM-exception OR MIT"),
            (
                Some("Apache-2.0 WITH LLVM-exception OR MIT".into()),
                Reading::Spdx,
                false
            )
        );
    }

    #[test]
    fn the_issue_list_of_messy_strings_is_read() {
        let cases = [
            ("agpl", "AGPL-3.0-or-later", true),
            ("Apache 2", "Apache-2.0", false),
            ("Apache License 2.0", "Apache-2.0", false),
            ("BSD", "BSD-3-Clause", true),
            ("GPLv2+", "GPL-2.0-or-later", false),
            ("MIT License", "MIT", false),
            ("ISC License", "ISC", false),
            ("Public Domain", "LicenseRef-scancode-public-domain", false),
            (
                "UNLICENSED",
                "LicenseRef-scancode-proprietary-license",
                false,
            ),
            ("https://spdx.org/licenses/MIT.html", "MIT", false),
            (
                "http://www.apache.org/licenses/LICENSE-2.0.txt",
                "Apache-2.0",
                false,
            ),
            (
                "http://opensource.org/licenses/mit-license.php",
                "MIT",
                false,
            ),
            ("NONE", "LicenseRef-scancode-proprietary-license", false),
            ("License :: OSI Approved :: MIT License", "MIT", false),
            (
                "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)",
                "EUPL-1.2",
                false,
            ),
            (
                "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
                "AGPL-3.0-or-later",
                false,
            ),
            (
                "License :: OSI Approved :: BSD License",
                "BSD-3-Clause",
                true,
            ),
        ];
        for (raw, expected, assumed) in cases {
            let (expr, _, was_assumed) = read(raw);
            assert_eq!(expr.as_deref(), Some(expected), "{raw}");
            assert_eq!(was_assumed, assumed, "{raw}");
        }
    }

    #[test]
    fn see_licence_in_points_at_a_file() {
        let i = interpret("SEE LICENSE IN LICENSE.md");
        assert_eq!(i.reading, Reading::SeeFile);
        assert_eq!(i.file.as_deref(), Some("LICENSE.md"));
        assert_eq!(i.expression, None);
    }

    #[test]
    fn lax_fixes_case_slashes_and_deprecated_ids() {
        assert_eq!(read("mit").0.as_deref(), Some("MIT"));
        assert_eq!(
            read("MIT/Apache-2.0").0.as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(
            read("apache-2.0 or mit").0.as_deref(),
            Some("Apache-2.0 OR MIT")
        );
        assert_eq!(read("GPL-2.0").0.as_deref(), Some("GPL-2.0-only"));
        assert_eq!(read("GPL-2.0+").0.as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(read("LGPL-2.1+").0.as_deref(), Some("LGPL-2.1-or-later"));
    }

    #[test]
    fn combinations_of_names_are_read_term_by_term() {
        let (expr, _, assumed) = read("MIT License OR Apache 2");
        assert_eq!(expr.as_deref(), Some("MIT OR Apache-2.0"));
        assert!(!assumed);
        let (expr, _, assumed) = read("GPLv2+ and BSD");
        assert_eq!(expr.as_deref(), Some("GPL-2.0-or-later AND BSD-3-Clause"));
        assert!(assumed);
    }

    #[test]
    fn nonsense_is_unparsable_not_guessed() {
        for raw in ["", "   ", "see the website", "Mitre", "Copyright 2020 ACME"] {
            let i = interpret(raw);
            assert_eq!(i.reading, Reading::Unparsable, "{raw:?}");
            assert!(i.expression.is_none());
            assert!(i.note.is_some());
        }
    }

    #[test]
    fn trees_flatten_and_print_canonically() {
        let tree = Tree::parse("MIT OR (Apache-2.0 OR BSD-3-Clause) AND ISC").unwrap();
        assert_eq!(
            tree.to_string(),
            "MIT OR ((Apache-2.0 OR BSD-3-Clause) AND ISC)"
        );
        let tree = Tree::parse("(MIT OR Apache-2.0) OR ISC").unwrap();
        assert_eq!(tree, Tree::parse("MIT OR Apache-2.0 OR ISC").unwrap());
        assert_eq!(tree.licences().len(), 3);
    }

    fn chain(n: usize, op: &str) -> String {
        (0..n)
            .map(|i| ["MIT", "Apache-2.0", "ISC", "BSD-3-Clause"][i % 4])
            .collect::<Vec<_>>()
            .join(op)
    }

    #[test]
    fn long_expressions_are_read_in_linear_time() {
        // The tree alone, past the reading limits, where a quadratic join shows most.
        for op in [" OR ", " AND "] {
            let parse = |n: usize| spdx::Expression::parse(&chain(n, op)).unwrap();
            let (small, large) = (parse(4_000), parse(16_000));
            crate::growth::assert_linear(&format!("a{op}chain as a tree"), &small, &large, |e| {
                Tree::from_expression(e);
            });
        }
        // Reading, within the limits.
        let (small, large) = (chain(1_000, " OR "), chain(4_000, " OR "));
        crate::growth::assert_linear("an OR chain read", &small, &large, |text| {
            assert_eq!(interpret(text).reading, Reading::Spdx);
        });
        // Names that are not SPDX ids are read term by term.
        let names = |n: usize| vec!["Apache 2"; n].join(" or ");
        crate::growth::assert_linear(
            "a combination of names",
            &names(1_000),
            &names(4_000),
            |t| {
                assert!(interpret(t).expression.is_some());
            },
        );
    }

    #[test]
    fn a_chain_becomes_one_node_whichever_way_it_nests() {
        let tree = Tree::parse(&chain(5_000, " OR ")).unwrap();
        let Tree::Or(items) = &tree else {
            panic!("not an OR: {tree}");
        };
        assert_eq!(items.len(), 5_000);
        let nested = "MIT OR (ISC OR (Apache-2.0 OR (BSD-3-Clause AND (MIT AND ISC))))";
        assert_eq!(
            Tree::parse(nested).unwrap().to_string(),
            "MIT OR ISC OR Apache-2.0 OR (BSD-3-Clause AND MIT AND ISC)"
        );
    }

    #[test]
    fn expressions_over_the_limits_are_refused_clearly() {
        let huge = chain(100_000, " OR ");
        let read = interpret(&huge);
        assert_eq!(read.reading, Reading::Unparsable);
        assert!(
            read.note.as_deref().is_some_and(
                |n| n.contains("fundament reads licence expressions of up to 65536 bytes")
            ),
            "{:?}",
            read.note
        );
        assert!(Tree::parse(&huge).is_err());
        let deep = format!("{}MIT{}", "(".repeat(100), ")".repeat(100));
        let read = interpret(&deep);
        assert_eq!(read.reading, Reading::Unparsable);
        assert!(read.note.unwrap().contains("deeper than 64 levels"));
        // Within the limits, nesting is read.
        let fine = format!("{}MIT{}", "(".repeat(60), ")".repeat(60));
        assert_eq!(interpret(&fine).expression.as_deref(), Some("MIT"));
    }

    /// Licence names and URLs of Maven POMs that named no licence fundament knew (issue 12):
    /// each names exactly one licence.
    #[test]
    fn pom_licence_names_and_urls_read_as_their_one_licence() {
        let cases = [
            ("Eclipse Distribution License - v 1.0", "BSD-3-Clause"),
            ("EDL 1.0", "BSD-3-Clause"),
            ("GPL2 w/ CPE", "GPL-2.0-only WITH Classpath-exception-2.0"),
            (
                "GNU General Public License, version 2 with the GNU Classpath Exception",
                "GPL-2.0-only WITH Classpath-exception-2.0",
            ),
            ("Bouncy Castle Licence", "MIT"),
            ("BSD License 3", "BSD-3-Clause"),
            ("Mozilla Public License Version 2.0", "MPL-2.0"),
            ("Eclipse Public License v2.0", "EPL-2.0"),
            ("Eclipse Public License - Version 2.0", "EPL-2.0"),
            ("Eclipse Public License v1.0", "EPL-1.0"),
            ("Public Domain, per Creative Commons CC0", "CC0-1.0"),
            (
                "GNU Library General Public License v2.1 or later",
                "LGPL-2.1-or-later",
            ),
            (
                "The GNU General Public License, v2 with Universal FOSS Exception, v1.0",
                "GPL-2.0-only WITH Universal-FOSS-exception-1.0",
            ),
            (
                "http://www.eclipse.org/org/documents/edl-v10.php",
                "BSD-3-Clause",
            ),
            ("https://www.eclipse.org/legal/epl-v20.html", "EPL-2.0"),
            ("https://www.bouncycastle.org/licence.html", "MIT"),
            (
                "Oracle Free Use Terms and Conditions (FUTC)",
                "LicenseRef-scancode-oracle-free-2018",
            ),
            (
                "https://www.oracle.com/downloads/licenses/oracle-free-license.html",
                "LicenseRef-scancode-oracle-free-2018",
            ),
            (
                "http://creativecommons.org/publicdomain/zero/1.0/",
                "CC0-1.0",
            ),
            (
                "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html",
                "LGPL-2.1-only",
            ),
        ];
        for (raw, expected) in cases {
            let i = interpret(raw);
            assert_eq!(i.expression.as_deref(), Some(expected), "{raw}");
            assert!(!i.assumed, "{raw}");
            assert!(
                spdx::Expression::parse(expected).is_ok(),
                "{expected} is not valid SPDX"
            );
        }
    }

    /// Names that leave a version or variant open stay assumptions, and names that identify no
    /// licence stay unread: a wrong reading is worse than none.
    #[test]
    fn ambiguous_names_stay_assumed_or_unread() {
        for raw in ["GPL", "BSD", "LGPL", "GNU Lesser General Public License"] {
            let i = interpret(raw);
            assert!(i.expression.is_some() && i.assumed, "{raw}: {i:?}");
        }
        for raw in [
            "LGPL 2",
            "https://www.gnu.org/software/classpath/license.html",
            "https://www.bouncycastle.org/",
        ] {
            assert_eq!(interpret(raw).expression, None, "{raw}");
        }
    }
}
