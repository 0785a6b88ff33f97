//! The procurement report (`--format html` and `--format markdown`, `--lang en|de`): what it
//! says, that it escapes what comes from the audited repository, that it renders in a real
//! browser, and that it is the same on every run.

mod support;

use fundament::licence::obligations::{self, Lang};
use std::path::Path;
use support::browser::{chromium, run_chromium};
use support::{audit_json, fixture, fundament, shared_fixture};

/// Runs `fundament audit <dir> --format <format> --lang <lang> <extra>` and returns exit code
/// and stdout.
fn report(dir: &Path, format: &str, lang: &str, extra: &[&str]) -> (i32, String) {
    let output = fundament()
        .arg("audit")
        .arg(dir)
        .args(["--format", format, "--lang", lang])
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn workspace(format: &str, lang: &str) -> String {
    let (code, text) = report(&fixture("cargo/workspace"), format, lang, &["--offline"]);
    assert_eq!(code, 1, "{text}");
    text
}

/// `text` as MiniJinja's HTML escaping writes it.
fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

/// `text` as the Markdown report escapes it.
fn md_escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\`*_[]<>|#~&!$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Replaces the checkout's path (as written, HTML-escaped and Markdown-escaped) by
/// `[checkout]`: the only thing that differs between machines.
fn redact(text: &str) -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    text.replace(&html_escaped(dir), "[checkout]")
        .replace(&md_escaped(dir), "[checkout]")
        .replace(dir, "[checkout]")
}

/// Number formatting of the reports.
fn number(n: u64, lang: Lang) -> String {
    let digits = n.to_string();
    let sep = if lang == Lang::De { '.' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// The verdict sentence the report must give for a failed audit, from the JSON report's counts.
fn fail_sentence(json: &serde_json::Value, lang: Lang) -> String {
    let denied = json["summary"]["by_status"]["denied"].as_u64().unwrap();
    let packages = json["summary"]["packages"].as_u64().unwrap();
    let (d, p) = (number(denied, lang), number(packages, lang));
    match (lang, denied == 1) {
        (Lang::En, true) => format!("{d} of the {p} third-party components violates the policy"),
        (Lang::En, false) => format!("{d} of the {p} third-party components violate the policy"),
        (Lang::De, true) => format!("{d} der {p} Fremdkomponenten verstößt gegen die Richtlinie"),
        (Lang::De, false) => format!("{d} der {p} Fremdkomponenten verstoßen gegen die Richtlinie"),
    }
}

#[test]
fn the_verdict_comes_first_in_both_languages() {
    let json = audit_json(&fixture("cargo/workspace"), &["--offline"]).json;
    for (lang, code, headline) in [
        (Lang::En, "en", "Result: Not passed"),
        (Lang::De, "de", "Ergebnis: Nicht bestanden"),
    ] {
        let sentence = fail_sentence(&json, lang);
        for format in ["markdown", "html"] {
            let text = workspace(format, code);
            let at_headline = text.find(headline).unwrap_or_else(|| panic!("{headline}"));
            let at_sentence = text.find(&sentence).unwrap_or_else(|| panic!("{sentence}"));
            // Section 2 and the component table come after the verdict.
            let heading = match (lang, format) {
                (Lang::En, "html") => "2. The project&#x27;s own licence",
                (Lang::En, _) => "2. The project's own licence",
                (Lang::De, _) => "2. Lizenz des Projekts",
            };
            let at_project = text.find(heading).unwrap();
            let at_table = text.rfind("unlicensed").unwrap();
            assert!(at_headline < at_sentence, "{format} {code}");
            assert!(
                at_sentence < at_project && at_project < at_table,
                "{format} {code}"
            );
        }
    }
    // Facts next to the verdict: project, date, policy and its origin, tool version.
    let en = workspace("markdown", "en");
    assert!(en.contains("| Audited project | workspace (app 0.1.0, core 0.2.0) |"));
    assert!(en.contains("| Date of the audit | 2026-01-01 00:00 UTC |"));
    assert!(en.contains("public-sector-default (preset public-sector-default)"));
    assert!(en.contains(&format!(
        "| Tool | fundament {} |",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(en.contains("3 components need attention"), "{en}");
    let de = workspace("markdown", "de");
    assert!(de.contains("| Datum der Prüfung | 01.01.2026, 00:00 UTC |"));
    assert!(de.contains("Bei 3 Komponenten besteht Handlungsbedarf"));
}

#[test]
fn a_project_without_a_stated_licence_is_told_so() {
    let en = workspace("markdown", "en");
    assert!(en.contains("The project does not state its own licence"));
    let de = workspace("html", "de");
    assert!(de.contains("Das Projekt gibt seine eigene Lizenz nicht an"));
}

#[test]
fn strong_copyleft_obligations_are_explained_in_german() {
    let de = workspace("markdown", "de");
    let group = &de[de
        .find("### Zu prüfen: starkes Copyleft")
        .expect("the review group")..];
    let group = &group[..group[4..].find("\n## ").map_or(group.len(), |i| i + 4)];
    for line in obligations::obligations("GPL-3.0-only", Lang::De) {
        assert!(group.contains(&line), "missing obligation: {line}");
    }
    assert!(group.contains("Quelltext"));
    assert!(group.contains("Angebot des vollständigen Quelltexts"));
    assert!(group.contains(
        "| gpl-lib | 3.0.0 | Betrieb | GPL-3.0-only | app 0.1.0 → gpl-lib 3.0.0 (in Cargo.lock) |"
    ));
    assert!(group.contains("| test-helper | 0.9.0 | nur Entwicklung | GPL-2.0-or-later |"));
    // The unknown licence is explained with what to ask the supplier.
    assert!(de.contains("### Lizenz unbekannt – 1 Komponente"));
    assert!(de.contains("Fordern Sie beim Lieferanten die Lizenz dieser Komponente"));
    let en = workspace("markdown", "en");
    assert!(en.contains("Ask the supplier for the licence of this component"));
}

#[test]
fn the_component_table_lists_every_package_in_the_audits_order() {
    let json = audit_json(&fixture("cargo/workspace"), &["--offline"]).json;
    let md = workspace("markdown", "en");
    let table = &md[md.find("## 9. All components").unwrap()..];
    // Delivered components first, development tools in a table of their own; each row keeps
    // its number in the audit's order.
    let mut rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| #"))
        .collect();
    let tools_at = table
        .find("### Development tools")
        .expect("a table of tools");
    let helper = table
        .find("| test-helper |")
        .expect("test-helper is listed");
    assert!(
        helper > tools_at,
        "the dev-dependency is listed among the tools"
    );
    let number = |row: &str| -> usize { row[2..].split(' ').next().unwrap().parse().unwrap() };
    rows.sort_by_key(|row| number(row));
    let packages = json["packages"].as_array().unwrap();
    assert_eq!(rows.len(), packages.len());
    for (i, (row, p)) in rows.iter().zip(packages).enumerate() {
        let name = p["name"].as_str().unwrap();
        let version = p["version"].as_str().unwrap();
        assert!(
            row.starts_with(&format!("| {} | {name} | {version} |", i + 1)),
            "{row}"
        );
    }
    assert!(md.contains(
        "| 4 | filed | 0.3.0 | Cargo | runtime | MIT | same | licence file LICENSE.txt | allowed |"
    ));
    assert!(md.contains(
        "| 7 | test-helper | 0.9.0 | Cargo | development only | GPL-2.0-or-later | same |"
    ));
}

/// A project whose dependency names and licence strings carry markup.
fn hostile_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let evil = "pipe|<script>alert(1)</script>";
    std::fs::write(
        dir.path().join("package.json"),
        serde_json::json!({
            "name": "evil-app", "version": "1.0.0", "license": "EUPL-1.2",
            "dependencies": {evil: "1.0.0", "plain": "2.0.0"}
        })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        serde_json::json!({
            "name": "evil-app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
            "packages": {
                "": {"name": "evil-app", "version": "1.0.0", "license": "EUPL-1.2",
                     "dependencies": {evil: "1.0.0", "plain": "2.0.0"}},
                format!("node_modules/{evil}"): {"version": "1.0.0", "license": "MIT",
                     "resolved": "https://npm.registry.example/x/-/x-1.0.0.tgz"},
                "node_modules/plain": {"version": "2.0.0",
                     "license": "<script>alert(2)</script> | `x` [y](z)",
                     "resolved": "https://npm.registry.example/plain/-/plain-2.0.0.tgz"}
            }
        })
        .to_string(),
    )
    .unwrap();
    dir
}

#[test]
fn markup_from_the_repository_is_escaped() {
    let dir = hostile_fixture();
    let (code, html) = report(dir.path(), "html", "en", &[]);
    assert_eq!(code, 1);
    // The one script is the report's own table filter; nothing from the repository is one.
    assert_eq!(
        html.matches("<script").count(),
        1,
        "raw <script> in the HTML report"
    );
    let script = &html[html.find("<script>").unwrap()..html.find("</script>").unwrap()];
    assert!(script.contains("form.table-filter[data-table]"), "{script}");
    assert!(!script.contains("alert("), "{script}");
    assert!(html.contains("pipe|&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(html.contains("&lt;script&gt;alert(2)&lt;&#x2f;script&gt; | `x` [y](z)"));
    // The project's own licence is read from package.json / the lockfile.
    assert!(html.contains("The project states that it is offered under EUPL-1.2."));

    let (code, md) = report(dir.path(), "markdown", "de", &[]);
    assert_eq!(code, 1);
    // Every `<` of the Markdown report is escaped (the template itself writes none).
    for (at, _) in md.match_indices('<') {
        assert_eq!(
            &md[at - 1..at],
            "\\",
            "unescaped < in the Markdown report at {at}"
        );
    }
    assert!(md.contains("pipe\\|\\<script\\>alert(1)\\</script\\>"));
    assert!(md.contains("\\<script\\>alert(2)\\</script\\> \\| \\`x\\` \\[y\\](z)"));
    assert!(md.contains("Das Projekt gibt an, unter der Lizenz EUPL-1.2 angeboten zu werden."));
    // No escaped value breaks a table: every row has as many cell separators as its header.
    let mut columns = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let separators = unescaped_pipes(line);
        match columns {
            None => columns = Some(separators),
            Some(n) => assert_eq!(separators, n, "{line}"),
        }
    }
}

fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count
}

#[test]
fn every_text_exists_in_both_languages() {
    let en = fundament::report::html::text_keys(Lang::En);
    let de = fundament::report::html::text_keys(Lang::De);
    assert_eq!(en, de);
    // And the files themselves, read independently of the report code.
    let read = |lang: &str| -> Vec<(String, String)> {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/report/i18n/{lang}.toml"));
        let table: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut out = Vec::new();
        for (section, entries) in table {
            for (key, value) in entries.as_table().unwrap() {
                out.push((
                    format!("{section}.{key}"),
                    value.as_str().unwrap().to_string(),
                ));
            }
        }
        out.sort();
        out
    };
    let (en, de) = (read("en"), read("de"));
    let keys = |v: &[(String, String)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&en), keys(&de));
    for (key, text) in en.iter().chain(&de) {
        // Only the note about English quotes is empty, in English, and the empty text that
        // stands for a left-out part of a message.
        if key != "report.english_note" && key != "message.nothing" {
            assert!(!text.trim().is_empty(), "{key} is empty");
        }
    }
    // The placeholders agree.
    for ((key, a), (_, b)) in en.iter().zip(&de) {
        let names = |t: &str| {
            let mut n: Vec<String> = t
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            n.sort();
            n
        };
        assert_eq!(names(a), names(b), "placeholders of {key}");
    }
}

#[test]
fn reports_are_deterministic() {
    for format in ["html", "markdown"] {
        for lang in ["en", "de"] {
            assert_eq!(
                workspace(format, lang),
                workspace(format, lang),
                "{format} {lang}"
            );
        }
    }
}

#[test]
fn nextcloud_deck_in_both_languages() {
    let Some(dir) = shared_fixture("nextcloud-deck") else {
        return;
    };
    let json = audit_json(&dir, &[]).json;
    for (lang, code) in [(Lang::En, "en"), (Lang::De, "de")] {
        let (exit, md) = report(&dir, "markdown", code, &[]);
        assert_eq!(exit, 1);
        assert!(md.contains(&fail_sentence(&json, lang)), "{code}");
        let (_, html) = report(&dir, "html", code, &[]);
        assert!(html.contains(&fail_sentence(&json, lang)), "{code}");
        // The project licence, and that its statements disagree (L010).
        let expression = json["project_licence"]["expression"].as_str().unwrap();
        match lang {
            Lang::En => {
                assert!(md.contains(&format!(
                    "The project states that it is offered under {expression}."
                )));
                assert!(md.contains("The statements disagree."));
            }
            Lang::De => {
                assert!(md.contains(&format!(
                    "Das Projekt gibt an, unter der Lizenz {expression} angeboten zu werden."
                )));
                assert!(md.contains("Die Angaben widersprechen sich."));
            }
        }
        // Every package is a row of the component table.
        let rows = html.matches("<tr class=\"component").count();
        assert_eq!(rows, json["packages"].as_array().unwrap().len());
    }
    // Compatibility with the project's licence, explained, under a policy that asks for it.
    let (_, de) = report(&dir, "markdown", "de", &["--policy", "eupl-1.2-network"]);
    assert!(de.contains("### Nicht vereinbar mit der Projektlizenz EUPL-1.2"));
    assert!(de.contains("Wird die Software Dritten über ein Netzwerk bereitgestellt"));
    assert!(de.contains("Lösungsweg: Artikel 5 der EUPL-1.2 erlaubt"));
    assert!(de.contains("### Pflichten aus dem vorgesehenen Einsatz"));
}

// --- Vetting ---------------------------------------------------------------------------------

/// The workspace fixture audited under a policy that asks the index of tests/support/vetting.rs
/// (`require-vetted = "warn"`): `(json, format → lang → text)`.
struct Vetted {
    _dir: tempfile::TempDir,
    index: String,
    json: serde_json::Value,
}

impl Vetted {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let policy = support::vetting::city(dir.path(), "warn");
        let json = audit_json(
            &fixture("cargo/workspace"),
            &["--offline", "--policy", policy.to_str().unwrap()],
        )
        .json;
        let index = dir.path().join("city-index").display().to_string();
        Vetted {
            _dir: dir,
            index,
            json,
        }
    }

    fn policy(&self) -> String {
        self._dir.path().join("policy.toml").display().to_string()
    }

    fn report(&self, format: &str, lang: &str) -> String {
        let (code, text) = report(
            &fixture("cargo/workspace"),
            format,
            lang,
            &["--offline", "--policy", &self.policy()],
        );
        // Denied (unlicensed) and rejected (gpl-lib).
        assert_eq!(code, 1, "{text}");
        text
    }
}

/// The row of the HTML component table for `name`.
fn component_row<'a>(html: &'a str, name: &str) -> &'a str {
    let cell = format!("</td><td>{name}</td>");
    let at = html
        .match_indices("<tr class=\"component")
        .map(|(at, _)| at)
        .find(|&at| html[at..].split("</tr>").next().unwrap().contains(&cell))
        .unwrap_or_else(|| panic!("no component row for {name}"));
    html[at..].split("</tr>").next().unwrap()
}

#[test]
fn vetting_is_shown_in_the_html_report() {
    let v = Vetted::new();
    // The audit itself: what the report must show.
    let gpl = support::package(&v.json, "gpl-lib");
    assert_eq!(gpl["vetting"]["status"], "rejected");
    assert_eq!(gpl["vetting"]["record"]["date"], "2026-01-01");

    let html = v.report("html", "en");
    // The component table: a vetting column, with status and who decided.
    assert!(html.contains("<th>Vetting</th>"));
    let row = component_row(&html, "gpl-lib");
    assert!(row.contains("data-vetting=\"rejected\""), "{row}");
    assert!(
        row.contains("<span class=\"badge vet-rejected\">rejected</span>"),
        "{row}"
    );
    assert!(
        row.contains("Erika Muster (Stadt Beispiel), 2026-01-01, index “city”"),
        "{row}"
    );
    // The details as a tooltip, escaped.
    assert!(row.contains("decision for versions 3.0.0"), "{row}");
    assert!(
        row.contains(&html_escaped(support::vetting::REJECTED_NOTES)),
        "{row}"
    );
    assert!(!html.contains("<ticket 42>"));
    let row = component_row(&html, "filed");
    assert!(row.contains("data-vetting=\"approved\""), "{row}");
    assert!(
        row.contains("decision for versions &gt;=0.3, &lt;0.4"),
        "{row}"
    );
    assert!(row.contains("to be reviewed again by 2030-06-30"), "{row}");
    assert!(row.contains("MIT (used for the audit)"), "{row}");
    let row = component_row(&html, "test-helper");
    assert!(row.contains("data-vetting=\"under-review\""), "{row}");
    assert!(row.contains("GPL-2.0-or-later (not used)"), "{row}");
    assert!(component_row(&html, "mit-lib").contains("data-vetting=\"not-vetted\""));
    assert!(component_row(&html, "app").contains("data-vetting=\"not-applicable\""));
    // The licence taken from the approval says whose review it is.
    assert!(
        component_row(&html, "filed")
            .contains("from the review by Max Mustermann (Stadt Beispiel), 2026-01-01")
    );

    // The vetting section: the indices asked, highest precedence first.
    let section = &html[html.find("<section id=\"vetting\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    let indices = &section[section.find("id=\"vetting-indices\"").unwrap()..];
    let indices = &indices[..indices.find("</table>").unwrap()];
    let city = indices.find("<td>city</td>").expect("the index city");
    let builtin = indices
        .find("<td>fundament</td>")
        .expect("the built-in index");
    assert!(city < builtin);
    assert!(indices.contains(&html_escaped(&v.index)));
    assert!(indices.contains("<td class=\"num\">10</td>"));
    assert!(indices.contains("data-state=\"read\""));
    // What the policy requires.
    assert!(section.contains("The policy asks for vetting"));
    // The counts, from the audit's summary.
    for (status, label) in [
        ("approved", "approved"),
        ("rejected", "rejected"),
        ("under-review", "under review"),
        ("not-vetted", "not vetted"),
    ] {
        let n = v.json["summary"]["by_vetting"][status].as_u64().unwrap();
        assert!(
            section.contains(&format!(
                "<li data-status=\"{status}\"><span class=\"badge vet-{status}\">{label}</span> <strong>{n}</strong></li>"
            )),
            "{status}"
        );
    }
    // The components whose vetting needs a look.
    let rejected = &section[section.find("id=\"vetting-rejected\"").unwrap()..];
    let rejected = &rejected[..rejected.find("</div>").unwrap()];
    assert!(rejected.contains("<td>gpl-lib</td>"));
    assert!(!rejected.contains("<td>filed</td>"));
    let open = &section[section.find("id=\"vetting-under-review\"").unwrap()..];
    assert!(open[..open.find("</div>").unwrap()].contains("<td>test-helper</td>"));
    // Every decision used.
    let records = &section[section.find("id=\"vetting-records\"").unwrap()..];
    assert_eq!(records.matches("<tr class=\"record\"").count(), 3);
    assert!(records.contains("city (cargo&#x2f;gp&#x2f;l-&#x2f;gpl-lib:1)"));

    // "What needs to be done": the rejection, and the packages the policy wants vetted.
    let rejected = &html[html.find("id=\"group-vet-rejected\"").expect("the group")..];
    let rejected = &rejected[..rejected.find("</div>").unwrap()];
    assert!(rejected.contains("<td>gpl-lib</td>"));
    assert!(rejected.contains("Decided by: Erika Muster (Stadt Beispiel), 2026-01-01"));
    let required = &html[html.find("id=\"group-vet-required\"").expect("the group")..];
    let required = &required[..required.find("</div>").unwrap()];
    for name in ["mit-lib", "unlicensed", "build-helper", "test-helper"] {
        assert!(required.contains(&format!("<td>{name}</td>")), "{name}");
    }
    assert!(!required.contains("<td>filed</td>"));
    // The rejected package violates the policy: two of six do.
    assert!(html.contains("2 of the 6 third-party components violate the policy"));

    // German: the statuses and the dates in German.
    let de = v.report("html", "de");
    assert!(de.contains("<th>Freigabestatus</th>"));
    let row = component_row(&de, "gpl-lib");
    assert!(row.contains(">abgelehnt</span>"), "{row}");
    assert!(
        row.contains("Erika Muster (Stadt Beispiel), 01.01.2026, Freigabeverzeichnis „city“"),
        "{row}"
    );
    assert!(component_row(&de, "filed").contains(">freigegeben</span>"));
    assert!(component_row(&de, "test-helper").contains(">Freigabe in Bearbeitung</span>"));
    assert!(component_row(&de, "mit-lib").contains(">keine Freigabe</span>"));
    assert!(component_row(&de, "app").contains(">nicht anwendbar</span>"));
    assert!(de.contains("Die Richtlinie erwartet eine Freigabe"));
    assert!(de.contains("<h2 id=\"vetting-heading\">8. Freigaben</h2>"));
    assert!(de.contains("erneut zu prüfen bis 30.06.2030"));
    assert!(de.contains("2 der 6 Fremdkomponenten verstoßen gegen die Richtlinie"));
}

#[test]
fn vetting_is_shown_in_the_markdown_report() {
    let v = Vetted::new();
    let en = v.report("markdown", "en");
    let notes = md_escaped(support::vetting::REJECTED_NOTES);
    assert!(en.contains(&format!(
        "| gpl-lib | 3.0.0 | rejected | city (cargo/gp/l-/gpl-lib:1) | Erika Muster (Stadt Beispiel), 2026-01-01 | 3.0.0 | GPL-3.0-only (used for the audit) | not pinned by the decision | {notes} |"
    )), "{en}");
    assert!(en.contains(
        "| filed | 0.3.0 | approved | city (cargo/fi/le/filed:1) | Max Mustermann (Stadt Beispiel), 2026-01-01; to be reviewed again by 2030-06-30 | \\>=0.3, \\<0.4 | MIT (used for the audit) |"
    ), "{en}");
    assert!(en.contains(&format!(
        "| {} | 10 | folder | read | 3 |",
        md_escaped(&v.index)
    )));
    assert!(
        en.contains("approved: **1** · rejected: **1** · under review: **1** · not vetted: **3**")
    );
    assert!(en.contains("#### Rejected – 1 component"));
    assert!(en.contains("#### Review still open – 1 component"));
    assert!(en.contains("### Rejected in an index of vetted components – 1 component"));
    assert!(en.contains("### Not vetted, although the policy asks for it – 4 components"));
    assert!(en.contains(
        "| review needed | rejected: Erika Muster (Stadt Beispiel), 2026-01-01, index “city” |"
    ));
    // Summarised in the vetting section, not repeated under "Further notes".
    assert!(!en.contains("### V002"));
    assert!(!en.contains("### V009"));

    let de = v.report("markdown", "de");
    assert!(de.contains(
        "freigegeben: **1** · abgelehnt: **1** · Freigabe in Bearbeitung: **1** · keine Freigabe: **3**"
    ));
    assert!(de.contains(&format!(
        "| gpl-lib | 3.0.0 | abgelehnt | city (cargo/gp/l-/gpl-lib:1) | Erika Muster (Stadt Beispiel), 01.01.2026 | 3.0.0 | GPL-3.0-only (für die Prüfung verwendet) | von der Entscheidung nicht festgelegt | {notes} |"
    )));
    assert!(de.contains("### Abgelehnt in einem Freigabeverzeichnis – 1 Komponente"));

    // Every table keeps its columns, whatever the notes contain.
    for md in [&en, &de] {
        let mut columns = None;
        for line in md.lines() {
            if !line.starts_with('|') {
                columns = None;
                continue;
            }
            let separators = unescaped_pipes(line);
            match columns {
                None => columns = Some(separators),
                Some(n) => assert_eq!(separators, n, "{line}"),
            }
        }
    }
}

#[test]
fn without_an_index_the_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let policy = support::vetting::no_index(dir.path());
    let args = ["--offline", "--policy", policy.to_str().unwrap()];
    let (_, en) = report(&fixture("cargo/workspace"), "markdown", "en", &args);
    assert!(en.contains("No index of vetted components was consulted"));
    assert!(!en.contains("| Vetting |"));
    let (_, de) = report(&fixture("cargo/workspace"), "html", "de", &args);
    assert!(de.contains("Ein Freigabeverzeichnis wurde nicht herangezogen"));
    assert!(!de.contains("data-vetting="));
}

#[test]
fn markdown_de_vetting() {
    let v = Vetted::new();
    // The temporary directory of the index and the policy differs between runs.
    let tmp = v._dir.path().display().to_string();
    let text = redact(&v.report("markdown", "de"))
        .replace(&md_escaped(&tmp), "[tmp]")
        .replace(&tmp, "[tmp]");
    insta::assert_snapshot!(text);
}

// --- Snapshots -------------------------------------------------------------------------------

#[test]
fn markdown_en() {
    insta::assert_snapshot!(redact(&workspace("markdown", "en")));
}

#[test]
fn markdown_de() {
    insta::assert_snapshot!(redact(&workspace("markdown", "de")));
}

#[test]
fn html_en() {
    insta::assert_snapshot!(redact(&workspace("html", "en")));
}

// --- In a browser ----------------------------------------------------------------------------

#[test]
fn the_html_report_renders_in_a_browser() {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: chromium is not installed (neither /usr/bin/chromium nor on PATH)");
        return;
    };
    let json = audit_json(&fixture("cargo/workspace"), &["--offline"]).json;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    let output = fundament()
        .args(["audit", "--offline", "--format", "html", "-o"])
        .arg(&file)
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let url = format!("file://{}", file.display());

    let profile = tempfile::tempdir().unwrap();
    let dom = run_chromium(&chromium, profile.path(), &["--dump-dom".to_string()], &url);
    assert!(
        dom.contains("id=\"verdict\""),
        "no verdict element in the DOM"
    );
    assert!(dom.contains("data-outcome=\"fail\""));
    assert!(dom.contains("1 of the 6 third-party components violates the policy"));

    // The chart: one bar per category of the audit's licences.
    let svg_start = dom.find("<svg id=\"category-chart\"").expect("the chart");
    let svg = &dom[svg_start..svg_start + dom[svg_start..].find("</svg>").unwrap()];
    let mut categories: Vec<String> = json["summary"]["by_licence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["category"].as_str().unwrap_or("unknown").to_string())
        .collect();
    categories.sort();
    categories.dedup();
    let mut bars: Vec<String> = svg
        .match_indices("class=\"bar\" data-category=\"")
        .map(|(at, m)| {
            let rest = &svg[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    bars.sort();
    assert_eq!(bars, categories);
    assert!(svg.contains("<title id=\"chart-title\">"));

    // The component table: one row per package.
    let rows = dom.matches("<tr class=\"component").count();
    assert_eq!(rows, json["packages"].as_array().unwrap().len());

    let png = dir.path().join("report.png");
    let profile = tempfile::tempdir().unwrap();
    run_chromium(
        &chromium,
        profile.path(),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".to_string(),
        ],
        &url,
    );
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert!(
        bytes.len() > 1000,
        "the screenshot is {} bytes",
        bytes.len()
    );
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn every_outcome_is_put_in_words() {
    // Pass.
    let dir = fixture("npm/lockfile-v3");
    let json = audit_json(&dir, &["--offline"]).json;
    assert_eq!(json["summary"]["outcome"], "pass");
    let n = json["summary"]["packages"].as_u64().unwrap();
    let (code, en) = report(&dir, "markdown", "en", &["--offline"]);
    assert_eq!(code, 0);
    assert!(en.contains("> **Result: Passed, under the built-in policy public-sector-default**"));
    assert!(en.contains(&format!(
        "None of the {n} third-party components violates the policy."
    )));
    assert!(en.contains("No component needs attention."));
    assert!(en.contains("Nothing needs to be done"));
    let (_, de) = report(&dir, "html", "de", &["--offline"]);
    assert!(de.contains("data-outcome=\"pass\""));
    assert!(de.contains(&format!(
        "Keine der {n} Fremdkomponenten verstößt gegen die Richtlinie."
    )));
    assert!(de.contains("Bei keiner Komponente besteht Handlungsbedarf."));

    // Incomplete: the unreadable input is named under "Further notes", with its code.
    let dir = fixture("npm/truncated-lockfile");
    let (code, en) = report(&dir, "markdown", "en", &["--offline"]);
    assert_eq!(code, 2);
    assert!(
        en.contains("> **Result: Incomplete, under the built-in policy public-sector-default**")
    );
    assert!(en.contains("Part of the input could not be read"));
    assert!(!en.contains("No component needs attention"));
    assert!(en.contains("### I001: An input file could not be read."));
    assert!(en.contains("| package-lock.json:60 |"));
    let (_, de) = report(&dir, "markdown", "de", &["--offline"]);
    assert!(de.contains(
        "> **Ergebnis: Unvollständig nach der eingebauten Richtlinie public-sector-default**"
    ));
    assert!(de.contains("### I001: Eine Eingabedatei konnte nicht gelesen werden."));

    // Denied by a rule: what to do about it.
    let dir = fixture("composer/basic");
    let (_, en) = report(&dir, "markdown", "en", &["--offline"]);
    assert!(en.contains("### Not allowed: proprietary – 1 component"));
    assert!(en.contains("Replace these components, or have the supplier replace them."));
    assert!(en.contains(
        "| acme/proprietary-sdk | 1.2.0 | runtime | LicenseRef-scancode-proprietary-license |"
    ));
    let (_, de) = report(&dir, "markdown", "de", &["--offline"]);
    assert!(de.contains("### Unzulässig: proprietär – 1 Komponente"));
}

#[test]
fn unresolved_licences_are_explained_honestly() {
    // pnpm-lock.yaml records no licences (L009).
    let dir = fixture("pnpm/v9.0");
    let json = audit_json(&dir, &["--offline"]).json;
    let unresolved = support::affected(&json, "L009").len();
    assert!(unresolved > 1);
    assert_eq!(
        support::findings(&json, "L009").len(),
        1,
        "one cause, one finding"
    );
    let (_, en) = report(&dir, "markdown", "en", &["--offline"]);
    assert!(en.contains(&format!(
        "### Licence not recorded in the input – {unresolved} components"
    )));
    assert!(en.contains("The lockfile does not record licences"));
    assert!(en.contains("these components were not checked"));
    assert!(en.contains(&format!("| not resolved | {unresolved} |")));
    let (_, de) = report(&dir, "html", "de", &["--offline"]);
    assert!(de.contains("Die Sperrdatei (Lockfile) verzeichnet keine Lizenzen"));
    assert!(de.contains("Die Lizenzen dieser Komponenten wurden nicht geprüft."));
    assert!(de.contains("data-category=\"unresolved\""));
}

/// The German reports of real projects carry no English finding message, compatibility reason,
/// remedy, source or obligation: every one of those the JSON report holds (in English) is
/// absent from the German Markdown and HTML, and so are the phrases the English texts are made
/// of.
#[test]
fn german_reports_of_real_projects_have_no_english_reasoning() {
    for name in ["nextcloud-deck", "opentalk-web-app"] {
        let Some(dir) = shared_fixture(name) else {
            return;
        };
        let args = ["--offline", "--policy", "eupl-1.2-network"];
        let json = audit_json(&dir, &args).json;
        let mut english: Vec<String> = Vec::new();
        for finding in json["findings"].as_array().unwrap() {
            english.push(finding["message"].as_str().unwrap().to_string());
        }
        for package in json["packages"].as_array().unwrap() {
            let pairs = package["verdict"]["compatibility"]["pairs"].as_array();
            for pair in pairs.into_iter().flatten() {
                english.push(pair["reason"].as_str().unwrap().to_string());
                for key in ["sources", "obligations"] {
                    for text in pair[key].as_array().into_iter().flatten() {
                        english.push(text.as_str().unwrap().to_string());
                    }
                }
                if let Some(remedy) = pair["remedy"].as_str() {
                    english.push(remedy.to_string());
                }
            }
        }
        english.sort();
        english.dedup();
        assert!(english.len() > 5, "{name}: {english:?}");
        // The English report shows the reasoning this test looks for.
        let (_, en) = report(&dir, "markdown", "en", &args);
        let en = en.replace('\\', "");
        assert!(
            english.iter().any(|text| en.contains(text.as_str())),
            "{name}: the English report shows none of the texts"
        );
        if name == "nextcloud-deck" {
            assert!(en.contains("OSADL matrix"), "{name}");
        }
        german_human_report_has_no_english(name, &dir, &args, &json);
        let (_, md) = report(&dir, "markdown", "de", &args);
        let (_, html) = report(&dir, "html", "de", &args);
        // Markdown escapes with backslashes, HTML with entities: compare the plain text.
        let md = md.replace('\\', "");
        for text in &english {
            assert!(
                !md.contains(text.as_str()),
                "{name}: English in the German Markdown: {text}"
            );
            assert!(
                !html.contains(&html_escaped(text)),
                "{name}: English in the German HTML: {text}"
            );
        }
        for phrase in [
            "cannot be part of",
            "needs review",
            "may be part of a work",
            "cannot both be met",
            "is licensed under",
            "declares `",
            "OSADL matrix",
            "licence categories",
            "EUPL-1.2 Article 5",
            "offered over a network",
            "brings obligations",
            "from the cache",
            "stated differently",
            "annotates files",
            "(preset ",
            "OSI-approved permissive",
            "the users of the service",
        ] {
            assert!(
                !md.contains(phrase),
                "{name}: English phrase in the German Markdown: {phrase}"
            );
            assert!(
                !html.contains(phrase),
                "{name}: English phrase in the German HTML: {phrase}"
            );
        }
    }
}

/// The German human report of a Cargo workspace whose `cargo metadata` fails (folded
/// follow-on findings, yanked crates, archives that cannot be used offline).
#[test]
fn german_human_report_of_a_cargo_workspace_has_no_english_reasoning() {
    let Some(dir) = shared_fixture("opentalk-roomserver") else {
        return;
    };
    let args = ["--offline", "--policy", "eupl-1.2-network"];
    let json = audit_json(&dir, &args).json;
    german_human_report_has_no_english("opentalk-roomserver", &dir, &args, &json);
}

/// The human report with `--lang de`: no English message, note, help or licence source of the
/// JSON report, and none of the human report's own English lines ("help:", "fix:", the causes
/// table, "and N more").
fn german_human_report_has_no_english(
    name: &str,
    dir: &Path,
    args: &[&str],
    json: &serde_json::Value,
) {
    let (_, human) = report(dir, "human", "de", args);
    let (_, human_en) = report(dir, "human", "en", args);
    let english_words = [
        " the ", " and ", " is ", " not ", " with ", " from ", " by ", " of ",
    ];
    let mut texts: Vec<String> = Vec::new();
    for finding in json["findings"].as_array().unwrap() {
        texts.push(finding["message"].as_str().unwrap().to_string());
        if let Some(help) = finding["help"].as_str() {
            texts.push(help.to_string());
        }
        if let Some(source) = finding["licence_source"].as_str() {
            texts.push(source.to_string());
        }
        for note in finding["notes"].as_array().into_iter().flatten() {
            texts.push(note.as_str().unwrap().to_string());
        }
    }
    // Lists of names and licence expressions read the same in every language: look at
    // sentences only.
    texts.retain(|t| english_words.iter().any(|w| t.contains(w)));
    texts.sort();
    texts.dedup();
    assert!(texts.len() > 5, "{name}: {texts:?}");
    assert!(
        texts.iter().any(|t| human_en.contains(t.as_str())),
        "{name}: the English human report shows none of the texts"
    );
    for text in &texts {
        assert!(
            !human.contains(text.as_str()),
            "{name}: English in the German human report: {text}"
        );
    }
    for phrase in [
        "= help:",
        "= fix:",
        "paste into the policy",
        "causes, largest first",
        "more: `--format json`",
        "declared in",
        "score ",
        "needs review by",
        "denied by",
        "does not admit it",
        "run once with network",
        "give advisory data",
        "confirm the reading",
        "no version given",
        "other packages)",
        "follows from",
        "(preset ",
    ] {
        assert!(
            !human.contains(phrase),
            "{name}: English phrase in the German human report: {phrase}"
        );
    }
    for german in ["= Abhilfe:", "Ursachen, die größten zuerst", "Hinweis:"] {
        assert!(human.contains(german), "{name}: no {german:?}");
    }
}

/// The German reports (human, Markdown, HTML) of real fixtures, offline with and without
/// registry look-ups, carry none of the English sentences fundament used to write around an
/// error or in a note: fetch and HTTP failures, Maven model problems, Gradle's notes and
/// readers, the reasons crates are left out, OR choices, cache misses.
#[test]
fn german_reports_of_real_fixtures_carry_no_known_english_sentence() {
    const ENGLISH: [&str; 45] = [
        "no fixed version is known",
        "also known as",
        "newest data as of",
        "fixed in ",
        "details: ",
        "not in the cache, and fundament is offline",
        "is not in the cache",
        "cannot be reached",
        "no repository has",
        "registry look-ups are off",
        "the repositories do not give it",
        "could not be read",
        "cannot be read",
        "kept as written",
        "is a local package outside this project",
        "build scripts (",
        "the Spring Boot plugin",
        "which none of the targets meets",
        "which no platform meets",
        "needed only by",
        "the tier-1 platforms",
        " chosen from ",
        "each part read on its own",
        "built into fundament",
        "`cargo metadata` failed",
        "<why this is acceptable here>",
        "<name, role>",
        "dependencies are declared without a version",
        "the JSON report lists them all",
        "its dependencies are not known",
        "the versions it manages",
        "(line ",
        "offline, and",
        "is not defined in",
        "lists no version",
        "has no version",
        "category.",
        "the audit is incomplete",
        "input problems",
        // Where a registry was named, registry reasons, POM and advisory-range problems.
        "in the audited tree's",
        "is not a Maven POM",
        "a range event of",
        "cannot connect: ",
        "the answer was cut off",
        "is not a registry version",
    ];
    let cache = tempfile::tempdir().unwrap();
    // (fixture, registry look-ups on): on, offline, the cache is empty and every look-up
    // misses; off, nothing is looked up at all.
    let runs = [
        ("opentalk-roomserver", true),
        ("wahllokalsystem", false),
        ("wahllokalsystem", true),
        ("ris-backend", true),
        ("eappointment", true),
        ("synapse", false),
    ];
    let mut seen = 0;
    for (name, lookups) in runs.into_iter().chain([("this repository", false)]) {
        // This repository, audited against the real advisory data (its notes on fixes,
        // aliases and the data's age).
        let osv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/osv");
        let (dir, extra) = if name == "this repository" {
            if !osv.is_dir() {
                continue;
            }
            (
                Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf(),
                vec!["--advisory-db".to_string(), osv.display().to_string()],
            )
        } else {
            let Some(dir) = shared_fixture(name) else {
                return;
            };
            (dir, Vec::new())
        };
        for format in ["human", "markdown", "html"] {
            let mut command = fundament();
            if lookups {
                command.env_remove("FUNDAMENT_NO_REGISTRY");
            }
            let output = command
                .arg("audit")
                .arg(&dir)
                .args([
                    "--offline",
                    "--lang",
                    "de",
                    "--format",
                    format,
                    "--cache-dir",
                ])
                .arg(cache.path())
                .args(&extra)
                .output()
                .unwrap();
            // The report and what stderr says about the input.
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(text.len() > 1000, "{name} {format}: {text}");
            seen += text.len();
            // Markdown escapes with backslashes, HTML with entities: compare the plain text.
            let plain = text
                .replace('\\', "")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&#x60;", "`")
                .replace("&#x27;", "'");
            for english in ENGLISH {
                assert!(
                    !plain.contains(english),
                    "{name} ({format}, look-ups {lookups}): English in the German report: \
                     {english:?} in {}",
                    plain
                        .lines()
                        .find(|l| l.contains(english))
                        .unwrap_or_default()
                );
            }
        }
    }
    assert!(seen > 100_000, "{seen}");
}

/// An npm project in `parent`/lock whose lockfile holds left-pad 1.3.0 (MIT): a package for
/// advisory sources to be asked about.
fn left_pad_project(parent: &Path) -> std::path::PathBuf {
    let lock = parent.join("lock");
    std::fs::create_dir_all(&lock).unwrap();
    std::fs::write(
        lock.join("package.json"),
        r#"{"name":"app","version":"1.0.0","license":"MIT","dependencies":{"left-pad":"1.3.0"}}"#,
    )
    .unwrap();
    std::fs::write(
        lock.join("package-lock.json"),
        r#"{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0","license":"MIT","dependencies":{"left-pad":"1.3.0"}},"node_modules/left-pad":{"version":"1.3.0","license":"MIT"}}}"#,
    )
    .unwrap();
    lock
}

/// What went wrong with the input and the registry, in a German report, in German with its
/// specifics: a module POM of the tree that is an HTML page, a registry the tree's .npmrc
/// names, and requirements resolved with `--resolve-unlocked` that a registry cannot give (a
/// git dependency, a 404, an answer cut off), and why a project's licence statement names no
/// licence. Before, these findings were plain English, so the German report showed only what
/// their code means, and the registry's reasons, where the registry was named and the reading's
/// note stayed English inside the German sentences.
#[test]
fn german_reports_give_input_and_registry_problems_with_their_specifics() {
    use support::server::{Reply, TestServer};
    let tmp = tempfile::tempdir().unwrap();

    // A Maven build with a module whose pom.xml is an HTML page.
    let maven = tmp.path().join("maven");
    std::fs::create_dir_all(maven.join("broken")).unwrap();
    std::fs::write(
        maven.join("pom.xml"),
        "<project><modelVersion>4.0.0</modelVersion><groupId>org.example</groupId>\
         <artifactId>parent</artifactId><version>1.0</version><packaging>pom</packaging>\
         <modules><module>broken</module></modules></project>",
    )
    .unwrap();
    std::fs::write(
        maven.join("broken/pom.xml"),
        "<html><body>Sign in</body></html>",
    )
    .unwrap();
    let output = fundament()
        .args(["audit", "--offline", "--lang", "de", "--no-advisories"])
        .arg(&maven)
        .output()
        .unwrap();
    let maven_report = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        maven_report
            .contains("ist kein Maven-POM: Das Wurzelelement ist eine HTML-Seite, nicht <project>"),
        "{maven_report}"
    );

    // An npm project without a lockfile, its registry named by its own .npmrc.
    let server = TestServer::start();
    server.route("/missing", vec![Reply::status(404)]);
    server.route(
        "/cut",
        vec![
            Reply::ok(format!(
                "{{\"name\":\"cut\",\"versions\":{{{}}}}}",
                " ".repeat(500)
            ))
            .truncated(400),
        ],
    );
    let npm = tmp.path().join("npm");
    std::fs::create_dir_all(&npm).unwrap();
    std::fs::write(
        npm.join("package.json"),
        r#"{"name":"app","version":"1.0.0","dependencies":{"from-git":"git+https://git.example/x.git","missing":"^1.0.0","cut":"^1.0.0"}}"#,
    )
    .unwrap();
    std::fs::write(npm.join(".npmrc"), format!("registry={}/\n", server.base)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[registries]\nretries = 0\n").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let output = support::online(cache.path(), home.path())
        .env("FUNDAMENT_CONFIG", &config)
        .env_remove("npm_config_registry")
        .env_remove("NPM_CONFIG_REGISTRY")
        .args([
            "audit",
            "--resolve-unlocked",
            "--no-advisories",
            "--lang",
            "de",
        ])
        .arg(&npm)
        .output()
        .unwrap();
    let npm_report = String::from_utf8_lossy(&output.stdout).to_string();
    for german in [
        "wird von `registry` in der Datei .npmrc des geprüften Ordners genannt",
        "`from-git` (git+https://git.example/x.git): `git+https://git.example/x.git` ist keine \
         Version aus einer Paketquelle (Git, Pfad oder URL); sie wurde nicht aufgelöst",
        "missing: nicht gefunden (404)",
        "die Antwort ist abgeschnitten oder unlesbar: ",
        // The projects table says how the packages were read, in German.
        "package.json, aufgelöst gegen die npm-Paketquelle",
        // There is no lockfile to regenerate: the help says to commit one or fix the
        // requirement.
        "Abhilfe: Eine Sperrdatei mit dem Werkzeug des Ökosystems erzeugen (`npm install`",
    ] {
        assert!(npm_report.contains(german), "{german:?} in {npm_report}");
    }
    assert!(
        !npm_report.contains("Die Sperrdatei neu erzeugen"),
        "{npm_report}"
    );
    // A project whose licence is in a file it names: the project-licence table says why its
    // statement gives no licence.
    let see_file = tmp.path().join("see-file");
    std::fs::create_dir_all(&see_file).unwrap();
    let manifest = r#""name":"app","version":"1.0.0","license":"SEE LICENSE IN LICENCE.md""#;
    std::fs::write(see_file.join("package.json"), format!("{{{manifest}}}")).unwrap();
    std::fs::write(
        see_file.join("package-lock.json"),
        format!(
            r#"{{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{{"":{{{manifest}}}}}}}"#
        ),
    )
    .unwrap();
    let output = fundament()
        .args(["audit", "--offline", "--lang", "de", "--format", "html"])
        .arg(&see_file)
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&output.stdout).to_string();
    let says = html
        .lines()
        .find(|l| l.contains("LICENCE.md"))
        .unwrap_or_default();
    assert!(
        html.contains("die Lizenz steht in der Datei LICENCE.md der Komponente"),
        "{says}"
    );
    assert!(!html.contains("the licence is in"), "{says}");

    // An advisory mirror, offline, never downloaded: why it cannot be read.
    let lock = left_pad_project(tmp.path());
    let empty = tempfile::tempdir().unwrap();
    let mut advisories = String::new();
    for format in ["human", "html"] {
        let output = fundament()
            .args(["audit", "--offline", "--lang", "de", "--format", format])
            .args(["--advisory-db", "https://osv-mirror.registry.example/"])
            .arg("--cache-dir")
            .arg(empty.path())
            .arg(&lock)
            .output()
            .unwrap();
        advisories.push_str(&String::from_utf8_lossy(&output.stdout));
    }
    let says = |text: &str| text.lines().filter(|l| l.contains("osv-mirror")).count();
    assert!(
        advisories
            .matches("ohne Netz, und die Daten wurden nie in den Zwischenspeicher geladen")
            .count()
            >= 2,
        "{} lines name the mirror",
        says(&advisories)
    );

    for english in [
        "resolved against the npm registry",
        "never downloaded",
        "in the audited tree's",
        "is not a Maven POM",
        "is not a registry version",
        "not found (404)",
        "the answer was cut off or unreadable",
        "cannot connect: ",
        "timed out",
    ] {
        for report in [&maven_report, &npm_report, &advisories] {
            assert!(!report.contains(english), "{english:?} in {report}");
        }
    }
}

/// Why an index of vetted components (Freigabeverzeichnis) cannot be read or may be out of
/// date, in a German report: a git index never fetched (offline), one with caching off, and one
/// fetched and then gone (its last clone is used). Before, these reasons were English strings.
#[test]
fn german_reports_say_why_an_index_fails_in_german() {
    let tmp = tempfile::tempdir().unwrap();
    let lock = left_pad_project(tmp.path());
    let cache = tmp.path().join("cache");
    let audit = |format: &str, extra: &[&str], location: &str| {
        let policy = tmp.path().join("policy.toml");
        std::fs::write(
            &policy,
            format!(
                "name = \"t\"\n[licences]\nallow = [\"permissive\"]\n[[index]]\nname = \"city\"\nlocation = \"{location}\"\nprecedence = 10\n"
            ),
        )
        .unwrap();
        let output = fundament()
            .args(["audit", "--lang", "de", "--format", format, "--policy"])
            .arg(&policy)
            .args(extra)
            .arg(&lock)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout)
            .replace("&#x2f;", "/")
            .replace("&#x60;", "`")
    };
    let cache_arg = cache.to_str().unwrap();
    let never = format!("git+file://{}", tmp.path().join("never.git").display());
    let mut reports = String::new();
    for format in ["human", "html"] {
        for (extra, german) in [
            (
                vec!["--offline", "--cache-dir", cache_arg],
                "ohne Netz, und es wurde nie abgerufen (nach ",
            ),
            (
                vec!["--offline", "--no-cache"],
                "braucht einen Ordner im Zwischenspeicher, in den es geklont wird",
            ),
        ] {
            let report = audit(format, &extra, &never);
            assert!(
                report.contains("kann nicht gelesen werden: ") && report.contains(german),
                "{format}: {german:?} in {report}"
            );
            reports.push_str(&report);
        }
    }

    // Fetched once, then gone: the last clone is used, and the report says why it may be out
    // of date.
    let repo = tmp.path().join("index");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(
        repo.join("config.json"),
        r#"{"name":"city","schema-version":1,"maintainers":[{"name":"Ann","organisation":"City","contact":"ann@city.example"}]}"#,
    )
    .unwrap();
    support::git_server::git(&repo, &["init", "-q", "-b", "main"]);
    support::git_server::git(&repo, &["add", "-A"]);
    support::git_server::git(&repo, &["commit", "-q", "-m", "index"]);
    let git = format!("git+file://{}", repo.display());
    audit("human", &["--cache-dir", cache_arg], &git);
    std::fs::rename(&repo, tmp.path().join("gone")).unwrap();
    for format in ["human", "html"] {
        let report = audit(format, &["--cache-dir", cache_arg], &git);
        assert!(
            report.contains("ist möglicherweise nicht aktuell: Abruf nicht möglich: ")
                && report.contains("; der letzte Abruf wird verwendet, Commit "),
            "{format}: {report}"
        );
        reports.push_str(&report);
    }

    for english in [
        "has never been fetched",
        "needs a cache directory",
        "cannot fetch",
        "using the last fetch",
    ] {
        assert!(!reports.contains(english), "{english:?} in {reports}");
    }
}

/// Why an advisory source cannot be read or may be out of date, in a German report, in German:
/// a folder that does not exist, a git repository never fetched (offline), the OSV API offline,
/// a location that is not an http(s) URL, and a git repository whose fetch failed, so the last
/// fetch was used. Before, these reasons were English inside the German A009/A008 sentences.
#[test]
fn german_reports_say_why_advisory_sources_fail_in_german() {
    let tmp = tempfile::tempdir().unwrap();
    let lock = left_pad_project(tmp.path());
    let cache = tmp.path().join("cache");
    let audit = |format: &str, offline: bool, sources: &[String]| {
        let mut cmd = fundament();
        cmd.args(["audit", "--lang", "de", "--format", format])
            .arg("--cache-dir")
            .arg(&cache);
        if offline {
            cmd.arg("--offline");
        }
        for source in sources {
            cmd.args(["--advisory-db", source]);
        }
        let output = cmd.arg(&lock).output().unwrap();
        String::from_utf8_lossy(&output.stdout).to_string()
    };

    // Offline: six sources that cannot be read, each for a reason of its own (the last two
    // git URLs fundament refuses).
    let missing = tmp.path().join("missing");
    let never = format!("git+file://{}", tmp.path().join("never.git").display());
    let sources = [
        missing.display().to_string(),
        never,
        "osv-api+https://osv-api.registry.example".to_string(),
        "osv-api+ftp://osv.example".to_string(),
        "git+gopher://git.example/advisories".to_string(),
        "git+ssh://-oProxyCommand=x/advisories".to_string(),
    ];
    let mut reports = String::new();
    for format in ["human", "html"] {
        let report = audit(format, true, &sources);
        for german in [
            format!("{} existiert nicht", missing.display()),
            "ohne Netz, und es wurde nie abgerufen (nach ".to_string(),
            "ohne Netz, und nach 1 Komponente wurde nie gefragt".to_string(),
            "ist keine http(s)-URL".to_string(),
            "Keine Git-URL, die fundament liest".to_string(),
            "Der ssh-Host `-oProxyCommand=x` beginnt mit `-` oder enthält Leerzeichen; abgelehnt"
                .to_string(),
        ] {
            let plain = report.replace("&#x2f;", "/").replace("&#x60;", "`");
            assert!(plain.contains(&german), "{format}: {german:?} in {report}");
        }
        reports.push_str(&report);
    }

    // A git repository fetched once, then gone: the last fetch is used, and the report says why
    // the data may be out of date.
    let repo = tmp.path().join("advisories");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(
        repo.join("TEST-1.json"),
        r#"{"id":"TEST-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"other"},"versions":["1.0.0"]}]}"#,
    )
    .unwrap();
    support::git_server::git(&repo, &["init", "-q", "-b", "main"]);
    support::git_server::git(&repo, &["add", "-A"]);
    support::git_server::git(&repo, &["commit", "-q", "-m", "advisories"]);
    let git = [format!("git+file://{}", repo.display())];
    audit("human", false, &git);
    std::fs::rename(&repo, tmp.path().join("gone")).unwrap();
    for format in ["human", "html"] {
        let report = audit(format, false, &git);
        assert!(
            report.contains("Abruf nicht möglich: ")
                && report.contains("; der letzte Abruf wird verwendet, Commit "),
            "{format}: {report}"
        );
        reports.push_str(&report);
    }

    for english in [
        "does not exist",
        "has never been fetched",
        "never asked about",
        "is not an http(s) URL",
        "not a git URL fundament reads",
        "starts with `-`",
        "cannot fetch",
        "using the last fetch",
    ] {
        assert!(!reports.contains(english), "{english:?} in {reports}");
    }
}

/// Why an advisory record or file could not be read, in a German report: a file that is not
/// JSON, a record without an id, a YAML file that is not UTF-8. Before, these were English.
#[test]
fn german_reports_say_why_advisory_records_cannot_be_read_in_german() {
    let tmp = tempfile::tempdir().unwrap();
    let lock = left_pad_project(tmp.path());
    let advisories = tmp.path().join("advisories");
    std::fs::create_dir_all(&advisories).unwrap();
    std::fs::write(advisories.join("broken.json"), "{").unwrap();
    std::fs::write(advisories.join("no-id.json"), r#"{"summary":"x"}"#).unwrap();
    std::fs::write(advisories.join("latin1.yaml"), b"id: X\xff\n").unwrap();
    let mut reports = String::new();
    for format in ["human", "html"] {
        let output = fundament()
            .args(["audit", "--lang", "de", "--offline", "--format", format])
            .arg("--advisory-db")
            .arg(&advisories)
            .arg(&lock)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&output.stdout)
            .replace("&#x60;", "`")
            .replace("&#x27;", "'");
        for german in [
            "broken.json: kein OSV-Eintrag (JSON): ",
            "no-id.json: Der Eintrag hat keine `id`",
            "latin1.yaml: Die Datei ist nicht in UTF-8 kodiert",
        ] {
            assert!(report.contains(german), "{format}: {german:?} in {report}");
        }
        reports.push_str(&report);
    }
    for english in ["not an OSV record", "has no `id`", "is not UTF-8"] {
        assert!(!reports.contains(english), "{english:?} in {reports}");
    }
}
