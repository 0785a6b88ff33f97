//! Gradle Module Metadata: the `.module` file (JSON) that Gradle publishes beside a POM and
//! reads instead of it when the POM carries Gradle's marker comment
//! ([`super::pom::GRADLE_METADATA_MARKER`]). Format 1.x: a `component` and its `variants`, each
//! with attributes, `dependencies` (with `excludes` and rich versions), `dependencyConstraints`
//! and, for a multi-platform root module, `available-at`: the coordinates of the module that
//! really holds that variant (Kotlin's `kotlinx-coroutines-core` → `kotlinx-coroutines-core-jvm`).
//!
//! The file comes from a repository, so it is read as hostile input: at most [`MODULE_LIMIT`]
//! bytes, nesting bounded by the JSON parser's recursion limit, at most [`MAX_VARIANTS`]
//! variants and [`MAX_DEPENDENCIES`] dependencies each, and an error that names its URL.

use super::source::FetchError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The largest `.module` file read (the largest published ones, of Kotlin multi-platform
/// libraries with dozens of targets, are a few hundred KB).
pub const MODULE_LIMIT: usize = 4 * 1024 * 1024;
/// Variants of one module at most.
pub const MAX_VARIANTS: usize = 2048;
/// Dependencies (and constraints) of one variant at most.
pub const MAX_DEPENDENCIES: usize = 4096;

/// Arrays and objects nested at most this deep (a real file nests 6 deep; parts fundament
/// does not read are skipped by the parser without its recursion limit).
pub const MAX_NESTING: usize = 64;

/// How deep arrays and objects nest in a JSON text (outside strings).
fn nesting(body: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in body {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A module's Gradle Module Metadata, as far as resolution needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradleModule {
    /// Where it was read.
    pub url: String,
    pub variants: Vec<Variant>,
}

/// One variant of the component.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Variant {
    pub name: String,
    /// Attribute → value (booleans and numbers as their JSON text).
    pub attributes: BTreeMap<String, String>,
    /// The module that holds this variant, when it is elsewhere.
    pub available_at: Option<Coordinates>,
    pub dependencies: Vec<ModuleDependency>,
    pub constraints: Vec<ModuleDependency>,
    /// The capabilities (group, name) it provides; empty: only the module's own.
    pub capabilities: Vec<(String, String)>,
}

/// group, module, version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coordinates {
    pub group: String,
    pub module: String,
    pub version: String,
}

/// A dependency or dependency constraint of a variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDependency {
    pub group: String,
    pub module: String,
    /// The version asked for: `strictly`, else `requires`, else `prefers` (empty: none).
    pub version: String,
    /// The version is `strictly` (holds against other requests).
    pub strict: bool,
    /// (group, module) excluded below it; `*` for any.
    pub excludes: Vec<(String, String)>,
    /// A platform (`org.gradle.category` = `platform` or `enforced-platform`): a BOM whose
    /// constraints apply, not a library.
    pub platform: bool,
}

// The wire format (only the fields resolution reads; unknown ones are ignored, as the
// specification asks of readers of a 1.x file).
#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "formatVersion")]
    format_version: Option<String>,
    #[serde(default)]
    variants: Vec<WireVariant>,
}

#[derive(Deserialize)]
struct WireVariant {
    #[serde(default)]
    name: String,
    #[serde(default)]
    attributes: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "available-at")]
    available_at: Option<WireAvailableAt>,
    #[serde(default)]
    dependencies: Vec<WireDependency>,
    #[serde(default, rename = "dependencyConstraints")]
    constraints: Vec<WireDependency>,
    #[serde(default)]
    capabilities: Vec<WireCapability>,
}

#[derive(Deserialize)]
struct WireCapability {
    group: String,
    name: String,
}

#[derive(Deserialize)]
struct WireAvailableAt {
    group: String,
    module: String,
    version: String,
}

#[derive(Deserialize)]
struct WireDependency {
    group: String,
    module: String,
    #[serde(default)]
    version: Option<WireVersion>,
    #[serde(default)]
    excludes: Vec<WireExclude>,
    #[serde(default)]
    attributes: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct WireVersion {
    requires: Option<String>,
    strictly: Option<String>,
    prefers: Option<String>,
}

#[derive(Deserialize)]
struct WireExclude {
    #[serde(default = "any")]
    group: String,
    #[serde(default = "any")]
    module: String,
}

fn any() -> String {
    "*".to_string()
}

fn attribute_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A `.module` file fundament cannot use: `problem` says why (in the report's language; the
/// JSON parser's own words stay as written).
fn bad(url: &str, problem: crate::diagnostic::Text) -> FetchError {
    FetchError::NotAPom {
        url: url.to_string(),
        problem: crate::diagnostic::Text::new("gradle_module_unusable").sub("problem", problem),
    }
}

impl GradleModule {
    /// Reads a `.module` file fetched from `url`.
    pub fn parse(url: &str, body: &[u8]) -> Result<GradleModule, FetchError> {
        if body.len() > MODULE_LIMIT {
            return Err(bad(
                url,
                crate::text!(
                    "gradle_module_too_large",
                    bytes = body.len(),
                    mib = MODULE_LIMIT / (1024 * 1024)
                ),
            ));
        }
        if nesting(body) > MAX_NESTING {
            return Err(bad(
                url,
                crate::text!("gradle_module_too_deep", max = MAX_NESTING),
            ));
        }
        let wire: Wire = serde_json::from_slice(body).map_err(|e| {
            bad(
                url,
                crate::text!(
                    "gradle_module_not_json",
                    error = crate::ecosystem::json_error(&e)
                ),
            )
        })?;
        match wire.format_version.as_deref() {
            Some(v) if v == "1" || v.starts_with("1.") => {}
            Some(v) => {
                return Err(bad(
                    url,
                    crate::text!("gradle_module_format_version", version = v.escape_debug()),
                ));
            }
            None => {
                return Err(bad(
                    url,
                    crate::diagnostic::Text::new("gradle_module_no_format_version"),
                ));
            }
        }
        if wire.variants.len() > MAX_VARIANTS {
            return Err(bad(
                url,
                crate::text!(
                    "gradle_module_too_many_variants",
                    n = wire.variants.len(),
                    max = MAX_VARIANTS
                ),
            ));
        }
        let mut variants = Vec::with_capacity(wire.variants.len());
        for v in wire.variants {
            if v.dependencies.len() > MAX_DEPENDENCIES
                || v.constraints.len() > MAX_DEPENDENCIES
                || v.capabilities.len() > MAX_DEPENDENCIES
            {
                return Err(bad(
                    url,
                    crate::text!(
                        "gradle_module_variant_too_large",
                        variant = v.name.escape_debug(),
                        max = MAX_DEPENDENCIES
                    ),
                ));
            }
            variants.push(Variant {
                name: v.name,
                attributes: v
                    .attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), attribute_text(v)))
                    .collect(),
                available_at: v.available_at.map(|a| Coordinates {
                    group: a.group,
                    module: a.module,
                    version: a.version,
                }),
                dependencies: v.dependencies.into_iter().map(dependency).collect(),
                constraints: v.constraints.into_iter().map(dependency).collect(),
                capabilities: v
                    .capabilities
                    .into_iter()
                    .map(|c| (c.group, c.name))
                    .collect(),
            });
        }
        Ok(GradleModule {
            url: url.to_string(),
            variants,
        })
    }

    /// The variant a Java (JVM) project's classpath of `usage` takes, by the attributes
    /// Gradle's Java plugin asks for: a library (`org.gradle.category`) of that usage, of the
    /// JVM platform where Kotlin names one, for the standard JVM rather than Android where the
    /// module has both, as a jar. A compile classpath (`java-api`) takes a `java-runtime`
    /// variant where the module publishes no `java-api` one, as Gradle's compatibility rules
    /// allow; a runtime classpath never takes a `java-api` variant (Gradle finds no matching
    /// variant there; fundament then reads the POM). None when no variant fits (a platform
    /// module, a module for other platforms only).
    pub fn variant(&self, usage: Usage) -> Option<&Variant> {
        self.variants
            .iter()
            .filter_map(|v| Some((java_fit(v, usage)?, v)))
            // max_by_key keeps the last of equal ones; Gradle would fail on an ambiguity, the
            // first declared is the steadier answer.
            .fold(None::<(u32, &Variant)>, |best, (score, v)| match best {
                Some((b, _)) if b >= score => best,
                _ => Some((score, v)),
            })
            .map(|(_, v)| v)
    }
}

/// What a classpath uses a module for: Gradle's `org.gradle.usage` attribute a JVM
/// project's resolvable configurations ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Usage {
    /// `java-api`: compile classpaths (`compileClasspath`, `testCompileClasspath`). A Maven
    /// POM gives its `compile` dependencies.
    Api,
    /// `java-runtime`: runtime classpaths (`runtimeClasspath`, `testRuntimeClasspath`,
    /// annotation processors). A Maven POM gives its `compile` and `runtime` dependencies.
    Runtime,
}

impl Usage {
    /// The POM scopes whose dependencies a module without Gradle Module Metadata gives this
    /// usage (Gradle's variants derived from a POM).
    pub fn takes_pom_scope(self, scope: &str) -> bool {
        match self {
            Usage::Api => matches!(scope, "" | "compile"),
            Usage::Runtime => matches!(scope, "" | "compile" | "runtime"),
        }
    }
}

/// How well a variant fits a JVM classpath of `usage` (higher is better); None: it does not.
fn java_fit(variant: &Variant, usage: Usage) -> Option<u32> {
    let attr = |name: &str| variant.attributes.get(name).map(String::as_str);
    if !matches!(attr("org.gradle.category"), None | Some("library")) {
        return None;
    }
    if attr("org.gradle.docstype").is_some() {
        return None;
    }
    let api = matches!(attr("org.gradle.usage"), Some("java-api" | "java-api-jars"));
    let runtime = matches!(
        attr("org.gradle.usage"),
        Some("java-runtime" | "java-runtime-jars")
    );
    let mut score = match usage {
        Usage::Api if api => 8,
        Usage::Api if runtime => 4,
        Usage::Runtime if runtime => 8,
        _ => return None,
    };
    score += match attr("org.jetbrains.kotlin.platform.type") {
        None | Some("jvm") => 2,
        Some("androidJvm") => 0,
        Some(_) => return None,
    };
    score += match attr("org.gradle.jvm.environment") {
        None | Some("standard-jvm") => 1,
        Some(_) => 0,
    };
    score *= 2;
    score += match attr("org.gradle.libraryelements") {
        None | Some("jar") => 1,
        Some(_) => 0,
    };
    Some(score)
}

fn dependency(d: WireDependency) -> ModuleDependency {
    let version = d.version.unwrap_or_default();
    let strict = version.strictly.is_some();
    let platform = d
        .attributes
        .get("org.gradle.category")
        .map(attribute_text)
        .is_some_and(|c| c == "platform" || c == "enforced-platform");
    ModuleDependency {
        group: d.group,
        module: d.module,
        version: version
            .strictly
            .or(version.requires)
            .or(version.prefers)
            .unwrap_or_default(),
        strict,
        excludes: d
            .excludes
            .into_iter()
            .map(|e| (e.group, e.module))
            .collect(),
        platform,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://maven.registry.example/x/x-1.module";

    fn variant(attributes: &[(&str, &str)]) -> String {
        let attributes: Vec<String> = attributes
            .iter()
            .map(|(k, v)| format!("\"{k}\": \"{v}\""))
            .collect();
        format!(
            "{{\"name\": \"v{}\", \"attributes\": {{{}}}}}",
            attributes.len(),
            attributes.join(",")
        )
    }

    #[test]
    fn picks_the_jvm_runtime_library_variant() {
        let text = format!(
            "{{\"formatVersion\": \"1.1\", \"variants\": [{}, {}, {}, {}, {}]}}",
            variant(&[
                ("org.gradle.category", "documentation"),
                ("org.gradle.usage", "java-runtime")
            ]),
            variant(&[("org.gradle.usage", "java-api")]),
            variant(&[
                ("org.gradle.category", "library"),
                ("org.gradle.usage", "java-runtime"),
                ("org.jetbrains.kotlin.platform.type", "js")
            ]),
            variant(&[
                ("org.gradle.category", "library"),
                ("org.gradle.usage", "java-runtime"),
                ("org.gradle.jvm.environment", "android"),
                ("org.gradle.libraryelements", "jar"),
                ("org.gradle.dependency.bundling", "external"),
            ]),
            variant(&[
                ("org.gradle.category", "library"),
                ("org.gradle.usage", "java-runtime"),
                ("org.gradle.jvm.environment", "standard-jvm"),
                ("org.gradle.libraryelements", "jar"),
                ("org.gradle.dependency.bundling", "external"),
                ("x", "y"),
            ]),
        );
        let module = GradleModule::parse(URL, text.as_bytes()).unwrap();
        assert_eq!(module.variant(Usage::Runtime).unwrap().name, "v6");
        // A compile classpath takes the java-api variant.
        assert_eq!(module.variant(Usage::Api).unwrap().name, "v1");
    }

    #[test]
    fn a_compile_classpath_falls_back_to_the_runtime_variant_but_not_the_reverse() {
        let only_runtime = format!(
            "{{\"formatVersion\": \"1.1\", \"variants\": [{}]}}",
            variant(&[
                ("org.gradle.category", "library"),
                ("org.gradle.usage", "java-runtime")
            ])
        );
        let module = GradleModule::parse(URL, only_runtime.as_bytes()).unwrap();
        assert_eq!(module.variant(Usage::Api).unwrap().name, "v2");
        assert_eq!(module.variant(Usage::Runtime).unwrap().name, "v2");
        let only_api = format!(
            "{{\"formatVersion\": \"1.1\", \"variants\": [{}]}}",
            variant(&[
                ("org.gradle.category", "library"),
                ("org.gradle.usage", "java-api")
            ])
        );
        let module = GradleModule::parse(URL, only_api.as_bytes()).unwrap();
        assert_eq!(module.variant(Usage::Api).unwrap().name, "v2");
        assert!(module.variant(Usage::Runtime).is_none());
    }

    #[test]
    fn pom_scopes_by_usage() {
        assert!(Usage::Api.takes_pom_scope("compile") && Usage::Api.takes_pom_scope(""));
        assert!(!Usage::Api.takes_pom_scope("runtime"));
        assert!(Usage::Runtime.takes_pom_scope("runtime"));
        for scope in ["test", "provided", "system", "import"] {
            assert!(!Usage::Api.takes_pom_scope(scope) && !Usage::Runtime.takes_pom_scope(scope));
        }
    }

    #[test]
    fn reads_dependencies_rich_versions_excludes_and_platforms() {
        let text = r#"{"formatVersion": "1.1", "component": {"group": "g", "module": "m", "version": "1"},
          "variants": [{"name": "runtimeElements",
            "attributes": {"org.gradle.usage": "java-runtime", "org.gradle.category": "library", "n": 8, "b": true},
            "dependencies": [
              {"group": "a", "module": "b", "version": {"requires": "1.0", "prefers": "1.1"},
               "excludes": [{"group": "x"}, {"module": "y"}]},
              {"group": "a", "module": "c", "version": {"strictly": "[1,2)", "requires": "1.5"}},
              {"group": "a", "module": "bom", "version": {"requires": "3"},
               "attributes": {"org.gradle.category": "platform"}},
              {"group": "a", "module": "noversion"}],
            "dependencyConstraints": [{"group": "a", "module": "d", "version": {"requires": "2"}}],
            "files": [{"name": "m-1.jar", "url": "m-1.jar", "sha1": "00"}],
            "capabilities": [{"group": "g", "name": "m", "version": "1"}]}]}"#;
        let module = GradleModule::parse(URL, text.as_bytes()).unwrap();
        let v = module.variant(Usage::Runtime).unwrap();
        assert_eq!(v.attributes["n"], "8");
        assert_eq!(v.attributes["b"], "true");
        let d = &v.dependencies;
        assert_eq!((d[0].version.as_str(), d[0].strict), ("1.0", false));
        assert_eq!(
            d[0].excludes,
            vec![
                ("x".to_string(), "*".to_string()),
                ("*".to_string(), "y".to_string())
            ]
        );
        assert_eq!((d[1].version.as_str(), d[1].strict), ("[1,2)", true));
        assert!(d[2].platform && !d[0].platform);
        assert_eq!(d[3].version, "");
        assert_eq!(v.constraints[0].module, "d");
        assert_eq!(v.capabilities, vec![("g".to_string(), "m".to_string())]);
    }

    #[test]
    fn reads_available_at() {
        let text = r#"{"formatVersion": "1.1", "variants": [
          {"name": "jvmRuntimeElements-published",
           "attributes": {"org.gradle.usage": "java-runtime", "org.gradle.category": "library",
                          "org.jetbrains.kotlin.platform.type": "jvm"},
           "available-at": {"url": "../../m-jvm/1/m-jvm-1.module", "group": "g", "module": "m-jvm", "version": "1"}}]}"#;
        let module = GradleModule::parse(URL, text.as_bytes()).unwrap();
        let at = module
            .variant(Usage::Runtime)
            .unwrap()
            .available_at
            .clone()
            .unwrap();
        assert_eq!(
            (at.group.as_str(), at.module.as_str(), at.version.as_str()),
            ("g", "m-jvm", "1")
        );
    }

    #[test]
    fn bad_input_is_an_error_naming_the_url() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"<html>not found</html>".to_vec(), "not the expected JSON"),
            (b"{\"formatVersion\": \"2.0\", \"variants\": []}".to_vec(), "format version `2.0`"),
            (b"{\"variants\": []}".to_vec(), "no `formatVersion`"),
            (b"{\"formatVersion\": \"1.1\", \"variants\": [{\"dependencies\": [{\"group\": 1}]}]}".to_vec(), "not the expected JSON"),
            // Nesting past the parser's recursion limit.
            (format!("{{\"formatVersion\": \"1.1\", \"x\": {}{}}}", "[".repeat(5000), "]".repeat(5000)).into_bytes(), "nested more than 64 deep"),
            // Brackets inside strings do not count.
            (format!("{{\"formatVersion\": \"1.1\", \"x\": \"{}\\\"\", \"variants\": 3}}", "[".repeat(100)).into_bytes(), "not the expected JSON"),
            (vec![b' '; MODULE_LIMIT + 1], "more than the 4 MiB"),
            (
                format!(
                    "{{\"formatVersion\": \"1.1\", \"variants\": [{}]}}",
                    vec!["{}"; MAX_VARIANTS + 1].join(",")
                )
                .into_bytes(),
                "variants, more than",
            ),
        ];
        for (body, expected) in cases {
            let err = match GradleModule::parse(URL, &body) {
                Ok(m) => panic!(
                    "{} read as {m:?}",
                    String::from_utf8_lossy(&body[..body.len().min(80)])
                ),
                Err(e) => e.to_string(),
            };
            assert!(err.starts_with(URL), "{err}");
            assert!(err.contains(expected), "{err} lacks {expected}");
        }
    }
}
