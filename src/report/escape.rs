//! Safe text for terminals: the one escaping helper every text output goes through.
//!
//! Whatever the audited input contains (package names, versions, licence strings, paths, notes
//! of an index record, a policy's reasons) may hold control characters: ESC starting an ANSI or
//! OSC sequence that recolours, retitles or rewrites the terminal, BEL, NUL, a carriage return
//! that moves back to the start of the line, a newline that starts a line of its own and forges
//! a `PASS` verdict, or the Unicode direction overrides that reorder what is shown. Text outputs
//! show every such character escaped as Rust writes it, `\u{1b}`, so that the bytes stay visible
//! and harmless, and data can never start a line of its own.
//!
//! It is applied where text leaves fundament: the human report escapes each value it shows
//! ([`Shown`]); line-oriented outputs (index commands, policy commands, error messages, the
//! one-line problem summaries on stderr) are written with [`safe_println!`],
//! [`safe_eprintln!`] and [`safe_writeln!`], which escape the whole formatted line, so that
//! nothing interpolated into it can escape, whichever way it was interpolated; the text
//! templates (notices) escape every value in their formatter, and licence texts (which are
//! legitimately several lines long) with [`block`].
//!
//! [`safe_println!`]: crate::safe_println
//! [`safe_eprintln!`]: crate::safe_eprintln
//! [`safe_writeln!`]: crate::safe_writeln

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not reach a terminal as it is: C0 and C1 control characters (newline, tab,
/// carriage return and ESC included), DEL, and the invisible Unicode formatting characters that
/// change how a line is shown (direction marks, embeddings, overrides and isolates, zero-width
/// characters, line and paragraph separators, the byte-order mark).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// `text` for one line of terminal output: every unsafe character (newlines included) escaped
/// as `\u{…}`.
pub fn line(text: &str) -> Cow<'_, str> {
    escape_where(text, is_unsafe)
}

/// `text` for a block of several lines (a licence text): newlines and tabs are kept, every
/// other unsafe character (a carriage return included) is escaped.
pub fn block(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && c != '\t' && is_unsafe(c))
}

fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A value shown in one line of text output, escaped ([`line`]).
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&line(self.0))
    }
}

/// `println!` for terminal output: the whole formatted line is escaped with [`line`] (one call
/// per line), so nothing interpolated can add a line or a control sequence.
#[macro_export]
macro_rules! safe_println {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", $crate::report::escape::line(&format!($($arg)*)))
    };
}

/// `eprintln!` for terminal output, escaped like [`safe_println!`].
#[macro_export]
macro_rules! safe_eprintln {
    () => {
        eprintln!()
    };
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::report::escape::line(&format!($($arg)*)))
    };
}

/// `writeln!` into a `String` of text output, escaped like [`safe_println!`].
#[macro_export]
macro_rules! safe_writeln {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&$crate::report::escape::line(&format!($($arg)*)));
        $out.push('\n');
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_newlines_are_escaped() {
        assert_eq!(line("plain text — fine"), "plain text — fine");
        assert_eq!(
            line("evil\u{1b}]0;title\u{7}\n\rPASS 0 errors"),
            "evil\\u{1b}]0;title\\u{7}\\u{a}\\u{d}PASS 0 errors"
        );
        assert_eq!(
            line("a\u{0}b\u{9b}c\u{202e}d"),
            "a\\u{0}b\\u{9b}c\\u{202e}d"
        );
        assert_eq!(
            block("line one\n\tline two\r\u{1b}[2J"),
            "line one\n\tline two\\u{d}\\u{1b}[2J"
        );
    }

    #[test]
    fn the_macros_escape_every_interpolation() {
        let name = "x\nPASS";
        let mut out = String::new();
        safe_writeln!(out, "package {name} and {}", "y\u{1b}[31m");
        assert_eq!(out, "package x\\u{a}PASS and y\\u{1b}[31m\n");
    }
}
