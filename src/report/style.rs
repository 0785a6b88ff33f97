//! What the HTML reports share on the page: one stylesheet (screen and print) and the table
//! filter script, for the procurement report (src/report/templates/report.html) and the
//! portfolio report (src/portfolio/templates/portfolio.html). Both are compiled in and written
//! inline, so that a report stays one self-contained file.
//!
//! Print headers name the project and the date in CSS page-margin boxes, whose text can only be
//! a CSS string written into the page's own `<style>`: [`css_string`] writes it so that no
//! project name, whatever it contains, can end the string or the element.

use minijinja::{Environment, Value};

/// The reports' stylesheet (src/report/templates/report.css).
pub const STYLESHEET: &str = include_str!("templates/report.css");

/// The table filter (src/report/templates/filter.js): hidden without scripts, so the table is
/// then complete.
pub const FILTER_SCRIPT: &str = include_str!("templates/filter.js");

/// Makes the stylesheet (`stylesheet`), the filter script (`filter_script`) and the
/// `css_string` filter available to the templates of `env`.
pub fn register(env: &mut Environment<'static>) {
    env.add_global(
        "stylesheet",
        Value::from_safe_string(STYLESHEET.to_string()),
    );
    env.add_global(
        "filter_script",
        Value::from_safe_string(FILTER_SCRIPT.to_string()),
    );
    env.add_filter("css_string", |text: String| {
        Value::from_safe_string(css_string(&text))
    });
}

/// `text` as a quoted CSS string for a `<style>` element: letters, digits, spaces and harmless
/// punctuation stay; every other character (quotes, backslashes, `<`, `>`, `&`, `/`, control
/// characters, anything beyond ASCII) is written as a CSS hex escape, which the browser shows
/// as the character itself. Nothing in the result can close the string or the element.
pub fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c.is_ascii_alphanumeric()
            || matches!(c, ' ' | '.' | ',' | ':' | ';' | '_' | '-' | '(' | ')')
        {
            out.push(c);
        } else {
            // The trailing space ends the escape (and is not shown).
            out.push_str(&format!("\\{:x} ", u32::from(c)));
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_strings_cannot_escape_their_element() {
        assert_eq!(css_string("deck 1.0"), "\"deck 1.0\"");
        let hostile = "x\"; } </style><script>alert(1)</script> \\ \u{1b}[31m";
        let written = css_string(hostile);
        for c in ['<', '>', '/'] {
            assert!(!written.contains(c), "{written}");
        }
        assert!(
            written.contains("\\5c "),
            "the backslash is escaped: {written}"
        );
        assert_eq!(written.matches('"').count(), 2, "{written}");
        assert!(written.contains("\\22 "), "the quote is escaped: {written}");
        assert!(written.contains("\\1b "), "ESC is escaped: {written}");
        assert_eq!(css_string("Straße"), "\"Stra\\df e\"");
    }

    #[test]
    fn the_stylesheet_prints_on_a4_and_has_no_template_syntax() {
        assert!(STYLESHEET.contains("size: A4"));
        // Written verbatim into templates: nothing in it may read as template syntax or end
        // the <style> element.
        for marker in ["{{", "{%", "{#", "</style"] {
            assert!(!STYLESHEET.contains(marker), "{marker}");
        }
        assert!(!FILTER_SCRIPT.contains("</script"));
        assert!(!FILTER_SCRIPT.contains("innerHTML"));
    }
}
