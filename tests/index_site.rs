//! `fundament index site`: the index as a static site in German and English, with its search,
//! component and organisation pages and Atom feed, checked as files and in headless Chromium.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::browser::{chromium, dump_dom};
use support::index::{code, index_cmd, new_index_with, publish, text};

fn keygen(dir: &Path, name: &str) -> PathBuf {
    let private = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&private)
        .status()
        .unwrap();
    assert!(status.success());
    private
}

fn ok(out: &std::process::Output) -> String {
    assert_eq!(code(out), 0, "{}", text(out));
    text(out)
}

/// An index with four eyes: debug approved by Ann and Bob, ws approved by Ann only (under
/// review), ms rejected, a record whose signature was broken, and notes with markup.
fn index(tmp: &Path) -> PathBuf {
    let index = new_index_with(tmp, true, &["--approvals", "2"]);
    let keys = tmp.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let ann = keygen(&keys, "ann");
    let bob = keygen(&keys, "bob");
    for (owner, organisation, key) in [
        ("Ann Example", "City of Example", &ann),
        ("Bob Example", "Landeshauptstadt Beispiel", &bob),
    ] {
        ok(&index_cmd(
            tmp,
            &[
                "key",
                "add",
                "--index",
                index.to_str().unwrap(),
                "--organisation",
                organisation,
                "--owner",
                owner,
                "--public-key",
                key.with_extension("pub").to_str().unwrap(),
            ],
        ));
    }
    let decide = |component: &str,
                  decision: &str,
                  licence: &str,
                  who: &str,
                  org: &str,
                  key: &Path,
                  notes: &str| {
        ok(&publish(
            tmp,
            &index,
            &[
                component,
                "--decision",
                decision,
                "--licence",
                licence,
                "--reviewer",
                who,
                "--organisation",
                org,
                "--artefact-sha256",
                &"ab".repeat(32),
                "--licence-file",
                &format!("LICENSE={}", "cd".repeat(32)),
                "--notes",
                notes,
                "--sign-key",
                key.to_str().unwrap(),
            ],
        ))
    };
    decide(
        "pkg:npm/debug@2.6.9",
        "approved",
        "MIT",
        "Ann Example",
        "City of Example",
        &ann,
        "<script>alert('x')</script> read the licence",
    );
    decide(
        "pkg:npm/debug@2.6.9",
        "approved",
        "MIT",
        "Bob Example",
        "Landeshauptstadt Beispiel",
        &bob,
        "second pair of eyes",
    );
    decide(
        "pkg:npm/ws@8.23.0",
        "approved",
        "MIT",
        "Ann Example",
        "City of Example",
        &ann,
        "waits for Bob",
    );
    // The rejection says why with a VEX statement, shown with it.
    ok(&publish(
        tmp,
        &index,
        &[
            "pkg:npm/ms@2.0.0",
            "--decision",
            "rejected",
            "--licence",
            "MIT",
            "--reviewer",
            "Bob Example",
            "--organisation",
            "Landeshauptstadt Beispiel",
            "--notes",
            "unmaintained",
            "--vex",
            "GHSA-w9mr-4mfr-499f",
            "--vex-status",
            "affected",
            "--analysis",
            "<b>parse</b> is reachable with user input",
            "--action",
            "replace ms with a maintained parser",
            "--sign-key",
            bob.to_str().unwrap(),
        ],
    ));
    decide(
        "pkg:cargo/serde@1.0.0",
        "rejected",
        "MIT OR Apache-2.0",
        "Ann Example",
        "City of Example",
        &ann,
        "to be tampered with",
    );
    // Someone turns serde's rejection into an approval without a signature of their own.
    let serde = index.join("cargo/se/rd/serde");
    let line = std::fs::read_to_string(&serde).unwrap();
    std::fs::write(&serde, line.replace("\"rejected\"", "\"approved\"")).unwrap();
    index
}

#[test]
fn the_site_has_a_list_a_page_per_component_and_organisation_and_a_feed() {
    let tmp = tempfile::tempdir().unwrap();
    let index = index(tmp.path());
    let site = tmp.path().join("public");
    let out = index_cmd(
        tmp.path(),
        &[
            "site",
            index.to_str().unwrap(),
            "-o",
            site.to_str().unwrap(),
            "--base-url",
            "https://city.pages.example/index/",
        ],
    );
    let said = ok(&out);
    assert!(
        said.contains("4 components, 5 decisions, 2 organisations"),
        "{said}"
    );

    for file in [
        "index.html",
        "assets/site.css",
        "assets/search.js",
        "en/index.html",
        "de/index.html",
        "en/feed.xml",
        "de/feed.xml",
        "en/c/npm/de/bu/debug.html",
        "de/c/npm/de/bu/debug.html",
        "en/c/cargo/se/rd/serde.html",
        ".fundament-site",
    ] {
        assert!(site.join(file).is_file(), "{file}");
    }

    // A component page: decisions in force, who decided and signed, evidence, history.
    let debug = std::fs::read_to_string(site.join("en/c/npm/de/bu/debug.html")).unwrap();
    assert!(
        debug.contains(
            "<span class=\"decision approved\" data-decision=\"approved\">approved</span>"
        ),
        "{debug}"
    );
    assert!(
        debug.contains("signed by Ann Example, Bob Example (2/2 approvals)"),
        "{debug}"
    );
    assert!(debug.contains(&"ab".repeat(32)));
    assert!(debug.contains("LICENSE"));
    assert!(debug.contains("(co-signature)"));
    assert!(
        debug.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt;"),
        "escaped"
    );
    assert!(!debug.contains("<script>alert"));
    let ws = std::fs::read_to_string(site.join("en/c/npm/2/ws.html")).unwrap();
    assert!(ws.contains("data-decision=\"under-review\""), "{ws}");
    assert!(ws.contains("(1/2 approvals)"), "{ws}");
    // The tampered record: shown as such, never in force.
    let serde = std::fs::read_to_string(site.join("en/c/cargo/se/rd/serde.html")).unwrap();
    assert!(
        serde.contains("signatures do not hold; the decision is not used"),
        "{serde}"
    );
    assert!(serde.contains("does not match the record"), "{serde}");
    let in_force =
        &serde[serde.find("class=\"current\"").unwrap()..serde.find("</table>").unwrap()];
    assert!(!in_force.contains("<tr class=\"record\">"), "{in_force}");

    // German.
    let debug_de = std::fs::read_to_string(site.join("de/c/npm/de/bu/debug.html")).unwrap();
    assert!(debug_de.contains("<html lang=\"de\">"));
    assert!(debug_de.contains(">freigegeben</span>"));
    assert!(debug_de.contains("signiert von Ann Example, Bob Example (2/2 Zustimmungen)"));
    let ms_de = std::fs::read_to_string(site.join("de/c/npm/2/ms.html")).unwrap();
    assert!(ms_de.contains(">abgelehnt</span>"));
    // VEX statements, with who made them, escaped like every text of a record.
    let ms = std::fs::read_to_string(site.join("en/c/npm/2/ms.html")).unwrap();
    assert!(ms.contains("<dt>VEX statements</dt>"), "{ms}");
    assert!(
        ms.contains("<code>GHSA-w9mr-4mfr-499f</code>: <span class=\"vex-status\" data-status=\"affected\">affected</span>"),
        "{ms}"
    );
    assert!(
        ms.contains("&lt;b&gt;parse&lt;&#x2f;b&gt; is reachable"),
        "{ms}"
    );
    assert!(
        ms.contains("What to do: replace ms with a maintained parser"),
        "{ms}"
    );
    assert!(
        ms.contains("(Bob Example, Landeshauptstadt Beispiel, "),
        "{ms}"
    );
    assert!(ms_de.contains("<dt>VEX-Aussagen</dt>"), "{ms_de}");
    assert!(ms_de.contains(">betroffen</span>"), "{ms_de}");

    // The organisation pages: keys and decisions.
    let orgs: Vec<PathBuf> = std::fs::read_dir(site.join("en/o"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(orgs.len(), 2);
    let city = orgs
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .find(|t| t.contains("<h1>City of Example</h1>"))
        .unwrap();
    assert!(city.contains("SHA256:"), "the key's fingerprint");
    assert!(city.contains("Ann Example"));
    assert!(city.contains("ws"));

    // The feed: well-formed Atom, newest first, absolute through xml:base.
    let feed = std::fs::read_to_string(site.join("en/feed.xml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&feed);
    let mut entries = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == "entry" => entries += 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the feed is not XML: {e}\n{feed}"),
        }
    }
    assert_eq!(
        entries, 3,
        "decisions, not co-signatures or broken records: {feed}"
    );
    assert!(feed.contains("xml:base=\"https://city.pages.example/index/en/\""));
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));

    // Again into the same folder: replaced. Into a folder of someone else's: refused.
    ok(&index_cmd(
        tmp.path(),
        &[
            "site",
            index.to_str().unwrap(),
            "-o",
            site.to_str().unwrap(),
        ],
    ));
    let foreign = tmp.path().join("docs");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.md"), "mine").unwrap();
    let out = index_cmd(
        tmp.path(),
        &[
            "site",
            index.to_str().unwrap(),
            "-o",
            foreign.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(
        text(&out).contains("not a site fundament wrote"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.md")).unwrap(),
        "mine"
    );

    // The site is outside the index's record tree: the index still verifies as before.
    let inside = index.join("public");
    ok(&index_cmd(
        tmp.path(),
        &[
            "site",
            index.to_str().unwrap(),
            "-o",
            inside.to_str().unwrap(),
        ],
    ));
    let out = index_cmd(tmp.path(), &["verify", index.to_str().unwrap()]);
    assert!(text(&out).contains("public/"), "{}", text(&out));
    assert!(!text(&out).contains("public/en"), "{}", text(&out));
}

#[test]
fn the_site_searches_in_a_browser() {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: chromium is not installed (neither /usr/bin/chromium nor on PATH)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let index = index(tmp.path());
    let site = tmp.path().join("public");
    ok(&index_cmd(
        tmp.path(),
        &[
            "site",
            index.to_str().unwrap(),
            "-o",
            site.to_str().unwrap(),
        ],
    ));
    let list = site.join("en/index.html");

    // Everything, then a search by name, by licence and organisation, and one that finds none.
    let dom = dump_dom(&chromium, &format!("file://{}", list.display()));
    assert_eq!(dom.matches("<tr class=\"component\"").count(), 4, "{dom}");
    assert!(dom.contains("<span id=\"shown\">4</span>"), "{dom}");
    let visible = |dom: &str| -> Vec<String> {
        dom.split("<tr class=\"component\"")
            .skip(1)
            .filter(|row| !row[..row.find('>').unwrap()].contains("hidden"))
            .map(|row| {
                let link = &row[row.find("<a href=").unwrap()..];
                link[link.find('>').unwrap() + 1..link.find("</a>").unwrap()].to_string()
            })
            .collect()
    };
    let dom = dump_dom(&chromium, &format!("file://{}?q=debug", list.display()));
    assert_eq!(visible(&dom), ["debug"], "{dom}");
    assert!(dom.contains("<span id=\"shown\">1</span>"));
    let dom = dump_dom(
        &chromium,
        &format!("file://{}?q=landeshauptstadt%20rejected", list.display()),
    );
    assert_eq!(visible(&dom), ["ms"], "{dom}");
    let dom = dump_dom(
        &chromium,
        &format!("file://{}?q=nothing-like-this", list.display()),
    );
    assert!(visible(&dom).is_empty());
    assert!(
        dom.contains("<p id=\"nothing\">"),
        "the 'nothing found' note is shown: {dom}"
    );

    // A component page in German renders with its table.
    let page = site.join("de/c/npm/de/bu/debug.html");
    let dom = dump_dom(&chromium, &format!("file://{}", page.display()));
    assert!(dom.contains("<h1><code>pkg:npm/debug</code></h1>"), "{dom}");
    assert!(dom.contains("Gültig"));
    // The language choice.
    let dom = dump_dom(
        &chromium,
        &format!("file://{}", site.join("index.html").display()),
    );
    assert!(dom.contains("Begutachtete Komponenten (Deutsch)"));
}
