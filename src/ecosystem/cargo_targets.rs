//! Which Cargo dependencies a build compiles: the platform conditions of `[target.…]`
//! dependency tables, evaluated for the platforms the project is built for.
//!
//! `cargo metadata` resolves the dependencies of every platform at once: a crate needed only on
//! Android, only under `cfg(any())` (which is never true) or only when `--cfg loom` is passed
//! is in its graph like any other. No build for the project's platforms compiles such crates,
//! so they are neither delivered nor part of any tool run: the audit leaves them out and says
//! so. The platforms are the policy's `[graph] targets` (as in cargo-deny's `[graph] targets`),
//! by default Rust's tier-1 platforms ([`TIER_ONE`]). Conditions are evaluated with `cfg-expr`
//! (the crate cargo-deny uses) against rustc's own description of each target.
//!
//! How the predicates are read, as a build without extra `RUSTFLAGS` reads them:
//! - `target_os`, `target_arch`, `target_family` (`unix`, `windows`, `wasm`), `target_env`,
//!   `target_vendor`, `target_abi`, `target_pointer_width`, `target_endian`,
//!   `target_has_atomic`, `panic`: from the target's description.
//! - `target_feature = "…"`: true for the features the target entry lists (`features`); any
//!   other feature is undecided (a build may enable it with `-C target-feature`), and a
//!   dependency whose condition stays undecided is kept.
//! - `debug_assertions`: true (cargo evaluates platform conditions with rustc's default
//!   configuration, which has debug assertions on).
//! - `test`, `proc_macro`, `feature = "…"`: false (cargo never sets them for this).
//! - Any other flag or key (`loom`, `tokio_unstable`, `docsrs`, `miri`): false; they are set
//!   only by `--cfg` in `RUSTFLAGS`, which the audit does not assume.

use cfg_expr::targets::TargetInfo;
use cfg_expr::{Expression, Predicate};
use std::collections::HashMap;
use std::fmt;

/// Rust's tier-1 platforms (rustc's platform support list, Rust 1.95): the platforms audited
/// when the policy names none.
pub const TIER_ONE: &[&str] = &[
    "aarch64-apple-darwin",
    "aarch64-pc-windows-msvc",
    "aarch64-unknown-linux-gnu",
    "i686-pc-windows-msvc",
    "i686-unknown-linux-gnu",
    "x86_64-pc-windows-gnu",
    "x86_64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
];

/// One platform the project is built for.
#[derive(Debug, Clone)]
pub struct Target {
    pub triple: String,
    /// Target features taken as enabled (`target_feature = "…"`).
    pub features: Vec<String>,
    info: &'static TargetInfo,
}

impl Target {
    /// A target rustc knows by its triple, with the features taken as enabled.
    pub fn new(triple: &str, features: Vec<String>) -> Result<Target, String> {
        let info = cfg_expr::targets::get_builtin_target_by_triple(triple.trim()).ok_or_else(|| {
            format!(
                "`{triple}` is not a target triple rustc {} knows (for example `x86_64-unknown-linux-gnu`)",
                cfg_expr::targets::rustc_version()
            )
        })?;
        Ok(Target {
            triple: triple.trim().to_string(),
            features,
            info,
        })
    }
}

/// The platforms the project is built for: the policy's `[graph] targets`, else tier 1.
#[derive(Debug, Clone)]
pub struct Targets {
    list: Vec<Target>,
    /// Whether the list is the built-in default (tier 1) rather than the policy's.
    pub default: bool,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            list: TIER_ONE
                .iter()
                .filter_map(|t| Target::new(t, Vec::new()).ok())
                .collect(),
            default: true,
        }
    }
}

/// What a dependency's platform condition means for the targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// At least one of the targets compiles the dependency.
    Built,
    /// Rustc knows platforms that would compile it, but none of the targets is one.
    OtherPlatforms,
    /// True on no platform rustc knows, without extra `--cfg` flags: `cfg(any())`,
    /// `cfg(all(unix, windows))`, `cfg(loom)`, an unknown `target_os`.
    Never,
}

impl Targets {
    /// The policy's list (empty means every platform rustc knows).
    pub fn new(list: Vec<Target>) -> Targets {
        if list.is_empty() {
            return Targets::every_platform();
        }
        Targets {
            list,
            default: false,
        }
    }

    /// Every platform rustc knows: only conditions that are never true are left out.
    pub fn every_platform() -> Targets {
        Targets {
            list: cfg_expr::targets::ALL_BUILTINS
                .iter()
                .map(|info| Target {
                    triple: info.triple.as_str().to_string(),
                    features: Vec::new(),
                    info,
                })
                .collect(),
            default: false,
        }
    }

    pub fn triples(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|t| t.triple.as_str())
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Judges one platform condition as `cargo metadata` prints it: a target triple
    /// (`x86_64-pc-windows-gnu`) or `cfg(…)`. A condition `cfg-expr` cannot read is taken as
    /// built: nothing is left out on a guess.
    pub fn judge(&self, platform: &str) -> Condition {
        let platform = platform.trim();
        if !platform.starts_with("cfg(") {
            return if self.list.iter().any(|t| t.triple == platform) {
                Condition::Built
            } else if cfg_expr::targets::get_builtin_target_by_triple(platform).is_some() {
                Condition::OtherPlatforms
            } else {
                Condition::Never
            };
        }
        let Ok(expression) = Expression::parse(platform) else {
            return Condition::Built;
        };
        if self
            .list
            .iter()
            .any(|t| holds(&expression, t.info, &t.features))
        {
            Condition::Built
        } else if cfg_expr::targets::ALL_BUILTINS
            .iter()
            .any(|info| holds(&expression, info, &[]))
        {
            Condition::OtherPlatforms
        } else {
            Condition::Never
        }
    }
}

impl Targets {
    /// What the targets are, translatable (its English is the `Display` text).
    pub fn text(&self) -> crate::diagnostic::Text {
        if self.list.len() == cfg_expr::targets::ALL_BUILTINS.len() && !self.default {
            return crate::diagnostic::Text::new("targets_all");
        }
        let triples: Vec<&str> = self.triples().collect();
        let key = if self.default {
            "targets_default"
        } else {
            "targets_policy"
        };
        crate::text!(key, triples = triples.join(", "))
    }
}

impl fmt::Display for Targets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().english())
    }
}

/// Whether the condition may hold on the target: true, or undecided (a target feature the
/// entry does not list).
fn holds(expression: &Expression, info: &TargetInfo, features: &[String]) -> bool {
    let value: Option<bool> = expression.eval(|predicate| match predicate {
        Predicate::Target(target) => Some(target.matches(info)),
        Predicate::TargetFeature(feature) => features.iter().any(|f| f == feature).then_some(true),
        Predicate::DebugAssertions => Some(true),
        Predicate::Test | Predicate::ProcMacro | Predicate::Feature(_) => Some(false),
        Predicate::Flag(_) | Predicate::KeyValue { .. } => Some(false),
    });
    value != Some(false)
}

/// Judges conditions once each: a workspace repeats the same few (`cfg(windows)`,
/// `cfg(target_arch = "wasm32")`) thousands of times. Each distinct condition gets a number.
pub struct Judge<'a> {
    targets: &'a Targets,
    ids: HashMap<String, usize>,
    judged: Vec<Judged>,
}

/// One condition, judged.
#[derive(Debug, Clone)]
pub struct Judged {
    pub text: String,
    pub condition: Condition,
    /// Whether it may hold, per target (in the order of [`Targets::triples`]).
    pub on: Vec<bool>,
}

impl<'a> Judge<'a> {
    pub fn new(targets: &'a Targets) -> Judge<'a> {
        Judge {
            targets,
            ids: HashMap::new(),
            judged: Vec::new(),
        }
    }

    /// The number of the condition `platform`, judging it the first time it is seen.
    pub fn id(&mut self, platform: &str) -> usize {
        if let Some(&id) = self.ids.get(platform) {
            return id;
        }
        let on = self.targets.holds_per_target(platform);
        let condition = if on.iter().any(|&b| b) {
            Condition::Built
        } else {
            self.targets.judge(platform)
        };
        let id = self.judged.len();
        self.judged.push(Judged {
            text: platform.to_string(),
            condition,
            on,
        });
        self.ids.insert(platform.to_string(), id);
        id
    }

    pub fn get(&self, id: usize) -> &Judged {
        &self.judged[id]
    }
}

impl Targets {
    /// Whether the condition may hold, per target.
    pub fn holds_per_target(&self, platform: &str) -> Vec<bool> {
        let platform = platform.trim();
        if !platform.starts_with("cfg(") {
            return self.list.iter().map(|t| t.triple == platform).collect();
        }
        match Expression::parse(platform) {
            Ok(expression) => self
                .list
                .iter()
                .map(|t| holds(&expression, t.info, &t.features))
                .collect(),
            Err(_) => vec![true; self.list.len()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_one_is_known_to_cfg_expr() {
        assert_eq!(Targets::default().len(), TIER_ONE.len());
    }

    #[test]
    fn conditions_are_judged_for_the_targets() {
        let tier1 = Targets::default();
        assert_eq!(tier1.judge("cfg(windows)"), Condition::Built);
        assert_eq!(tier1.judge("cfg(unix)"), Condition::Built);
        assert_eq!(
            tier1.judge("cfg(target_os = \"android\")"),
            Condition::OtherPlatforms
        );
        assert_eq!(
            tier1.judge("cfg(all(target_arch = \"wasm32\", target_os = \"unknown\"))"),
            Condition::OtherPlatforms
        );
        assert_eq!(tier1.judge("cfg(any())"), Condition::Never);
        assert_eq!(tier1.judge("cfg(all(unix, windows))"), Condition::Never);
        assert_eq!(tier1.judge("cfg(loom)"), Condition::Never);
        assert_eq!(
            tier1.judge("cfg(target_os = \"nowhere\")"),
            Condition::Never
        );
        assert_eq!(tier1.judge("cfg(not(loom))"), Condition::Built);
        assert_eq!(tier1.judge("x86_64-pc-windows-gnu"), Condition::Built);
        assert_eq!(
            tier1.judge("x86_64-unknown-linux-musl"),
            Condition::OtherPlatforms
        );
        // Unreadable: kept, never left out on a guess.
        assert_eq!(tier1.judge("cfg(all(("), Condition::Built);
    }

    #[test]
    fn a_policy_list_narrows_and_features_count() {
        let linux = Targets::new(vec![
            Target::new("x86_64-unknown-linux-gnu", vec!["crt-static".into()]).unwrap(),
        ]);
        assert_eq!(linux.judge("cfg(windows)"), Condition::OtherPlatforms);
        assert_eq!(
            linux.judge("cfg(target_feature = \"crt-static\")"),
            Condition::Built
        );
        // A feature no entry lists is undecided: kept, unless the rest decides.
        assert_eq!(
            Targets::default().judge("cfg(target_feature = \"crt-static\")"),
            Condition::Built
        );
        assert_eq!(
            Targets::default()
                .judge("cfg(all(target_feature = \"crt-static\", target_os = \"android\"))"),
            Condition::OtherPlatforms
        );
        assert!(Target::new("x86_64-unknown-nowhere", Vec::new()).is_err());
        let every = Targets::new(Vec::new());
        assert_eq!(
            every.judge("cfg(target_os = \"android\")"),
            Condition::Built
        );
        assert_eq!(every.judge("cfg(any())"), Condition::Never);
    }
}
