//! Scopes of Gradle configurations, by their names.

use super::*;

/// The scope of a dependency in a Gradle configuration, by the configuration's name.
pub fn scope_of_configuration(name: &str) -> Scope {
    let words = words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    // Test configurations; Spring Boot's `developmentOnly`, Android's debug variants.
    if words.iter().any(|w| w.starts_with("test")) {
        return Scope::Test;
    }
    if has("development") || has("debug") {
        return Scope::Dev;
    }
    const BUILD_WORDS: &[&str] = &[
        "annotationprocessor",
        "kapt",
        "ksp",
        "classpath",
        "detekt",
        "ktlint",
        "spotless",
        "checkstyle",
        "pmd",
        "spotbugs",
        "errorprone",
        "jacoco",
        "jacocoagent",
        "jacocoant",
        "lint",
        "dokka",
        "pitest",
        "codenarc",
        "plugin",
        "compiler",
    ];
    let lower = name.to_ascii_lowercase();
    let build = lower.ends_with("annotationprocessor")
        || words
            .iter()
            .any(|w| BUILD_WORDS.iter().any(|b| w.starts_with(b)))
        || lower.starts_with("kotlincompiler")
        || lower.starts_with("kotlinnative")
        || lower.starts_with("kotlinklib")
        || lower.starts_with("kotlinbuildtools");
    // `compileClasspath`, `runtimeClasspath`, `releaseRuntimeClasspath` are the product's.
    let product_classpath = lower.ends_with("compileclasspath")
        || lower.ends_with("runtimeclasspath")
        || lower.ends_with("runtimeelements")
        || lower.ends_with("apielements");
    if build && !(product_classpath && !lower.contains("plugin") && !lower.contains("compiler")) {
        Scope::Build
    } else if lower.ends_with("compileonly") || lower.ends_with("compileonlyapi") {
        // Declared for compiling only: supplied by the environment that runs the product.
        Scope::Provided
    } else {
        Scope::Runtime
    }
}

/// Whether `name` is a runtime classpath of the product (`runtimeClasspath`,
/// `releaseRuntimeClasspath`, `productionRuntimeClasspath`), not of tests or build tools.
pub(super) fn is_product_runtime_classpath(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with("runtimeclasspath")
        && scope_of_configuration(name) == Scope::Runtime
}

/// The lower-case words of a camel-case, snake-case or kebab-case name.
pub(super) fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' || c == ' ' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}
