use super::*;

fn env_for<'a>(
    script: &'a Script,
    props: &'a HashMap<String, String>,
    catalogs: &'a [Catalog],
) -> Env<'a> {
    Env::new(script, None, props, None, catalogs)
}

fn declared(text: &str, kotlin: bool) -> Vec<(String, String, String, Vec<String>)> {
    declared_with(text, kotlin, &HashMap::new(), &[])
}

fn declared_with(
    text: &str,
    kotlin: bool,
    props: &HashMap<String, String>,
    catalogs: &[Catalog],
) -> Vec<(String, String, String, Vec<String>)> {
    let script = parse_script(text, kotlin);
    assert_eq!(script.errors, vec![], "{text}");
    let env = env_for(&script, props, catalogs);
    evaluate_dependencies(&script, &env, None)
        .coordinates
        .into_iter()
        .map(|c| {
            (
                c.configuration,
                format!("{}:{}", c.group, c.artifact),
                c.version,
                c.unresolved,
            )
        })
        .collect()
}

fn d(config: &str, name: &str, version: &str) -> (String, String, String, Vec<String>) {
    (
        config.to_string(),
        name.to_string(),
        version.to_string(),
        Vec::new(),
    )
}

#[test]
fn kotlin_dsl_notations() {
    let got = declared(
        r#"
val junitVersion = "5.10.2"
dependencies {
implementation("org.slf4j:slf4j-api:2.0.9") // a comment with "quotes"
api("com.google.guava:guava:33.0.0-jre") { exclude(group = "x") }
testImplementation("org.junit.jupiter:junit-jupiter:$junitVersion")
testImplementation("org.junit.jupiter:junit-jupiter-params:${junitVersion}")
implementation(platform("software.amazon.awssdk:bom:2.42.36"))
implementation(enforcedPlatform("org.example:platform:1.0"))
implementation(group = "org.apache.commons", name = "commons-lang3", version = "3.14.0")
runtimeOnly("org.postgresql:postgresql")
/* implementation("commented:out:1.0") */
"migrationImplementation"("org.flywaydb:flyway-core:10.0.0")
compileOnly("org.projectlombok:lombok")
annotationProcessor("org.projectlombok:lombok:1.18.30")
implementation(kotlin("stdlib"))
implementation(kotlin("reflect", "1.9.0"))
implementation("org.example:pinned") { version { strictly("1.2.3") } }
implementation(project(":core"))
}
"#,
        true,
    );
    assert_eq!(
        got,
        vec![
            d("implementation", "org.slf4j:slf4j-api", "2.0.9"),
            d("api", "com.google.guava:guava", "33.0.0-jre"),
            d(
                "testImplementation",
                "org.junit.jupiter:junit-jupiter",
                "5.10.2"
            ),
            d(
                "testImplementation",
                "org.junit.jupiter:junit-jupiter-params",
                "5.10.2"
            ),
            d("implementation", "software.amazon.awssdk:bom", "2.42.36"),
            d("implementation", "org.example:platform", "1.0"),
            d(
                "implementation",
                "org.apache.commons:commons-lang3",
                "3.14.0"
            ),
            d("runtimeOnly", "org.postgresql:postgresql", ""),
            d(
                "migrationImplementation",
                "org.flywaydb:flyway-core",
                "10.0.0"
            ),
            d("compileOnly", "org.projectlombok:lombok", ""),
            d("annotationProcessor", "org.projectlombok:lombok", "1.18.30"),
            d("implementation", "org.jetbrains.kotlin:kotlin-stdlib", ""),
            d(
                "implementation",
                "org.jetbrains.kotlin:kotlin-reflect",
                "1.9.0"
            ),
            d("implementation", "org.example:pinned", "1.2.3"),
        ]
    );
}

#[test]
fn groovy_dsl_notations_and_ext_properties() {
    let got = declared(
        r#"
ext {
springVersion = '6.1.4'
versions = [jackson: "2.17.0"]
}
ext.guavaVersion = "33.0.0-jre"
def lombok = 'org.projectlombok:lombok:1.18.30'
dependencies {
implementation 'org.springframework:spring-core:' + springVersion
implementation "org.springframework:spring-web:$springVersion"
implementation "com.fasterxml.jackson.core:jackson-databind:${versions.jackson}"
implementation group: 'com.google.guava', name: 'guava', version: guavaVersion
implementation('org.example:closure:1.0') {
    transitive = false
}
compileOnly lombok
testImplementation 'junit:junit:4.13.2',
    'org.hamcrest:hamcrest:2.2'
implementation platform('org.example:bom:1.0')
implementation fileTree(dir: 'libs', include: ['*.jar'])
implementation files('x.jar')
implementation "org.example:unknown:$notDefined"
implementation "org.example:slashy:${'1.' + '0'}"
}
"#,
        false,
    );
    assert_eq!(
        got[..9],
        vec![
            d("implementation", "org.springframework:spring-core", "6.1.4"),
            d("implementation", "org.springframework:spring-web", "6.1.4"),
            d(
                "implementation",
                "com.fasterxml.jackson.core:jackson-databind",
                "2.17.0"
            ),
            d("implementation", "com.google.guava:guava", "33.0.0-jre"),
            d("implementation", "org.example:closure", "1.0"),
            d("compileOnly", "org.projectlombok:lombok", "1.18.30"),
            d("testImplementation", "junit:junit", "4.13.2"),
            d("testImplementation", "org.hamcrest:hamcrest", "2.2"),
            d("implementation", "org.example:bom", "1.0"),
        ]
    );
    assert_eq!(
        got[9],
        (
            "implementation".to_string(),
            "org.example:unknown".to_string(),
            "$notDefined".to_string(),
            vec!["notDefined".to_string()]
        )
    );
    assert_eq!(got[10], d("implementation", "org.example:slashy", "1.0"));
    assert_eq!(got.len(), 11);
}

#[test]
fn catalog_accessors_and_properties() {
    let (catalog, errors) = parse_catalog(
        r#"
[versions]
jackson = "2.17.0"
kotlin = { strictly = "[1.9, 2.0[", prefer = "1.9.22" }

[libraries]
jackson-databind = { module = "com.fasterxml.jackson.core:jackson-databind", version.ref = "jackson" }
jackson_core = { group = "com.fasterxml.jackson.core", name = "jackson-core", version.ref = "jackson" }
guava = "com.google.guava:guava:33.0.0-jre"
bom-managed = { module = "org.example:managed" }

[bundles]
jackson = ["jackson-databind", "jackson-core"]

[plugins]
spring = { id = "org.springframework.boot", version = "3.2.0" }
"#,
    )
    .unwrap();
    assert_eq!(errors, vec![]);
    let catalogs = vec![Catalog {
        name: "libs".to_string(),
        ..catalog
    }];
    let mut props = HashMap::new();
    props.insert("slf4jVersion".to_string(), "2.0.9".to_string());
    let got = declared_with(
        r#"
dependencies {
implementation(libs.guava)
implementation(libs.bundles.jackson)
implementation(libs.bom.managed)
implementation("org.slf4j:slf4j-api:${property("slf4jVersion")}")
implementation("org.slf4j:slf4j-simple:${libs.versions.jackson.get()}")
implementation(libs.not.there)
}
"#,
        true,
        &props,
        &catalogs,
    );
    assert_eq!(
        got[..6],
        vec![
            d("implementation", "com.google.guava:guava", "33.0.0-jre"),
            d(
                "implementation",
                "com.fasterxml.jackson.core:jackson-databind",
                "2.17.0"
            ),
            d(
                "implementation",
                "com.fasterxml.jackson.core:jackson-core",
                "2.17.0"
            ),
            d("implementation", "org.example:managed", ""),
            d("implementation", "org.slf4j:slf4j-api", "2.0.9"),
            d("implementation", "org.slf4j:slf4j-simple", "2.17.0"),
        ]
    );
    assert_eq!(got.len(), 6);
    let script = parse_script("dependencies { implementation(libs.not.there) }", true);
    let env = env_for(&script, &props, &catalogs);
    let unknown = evaluate_dependencies(&script, &env, None).unknown;
    assert_eq!(unknown, vec![("libs.not.there".to_string(), 1)]);
}

#[test]
fn catalog_errors_have_lines() {
    let (_, errors) = parse_catalog(
        "[versions]\na = \"1\"\n[libraries]\nbad = { version = \"1\" }\nref = { module = \"g:a\", version.ref = \"missing\" }\n",
    )
    .unwrap();
    let lines: Vec<Option<usize>> = errors.iter().map(|e| e.0).collect();
    assert_eq!(lines, vec![Some(4), Some(5)]);
    let err = parse_catalog("[libraries\nx = 1\n").unwrap_err();
    assert_eq!(err.0, Some(1));
}

#[test]
fn buildscript_constraints_kotlin_version_and_test_source_sets() {
    let script = parse_script(
        r#"
buildscript {
dependencies { classpath("org.flywaydb:flyway-database-postgresql:12.4.0") }
}
plugins {
kotlin("jvm") version "2.0.0"
}
dependencies {
constraints {
    implementation("org.example:constrained:4.5.6")
}
implementation("org.example:constrained")
implementation(kotlin("stdlib"))
}
kotlin {
sourceSets {
    val commonTest by getting {
        dependencies { implementation("org.example:test-only:1.0") }
    }
}
}
"#,
        true,
    );
    let props = HashMap::new();
    let env = env_for(&script, &props, &[]);
    let got = evaluate_dependencies(&script, &env, None).coordinates;
    let summary: Vec<(String, String, bool, bool)> = got
        .iter()
        .map(|c| (c.artifact.clone(), c.version.clone(), c.buildscript, c.test))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "flyway-database-postgresql".to_string(),
                "12.4.0".to_string(),
                true,
                false
            ),
            ("constrained".to_string(), "4.5.6".to_string(), false, false),
            (
                "kotlin-stdlib".to_string(),
                "2.0.0".to_string(),
                false,
                false
            ),
            ("test-only".to_string(), "1.0".to_string(), false, true),
        ]
    );
}

#[test]
fn settings_root_name_group_and_version() {
    let settings = parse_script(
        "pluginManagement { includeBuild(\"build-logic\") }\nrootProject.name = \"my-app\"\ninclude(\":core\", \":app\")\n",
        true,
    );
    let props = HashMap::new();
    let env = env_for(&settings, &props, &[]);
    assert_eq!(
        env.text(settings.root_name.as_ref().unwrap()).resolved(),
        Some("my-app".to_string())
    );
    assert_eq!(settings.include_builds.len(), 1);
    let build = parse_script(
        "group 'org.example'\nversion '1.0'\nlombok { version = '9' }\n",
        false,
    );
    let env = env_for(&build, &props, &[]);
    assert_eq!(env.text(build.group.as_ref().unwrap()).value, "org.example");
    assert_eq!(env.text(build.version.as_ref().unwrap()).value, "1.0");
}

#[test]
fn lexer_errors_have_lines() {
    let script = parse_script("dependencies {\n  implementation(\"a:b:1.0)\n}\n", true);
    assert_eq!(script.errors, vec![(2, "unterminated string".to_string())]);
    let script = parse_script("dependencies {\n  implementation('a:b:1.0')\n", false);
    assert_eq!(script.errors, vec![(1, "`{` is never closed".to_string())]);
}

#[test]
fn lockfile_lines() {
    let (entries, errors) = parse_lockfile(
        "# comment\ncom.google.guava:guava:33.0.0-jre=compileClasspath,runtimeClasspath\n\
         junit:junit:4.13.2=testCompileClasspath\nempty=annotationProcessor\nbroken line\n\
         g:a=runtimeClasspath\n",
        None,
    );
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0].configurations,
        vec!["compileClasspath", "runtimeClasspath"]
    );
    let lines: Vec<usize> = errors.iter().map(|e| e.0).collect();
    assert_eq!(lines, vec![5, 6]);
    let (legacy, errors) = parse_lockfile("g:a:1.0\n", Some("compileClasspath"));
    assert!(errors.is_empty());
    assert_eq!(legacy[0].configurations, vec!["compileClasspath"]);
}

#[test]
fn configuration_scopes() {
    for (name, scope) in [
        ("implementation", Scope::Runtime),
        ("compileClasspath", Scope::Runtime),
        ("runtimeClasspath", Scope::Runtime),
        ("releaseRuntimeClasspath", Scope::Runtime),
        ("migrationImplementation", Scope::Runtime),
        ("compileOnly", Scope::Provided),
        ("testImplementation", Scope::Test),
        ("testRuntimeClasspath", Scope::Test),
        ("androidTestImplementation", Scope::Test),
        ("integrationTestRuntimeClasspath", Scope::Test),
        ("testAnnotationProcessor", Scope::Test),
        ("developmentOnly", Scope::Dev),
        ("annotationProcessor", Scope::Build),
        ("kapt", Scope::Build),
        ("kaptTest", Scope::Test),
        ("ksp", Scope::Build),
        ("detekt", Scope::Build),
        ("ktlint", Scope::Build),
        ("spotless865457", Scope::Build),
        ("classpath", Scope::Build),
        ("kotlinCompilerPluginClasspathMain", Scope::Build),
        ("jacocoAgent", Scope::Build),
        ("attestation", Scope::Runtime),
        ("debugImplementation", Scope::Dev),
        ("debugRuntimeClasspath", Scope::Dev),
    ] {
        assert_eq!(scope_of_configuration(name), scope, "{name}");
    }
}

#[test]
fn truncated_scripts_never_panic() {
    let groovy = "ext { v = '1' }\ndef m = [a: \"x:y:$v\"]\ndependencies {\n  implementation \"g:a:${v}\", {\n transitive = false }\n  implementation(group: 'g', name: 'b', version: v) { x -> }\n  testImplementation project(path: ':x')\n  implementation ~/re\\/x/ + '''t''' /* c */ // d\n}\n";
    let kotlin = "val v: String by project\ndependencies {\n  implementation(\"g:a:${v.get()}\") { version { strictly(\"1\") } }\n  \"x\"(platform(libs.a.b))\n  implementation(kotlin(\"stdlib\", v))\n  val s = \"\"\"raw $v ${'$'}\"\"\"\n}\n/* /* nested */ */\n";
    for (text, is_kotlin) in [(groovy, false), (kotlin, true)] {
        let chars: Vec<char> = text.chars().collect();
        for end in 0..=chars.len() {
            let prefix: String = chars[..end].iter().collect();
            let script = parse_script(&prefix, is_kotlin);
            let props = HashMap::new();
            let env = env_for(&script, &props, &[]);
            let _ = evaluate_dependencies(&script, &env, None);
        }
    }
}

#[test]
fn properties_files() {
    let p = parse_properties("# c\nversion=1.0\nkotlin.code.style : official\nlong = a\\\n  b\n");
    assert_eq!(p.get("version").map(String::as_str), Some("1.0"));
    assert_eq!(
        p.get("kotlin.code.style").map(String::as_str),
        Some("official")
    );
    assert_eq!(p.get("long").map(String::as_str), Some("ab"));
}

#[test]
fn catalogs_declared_in_the_settings() {
    // Groovy: the catalog named by its block; Kotlin: `create("name")`.
    for (text, kotlin) in [
        (
            "dependencyResolutionManagement {\n  versionCatalogs {\n    libs {\n      \
             version('junit', '5.10.3')\n      \
             library('lombok', 'org.projectlombok', 'lombok').version('1.18.34')\n      \
             library('junit-api', 'org.junit.jupiter', 'junit-jupiter-api').versionRef('junit')\n      \
             library('h2', 'com.h2database', 'h2').withoutVersion()\n      \
             library('guava', 'com.google.guava:guava:33.0.0-jre')\n      \
             plugin('spring-boot', 'org.springframework.boot').version('3.3.1')\n      \
             bundle('tests', ['junit-api', 'h2'])\n    }\n  }\n}\n",
            false,
        ),
        (
            "dependencyResolutionManagement {\n  versionCatalogs {\n    create(\"libs\") {\n      \
             version(\"junit\", \"5.10.3\")\n      \
             library(\"lombok\", \"org.projectlombok\", \"lombok\").version(\"1.18.34\")\n      \
             library(\"junit-api\", \"org.junit.jupiter\", \"junit-jupiter-api\").versionRef(\"junit\")\n      \
             library(\"h2\", \"com.h2database\", \"h2\").withoutVersion()\n      \
             library(\"guava\", \"com.google.guava:guava:33.0.0-jre\")\n      \
             plugin(\"spring-boot\", \"org.springframework.boot\").version(\"3.3.1\")\n      \
             bundle(\"tests\", listOf(\"junit-api\", \"h2\"))\n    }\n  }\n}\n",
            true,
        ),
    ] {
        let settings = parse_script(text, kotlin);
        assert_eq!(settings.errors, vec![]);
        let props = HashMap::new();
        let env = env_for(&settings, &props, &[]);
        let mut catalogs = Vec::new();
        add_declared_catalogs(
            &mut catalogs,
            &settings.catalog_entries,
            &env,
            Path::new("/build"),
            Path::new("/build/settings.gradle"),
        );
        assert_eq!(catalogs.len(), 1);
        let libs = &catalogs[0];
        assert_eq!(libs.name, "libs");
        let library = |alias: &str| {
            let l = &libs.libraries[alias];
            format!("{}:{}:{}", l.group, l.artifact, l.version)
        };
        assert_eq!(library("lombok"), "org.projectlombok:lombok:1.18.34");
        assert_eq!(
            library("junit.api"),
            "org.junit.jupiter:junit-jupiter-api:5.10.3"
        );
        assert_eq!(library("h2"), "com.h2database:h2:");
        assert_eq!(library("guava"), "com.google.guava:guava:33.0.0-jre");
        assert_eq!(
            libs.plugins["spring.boot"],
            ("org.springframework.boot".to_string(), "3.3.1".to_string())
        );
        assert_eq!(libs.bundles["tests"], vec!["junit.api", "h2"]);
        // And a build script sees them.
        let deps = declared_with(
            "dependencies {\n  implementation(libs.lombok)\n  testImplementation(libs.bundles.tests)\n}\n",
            true,
            &props,
            &catalogs,
        );
        assert_eq!(
            deps,
            vec![
                d("implementation", "org.projectlombok:lombok", "1.18.34"),
                d(
                    "testImplementation",
                    "org.junit.jupiter:junit-jupiter-api",
                    "5.10.3"
                ),
                d("testImplementation", "com.h2database:h2", ""),
            ]
        );
    }
}

#[test]
fn catalogs_are_read_in_linear_time() {
    // Bad entries are the costly case: each error names its line.
    let catalog = |n: usize| {
        let mut text = String::from("[versions]\nok = \"1.0\"\n[libraries]\n");
        for i in 0..n {
            text.push_str(&format!(
                "lib{i} = 42\nfine{i} = \"org.example:a{i}:1.0\"\n"
            ));
        }
        text
    };
    let (small, large) = (catalog(1_000), catalog(4_000));
    crate::growth::assert_linear("a version catalog", &small, &large, |text| {
        let (catalog, errors) = parse_catalog(text).unwrap();
        assert_eq!(errors.len(), catalog.libraries.len());
        assert!(errors.iter().all(|(line, _)| line.is_some()));
    });
}

/// Found by the fuzz harness (tests/fuzz.rs): 38,000 nested `{` in a build.gradle
/// overflowed the stack (the reader recursed once per block). Deep nesting, long
/// parentheses and long `?:` chains are read on the test thread's small stack, and what
/// surrounds them is still read.
#[test]
fn deep_nesting_and_long_chains_do_not_exhaust_the_stack() {
    let n = 200_000;
    let braces = format!(
        "dependencies {{\n    implementation 'com.example:before:1.0'\n{}\n{}\n    implementation 'com.example:after:2.0'\n}}\n",
        "x {".repeat(n),
        "}".repeat(n)
    );
    let found = declared(&braces, false);
    let names: Vec<&str> = found.iter().map(|d| d.1.as_str()).collect();
    assert_eq!(names, ["com.example:before", "com.example:after"]);
    // Unbalanced: the rest of the file is one block.
    let script = parse_script(&"{\"a\":".repeat(n), false);
    assert!(script.errors.len() <= 1, "{:?}", script.errors.len());

    let parens = format!(
        "def v = {}'1.0'{}\ndependencies {{ implementation \"com.example:lib:${{v}}\" }}\n",
        "(".repeat(n),
        ")".repeat(n)
    );
    let script = parse_script(&parens, false);
    let props = HashMap::new();
    let env = env_for(&script, &props, &[]);
    let found = evaluate_dependencies(&script, &env, None).coordinates;
    assert_eq!(found.len(), 1);
    assert!(
        !found[0].unresolved.is_empty(),
        "too deep to evaluate: unresolved"
    );

    let shallow = "def v = ((('1.0')))\ndependencies { implementation \"com.example:lib:${v}\" }\n";
    assert_eq!(declared(shallow, false)[0].2, "1.0");

    let elvis = format!(
        "def v = {}'1.0'\ndependencies {{ implementation \"com.example:lib:${{v}}\" }}\n",
        "findProperty('x') ?: ".repeat(n / 10)
    );
    assert_eq!(declared(&elvis, false)[0].2, "1.0");
}

#[test]
fn long_elvis_chains_are_read_in_linear_time() {
    let chain = |n: usize| {
        format!(
            "def v = {}'1.0'\ndependencies {{ implementation \"com.example:lib:${{v}}\" }}\n",
            "findProperty('x') ?: ".repeat(n)
        )
    };
    let (small, large) = (chain(1_000), chain(4_000));
    crate::growth::assert_linear("a ?: chain", &small, &large, |text| {
        let script = parse_script(text, false);
        let props = HashMap::new();
        let env = env_for(&script, &props, &[]);
        assert_eq!(
            evaluate_dependencies(&script, &env, None).coordinates.len(),
            1
        );
    });
}

#[test]
fn values_continued_over_many_lines_are_read_in_linear_time() {
    // Each line ends with `:` (the rest is a comment), so its value continues onto the next
    // one: every statement's value ran to the end of the file (fuzz: 128 KB, 1.4 GB).
    let settings = |n: usize| {
        format!(
            "regi{{try=https://repo.example\n{}",
            "registry=https://repo.example\n".repeat(n)
        )
    };
    let (small, large) = (settings(1_000), settings(4_000));
    crate::growth::assert_linear(
        "a value continued over many lines",
        &small,
        &large,
        |text| {
            let script = parse_script(text, false);
            assert!(
                script
                    .errors
                    .iter()
                    .any(|(_, e)| e.contains("values from here on are not read")),
                "{:?}",
                script.errors
            );
        },
    );
}

#[test]
fn unclosed_map_literals_are_read_in_linear_time() {
    // Every `versions = [` reads its value to the end of the file (fuzz: 112 KB, 1.5 GB).
    let script = |n: usize| format!("ext {{\n{}", "    versions = [\n".repeat(n));
    let (small, large) = (script(1_000), script(4_000));
    crate::growth::assert_linear("unclosed map literals", &small, &large, |text| {
        let script = parse_script(text, false);
        assert!(!script.errors.is_empty());
    });
}

#[test]
fn closers_of_another_kind_are_matched_in_linear_time() {
    let script = |n: usize| format!("{}{}", "(".repeat(n), "]".repeat(n));
    let (small, large) = (script(5_000), script(20_000));
    crate::growth::assert_linear("closers of another kind", &small, &large, |text| {
        let script = parse_script(text, false);
        assert!(
            script
                .errors
                .iter()
                .any(|(_, e)| e.contains("closes nothing"))
        );
    });
}

#[test]
fn a_real_script_stays_within_its_value_budget() {
    // This repository's fixtures, and the real builds of ../shared/fixtures where present.
    let roots = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures"),
    ];
    let mut scripts = 0;
    for entry in roots.iter().flat_map(|root| {
        walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
    }) {
        let name = entry.file_name().to_string_lossy();
        if !name.ends_with(".gradle") && !name.ends_with(".gradle.kts") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let script = parse_script(&text, name.ends_with(".kts"));
        scripts += 1;
        assert!(
            !script
                .errors
                .iter()
                .any(|(_, e)| e.contains("values from here on are not read")),
            "{}: {:?}",
            entry.path().display(),
            script.errors
        );
    }
    assert!(scripts >= 10, "only {scripts} Gradle scripts found");
}
