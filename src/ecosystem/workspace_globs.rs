//! Workspace globs from the audited tree: pnpm-workspace.yaml `packages`, package.json
//! `workspaces` (npm, yarn) and Cargo's `[workspace] members`, matched against folder paths.
//!
//! Why not `globset::GlobSet`: for a glob with a literal prefix or suffix it builds an
//! Aho-Corasick automaton whose construction grows with the square of the literal's length. A
//! pnpm-workspace.yaml whose one pattern was 40,000 `(` followed by `packages/*` (found by the
//! fuzz harness) took 50 s of CPU. Here globset only translates each glob into its regular
//! expression (linear), and one [`regex::bytes::RegexSet`] matches them all: it compiles in
//! time linear in the patterns and matches in time linear in the path. The semantics are
//! globset's own (its `GlobMatcher` is the same expression).
//!
//! Limits (docs/diagnostics.md, I001): a pattern longer than [`LONGEST_PATTERN`] bytes is
//! refused, so are the patterns past [`ALL_PATTERNS`] bytes in all, and a set too large for the
//! regex engine's size limit. Each refusal is reported by the caller with the file and the
//! line; the workspace's members are then not known in full.

use crate::diagnostic::{Code, Finding, line_of_offset};
use std::path::Path;

/// The longest workspace glob read, in bytes. Real ones are a few dozen bytes
/// (`packages/*`, `apps/**`, `crates/*`).
pub const LONGEST_PATTERN: usize = 1024;
/// The most bytes of globs read from one workspace, all patterns together (thousands of
/// explicitly listed member paths fit, and compile within the regex engine's size limit).
pub const ALL_PATTERNS: usize = 64 * 1024;
/// The size limit of the compiled set, the regex engine's own default.
const COMPILED_SIZE: usize = 10 * (1 << 20);

/// The compiled globs of one workspace.
#[derive(Debug)]
pub struct WorkspaceGlobs {
    set: regex::bytes::RegexSet,
}

/// A glob that was not compiled, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The pattern as written.
    pub pattern: String,
    pub why: Why,
}

impl Refused {
    /// "the glob `…` is 40010 bytes long, …": what was refused, its start shown.
    pub fn describe(&self) -> String {
        format!(
            "the glob `{}` {}",
            preview(&self.pattern),
            self.why.describe(&self.pattern)
        )
    }

    /// [`Refused::describe`] in translatable form.
    pub fn describe_text(&self) -> crate::diagnostic::Text {
        let why = match &self.why {
            Why::Invalid(err) => crate::text!("glob_invalid", error = err),
            Why::TooLong => crate::text!(
                "glob_too_long",
                length = self.pattern.len(),
                limit = LONGEST_PATTERN
            ),
            Why::TooMany => crate::text!("glob_too_many", limit = ALL_PATTERNS),
            Why::SetTooLarge => crate::diagnostic::Text::new("glob_set_too_large"),
        };
        crate::text!("glob_refused", pattern = preview(&self.pattern)).sub("why", why)
    }
}

/// Why a glob was not compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// Not a glob globset reads (an unclosed `[` or `{`, ...).
    Invalid(String),
    /// Longer than [`LONGEST_PATTERN`].
    TooLong,
    /// Past [`ALL_PATTERNS`] bytes of patterns.
    TooMany,
    /// The patterns together are past the regex engine's size limit.
    SetTooLarge,
}

impl Why {
    /// Whether the pattern was refused by a limit (not for its syntax): the workspace cannot
    /// be known in full, whereas an invalid glob names no folder for its package manager
    /// either.
    pub fn is_limit(&self) -> bool {
        !matches!(self, Why::Invalid(_))
    }

    fn describe(&self, pattern: &str) -> String {
        match self {
            Why::Invalid(err) => format!("is not a valid glob ({err})"),
            Why::TooLong => format!(
                "is {} bytes long, longer than the {LONGEST_PATTERN} bytes fundament reads",
                pattern.len()
            ),
            Why::TooMany => format!(
                "comes after {ALL_PATTERNS} bytes of workspace globs, more than fundament reads"
            ),
            Why::SetTooLarge => {
                "makes the workspace's globs together too large to match".to_string()
            }
        }
    }
}

/// The compiled globs (`None` when none was compiled) and the patterns refused.
#[derive(Debug)]
pub struct Compiled {
    pub globs: Option<WorkspaceGlobs>,
    pub refused: Vec<Refused>,
}

impl WorkspaceGlobs {
    /// Compiles `patterns` (as globset reads them with its default options: `*` crosses `/`).
    pub fn compile<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Compiled {
        let mut refused = Vec::new();
        let mut expressions = Vec::new();
        let mut read = 0usize;
        for pattern in patterns {
            let refuse = |why| Refused {
                pattern: pattern.to_string(),
                why,
            };
            if pattern.len() > LONGEST_PATTERN {
                refused.push(refuse(Why::TooLong));
                continue;
            }
            read += pattern.len();
            if read > ALL_PATTERNS {
                refused.push(refuse(Why::TooMany));
                continue;
            }
            match globset::Glob::new(pattern) {
                Ok(glob) => expressions.push((pattern, glob.regex().to_string())),
                Err(err) => refused.push(refuse(Why::Invalid(err.kind().to_string()))),
            }
        }
        if expressions.is_empty() {
            return Compiled {
                globs: None,
                refused,
            };
        }
        // The options of globset's own matcher.
        match regex::bytes::RegexSetBuilder::new(expressions.iter().map(|(_, re)| re))
            .dot_matches_new_line(true)
            .size_limit(COMPILED_SIZE)
            .build()
        {
            Ok(set) => Compiled {
                globs: Some(WorkspaceGlobs { set }),
                refused,
            },
            Err(_) => {
                refused.extend(expressions.iter().map(|(pattern, _)| Refused {
                    pattern: pattern.to_string(),
                    why: Why::SetTooLarge,
                }));
                Compiled {
                    globs: None,
                    refused,
                }
            }
        }
    }

    /// Whether a path (relative to the workspace root) matches any of the globs.
    pub fn is_match(&self, path: &Path) -> bool {
        self.set.is_match(path.as_os_str().as_encoded_bytes())
    }
}

/// The member globs of a JavaScript workspace (pnpm `packages`, package.json `workspaces`) as
/// their package manager reads them: `./` and a trailing `/` dropped, negated patterns
/// (`!**/test/**`) left out, since fundament errs towards auditing more.
pub fn js_members(patterns: &[String]) -> impl Iterator<Item = &str> {
    patterns
        .iter()
        .filter(|p| !p.starts_with('!'))
        .map(|p| p.trim_start_matches("./").trim_end_matches('/'))
}

/// One finding for the refused globs of a workspace file (`None` when none was): an error
/// when a limit refused one (the workspace's members are not known in full), a warning for
/// invalid globs. It names the file (`display`) and the line of the first refused pattern in
/// `text`, and shows at most the start of a pattern.
pub fn refused_finding(
    display: &str,
    text: &str,
    field: &str,
    refused: &[Refused],
) -> Option<Finding> {
    let first = refused
        .iter()
        .find(|r| r.why.is_limit())
        .or(refused.first())?;
    let line = (!first.pattern.is_empty())
        .then(|| text.find(&first.pattern))
        .flatten()
        .map(|offset| line_of_offset(text, offset));
    let others = match refused.len() - 1 {
        0 => crate::diagnostic::Text::verbatim(""),
        n => crate::diagnostic::Text::new("globs_more").count("n", n),
    };
    let message = crate::text!("workspace_glob_refused", file = display, field = field)
        .sub("glob", first.describe_text())
        .sub("others", others)
        .sub(
            "consequence",
            crate::diagnostic::Text::new(if first.why.is_limit() {
                "workspace_glob_members_unknown"
            } else {
                "workspace_glob_names_no_folder"
            }),
        );
    let finding = if first.why.is_limit() {
        Finding::error(Code::InputUnreadable, message)
    } else {
        Finding::warning(Code::InputUnreadable, message)
    };
    Some(finding.at(display.to_string(), line))
}

/// The start of a pattern, for a message.
fn preview(pattern: &str) -> String {
    const SHOWN: usize = 40;
    match pattern.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &pattern[..end]),
        None => pattern.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_globset_matches_them() {
        let patterns = ["packages/*", "apps/**", "tools/{a,b}", "x[0-9]"];
        let compiled = WorkspaceGlobs::compile(patterns);
        assert!(compiled.refused.is_empty());
        let ours = compiled.globs.unwrap();
        let mut theirs = globset::GlobSetBuilder::new();
        for pattern in patterns {
            theirs.add(globset::Glob::new(pattern).unwrap());
        }
        let theirs = theirs.build().unwrap();
        for path in [
            "packages/a",
            "packages/a/b",
            "packages",
            "apps/web/inner",
            "tools/a",
            "tools/c",
            "x7",
            "x77",
            "other",
            "packages/a\nb",
        ] {
            assert_eq!(
                ours.is_match(Path::new(path)),
                theirs.is_match(path),
                "{path}"
            );
        }
    }

    #[test]
    fn long_invalid_and_excess_globs_are_refused_with_the_file_and_line() {
        let long = format!("{}packages/*", "(".repeat(40_000));
        let text = format!("packages:\n  - \"apps/*\"\n  - \"{long}\"\n  - \"[oops\"\n");
        let compiled = WorkspaceGlobs::compile(["apps/*", long.as_str(), "[oops"]);
        assert!(compiled.globs.unwrap().is_match(Path::new("apps/x")));
        let whys: Vec<_> = compiled.refused.iter().map(|r| &r.why).collect();
        assert_eq!(whys.len(), 2);
        assert_eq!(whys[0], &Why::TooLong);
        assert!(matches!(whys[1], Why::Invalid(_)));
        let finding = refused_finding(
            "pnpm-workspace.yaml",
            &text,
            "`packages`",
            &compiled.refused,
        )
        .unwrap();
        assert_eq!(finding.severity, crate::diagnostic::Severity::Error);
        assert_eq!(finding.code, Code::InputUnreadable);
        let location = finding.location.as_ref().unwrap();
        assert_eq!(location.line, Some(3));
        assert!(
            finding.message.contains("40010 bytes long"),
            "{}",
            finding.message
        );
        assert!(
            finding.message.contains("and 1 more glob"),
            "{}",
            finding.message
        );
        assert!(finding.message.len() < 400, "{}", finding.message);

        let many: Vec<String> = (0..ALL_PATTERNS / 10 + 1)
            .map(|i| format!("pkgs/{i:05}"))
            .collect();
        let compiled = WorkspaceGlobs::compile(many.iter().map(String::as_str));
        assert!(compiled.globs.is_some());
        assert!(compiled.refused.iter().all(|r| r.why == Why::TooMany));
        assert!(!compiled.refused.is_empty());
    }

    /// The fuzz finding pnpm-workspace-9-26203 (a glob of 40,000 `(`): globset's GlobSet took
    /// 14.6 times as long for 4 times the `(` (quadratic); compiled here, 3.2 times.
    #[test]
    fn a_long_glob_compiles_in_linear_time() {
        let pattern = |n: usize| format!("{}packages/*", "(".repeat(n));
        let (small, large) = (pattern(250), pattern(1000));
        crate::growth::assert_linear("a long workspace glob", &small, &large, |p| {
            let compiled = WorkspaceGlobs::compile([p.as_str()]);
            assert!(!compiled.globs.unwrap().is_match(Path::new("packages/a")));
        });
    }
}
