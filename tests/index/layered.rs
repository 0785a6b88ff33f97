//! Several indices by precedence, settings from fundament.toml, curations, the built-in index.

use super::*;

#[test]
fn layered_indices_answer_by_precedence_and_name_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let association = new_index(&tmp.path().join("a"), false);
    let member = new_index(&tmp.path().join("m"), false);
    publish_ok(
        tmp.path(),
        &association,
        &approving("pkg:cargo/serde@1.0.0"),
    );
    publish_ok(
        tmp.path(),
        &member,
        &decided(&["pkg:cargo/serde@1.0.0"], "rejected", "MIT", "M", "Member"),
    );
    publish_ok(tmp.path(), &association, &approving("pkg:cargo/syn@2.0.0"));

    let member_first = only(&[
        folder("association", &association, 1),
        folder("member", &member, 2),
    ]);
    let found =
        member_first.lookup_many(&[("pkg:cargo/serde", "1.0.0"), ("pkg:cargo/syn", "2.0.0")]);
    let answer = found[0].answer.as_ref().unwrap();
    assert_eq!(answer.record.decision, Decision::Rejected);
    assert_eq!(answer.index_name, "member");
    assert_eq!(answer.precedence, 2);
    assert_eq!(answer.superseded.len(), 1);
    assert_eq!(answer.superseded[0].index_name, "association");
    assert_eq!(answer.superseded[0].record.decision, Decision::Approved);
    // The member has nothing on syn: the association answers.
    assert_eq!(found[1].answer.as_ref().unwrap().index_name, "association");
    assert!(found.iter().all(|l| l.conclusive()));

    let association_first = only(&[
        folder("association", &association, 3),
        folder("member", &member, 2),
    ]);
    let answer = association_first
        .lookup("pkg:cargo/serde", "1.0.0")
        .answer
        .unwrap();
    assert_eq!(answer.index_name, "association");
    assert_eq!(answer.record.decision, Decision::Approved);

    // The same precedence twice, or a name twice, is a configuration error.
    let clash = Layered::open(
        &[folder("a", &association, 1), folder("b", &member, 1)],
        &IndexOptions::default(),
    );
    assert!(
        clash
            .unwrap_err()
            .to_string()
            .contains("both have precedence 1")
    );
    let clash = Layered::open(
        &[folder("a", &association, 1), folder("a", &member, 2)],
        &IndexOptions::default(),
    );
    assert!(clash.unwrap_err().to_string().contains("named `a`"));

    // A folder that is not an index is a failed layer, reported by every look-up.
    let missing = only(&[folder("gone", &tmp.path().join("gone"), 1)]);
    assert!(missing.problems()[0].message.contains("has no config.json"));
    assert!(!missing.lookup("pkg:cargo/serde", "1.0.0").conclusive());

    // The command line shows the same.
    let out = index_cmd(
        tmp.path(),
        &[
            "show",
            "pkg:cargo/serde@1.0.0",
            "--index",
            member.to_str().unwrap(),
            "--index",
            association.to_str().unwrap(),
            "--no-builtin",
        ],
    );
    assert!(
        text(&out).contains("1.0.0: rejected (MIT) by M, Member on 2026-03-01, index `index-1` cargo/se/rd/serde:1; supersedes 1"),
        "{}",
        text(&out)
    );
}

#[test]
fn index_settings_are_read_from_fundament_toml() {
    let table: toml::Table = toml::from_str(
        r#"
[[index]]
name = "association"
location = "https://index.example/vetted"
precedence = 10

[[index]]
name = "ours"
location = "file:///srv/index.git"
precedence = 20
branch = "main"
"#,
    )
    .unwrap();
    let settings = fundament::index::settings_from_toml(&table).unwrap();
    assert_eq!(settings.len(), 2);
    assert_eq!(settings[1].branch.as_deref(), Some("main"));
    let bad: toml::Table =
        toml::from_str("[[index]]\nname = \"x\"\nlocation = \"y\"\nprecedence = 1\nprio = 2\n")
            .unwrap();
    assert!(
        fundament::index::settings_from_toml(&bad)
            .unwrap_err()
            .contains("prio")
    );
}

#[test]
fn records_become_curations_pinned_to_their_licence_files() {
    let mut r = record(
        "pkg:pypi/django",
        "5.0.1",
        Decision::Approved,
        "BSD-3-Clause",
    );
    r.evidence
        .licence_files
        .push(fundament::index::LicenceFileHash {
            path: "LICENSE".to_string(),
            sha256: SHA_A.to_string(),
        });
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    std::fs::create_dir_all(index.join("pypi/dj/an")).unwrap();
    std::fs::write(
        index.join("pypi/dj/an/django"),
        format!("{}\n", r.to_line()),
    )
    .unwrap();
    let layered = only(&[folder("city", &index, 1)]);
    let answer = layered.lookup("pkg:pypi/Django", "5.0.1").answer.unwrap();
    let curation = answer.curation("Django", "5.0.1", None).unwrap();
    assert_eq!(curation.expression, "BSD-3-Clause");
    assert_eq!(curation.files.len(), 1);
    assert_eq!(curation.files[0].sha256, SHA_A);
    assert_eq!(curation.spec.name, "Django");
    assert_eq!(curation.spec.exact_version.as_deref(), Some("5.0.1"));
    assert_eq!(
        curation.source.to_string(),
        "index `city` pypi/dj/an/django:1"
    );
    let mut unknown = r.clone();
    unknown.decision = Decision::Rejected;
    unknown.licence = "NOASSERTION".to_string();
    assert!(
        unknown
            .curation("Django", "5.0.1", curation.source.clone(), false)
            .is_none()
    );
}

#[test]
fn the_built_in_index_is_fundaments_own_registry_index_and_it_verifies() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("registry-index");
    let tmp = tempfile::tempdir().unwrap();
    let out = index_cmd(tmp.path(), &["verify", dir.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    // Every record on disk is answered by the built-in index, from the built-in index.
    let layered = Layered::open(&[], &IndexOptions::default()).unwrap();
    assert!(layered.problems().is_empty(), "{:?}", layered.problems());
    assert_eq!(layered.layers()[0].kind, SourceKind::Builtin);
    let mut queries = Vec::new();
    let mut walk = vec![dir.join("cargo")];
    while let Some(d) = walk.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk.push(path);
            } else {
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    let r: Record = serde_json::from_str(line).unwrap();
                    assert!(
                        r.decision != Decision::Approved || !r.evidence.licence_files.is_empty(),
                        "{} is approved but pins no licence file",
                        r.purl
                    );
                    queries.push((r.purl.clone(), r.version.clone().unwrap(), r.decision));
                }
            }
        }
    }
    assert!(queries.len() >= 40, "only {} seeded records", queries.len());
    let asked: Vec<(&str, &str)> = queries
        .iter()
        .map(|(p, v, _)| (p.as_str(), v.as_str()))
        .collect();
    for (lookup, (purl, _, decision)) in layered.lookup_many(&asked).iter().zip(&queries) {
        let answer = lookup.answer.as_ref().unwrap_or_else(|| panic!("{purl}"));
        assert_eq!(answer.record.decision, *decision);
        assert_eq!(answer.index_name, "fundament");
    }
}

#[test]
fn a_curation_from_an_index_applies_while_its_licence_files_are_unchanged() {
    use fundament::licence::detect::DetectionCache;
    use fundament::licence::{self, ConcludedFrom, DetectMode, IdentifyOptions};
    use fundament::model::{DeclaredLicence, Ecosystem, Graph, Origin, Package, PackageSource};

    let tmp = tempfile::tempdir().unwrap();
    let package_dir = tmp.path().join("thing-1.0.0");
    std::fs::create_dir_all(&package_dir).unwrap();
    let text = "Permission is hereby granted, free of charge, to any person ...\n";
    std::fs::write(package_dir.join("LICENSE"), text).unwrap();
    let sha = fundament::licence::detect::sha256_hex(text.as_bytes());

    let mut r = record("pkg:cargo/thing", "1.0.0", Decision::Approved, "MIT");
    r.evidence
        .licence_files
        .push(fundament::index::LicenceFileHash {
            path: "LICENSE".to_string(),
            sha256: sha,
        });
    let index = new_index(tmp.path(), false);
    std::fs::create_dir_all(index.join("cargo/th/in")).unwrap();
    std::fs::write(
        index.join("cargo/th/in/thing"),
        format!("{}\n", r.to_line()),
    )
    .unwrap();
    let layered = only(&[folder("city", &index, 1)]);

    let mut package = Package::new(
        Ecosystem::Cargo,
        "thing",
        "1.0.0",
        PackageSource::Registry { url: None },
    );
    package.dir = Some(package_dir.clone());
    package.declared.push(DeclaredLicence {
        raw: "MIT/X11-ish".to_string(),
        origin: Origin {
            file: "Cargo.toml".to_string(),
            field: "license".to_string(),
        },
    });
    let graph = Graph {
        projects: Vec::new(),
        packages: vec![package.clone()],
    };
    let answer = layered
        .lookup(&package.purl, &package.version)
        .answer
        .unwrap();
    let curation = answer
        .curation(&package.name, &package.version, None)
        .unwrap();
    let options = IdentifyOptions {
        detect: DetectMode::Needed,
        cache: DetectionCache::new(None),
        areas: fundament::source::Confined::other(tmp.path(), "the package cache")
            .into_iter()
            .collect(),
    };
    let identified = licence::identify(&graph, std::slice::from_ref(&curation), &options);
    let concluded = &identified.evidence[0].concluded;
    assert_eq!(concluded.from, ConcludedFrom::Curated);
    assert_eq!(concluded.expression, "MIT");
    assert!(
        concluded
            .explanation
            .contains("index `city` cargo/th/in/thing:1"),
        "{}",
        concluded.explanation
    );

    // The licence file changed: the record no longer applies, and the audit says so.
    std::fs::write(package_dir.join("LICENSE"), "Some other licence\n").unwrap();
    let identified = licence::identify(&graph, &[curation], &options);
    assert_ne!(
        identified.evidence[0].concluded.from,
        ConcludedFrom::Curated
    );
    assert!(
        identified.findings.iter().any(|f| f.code.as_str() == "V005"
            && f.message.contains("LICENSE has sha256")
            && f.message.contains("the index record expects")),
        "{:?}",
        identified.findings
    );
}
