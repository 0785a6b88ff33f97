use super::vetting::{archive_key, index_kind, require_key};
use super::*;

#[test]
fn both_languages_have_the_same_keys() {
    let en = text_keys(Lang::En);
    let de = text_keys(Lang::De);
    assert!(en.len() > 100, "{}", en.len());
    let missing_de: Vec<&String> = en.iter().filter(|k| !de.contains(k)).collect();
    let missing_en: Vec<&String> = de.iter().filter(|k| !en.contains(k)).collect();
    assert!(missing_de.is_empty(), "missing in de.toml: {missing_de:?}");
    assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
}

#[test]
fn every_key_the_code_uses_exists() {
    let keys = text_keys(Lang::En);
    // Literal keys in the Rust sources of the reports.
    for source in [
        include_str!("mod.rs"),
        include_str!("findings.rs"),
        include_str!("duties.rs"),
        include_str!("vetting.rs"),
        include_str!("../markdown.rs"),
        include_str!("../notices/mod.rs"),
        include_str!("../vulnerabilities.rs"),
    ] {
        for call in ["tr(lang, \"", "trn(lang, \""] {
            for (at, _) in source.match_indices(call) {
                let rest = &source[at + call.len()..];
                let key = &rest[..rest.find('"').unwrap()];
                if call.starts_with("trn") {
                    for form in ["one", "other"] {
                        let k = format!("{key}_{form}");
                        assert!(keys.contains(&k), "missing key {k}");
                    }
                } else {
                    assert!(keys.contains(&key.to_string()), "missing key {key}");
                }
            }
        }
    }
    // Keys built from data.
    for key in crate::report::vulnerabilities::dynamic_keys() {
        assert!(keys.contains(&key), "missing key {key}");
    }
    for code in Code::ALL {
        assert!(keys.contains(&format!("code.{}", code.as_str())), "{code}");
    }
    for b in all_buckets() {
        assert!(
            keys.contains(&format!("category.{}", b.key())),
            "{}",
            b.key()
        );
    }
    for s in [
        Status::Allowed,
        Status::Review,
        Status::Denied,
        Status::Skipped,
        Status::Project,
    ] {
        assert!(keys.contains(&format!("status.{}", status_key(s))));
    }
    for k in [
        "publiccode",
        "reuse",
        "manifest",
        "licenses-dir",
        "licence-file",
    ] {
        assert!(keys.contains(&format!("statement_kind.{k}")));
    }
    for m in [UseMode::Distribution, UseMode::Network, UseMode::Internal] {
        assert!(keys.contains(&format!("use_mode.{}", use_key(m))));
    }
    for v in [
        CompatVerdict::Compatible,
        CompatVerdict::NeedsReview,
        CompatVerdict::Incompatible,
    ] {
        assert!(keys.contains(&format!("compat.{}", compat_key(v))));
    }
    for k in ["denied", "review"] {
        for part in ["title", "meaning", "todo"] {
            assert!(keys.contains(&format!("group.{k}_{part}")));
        }
    }
    for k in [
        "incompatible",
        "compat_review",
        "obligation",
        "unknown",
        "unresolved",
    ] {
        for part in ["title", "meaning"] {
            assert!(keys.contains(&format!("group.{k}_{part}")));
        }
    }
    for k in ["error", "warning", "note"] {
        assert!(keys.contains(&format!("other.{k}")));
    }
    for s in [
        VettingStatus::Approved,
        VettingStatus::Rejected,
        VettingStatus::UnderReview,
        VettingStatus::NotVetted,
        VettingStatus::Unknown,
        VettingStatus::NotApplicable,
    ] {
        assert!(
            keys.contains(&format!("vetting_status.{}", s.as_str())),
            "{s}"
        );
    }
    for d in [
        Decision::Approved,
        Decision::Rejected,
        Decision::UnderReview,
    ] {
        assert!(
            keys.contains(&format!("vetting_status.{}", d.as_str())),
            "{d}"
        );
    }
    for a in [
        ArchiveMatch::Matches,
        ArchiveMatch::Differs,
        ArchiveMatch::NotCompared,
        ArchiveMatch::NotRecorded,
    ] {
        assert!(keys.contains(&format!("archive.{}", archive_key(a))));
    }
    for k in [
        IndexKind::Folder,
        IndexKind::Git,
        IndexKind::Http,
        IndexKind::Builtin,
    ] {
        assert!(keys.contains(&format!("index_kind.{}", index_kind(k))));
    }
    for r in [RequireVetted::Off, RequireVetted::Warn, RequireVetted::Deny] {
        assert!(keys.contains(&format!("vetting.require_{}", require_key(r))));
    }
    for g in ["rejected", "uncertain", "under_review", "archive"] {
        for part in ["title", "meaning", "todo"] {
            assert!(keys.contains(&format!("vetting.{g}_{part}")), "{g}_{part}");
        }
    }
    for k in [
        "vet_rejected_title",
        "vet_rejected_meaning",
        "vet_rejected_todo",
        "vet_required_title",
        "vet_required_meaning_warn",
        "vet_required_meaning_deny",
        "vet_required_todo",
    ] {
        assert!(keys.contains(&format!("group.{k}")), "{k}");
    }
}

#[test]
fn templates_compile() {
    assert!(environment().is_ok(), "{:?}", environment().as_ref().err());
}

#[test]
fn markdown_escaping() {
    assert_eq!(md_escape("a|b"), "a\\|b");
    assert_eq!(md_escape("<script>"), "\\<script\\>");
    assert_eq!(md_escape("x`y`\nz"), "x\\`y\\` z");
    assert_eq!(md_escape("[link](u)"), "\\[link\\](u)");
    assert_eq!(md_escape("plain-name@1.0"), "plain-name@1.0");
}

#[test]
fn numbers_and_dates_follow_the_language() {
    assert_eq!(number(1714, Lang::En), "1,714");
    assert_eq!(number(1714, Lang::De), "1.714");
    assert_eq!(number(999, Lang::De), "999");
    assert_eq!(number(1234567, Lang::En), "1,234,567");
    assert_eq!(
        date("2026-01-01T00:00:00Z", Lang::De),
        "01.01.2026, 00:00 UTC"
    );
    assert_eq!(
        date("2026-01-01T00:00:00Z", Lang::En),
        "2026-01-01 00:00 UTC"
    );
    assert_eq!(date("not a date", Lang::En), "not a date");
}

#[test]
fn plural_forms() {
    assert_eq!(trn(Lang::De, "group.count", 1), "1 Komponente");
    assert_eq!(trn(Lang::De, "group.count", 1200), "1.200 Komponenten");
    assert_eq!(trn(Lang::En, "group.count", 2), "2 components");
}

/// Every finding code has what it means in both languages (the German reports fall back to it
/// for a finding without a message template of its own).
#[test]
fn every_code_has_its_meaning_in_both_languages() {
    for lang in [Lang::En, Lang::De] {
        let keys = text_keys(lang);
        for code in Code::ALL {
            let key = format!("code.{}", code.as_str());
            assert!(keys.contains(&key), "{lang:?}: missing {key}");
        }
    }
}

/// The message keys of a source file: the literal keys of `text!(…)`, `Text::new(…)` and the
/// string literals that only name message keys (`"key"` alone on a line, or a `match` arm's
/// value).
fn message_keys_in(source: &str, known: &[String]) -> Vec<String> {
    let mut keys = Vec::new();
    for call in ["text!(\"", "text!(\n", "Text::new(\""] {
        for (at, _) in source.match_indices(call) {
            let rest = source[at + call.len()..].trim_start();
            let rest = rest.strip_prefix('"').unwrap_or(rest);
            let Some(end) = rest.find('"') else { continue };
            let key = &rest[..end];
            if !key.is_empty()
                && key.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == '-'
                })
            {
                keys.push(key.to_string());
            }
        }
    }
    // In a file that builds texts: a literal on a line of its own, or a `match` arm's value,
    // that looks like a message key of a known family (`"decision_reason",`,
    // `Decision::Allow => "decided_allowed",`).
    if keys.is_empty() {
        return keys;
    }
    for line in source.lines() {
        let line = line.trim().trim_end_matches(',').trim_end_matches(';');
        let line = line.rsplit_once("=> ").map_or(line, |(_, arm)| arm);
        let Some(key) = line.strip_prefix('"').and_then(|l| l.strip_suffix('"')) else {
            continue;
        };
        if key.contains('_')
            && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && known.iter().any(|k| {
                k.strip_prefix("message.")
                    .is_some_and(|m| m.split('_').next() == key.split('_').next())
            })
        {
            keys.push(key.to_string());
        }
    }
    keys
}

/// Every message key the sources use has its template in both languages (either the key
/// itself or its `_one` and `_other` forms), and every template in `[message]` is used.
#[test]
fn every_message_key_the_sources_use_exists() {
    let en = text_keys(Lang::En);
    let de = text_keys(Lang::De);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut used = Vec::new();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        // This file names keys that do not exist, on purpose.
        if entry.path().extension().is_some_and(|e| e == "rs")
            && !entry.path().ends_with("report/html/tests.rs")
        {
            let source = std::fs::read_to_string(entry.path()).unwrap();
            for key in message_keys_in(&source, &en) {
                used.push((entry.path().display().to_string(), key));
            }
        }
    }
    assert!(used.len() > 100, "{}", used.len());
    for (file, key) in &used {
        let full = if key.contains('.') {
            key.clone()
        } else {
            format!("message.{key}")
        };
        for (lang, keys) in [("en", &en), ("de", &de)] {
            let plain = keys.contains(&full);
            let counted =
                keys.contains(&format!("{full}_one")) && keys.contains(&format!("{full}_other"));
            assert!(
                plain || counted,
                "{file}: `{key}` has no text in {lang}.toml"
            );
        }
    }
    // And no template is left over: each is used by some source.
    for key in en.iter().filter_map(|k| k.strip_prefix("message.")) {
        let base = key
            .strip_suffix("_one")
            .or_else(|| key.strip_suffix("_other"))
            .unwrap_or(key);
        assert!(
            used.iter().any(|(_, k)| k == base),
            "message.{key} is used by no source"
        );
    }
}

/// A text renders every placeholder once: a value holding `{…}` (a package name from the
/// audited tree) is never filled in again, and a missing template shows its key.
#[test]
fn texts_fill_their_placeholders_once() {
    let text = crate::text!(
        "licence_assumed",
        name = "{version}",
        version = "1.0",
        declared = "x",
        licence = "MIT"
    );
    assert_eq!(text.english(), "{version} 1.0 declares `x`, read as MIT");
    assert_eq!(
        text.render(Lang::De),
        "{version} 1.0 gibt `x` an, gelesen als MIT"
    );
    let counted = crate::diagnostic::Text::new("registry_offline_uncached").count("n", 1234);
    assert_eq!(
        counted.english(),
        "offline: the licences of 1234 packages are not in the cache and stay unresolved"
    );
    assert!(counted.render(Lang::De).contains("1.234 Komponenten"));
    assert_eq!(
        crate::diagnostic::Text::new("no_such_key").english(),
        "message.no_such_key"
    );
}

/// The notes of declared-licence readings come from a data table in English; each has its
/// translation in `[alias_note]`, found by its wording.
#[test]
fn every_reading_note_of_the_alias_table_is_translated() {
    let table = include_str!("../../licence/data/declared-aliases.tsv");
    let notes: std::collections::BTreeSet<&str> = table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').nth(3))
        .filter(|n| !n.is_empty() && *n != "note")
        .collect();
    assert!(notes.len() > 8, "{notes:?}");
    for note in notes {
        let key = super::key_of("alias_note", note)
            .unwrap_or_else(|| panic!("no [alias_note] entry reads {note:?}"));
        assert_ne!(tr(Lang::De, &key), note, "{key}: not translated");
    }
}

/// A licence file's detection score and "not identified" are fundament's words: German
/// reports translate them, and keep the licence as written.
#[test]
fn licence_file_statements_are_written_in_the_report_language() {
    let statement = |raw: &str| crate::licence::project::LicenceStatement {
        kind: SourceKind::LicenceFile,
        file: "LICENSE".to_string(),
        field: None,
        raw: raw.to_string(),
        expression: None,
        assumed: false,
        note: None,
    };
    let mit = statement("MIT (score 1.00)");
    assert_eq!(statement_written_in(&mit, Lang::En), "MIT (score 1.00)");
    assert_eq!(
        statement_written_in(&mit, Lang::De),
        "MIT (Übereinstimmung 1,00)"
    );
    let unknown = statement("not identified");
    assert_eq!(statement_written_in(&unknown, Lang::De), "nicht erkannt");
    let manifest = crate::licence::project::LicenceStatement {
        kind: SourceKind::Manifest,
        ..statement("MIT (score 1.00)")
    };
    assert_eq!(
        statement_written_in(&manifest, Lang::De),
        "MIT (score 1.00)"
    );
}
