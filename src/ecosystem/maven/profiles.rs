//! Which profiles of a POM are active, decided as Maven 3 decides it for a build run without
//! `-P` or `-D` options, on the machine fundament runs on.
//!
//! A profile with an `<activation>` is active when all its conditions hold: `<jdk>` (a prefix
//! such as `17` or `1.8`, `!` to negate, or a range such as `[11,)`) against the JDK installed
//! here; `<os>` against this machine; `<property>` against the Java system properties fundament
//! knows (a build without `-D` defines no other: `<name>!skipIt</name>` holds, `<name>prod</name>`
//! does not); `<file>` against the audited tree, for the project's own POMs. A profile marked
//! `activeByDefault` is active when no other profile of the same POM is. The profiles that the
//! user's settings.xml activates (`<activeProfiles>`) are active too.
//!
//! What depends on the build machine beyond that cannot be decided: a property of its
//! environment (`env.*`), a file outside the audited tree, a `<file>` condition in a POM from a
//! repository. Such a profile is taken as inactive, and [`Decision::Undecided`] says why, so that
//! the reader can report it.

use super::pom::{Activation, OsCondition, Pom};
use super::version::{Range, Version};
use std::collections::HashMap;
use std::path::Path;

/// The build machine as fundament assumes it: this one.
#[derive(Debug, Clone, Default)]
pub struct Platform {
    /// The JDK's version (`17.0.15`), when a JDK is installed here.
    pub jdk: Option<String>,
    /// `os.name`, `os.arch`, `os.version` in Java's spelling (`Linux`, `amd64`).
    pub os_name: String,
    pub os_arch: String,
    pub os_version: String,
    /// Java system properties a build sees (`java.version`, `os.name`, `file.separator`, ...).
    pub system: HashMap<String, String>,
    /// Profile ids the user's Maven settings activate.
    pub active_ids: Vec<String>,
}

impl Platform {
    /// This machine: the JDK found through `$JAVA_HOME` or the `java` on `PATH` (its `release`
    /// file, read without starting a JVM).
    pub fn detect() -> Platform {
        let jdk = java_home().and_then(|home| jdk_version(&home));
        let os_name = match std::env::consts::OS {
            "linux" => "Linux",
            "macos" => "Mac OS X",
            "windows" => "Windows",
            "freebsd" => "FreeBSD",
            other => other,
        }
        .to_string();
        let os_arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "x86" => "x86",
            other => other,
        }
        .to_string();
        let os_version = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|v| v.trim().to_string())
            .unwrap_or_default();
        Platform::new(jdk, os_name, os_arch, os_version)
    }

    pub fn new(jdk: Option<String>, os_name: String, os_arch: String, os_version: String) -> Self {
        let mut system = HashMap::new();
        if let Some(jdk) = &jdk {
            system.insert("java.version".to_string(), jdk.clone());
            let spec = match jdk.strip_prefix("1.") {
                Some(old) => format!("1.{}", old.split('.').next().unwrap_or(old)),
                None => jdk.split('.').next().unwrap_or(jdk).to_string(),
            };
            system.insert("java.specification.version".to_string(), spec);
        }
        let windows = os_name.to_lowercase().contains("windows");
        for (name, value) in [
            ("os.name", os_name.as_str()),
            ("os.arch", os_arch.as_str()),
            ("os.version", os_version.as_str()),
            ("file.separator", if windows { "\\" } else { "/" }),
            ("path.separator", if windows { ";" } else { ":" }),
            ("line.separator", if windows { "\r\n" } else { "\n" }),
        ] {
            system.insert(name.to_string(), value.to_string());
        }
        Platform {
            jdk,
            os_name,
            os_arch,
            os_version,
            system,
            active_ids: Vec::new(),
        }
    }

    /// Whether the JDK here matches a `<jdk>` condition.
    fn jdk_matches(&self, condition: &str) -> Option<bool> {
        let jdk = self.jdk.as_deref()?;
        let (negated, condition) = match condition.trim().strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, condition.trim()),
        };
        let matches = if condition.starts_with('[') || condition.starts_with('(') {
            Range::parse(condition).ok()?.contains(&Version::parse(jdk))
        } else {
            jdk.starts_with(condition)
        };
        Some(matches != negated)
    }

    fn os_matches(&self, os: &OsCondition) -> bool {
        let check = |condition: &Option<String>, actual: &dyn Fn(&str) -> bool| {
            condition.as_deref().is_none_or(|c| {
                let c = c.trim().to_lowercase();
                match c.strip_prefix('!') {
                    Some(rest) => !actual(rest),
                    None => actual(&c),
                }
            })
        };
        let name = self.os_name.to_lowercase();
        let family = |f: &str| match f {
            "windows" => name.contains("windows"),
            "mac" => name.contains("mac"),
            "unix" => {
                !name.contains("windows") && !name.contains("mac os") || name.contains("mac os x")
            }
            "dos" | "win9x" | "winnt" | "os/2" | "netware" | "tandem" | "z/os" | "os/400"
            | "openvms" => false,
            _ => false,
        };
        check(&os.name, &|n| name == n)
            && check(&os.family, &family)
            && check(&os.arch, &|a| self.os_arch.to_lowercase() == a)
            && check(&os.version, &|v| self.os_version.to_lowercase() == v)
    }
}

/// `$JAVA_HOME`, else the home of the `java` on `PATH` (symbolic links followed).
fn java_home() -> Option<std::path::PathBuf> {
    if let Some(home) = std::env::var_os("JAVA_HOME").filter(|v| !v.is_empty()) {
        return Some(home.into());
    }
    let path = std::env::var_os("PATH")?;
    let java = std::env::split_paths(&path)
        .map(|dir| dir.join("java"))
        .find(|candidate| candidate.is_file())?;
    let real = std::fs::canonicalize(java).ok()?;
    Some(real.parent()?.parent()?.to_path_buf())
}

/// `JAVA_VERSION="17.0.15"` of a JDK's `release` file.
fn jdk_version(home: &Path) -> Option<String> {
    let text =
        crate::source::read_text_bounded(&home.join("release"), crate::source::Limit::CONFIG)
            .ok()?;
    text.lines().find_map(|line| {
        line.strip_prefix("JAVA_VERSION=")
            .map(|v| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
    })
}

/// How a profile's activation was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Active,
    Inactive,
    /// Taken as inactive: the condition depends on the build machine (the reason says how).
    Undecided(String),
}

/// Decides `<file>` conditions of the project's own POMs: whether a path (interpolated,
/// relative to the POM's directory) exists in the audited tree. `None` for repository POMs.
pub(crate) type FileCheck<'a> = Option<&'a dyn Fn(&str) -> Option<bool>>;

fn decide(activation: &Activation, platform: &Platform, files: FileCheck<'_>) -> Decision {
    let mut undecided = Vec::new();
    let mut all = true;
    if let Some(jdk) = &activation.jdk {
        match platform.jdk_matches(jdk) {
            Some(matches) => all &= matches,
            None => undecided.push(format!(
                "it depends on the JDK (`{jdk}`), and none is installed here"
            )),
        }
    }
    if let Some(os) = &activation.os {
        all &= platform.os_matches(os);
    }
    if let Some((name, value)) = &activation.property {
        let (negated, bare) = match name.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, name.as_str()),
        };
        if let Some(variable) = bare.strip_prefix("env.") {
            undecided.push(format!(
                "it depends on the build machine's environment variable `{variable}`"
            ));
        } else {
            let actual = platform.system.get(bare).filter(|v| !v.is_empty());
            let holds = match value.as_deref().filter(|v| !v.is_empty()) {
                Some(wanted) => match wanted.strip_prefix('!') {
                    Some(not) => actual.map(String::as_str) != Some(not),
                    None => actual.map(String::as_str) == Some(wanted),
                },
                None => actual.is_some() != negated,
            };
            all &= holds;
        }
    }
    for (path, want_exists) in [
        (&activation.file_exists, true),
        (&activation.file_missing, false),
    ] {
        let Some(path) = path else { continue };
        match files.and_then(|check| check(path)) {
            Some(exists) => all &= exists == want_exists,
            None => undecided.push(format!(
                "it depends on whether the file `{path}` exists on the build machine"
            )),
        }
    }
    if !undecided.is_empty() {
        return Decision::Undecided(undecided.join("; "));
    }
    if all {
        Decision::Active
    } else {
        Decision::Inactive
    }
}

/// The profiles of `pom` that are active (indices, in declaration order), and those that could
/// not be decided, with why.
pub(crate) fn active_profiles(
    pom: &Pom,
    platform: &Platform,
    files: FileCheck<'_>,
) -> (Vec<usize>, Vec<(usize, String)>) {
    let mut active = Vec::new();
    let mut undecided = Vec::new();
    let mut by_default = Vec::new();
    for (i, profile) in pom.profiles.iter().enumerate() {
        if platform.active_ids.contains(&profile.id) {
            active.push(i);
            continue;
        }
        let Some(activation) = &profile.activation else {
            continue;
        };
        if activation.has_conditions() {
            match decide(activation, platform, files) {
                Decision::Active => active.push(i),
                Decision::Inactive => {}
                Decision::Undecided(why) => undecided.push((i, why)),
            }
        } else if activation.active_by_default {
            by_default.push(i);
        }
    }
    if active.is_empty() {
        active = by_default;
    }
    active.sort_unstable();
    (active, undecided)
}

#[cfg(test)]
mod tests {
    use super::super::pom::PomFile;
    use super::*;

    fn platform() -> Platform {
        Platform::new(
            Some("17.0.15".into()),
            "Linux".into(),
            "amd64".into(),
            "6.1".into(),
        )
    }

    fn pom(profiles: &str) -> Pom {
        Pom::parse(
            &format!(
                "<project><artifactId>a</artifactId><profiles>{profiles}</profiles></project>"
            ),
            PomFile::Repository { url: "u".into() },
        )
        .unwrap()
    }

    fn profile(id: &str, activation: &str) -> String {
        format!("<profile><id>{id}</id><activation>{activation}</activation></profile>")
    }

    fn ids(pom: &Pom, files: FileCheck<'_>) -> Vec<String> {
        active_profiles(pom, &platform(), files)
            .0
            .iter()
            .map(|&i| pom.profiles[i].id.clone())
            .collect()
    }

    #[test]
    fn jdk_os_and_property_conditions_are_decided_here() {
        let p = pom(&[
            profile("jdk17", "<jdk>17</jdk>"),
            profile("jdk8", "<jdk>1.8</jdk>"),
            profile("not8", "<jdk>!1.8</jdk>"),
            profile("range", "<jdk>[11,)</jdk>"),
            profile("old", "<jdk>(,11)</jdk>"),
            profile("linux", "<os><family>unix</family><name>linux</name></os>"),
            profile("windows", "<os><family>windows</family></os>"),
            profile("set", "<property><name>release</name></property>"),
            profile("unset", "<property><name>!release</name></property>"),
            profile(
                "value",
                "<property><name>java.version</name><value>17.0.15</value></property>",
            ),
            profile(
                "both",
                "<jdk>17</jdk><property><name>release</name></property>",
            ),
            profile("default", "<activeByDefault>true</activeByDefault>"),
        ]
        .concat());
        assert_eq!(
            ids(&p, None),
            ["jdk17", "not8", "range", "linux", "unset", "value"]
        );
    }

    #[test]
    fn active_by_default_yields_to_any_other_active_profile() {
        let alone = pom(&[
            profile("default", "<activeByDefault>true</activeByDefault>"),
            profile("off", "<property><name>x</name></property>"),
        ]
        .concat());
        assert_eq!(ids(&alone, None), ["default"]);
        let beaten = pom(&[
            profile("default", "<activeByDefault>true</activeByDefault>"),
            profile("on", "<property><name>!x</name></property>"),
        ]
        .concat());
        assert_eq!(ids(&beaten, None), ["on"]);
    }

    #[test]
    fn the_environment_and_files_of_repository_poms_are_undecided() {
        let p = pom(&[
            profile("ci", "<property><name>env.CI</name></property>"),
            profile("file", "<file><exists>${basedir}/x</exists></file>"),
        ]
        .concat());
        let (active, undecided) = active_profiles(&p, &platform(), None);
        assert!(active.is_empty());
        assert_eq!(undecided.len(), 2);
        assert!(undecided[0].1.contains("environment variable `CI`"));
        let exists = |_: &str| Some(true);
        assert_eq!(ids(&p, Some(&exists)), ["file"]);
    }
}
