//! Number agreement in English messages: the one helper every finding, note and progress line
//! uses, so that no message says "1 packages" or "1 Go package needs their licence".
//!
//! Both forms are written out by the caller (`count(n, "dependency", "dependencies")`): English
//! plurals are too irregular to derive, and the pair keeps every message greppable. (The report
//! templates have their own singular/plural texts per language: `report::html::trn`.)

/// `n` and the noun in the number that agrees with it: `count(1, "package", "packages")` is
/// "1 package", `count(3, …)` "3 packages".
pub fn count(n: usize, one: &str, other: &str) -> String {
    format!("{n} {}", word(n, one, other))
}

/// The form of a word (a noun, a verb, a pronoun) that agrees with `n`: `word(n, "needs",
/// "need")`, `word(n, "its", "their")`.
pub fn word<'a>(n: usize, one: &'a str, other: &'a str) -> &'a str {
    if n == 1 { one } else { other }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(count(1, "package", "packages"), "1 package");
        assert_eq!(count(0, "package", "packages"), "0 packages");
        assert_eq!(count(2, "dependency", "dependencies"), "2 dependencies");
        assert_eq!(word(1, "needs", "need"), "needs");
        assert_eq!(word(7, "its", "their"), "their");
    }
}
