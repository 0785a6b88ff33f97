//! Tests of the Python reader.

use super::*;

fn requirement(text: &str) -> Requirement {
    match parse_requirement_text(text) {
        Ok(Parsed::Requirement(r)) => r,
        Ok(Parsed::Nothing) => panic!("`{text}` gave nothing"),
        Err(e) => panic!("`{text}`: {e}"),
    }
}

#[test]
fn pep508_names_extras_specifiers_and_markers() {
    let r =
        parse_pep508(r#"Werkzeug[watchdog, dotenv] >=3.0, <4 ; python_version < "3.11""#).unwrap();
    assert_eq!(r.name, "Werkzeug");
    assert_eq!(
        r.specs,
        vec![
            (">=".to_string(), "3.0".to_string()),
            ("<".to_string(), "4".to_string())
        ]
    );
    let r = parse_pep508("name (==1.0)").unwrap();
    assert_eq!(r.specs, vec![("==".to_string(), "1.0".to_string())]);
    let r = parse_pep508("pkg @ https://files.example/pkg-1.0.tar.gz ; os_name == 'nt'").unwrap();
    assert_eq!(
        r.url.as_deref(),
        Some("https://files.example/pkg-1.0.tar.gz")
    );
    assert!(parse_pep508("-bad").is_err());
    assert!(parse_pep508("name >> 1").is_err());
    assert!(parse_pep508("name[extra").is_err());
    assert!(parse_pep508("this is not a requirement").is_err());
}

#[test]
fn pins_are_exact_versions_only() {
    assert_eq!(requirement("a==1.2.3").pin.as_deref(), Some("1.2.3"));
    assert_eq!(
        requirement("a===1.2-custom").pin.as_deref(),
        Some("1.2-custom")
    );
    assert_eq!(requirement("a==1.2.*").pin, None);
    assert_eq!(requirement("a>=1").pin, None);
    assert_eq!(requirement("a").pin, None);
    assert_eq!(requirement("a~=1.2").spec, "a~=1.2");
    assert_eq!(poetry_pin("1.2.3").as_deref(), Some("1.2.3"));
    assert_eq!(poetry_pin("==1.2.3").as_deref(), Some("1.2.3"));
    assert_eq!(poetry_pin("^1.2"), None);
    assert_eq!(poetry_pin("*"), None);
    assert_eq!(poetry_pin(">=1,<2"), None);
    assert_eq!(exact_pin("==8.5.1").as_deref(), Some("8.5.1"));
    assert_eq!(exact_pin("*"), None);
}

#[test]
fn direct_references_name_their_package() {
    let r = requirement(
        "git+https://git.example/acme/widgets.git@0123456789abcdef0123456789abcdef01234567#egg=acme-widgets",
    );
    assert_eq!(r.name, "acme-widgets");
    assert_eq!(
        r.target,
        Target::Git {
            url:
                "git+https://git.example/acme/widgets.git@0123456789abcdef0123456789abcdef01234567"
                    .to_string(),
            commit: true
        }
    );
    let r = requirement("git+https://git.example/acme/tools.git@main");
    assert_eq!(r.name, "tools");
    assert!(matches!(r.target, Target::Git { commit: false, .. }));
    let r = requirement("https://downloads.example/gadget-2.0.tar.gz");
    assert_eq!((r.name.as_str(), r.pin.as_deref()), ("gadget", Some("2.0")));
    let r = requirement("gadget @ https://downloads.example/gadget-2.0-py3-none-any.whl");
    assert_eq!((r.name.as_str(), r.pin.as_deref()), ("gadget", Some("2.0")));
    assert_eq!(
        r.target,
        Target::Url("https://downloads.example/gadget-2.0-py3-none-any.whl".to_string())
    );
    let r = requirement("./libs/localpkg");
    assert_eq!(r.name, "localpkg");
    assert_eq!(r.target, Target::Path("./libs/localpkg".to_string()));
    let r = requirement("libs/other");
    assert_eq!(r.name, "other");
    assert!(parse_requirement_text("https://downloads.example/archive").is_err());
}

#[test]
fn logical_lines_join_continuations_and_drop_comments() {
    let text = "# comment\nclick==8.5.1 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n  # via x\nurl#frag==1 # trailing\n\nlast \\\n";
    assert_eq!(
        logical_lines(text),
        vec![
            (
                2,
                "click==8.5.1      --hash=sha256:aa      --hash=sha256:bb".to_string()
            ),
            (6, "url#frag==1".to_string()),
            (8, "last".to_string()),
        ]
    );
}

#[test]
fn requirements_files_read_options_includes_and_hashes() {
    let parsed = parse_requirements(
        "--index-url https://pypi.registry.example/simple\n\
         -i https://pypi.registry.example/simple\n\
         --extra-index-url=https://mirror.example/simple\n\
         -r base.txt\n\
         --requirement=more.txt\n\
         -rtight.txt\n\
         -c constraints.txt\n\
         --pre\n\
         click==8.5.1 --hash=sha256:aa --hash sha256:bb\n\
         tomli==2.0.1 ; python_version < \"3.11\"\n\
         -e ./libs/localpkg\n\
         not a requirement!\n\
         -r\n",
    );
    let includes: Vec<(IncludeKind, &str, usize)> = parsed
        .includes
        .iter()
        .map(|i| (i.kind, i.target.as_str(), i.line))
        .collect();
    assert_eq!(
        includes,
        vec![
            (IncludeKind::Requirement, "base.txt", 4),
            (IncludeKind::Requirement, "more.txt", 5),
            (IncludeKind::Requirement, "tight.txt", 6),
            (IncludeKind::Constraint, "constraints.txt", 7),
        ]
    );
    let names: Vec<(&str, Option<&str>, Option<&str>, usize)> = parsed
        .entries
        .iter()
        .map(|r| (r.name.as_str(), r.pin.as_deref(), r.hash.as_deref(), r.line))
        .collect();
    assert_eq!(
        names,
        vec![
            ("click", Some("8.5.1"), Some("sha256:aa"), 9),
            ("tomli", Some("2.0.1"), None, 10),
            ("localpkg", None, None, 11),
        ]
    );
    let errors: Vec<usize> = parsed.errors.iter().map(|e| e.0).collect();
    assert_eq!(errors, vec![12, 13]);
}

#[test]
fn licence_classifiers_give_their_last_segment() {
    assert_eq!(
        licence_classifier("License :: OSI Approved :: MIT License").as_deref(),
        Some("MIT License")
    );
    assert_eq!(
        licence_classifier(
            "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)"
        )
        .as_deref(),
        Some("GNU Affero General Public License v3 or later (AGPLv3+)")
    );
    assert_eq!(
        licence_classifier("License :: Other/Proprietary License").as_deref(),
        Some("Other/Proprietary License")
    );
    assert_eq!(licence_classifier("License :: OSI Approved"), None);
    assert_eq!(licence_classifier("Topic :: Communications :: Chat"), None);
}

#[test]
fn archive_names_split_into_name_and_version() {
    assert_eq!(
        archive_name_version("gadget-2.0.tar.gz"),
        Some(("gadget".to_string(), "2.0".to_string()))
    );
    assert_eq!(
        archive_name_version("python_dateutil-2.9.0.post0-py2.py3-none-any.whl"),
        Some(("python_dateutil".to_string(), "2.9.0.post0".to_string()))
    );
    assert_eq!(archive_name_version("archive"), None);
}
