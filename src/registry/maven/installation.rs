//! The Maven installation of this machine, read from its own files without starting a JVM: its
//! home (`$MAVEN_HOME`, `$M2_HOME`, else the `mvn` on `PATH`, symbolic links followed), its
//! global settings (`conf/settings.xml`), and the central repository its super POM names
//! (`org/apache/maven/model/pom-4.0.0.xml` inside the model builder's jar in `lib/`).
//!
//! The super POM's answer is cached a day per jar (path, size, modification time), as the answers
//! of the other ecosystems' clients are: it changes only when Maven is upgraded.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The most bytes read of the super POM (it is a few KiB).
const SUPER_POM_LIMIT: u64 = 1024 * 1024;

/// How long the super POM's answer is reused.
const TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A Maven installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub home: PathBuf,
}

impl Installation {
    /// The installation the environment names, else the one `mvn` on `PATH` belongs to.
    pub fn find() -> Option<Installation> {
        for var in ["MAVEN_HOME", "M2_HOME"] {
            if let Some(home) = std::env::var_os(var).filter(|v| !v.is_empty()) {
                let home = PathBuf::from(home);
                if home.join("lib").is_dir() {
                    return Some(Installation { home });
                }
            }
        }
        let path = std::env::var_os("PATH")?;
        let mvn = std::env::split_paths(&path)
            .map(|dir| dir.join("mvn"))
            .find(|candidate| candidate.is_file())?;
        let real = std::fs::canonicalize(mvn).ok()?;
        let home = real.parent()?.parent()?.to_path_buf();
        home.join("lib").is_dir().then_some(Installation { home })
    }

    /// The installation's global settings file.
    pub fn settings(&self) -> PathBuf {
        self.home.join("conf").join("settings.xml")
    }

    /// The URL of the `central` repository of the installation's super POM.
    pub fn central(&self, cache_dir: Option<&Path>) -> Option<String> {
        let jar = self.model_builder_jar()?;
        let cache = cache_dir.and_then(|dir| cache_file(dir, &jar));
        if let Some(file) = &cache
            && let Ok(meta) = std::fs::metadata(file)
            && meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age < TTL)
            && let Ok(text) = crate::source::read_text_bounded(file, crate::source::Limit::CONFIG)
        {
            let answer = text.trim();
            return (!answer.is_empty()).then(|| answer.to_string());
        }
        let answer = central_of_jar(&jar);
        if let Some(file) = cache {
            let _ = crate::registry::http::write_atomically(
                &file,
                answer.as_deref().unwrap_or("").as_bytes(),
            );
        }
        answer
    }

    /// The jar holding the super POM (`maven-model-builder-*.jar`, Maven 3; `maven-api-impl`
    /// or `maven-impl`, Maven 4).
    fn model_builder_jar(&self) -> Option<PathBuf> {
        let mut jars: Vec<PathBuf> = std::fs::read_dir(self.home.join("lib"))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.ends_with(".jar")
                        && (n.starts_with("maven-model-builder")
                            || n.starts_with("maven-api-impl")
                            || n.starts_with("maven-impl"))
                })
            })
            .collect();
        jars.sort();
        jars.into_iter().next()
    }
}

/// The central repository's URL in the super POM inside `jar`.
fn central_of_jar(jar: &Path) -> Option<String> {
    let file = std::fs::File::open(jar).ok()?;
    let mut archive = zip::ZipArchive::new(file).ok()?;
    let names: Vec<String> = archive
        .file_names()
        .filter(|n| n.starts_with("org/apache/maven/model/pom-4.") && n.ends_with(".xml"))
        .map(str::to_string)
        .collect();
    for name in names {
        let entry = archive.by_name(&name).ok()?;
        if entry.size() > SUPER_POM_LIMIT {
            continue;
        }
        let mut text = String::new();
        use std::io::Read as _;
        entry.take(SUPER_POM_LIMIT).read_to_string(&mut text).ok()?;
        let pom = crate::ecosystem::maven::Pom::parse(
            &text,
            crate::ecosystem::maven::PomFile::Repository {
                url: format!("{}!/{name}", jar.display()),
            },
        )
        .ok()?;
        if let Some(url) = pom
            .own
            .repositories
            .iter()
            .find(|r| r.id == "central")
            .map(|r| r.url.clone())
        {
            return Some(url);
        }
    }
    None
}

fn cache_file(cache_dir: &Path, jar: &Path) -> Option<PathBuf> {
    use sha2::Digest as _;
    let meta = std::fs::metadata(jar).ok()?;
    let mut key = sha2::Sha256::new();
    key.update(b"maven super POM\0");
    key.update(jar.to_string_lossy().as_bytes());
    key.update(meta.len().to_le_bytes());
    if let Ok(modified) = meta.modified()
        && let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH)
    {
        key.update(since.as_nanos().to_le_bytes());
    }
    Some(
        cache_dir
            .join("clients-v1")
            .join(hex::encode(key.finalize())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_central_repository_is_read_from_a_jar() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("lib");
        std::fs::create_dir_all(&lib).unwrap();
        let jar = lib.join("maven-model-builder-3.9.9.jar");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&jar).unwrap());
        zip.start_file::<_, ()>(
            "org/apache/maven/model/pom-4.0.0.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        use std::io::Write as _;
        zip.write_all(
            b"<project><repositories><repository><id>central</id>\
              <url>https://maven.registry.example/maven2</url></repository></repositories></project>",
        )
        .unwrap();
        zip.finish().unwrap();
        let installation = Installation {
            home: dir.path().to_path_buf(),
        };
        let cache = tempfile::tempdir().unwrap();
        assert_eq!(
            installation.central(Some(cache.path())).as_deref(),
            Some("https://maven.registry.example/maven2")
        );
        // Cached per jar: the cached answer is what a second call gives.
        let file = cache_file(cache.path(), &jar).unwrap();
        std::fs::write(&file, "https://other.registry.example/").unwrap();
        assert_eq!(
            installation.central(Some(cache.path())).as_deref(),
            Some("https://other.registry.example/")
        );
        assert_eq!(
            installation.central(None).as_deref(),
            Some("https://maven.registry.example/maven2")
        );
    }
}
