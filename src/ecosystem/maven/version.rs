//! Maven's version order (`ComparableVersion` of Maven 3.8) and version ranges.
//!
//! A version is split into items at `.`, `-` and at every change between digits and letters;
//! numbers compare as numbers, qualifiers in the order `alpha` < `beta` < `milestone` < `rc`
//! (`cr`) < `snapshot` < release (``, `ga`, `final`, `release`) < `sp` < any other qualifier
//! (alphabetically), and `a1`, `b1`, `m1` stand for `alpha-1`, `beta-1`, `milestone-1`. Trailing
//! zeros and release qualifiers do not count: `1.0` = `1` = `1.0.0-ga`. A `-` starts a sublist,
//! which orders below a number and above a qualifier (`1-1` < `1.1`, `1-sp` > `1-ga`).
//!
//! A range is one or more intervals: `[1.0,2.0)`, `(,1.0]`, `[1.5,)`, `[1.2]` (exactly),
//! `(,1.0],[1.2,)`. A plain version (`1.0`) is no range: it is the version Maven uses unless
//! another one is nearer.

use std::cmp::Ordering;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Digits without leading zeros (compared by length, then lexically: any size).
    Int(String),
    /// A qualifier, lower-case, aliases applied.
    Str(String),
    List(Vec<Item>),
}

/// The qualifiers Maven knows, in order; the empty one is a release.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn qualifier_rank(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

const RELEASE_RANK: &str = "5";

impl Item {
    fn string(value: &str, followed_by_digit: bool) -> Item {
        let value = if followed_by_digit && value.len() == 1 {
            match value {
                "a" => "alpha",
                "b" => "beta",
                "m" => "milestone",
                other => other,
            }
        } else {
            value
        };
        let value = match value {
            "ga" | "final" | "release" => "",
            "cr" => "rc",
            other => other,
        };
        Item::Str(value.to_string())
    }

    fn parse(is_digit: bool, text: &str) -> Item {
        if is_digit {
            let trimmed = text.trim_start_matches('0');
            Item::Int(trimmed.to_string())
        } else {
            Item::string(text, false)
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Item::Int(digits) => digits.is_empty(),
            Item::Str(q) => qualifier_rank(q) == RELEASE_RANK,
            Item::List(items) => items.is_empty(),
        }
    }

    /// `self` against an absent item (the other version has fewer items).
    fn cmp_none(&self) -> Ordering {
        match self {
            Item::Int(digits) => {
                if digits.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(q) => qualifier_rank(q).as_str().cmp(RELEASE_RANK),
            Item::List(items) => items.first().map_or(Ordering::Equal, Item::cmp_none),
        }
    }

    fn compare(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(_), Item::Int(_)) => Ordering::Less,
            (Item::Str(a), Item::Str(b)) => qualifier_rank(a).cmp(&qualifier_rank(b)),
            (Item::Str(_), Item::List(_)) => Ordering::Less,
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => compare_lists(a, b),
        }
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    let len = a.len().max(b.len());
    for i in 0..len {
        let result = match (a.get(i), b.get(i)) {
            (Some(l), Some(r)) => l.compare(r),
            (Some(l), None) => l.cmp_none(),
            (None, Some(r)) => r.cmp_none().reverse(),
            (None, None) => Ordering::Equal,
        };
        if result != Ordering::Equal {
            return result;
        }
    }
    Ordering::Equal
}

/// Removes trailing null items of a list (and of its trailing sublists), as Maven does after
/// parsing.
fn normalise(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if let Item::List(sub) = &mut items[i] {
            normalise(sub);
        }
        if items[i].is_null() {
            items.remove(i);
        } else if !matches!(items[i], Item::List(_)) {
            break;
        }
    }
}

/// A version in Maven's order.
#[derive(Debug, Clone)]
pub struct Version {
    text: String,
    items: Vec<Item>,
}

impl Version {
    pub fn parse(text: &str) -> Version {
        let lower = text.to_lowercase();
        // The items as a tree: a path of indices to the list being filled.
        let mut root: Vec<Item> = Vec::new();
        let mut path: Vec<usize> = Vec::new();
        fn current<'a>(root: &'a mut Vec<Item>, path: &[usize]) -> &'a mut Vec<Item> {
            let mut list = root;
            for &i in path {
                list = match &mut list[i] {
                    Item::List(sub) => sub,
                    _ => unreachable!("paths lead through lists"),
                };
            }
            list
        }
        fn open(root: &mut Vec<Item>, path: &mut Vec<usize>) {
            let list = current(root, path);
            list.push(Item::List(Vec::new()));
            let index = list.len() - 1;
            path.push(index);
        }
        let chars: Vec<char> = lower.chars().collect();
        let mut is_digit = false;
        let mut start = 0;
        for (i, &c) in chars.iter().enumerate() {
            let piece = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
            if c == '.' || c == '-' {
                let item = if i == start {
                    Item::Int(String::new())
                } else {
                    Item::parse(is_digit, &piece(start, i))
                };
                current(&mut root, &path).push(item);
                start = i + 1;
                if c == '-' {
                    open(&mut root, &mut path);
                }
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    current(&mut root, &path).push(Item::string(&piece(start, i), true));
                    start = i;
                    open(&mut root, &mut path);
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    current(&mut root, &path).push(Item::parse(true, &piece(start, i)));
                    start = i;
                    open(&mut root, &mut path);
                }
                is_digit = false;
            }
        }
        if chars.len() > start {
            let rest: String = chars[start..].iter().collect();
            current(&mut root, &path).push(Item::parse(is_digit, &rest));
        }
        normalise(&mut root);
        Version {
            text: text.to_string(),
            items: root,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_snapshot(&self) -> bool {
        self.text.ends_with("SNAPSHOT")
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_lists(&self.items, &other.items)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One bound of an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bound {
    version: Version,
    inclusive: bool,
}

/// One interval of a range; no bound means unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Interval {
    lower: Option<Bound>,
    upper: Option<Bound>,
}

impl Interval {
    fn contains(&self, version: &Version) -> bool {
        let above = self
            .lower
            .as_ref()
            .is_none_or(|b| match version.cmp(&b.version) {
                Ordering::Greater => true,
                Ordering::Equal => b.inclusive,
                Ordering::Less => false,
            });
        let below = self
            .upper
            .as_ref()
            .is_none_or(|b| match version.cmp(&b.version) {
                Ordering::Less => true,
                Ordering::Equal => b.inclusive,
                Ordering::Greater => false,
            });
        above && below
    }
}

/// A version range: a union of intervals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    intervals: Vec<Interval>,
    /// A bound is a snapshot: snapshots may satisfy the range (otherwise only releases do).
    snapshots: bool,
}

/// What a `<version>` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// A plain version (Maven's "soft" requirement).
    Exact(String),
    Range(Range),
    /// `LATEST` or `RELEASE`: the newest version (release only) the repository's metadata names.
    Latest,
    Release,
}

impl Requirement {
    /// Parses a `<version>`; a malformed range is an error naming the problem.
    pub fn parse(text: &str) -> Result<Requirement, String> {
        let text = text.trim();
        match text {
            "LATEST" => return Ok(Requirement::Latest),
            "RELEASE" => return Ok(Requirement::Release),
            _ => {}
        }
        if !text.starts_with('[') && !text.starts_with('(') {
            return Ok(Requirement::Exact(text.to_string()));
        }
        Range::parse(text).map(Requirement::Range)
    }
}

impl Range {
    pub fn parse(text: &str) -> Result<Range, String> {
        let mut intervals = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            let open = rest.chars().next().unwrap_or(' ');
            if open != '[' && open != '(' {
                return Err(format!("`{text}`: expected `[` or `(` at `{rest}`"));
            }
            let Some(end) = rest.find([']', ')']) else {
                return Err(format!("`{text}`: an interval is not closed"));
            };
            let close = rest[end..].chars().next().unwrap_or(' ');
            let inner = &rest[1..end];
            let interval = match inner.split_once(',') {
                None => {
                    if open != '[' || close != ']' || inner.trim().is_empty() {
                        return Err(format!(
                            "`{text}`: a single version must be written `[{}]`",
                            inner.trim()
                        ));
                    }
                    let bound = Bound {
                        version: Version::parse(inner.trim()),
                        inclusive: true,
                    };
                    Interval {
                        lower: Some(bound.clone()),
                        upper: Some(bound),
                    }
                }
                Some((low, high)) => {
                    if high.contains(',') {
                        return Err(format!("`{text}`: an interval has more than two bounds"));
                    }
                    let bound = |v: &str, inclusive: bool| {
                        let v = v.trim();
                        (!v.is_empty()).then(|| Bound {
                            version: Version::parse(v),
                            inclusive,
                        })
                    };
                    let lower = bound(low, open == '[');
                    let upper = bound(high, close == ']');
                    if let (Some(l), Some(u)) = (&lower, &upper)
                        && l.version > u.version
                    {
                        return Err(format!("`{text}`: the lower bound is above the upper one"));
                    }
                    Interval { lower, upper }
                }
            };
            intervals.push(interval);
            rest = rest[end + 1..].trim_start();
            if let Some(after) = rest.strip_prefix(',') {
                rest = after.trim_start();
                if rest.is_empty() {
                    return Err(format!("`{text}`: a trailing `,`"));
                }
            } else if !rest.is_empty() {
                return Err(format!(
                    "`{text}`: expected `,` between intervals at `{rest}`"
                ));
            }
        }
        if intervals.is_empty() {
            return Err(format!("`{text}` is an empty range"));
        }
        Ok(Range {
            intervals,
            snapshots: text.to_uppercase().contains("SNAPSHOT"),
        })
    }

    pub fn contains(&self, version: &Version) -> bool {
        self.intervals.iter().any(|i| i.contains(version))
    }
}

/// The newest of `available` that `requirement` admits (snapshots only when asked for by
/// `LATEST`, or when a range bound is itself a snapshot).
pub fn select<'a>(requirement: &Requirement, available: &'a [String]) -> Option<&'a String> {
    let mut best: Option<(&String, Version)> = None;
    for candidate in available {
        let version = Version::parse(candidate);
        let fits = match requirement {
            Requirement::Exact(v) => v == candidate,
            Requirement::Range(range) => {
                range.contains(&version) && (range.snapshots || !version.is_snapshot())
            }
            Requirement::Latest => true,
            Requirement::Release => !version.is_snapshot(),
        };
        if fits && best.as_ref().is_none_or(|(_, b)| version > *b) {
            best = Some((candidate, version));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lt(a: &str, b: &str) {
        assert!(Version::parse(a) < Version::parse(b), "{a} < {b}");
        assert!(Version::parse(b) > Version::parse(a), "{b} > {a}");
    }

    fn eq(a: &str, b: &str) {
        assert_eq!(Version::parse(a), Version::parse(b), "{a} = {b}");
    }

    #[test]
    fn versions_order_as_maven_orders_them() {
        // The qualifier order of Maven's ComparableVersionTest, and some real versions.
        for (a, b) in [
            ("1-alpha2snapshot", "1-alpha2"),
            ("1-alpha2", "1-alpha-123"),
            ("1-alpha-123", "1-beta-2"),
            ("1-beta-2", "1-beta123"),
            ("1-beta123", "1-m2"),
            ("1-m2", "1-m11"),
            ("1-m11", "1-rc"),
            ("1-rc", "1-cr2"),
            ("1-cr2", "1-rc123"),
            ("1-rc123", "1-SNAPSHOT"),
            ("1-SNAPSHOT", "1"),
            ("1", "1-sp"),
            ("1-sp", "1-sp2"),
            ("1-sp2", "1-sp123"),
            ("1-sp123", "1-abc"),
            ("1-abc", "1-def"),
            ("1-def", "1-pom-1"),
            ("1-pom-1", "1-1-snapshot"),
            ("1-1-snapshot", "1-1"),
            ("1-1", "1-2"),
            ("1-2", "1-123"),
            ("1.0.9", "1.0.10"),
            ("2.0.0.Final", "2.0.1"),
            ("5.3.31", "6.0.0-M1"),
            ("6.0.0-M1", "6.0.0-RC1"),
            ("6.0.0-RC1", "6.0.0"),
            ("1.9.25", "1.9.25.1"),
        ] {
            lt(a, b);
        }
        eq("1", "1.0");
        eq("1", "1.0.0");
        eq("1.0", "1-ga");
        eq("1-final", "1");
        eq("1a1", "1-alpha-1");
        eq("1-CR1", "1-rc1");
        eq("1.0.0.RELEASE", "1.0.0");
    }

    #[test]
    fn ranges_contain_what_their_bounds_admit() {
        let range = Range::parse("[1.0,2.0)").unwrap();
        assert!(range.contains(&Version::parse("1.0")));
        assert!(range.contains(&Version::parse("1.9.9")));
        assert!(!range.contains(&Version::parse("2.0")));
        assert!(!range.contains(&Version::parse("0.9")));
        let union = Range::parse("(,1.0],[1.2,)").unwrap();
        assert!(union.contains(&Version::parse("0.1")));
        assert!(!union.contains(&Version::parse("1.1")));
        assert!(union.contains(&Version::parse("7")));
        let exact = Range::parse("[1.5]").unwrap();
        assert!(exact.contains(&Version::parse("1.5.0")));
        assert!(!exact.contains(&Version::parse("1.6")));
        for bad in ["[1.0", "[2.0,1.0]", "[1,2,3]", "(1.0)", "[1.0],", "x"] {
            assert!(Range::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Requirement::parse("1.2.3").unwrap(),
            Requirement::Exact("1.2.3".into())
        );
        assert_eq!(Requirement::parse("RELEASE").unwrap(), Requirement::Release);
    }

    #[test]
    fn the_newest_admitted_version_is_selected() {
        let available: Vec<String> = ["1.0", "1.5", "2.0-SNAPSHOT", "1.10", "2.0", "3.0-rc1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let pick = |r: &str| select(&Requirement::parse(r).unwrap(), &available).cloned();
        assert_eq!(pick("[1.0,2.0)").as_deref(), Some("1.10"));
        assert_eq!(pick("[1.0,)").as_deref(), Some("3.0-rc1"));
        assert_eq!(pick("(,1.0)"), None);
        assert_eq!(pick("LATEST").as_deref(), Some("3.0-rc1"));
        assert_eq!(pick("RELEASE").as_deref(), Some("3.0-rc1"));
    }
}
