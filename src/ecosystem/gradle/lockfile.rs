//! Gradle's dependency lockfiles (`gradle.lockfile`, the older per-configuration ones).

use super::*;

/// A lockfile of one project.
pub(super) struct Lockfile {
    pub(super) path: PathBuf,
    /// The configuration of a per-configuration lockfile (`gradle/dependency-locks/x.lockfile`).
    pub(super) configuration: Option<String>,
    /// `buildscript-gradle.lockfile`: the build script's classpath.
    pub(super) buildscript: bool,
}

/// The lockfiles of the project in `dir`.
/// Whatever stands under a lockfile's name is taken (and refused with its reason when it is not
/// a regular file of the tree).
pub(super) fn lockfiles_of(input: &Confined, found: &FoundProject, dir: &Path) -> Vec<Lockfile> {
    let mut out = Vec::new();
    let exists = |path: &Path| std::fs::symlink_metadata(path).is_ok();
    let main = dir.join("gradle.lockfile");
    if found.files.contains(&main) || found.lockfile.as_ref() == Some(&main) || exists(&main) {
        out.push(Lockfile {
            path: main,
            configuration: None,
            buildscript: false,
        });
    }
    let buildscript = dir.join("buildscript-gradle.lockfile");
    if exists(&buildscript) {
        out.push(Lockfile {
            path: buildscript,
            configuration: None,
            buildscript: true,
        });
    }
    let legacy = dir.join("gradle").join("dependency-locks");
    if let Ok(entries) = input.list(&legacy) {
        let mut files: Vec<PathBuf> = entries
            .into_iter()
            .filter(|e| e.kind != EntryKind::Dir)
            .map(|e| e.path)
            .filter(|p| p.extension().is_some_and(|e| e == "lockfile"))
            .collect();
        files.sort();
        for path in files {
            let configuration = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let buildscript = configuration.starts_with("buildscript-");
            out.push(Lockfile {
                path,
                configuration: Some(configuration.trim_start_matches("buildscript-").to_string()),
                buildscript,
            });
        }
    }
    out
}

/// One `group:artifact:version=configurations` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LockEntry {
    pub(super) group: String,
    pub(super) artifact: String,
    pub(super) version: String,
    pub(super) configurations: Vec<String>,
}

/// Reads a lockfile. `configuration` is set for the per-configuration lockfiles of Gradle
/// before 6.8, whose lines carry no `=configurations`.
pub(super) fn parse_lockfile(
    text: &str,
    configuration: Option<&str>,
) -> (Vec<LockEntry>, Vec<(usize, String)>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        let (coordinate, configurations) = match (line.split_once('='), configuration) {
            (Some((c, list)), _) => (
                c.trim(),
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>(),
            ),
            (None, Some(conf)) => (line, vec![conf.to_string()]),
            (None, None) => {
                errors.push((
                    index + 1,
                    format!(
                        "`{line}` is not a lock entry (`group:artifact:version=configurations`)"
                    ),
                ));
                continue;
            }
        };
        let parts: Vec<&str> = coordinate.split(':').collect();
        match parts.as_slice() {
            [group, artifact, version]
                if !group.is_empty() && !artifact.is_empty() && !version.is_empty() =>
            {
                if configurations.is_empty() {
                    errors.push((
                        index + 1,
                        format!("`{line}` names no configuration after `=`"),
                    ));
                    continue;
                }
                entries.push(LockEntry {
                    group: group.to_string(),
                    artifact: artifact.to_string(),
                    version: version.to_string(),
                    configurations,
                });
            }
            _ => errors.push((
                index + 1,
                format!("`{coordinate}` is not a `group:artifact:version` coordinate"),
            )),
        }
    }
    (entries, errors)
}
