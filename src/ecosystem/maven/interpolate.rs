//! `${...}` references in POMs, resolved as Maven's model interpolation does.
//!
//! A reference is looked up, in this order: the project's own values (`project.groupId`,
//! `project.version`, `project.parent.version`, `project.basedir`, and the old `pom.*` forms);
//! the model's `<properties>` (the POM's and its parents', the child winning, with those of the
//! active profiles); the build machine's Java system properties that fundament knows
//! (`java.version`, `os.name`, ...: see [`super::profiles::Platform`]); and the bare old forms
//! (`${version}`). References are expanded recursively, with cycle detection and a budget.
//! `${env.*}` (the build machine's environment) and `${settings.*}` (its Maven settings) are not
//! read from the audited tree's point of view: they stay unresolved, and the problem says why.

use std::collections::HashMap;

/// At most this many property look-ups per interpolated string (guards against references
/// that double at every level).
const EXPANSION_BUDGET: usize = 1000;

/// Why a `${...}` reference could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Problem {
    Undefined(String),
    Environment(String),
    Settings(String),
    Cycle(Vec<String>),
    TooDeep,
}

impl Problem {
    /// The problem in words; `scope` is where properties were looked up ("pom.xml or its
    /// parent POMs").
    pub(crate) fn describe(&self, scope: &str) -> String {
        match self {
            Problem::Undefined(name) => {
                format!("the property `{name}` is not defined in {scope}")
            }
            Problem::Environment(name) => format!(
                "`${{{name}}}` is an environment variable of the build, which fundament does not read"
            ),
            Problem::Settings(name) => format!(
                "`${{{name}}}` comes from the Maven settings of the build machine, which fundament does not read"
            ),
            Problem::Cycle(names) => format!(
                "the properties refer to each other in a cycle: {}",
                names.join(" → ")
            ),
            Problem::TooDeep => "the property references expand without end".to_string(),
        }
    }
}

/// A string after interpolation: unresolved references are kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interpolated {
    pub(crate) value: String,
    pub(crate) problems: Vec<Problem>,
}

impl Interpolated {
    pub(crate) fn resolved(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The values in reach of one model.
#[derive(Debug, Default, Clone)]
pub(crate) struct Properties {
    /// `project.*` and `pom.*` values.
    project: HashMap<String, String>,
    /// `<properties>` of the model.
    model: HashMap<String, String>,
    /// Java system properties of the build machine as fundament assumes it.
    system: HashMap<String, String>,
    /// The bare forms (`${version}`), looked up last.
    bare: HashMap<String, String>,
}

/// The project's own values, named once for all three forms.
#[derive(Debug, Default, Clone)]
pub(crate) struct ProjectValues {
    pub(crate) group_id: Option<String>,
    pub(crate) artifact_id: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) packaging: Option<String>,
    pub(crate) parent_group_id: Option<String>,
    pub(crate) parent_artifact_id: Option<String>,
    pub(crate) parent_version: Option<String>,
    /// As reports show it (only ever appears in messages, such as a `systemPath`).
    pub(crate) basedir: Option<String>,
}

impl Properties {
    pub(crate) fn new(
        project: &ProjectValues,
        model: HashMap<String, String>,
        system: &HashMap<String, String>,
    ) -> Properties {
        let mut props = Properties {
            model,
            system: system.clone(),
            ..Properties::default()
        };
        let mut add = |name: &str, value: &Option<String>, bare: bool| {
            if let Some(value) = value {
                props
                    .project
                    .insert(format!("project.{name}"), value.clone());
                props.project.insert(format!("pom.{name}"), value.clone());
                if bare {
                    props.bare.insert(name.to_string(), value.clone());
                }
            }
        };
        add("groupId", &project.group_id, true);
        add("artifactId", &project.artifact_id, true);
        add("version", &project.version, true);
        add(
            "packaging",
            &Some(
                project
                    .packaging
                    .clone()
                    .unwrap_or_else(|| "jar".to_string()),
            ),
            false,
        );
        add("parent.groupId", &project.parent_group_id, true);
        add("parent.artifactId", &project.parent_artifact_id, true);
        add("parent.version", &project.parent_version, true);
        add("basedir", &project.basedir, true);
        props
    }

    fn lookup(&self, name: &str) -> Option<&str> {
        if name.starts_with("env.") || name.starts_with("settings.") {
            return None;
        }
        self.project
            .get(name)
            .or_else(|| self.model.get(name))
            .or_else(|| self.system.get(name))
            .or_else(|| self.bare.get(name))
            .map(String::as_str)
    }

    /// `text` with its references expanded.
    pub(crate) fn interpolate(&self, text: &str) -> Interpolated {
        if !text.contains("${") {
            return Interpolated {
                value: text.to_string(),
                problems: Vec::new(),
            };
        }
        let mut problems = Vec::new();
        let mut budget = EXPANSION_BUDGET;
        let value = self.expand(text, &mut Vec::new(), &mut problems, &mut budget);
        problems.sort();
        problems.dedup();
        Interpolated { value, problems }
    }

    /// The expanded text, unresolved references kept as written.
    pub(crate) fn value(&self, text: &str) -> String {
        self.interpolate(text).value
    }

    fn expand(
        &self,
        text: &str,
        stack: &mut Vec<String>,
        problems: &mut Vec<Problem>,
        budget: &mut usize,
    ) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            let written = &rest[start..start + 2 + end + 1];
            rest = &after[end + 1..];
            if *budget == 0 {
                problems.push(Problem::TooDeep);
                out.push_str(written);
                continue;
            }
            *budget -= 1;
            if let Some(at) = stack.iter().position(|n| n == name) {
                let mut cycle: Vec<String> = stack[at..].to_vec();
                cycle.push(name.to_string());
                problems.push(Problem::Cycle(cycle));
                out.push_str(written);
                continue;
            }
            match self.lookup(name) {
                Some(value) => {
                    stack.push(name.to_string());
                    let expanded = self.expand(value, stack, problems, budget);
                    stack.pop();
                    out.push_str(&expanded);
                }
                None => {
                    problems.push(if name.starts_with("env.") {
                        Problem::Environment(name.to_string())
                    } else if name.starts_with("settings.") {
                        Problem::Settings(name.to_string())
                    } else {
                        Problem::Undefined(name.to_string())
                    });
                    out.push_str(written);
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(model: &[(&str, &str)]) -> Properties {
        let project = ProjectValues {
            group_id: Some("g".into()),
            version: Some("1.0".into()),
            ..ProjectValues::default()
        };
        let system = HashMap::from([("java.version".to_string(), "17.0.15".to_string())]);
        Properties::new(
            &project,
            model
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            &system,
        )
    }

    #[test]
    fn references_resolve_in_maven_order() {
        let p = props(&[
            ("a", "${b}-x"),
            ("b", "${project.version}"),
            ("java.version", "21"),
            ("project.version", "ignored"),
        ]);
        assert_eq!(p.value("${a}"), "1.0-x");
        // The model's property wins over the system property; project values over both.
        assert_eq!(p.value("${java.version}"), "21");
        assert_eq!(p.value("${version}/${pom.groupId}"), "1.0/g");
    }

    #[test]
    fn unresolved_references_stay_and_say_why() {
        let p = props(&[("loop", "${again}"), ("again", "${loop}")]);
        let i = p.interpolate("${env.HOME}:${settings.localRepository}:${nope}:${loop}");
        assert_eq!(
            i.value,
            "${env.HOME}:${settings.localRepository}:${nope}:${loop}"
        );
        assert_eq!(i.problems.len(), 4);
        assert!(i.problems.contains(&Problem::Cycle(vec![
            "loop".into(),
            "again".into(),
            "loop".into()
        ])));
        let doubling = props(&[("a", "${b}${b}"), ("b", "${c}${c}"), ("c", "${d}${d}")]);
        assert!(!doubling.interpolate("${a}").resolved());
    }
}
