//! The HTML procurement report on paper and on screen, in headless Chromium:
//!
//! - printed to PDF (A4, the report's own print stylesheet), the PDF's text has every
//!   component's verdict and vetting status in its row, page headers with the project, and page
//!   numbers;
//! - on a 1280 px screen the component table fits without scrolling sideways;
//! - the filter above the component table narrows it when scripts run, and is hidden (the table
//!   complete) when they do not.
//!
//! The PDF's text comes from `pdftotext -layout` (poppler-utils, installed by .ci/run next to
//! Chromium). Each test says so and skips when Chromium or pdftotext is missing.

mod support;

use std::path::{Path, PathBuf};
use support::browser::{chromium, pdf_pages, poppler, print_to_pdf, run_chromium};
use support::{audit_json, fixture, fundament, shared_fixture};

/// One row of the HTML component table, as the report writes it.
#[derive(Debug)]
struct Row {
    number: String,
    name: String,
    status: String,
    verdict: String,
    vetting: Option<String>,
}

/// The text of an HTML fragment without its tags, with MiniJinja's escapes undone.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// The text of the first `<span class="badge PREFIX…">` of `cell`.
fn badge(cell: &str, prefix: &str) -> Option<String> {
    let marker = format!("<span class=\"badge {prefix}");
    let at = cell.find(&marker)?;
    let rest = &cell[at..];
    let start = rest.find('>')? + 1;
    let end = rest.find("</span>")?;
    Some(text(&rest[start..end]))
}

/// Every row of the component tables with these ids (`components`: the delivered components;
/// `tools`: the development tools, a table of its own when there are any).
fn component_rows(html: &str, ids: &[&str]) -> Vec<Row> {
    let mut rows = Vec::new();
    for id in ids {
        let Some(at) = html.find(&format!("<table id=\"{id}\" class=\"components\">")) else {
            assert_ne!(*id, "components", "the component table");
            continue;
        };
        let table = &html[at..];
        rows.extend(table_rows(&table[..table.find("</table>").unwrap()]));
    }
    rows
}

fn table_rows(table: &str) -> Vec<Row> {
    table
        .split("<tr class=\"component")
        .skip(1)
        .map(|row| {
            let row = &row[..row.find("</tr>").unwrap()];
            let status = row.split("data-status=\"").nth(1).unwrap();
            let status = status[..status.find('"').unwrap()].to_string();
            let cells: Vec<&str> = row.split("<td").skip(1).collect();
            let cell_text = |i: usize| text(&format!("<td{}", cells[i]));
            let verdict_cell = cells
                .iter()
                .find(|c| c.contains(&format!("<span class=\"badge {status}\"")))
                .expect("a verdict cell");
            Row {
                number: cell_text(0),
                name: cell_text(1),
                verdict: badge(verdict_cell, &status).unwrap(),
                vetting: cells.iter().find_map(|c| badge(c, "vet-")),
                status,
            }
        })
        .collect()
}

/// Writes the HTML report of `dir` in `lang` to `out` and returns it.
fn write_report(dir: &Path, lang: &str, out: &Path) -> String {
    let output = fundament()
        .arg("audit")
        .arg(dir)
        .args(["--offline", "--format", "html", "--lang", lang, "-o"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

fn tools() -> Option<(PathBuf, PathBuf)> {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: chromium is not installed (neither /usr/bin/chromium nor on PATH)");
        return None;
    };
    let Some(pdftotext) = poppler("pdftotext") else {
        eprintln!("skipped: pdftotext (poppler-utils) is not installed");
        return None;
    };
    Some((chromium, pdftotext))
}

/// Prints the report of `dir` and checks the PDF against the audit; returns the page count.
fn check_printed(dir: &Path, lang: &str, appendix: &str) -> usize {
    let Some((chromium, pdftotext)) = tools() else {
        return 0;
    };
    let json = audit_json(dir, &["--offline"]).json;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("report.html");
    let html = write_report(dir, lang, &file);

    // The HTML rows are the audit's packages, with their verdicts (delivered components and
    // development tools, in the audit's order by their numbers).
    let mut rows = component_rows(&html, &["components", "tools"]);
    rows.sort_by_key(|r| r.number.parse::<usize>().unwrap());
    let packages = json["packages"].as_array().unwrap();
    assert_eq!(rows.len(), packages.len());
    for (row, package) in rows.iter().zip(packages) {
        assert_eq!(row.status, package["verdict"]["status"].as_str().unwrap());
        assert!(!row.verdict.is_empty());
        if json["vetting"].is_object() || package["vetting"].is_object() {
            assert!(row.vetting.is_some(), "no vetting status for {}", row.name);
        }
    }

    let pdf = work.path().join("report.pdf");
    print_to_pdf(&chromium, &format!("file://{}", file.display()), &pdf);
    let pages = pdf_pages(&pdftotext, &pdf);
    assert!(!pages.is_empty());

    // Every page has the page header (report title and project) and its number.
    let title = text(&html[html.find("<title>").unwrap() + 7..html.find("</title>").unwrap()]);
    for (i, page) in pages.iter().enumerate() {
        let first = page.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        assert!(
            first.contains(&title),
            "page {} has no header `{title}`: {first}",
            i + 1
        );
        // pdftotext may drop the spaces around the slash.
        let counter = format!("{}/{}", i + 1, pages.len());
        assert!(
            page.lines()
                .any(|l| l.split_whitespace().collect::<String>().ends_with(&counter)),
            "page {} has no page number `{counter}`",
            i + 1
        );
    }

    // The appendix starts on a page of its own and lists every component in a row of its own,
    // with its verdict and its vetting status: nothing is cut off at the page's edge.
    let start = pages
        .iter()
        .position(|p| p.lines().any(|l| l.trim_start().starts_with(appendix)))
        .unwrap_or_else(|| panic!("no appendix heading `{appendix}` in the PDF"));
    let appendix_lines: Vec<&str> = pages[start..].iter().flat_map(|p| p.lines()).collect();
    let mut by_number: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for line in &appendix_lines {
        if let Some(first) = line.split_whitespace().next() {
            by_number.entry(first).or_default().push(line);
        }
    }
    for row in &rows {
        let lines = by_number
            .get(row.number.as_str())
            .map_or(&[][..], Vec::as_slice);
        let printed = lines.iter().any(|l| {
            l.contains(&row.verdict) && row.vetting.as_ref().is_none_or(|v| l.contains(v))
        });
        assert!(
            printed,
            "component {} ({}): verdict `{}` and vetting `{:?}` are not in its printed row: {lines:?}",
            row.number, row.name, row.verdict, row.vetting
        );
    }
    pages.len()
}

#[test]
fn the_printed_report_has_every_verdict() {
    let pages = check_printed(&fixture("cargo/workspace"), "en", "9. Appendix: ");
    eprintln!("cargo/workspace: {pages} pages");
}

#[test]
fn the_printed_nextcloud_deck_report_has_every_verdict() {
    let Some(dir) = shared_fixture("nextcloud-deck") else {
        return;
    };
    // docs/benchmarks.md records the page count.
    let pages = check_printed(&dir, "de", "9. Anhang: ");
    eprintln!("nextcloud-deck: {pages} pages");
}

/// Measures the report in a 1280 px window and exercises the filter; the script writes what it
/// found into `<pre id="measured">`, which `--dump-dom` prints.
const MEASURE: &str = r#"<pre id="measured"></pre><script>
(function () {
  var out = {};
  var doc = document.documentElement;
  out.viewport = window.innerWidth;
  out.page = doc.scrollWidth;
  var table = document.getElementById("components");
  out.table = Math.ceil(table.getBoundingClientRect().right);
  var form = document.querySelector("form.table-filter[data-table=components]");
  out.form_shown = !form.hidden;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var shown = function () { return rows.filter(function (r) { return r.getClientRects().length > 0; }).length; };
  out.total = rows.length;
  out.visible = shown();
  if (form.hidden || form.getClientRects().length === 0) {
    out.form_shown = false;
    document.getElementById("measured").textContent = JSON.stringify(out);
    return;
  }
  var search = form.querySelector("input[type=search]");
  var name = rows[rows.length - 1].cells[1].textContent;
  search.value = name;
  search.dispatchEvent(new Event("input", { bubbles: true }));
  out.search = name;
  out.found = shown();
  out.expected = rows.filter(function (r) { return r.textContent.toLowerCase().indexOf(name.toLowerCase()) !== -1; }).length;
  search.value = "";
  var status = form.querySelector("select[data-attribute=status]");
  status.value = "denied";
  status.dispatchEvent(new Event("change", { bubbles: true }));
  out.denied = shown();
  out.output = form.querySelector("output").textContent;
  document.getElementById("measured").textContent = JSON.stringify(out);
})();
</script></body>"#;

fn measure(chromium: &Path, html: &str, dir: &Path) -> serde_json::Value {
    let file = dir.join("measure.html");
    std::fs::write(&file, html.replace("</body>", MEASURE)).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let dom = run_chromium(
        chromium,
        profile.path(),
        &[
            "--dump-dom".to_string(),
            "--window-size=1280,900".to_string(),
        ],
        &format!("file://{}", file.display()),
    );
    let start = dom.find("<pre id=\"measured\">").expect("the measurement") + 19;
    let end = start + dom[start..].find("</pre>").unwrap();
    serde_json::from_str(&text(&dom[start..end])).expect("the measurement is JSON")
}

fn check_screen(dir: &Path, lang: &str, shown_word: &str) {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: chromium is not installed (neither /usr/bin/chromium nor on PATH)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let html = write_report(dir, lang, &work.path().join("report.html"));
    let rows = component_rows(&html, &["components"]);
    let denied = rows.iter().filter(|r| r.status == "denied").count();

    let m = measure(&chromium, &html, work.path());
    let viewport = m["viewport"].as_u64().unwrap();
    assert!(viewport <= 1280, "{m}");
    assert!(
        m["page"].as_u64().unwrap() <= viewport,
        "the page is wider than the window: {m}"
    );
    assert!(
        m["table"].as_u64().unwrap() <= viewport,
        "the component table is wider than the window: {m}"
    );
    // With scripts: the filter is shown, a search finds the rows with the text, the verdict
    // filter the rows with the verdict, and it says how many it shows.
    assert_eq!(m["form_shown"], true, "{m}");
    assert_eq!(m["total"].as_u64().unwrap() as usize, rows.len());
    assert!(m["found"].as_u64().unwrap() >= 1, "{m}");
    assert_eq!(m["found"], m["expected"], "{m}");
    assert_eq!(m["denied"].as_u64().unwrap() as usize, denied, "{m}");
    let output = m["output"].as_str().unwrap();
    assert!(output.contains(shown_word), "{output}");

    // Without scripts (the report with its script taken out, as a browser that runs none
    // sees it): the filter stays hidden and every row is shown.
    let start = html.find("<script>").unwrap();
    let end = html.find("</script>").unwrap() + "</script>".len();
    let without = format!("{}{}", &html[..start], &html[end..]);
    let m = measure(&chromium, &without, work.path());
    assert_eq!(m["form_shown"], false, "{m}");
    assert_eq!(m["total"].as_u64().unwrap() as usize, rows.len());
    assert_eq!(
        m["visible"], m["total"],
        "rows are hidden without scripts: {m}"
    );
}

#[test]
fn the_report_fits_a_1280_px_screen_and_filters() {
    check_screen(&fixture("cargo/workspace"), "en", "shown");
}

#[test]
fn the_nextcloud_deck_report_fits_a_1280_px_screen_and_filters() {
    let Some(dir) = shared_fixture("nextcloud-deck") else {
        return;
    };
    check_screen(&dir, "de", "angezeigt");
}
