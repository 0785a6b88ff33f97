//! The texts of both languages and the compiled templates.

use super::*;

// Texts

const EN_TOML: &str = include_str!("../i18n/en.toml");
const DE_TOML: &str = include_str!("../i18n/de.toml");

/// One language's texts: flat (`section.key`) for lookups from Rust, and as a tree for the
/// templates (`t.section.key`).
pub(super) struct Texts {
    flat: HashMap<String, String>,
    /// Values as plain strings (escaped by HTML templates).
    tree: minijinja::Value,
    /// Values marked safe, for Markdown templates: the texts are ours and may use Markdown.
    tree_safe: minijinja::Value,
}

fn load_texts(source: &str) -> Texts {
    // The tables are compiled in and checked by tests; an empty table is the fallback rather
    // than a panic (every lookup then shows its key).
    let table: toml::Table = toml::from_str(source).unwrap_or_default();
    let mut flat = HashMap::new();
    let mut tree = BTreeMap::new();
    let mut tree_safe = BTreeMap::new();
    for (section, value) in &table {
        let Some(entries) = value.as_table() else {
            continue;
        };
        let mut plain = BTreeMap::new();
        let mut safe = BTreeMap::new();
        for (key, text) in entries {
            let text = text.as_str().unwrap_or_default().to_string();
            flat.insert(format!("{section}.{key}"), text.clone());
            plain.insert(key.clone(), minijinja::Value::from(text.clone()));
            safe.insert(key.clone(), minijinja::Value::from_safe_string(text));
        }
        tree.insert(section.clone(), minijinja::Value::from(plain));
        tree_safe.insert(section.clone(), minijinja::Value::from(safe));
    }
    Texts {
        flat,
        tree: minijinja::Value::from(tree),
        tree_safe: minijinja::Value::from(tree_safe),
    }
}

pub(super) fn texts(lang: Lang) -> &'static Texts {
    static EN: OnceLock<Texts> = OnceLock::new();
    static DE: OnceLock<Texts> = OnceLock::new();
    match lang {
        Lang::En => EN.get_or_init(|| load_texts(EN_TOML)),
        Lang::De => DE.get_or_init(|| load_texts(DE_TOML)),
    }
}

/// Every key of a language's table, sorted (for the test that both languages have the same).
pub fn text_keys(lang: Lang) -> Vec<String> {
    let mut keys: Vec<String> = texts(lang).flat.keys().cloned().collect();
    keys.sort();
    keys
}

/// The text `key` (`section.key`) in `lang`; the key itself when it is missing (a test keeps
/// every key used in the code present in both tables).
pub(crate) fn tr(lang: Lang, key: &str) -> String {
    texts(lang)
        .flat
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// The key (`section.key`) of the English text of `section` that reads `english`: for texts
/// that come from a data table in English and are translated by their wording.
pub(crate) fn key_of(section: &str, english: &str) -> Option<String> {
    let prefix = format!("{section}.");
    texts(Lang::En)
        .flat
        .iter()
        .find(|(key, text)| key.starts_with(&prefix) && text.as_str() == english)
        .map(|(key, _)| key.clone())
}

/// The singular (`key_one`) or plural (`key_other`) of a text, with `{n}` filled in.
pub(crate) fn trn(lang: Lang, key: &str, n: usize) -> String {
    let form = if n == 1 { "one" } else { "other" };
    fill(
        &tr(lang, &format!("{key}_{form}")),
        &[("n", &number(n, lang))],
    )
}

/// A translatable text (a finding's message, a compatibility reason) in `lang`; the template's
/// key itself when it is missing (a test keeps every key the code uses present in both tables).
pub fn render_text(text: &crate::diagnostic::Text, lang: Lang) -> String {
    use crate::diagnostic::Arg;
    let table = &texts(lang).flat;
    let key = if text.key.contains('.') {
        text.key.clone()
    } else {
        format!("message.{}", text.key)
    };
    let template = table.get(&key).cloned().or_else(|| {
        let n = text.args.iter().find_map(|(name, arg)| match arg {
            Arg::Count(n) if *name == "n" => Some(*n),
            _ => None,
        })?;
        let form = if n == 1 { "one" } else { "other" };
        table.get(&format!("{key}_{form}")).cloned()
    });
    let Some(template) = template else {
        return key;
    };
    let values: Vec<(&str, String)> = text
        .args
        .iter()
        .map(|(name, arg)| {
            let value = match arg {
                Arg::Plain(value) => value.clone(),
                Arg::Count(n) => match lang {
                    // English messages keep their plain digits (JSON and SARIF are stable).
                    Lang::En => n.to_string(),
                    Lang::De => number(*n, lang),
                },
                Arg::Text(inner) => render_text(inner, lang),
                Arg::List(items, separator) => items
                    .iter()
                    .map(|item| render_text(item, lang))
                    .collect::<Vec<_>>()
                    .join(separator),
            };
            (*name, value)
        })
        .collect();
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(&template, &values)
}

/// Replaces each `{name}` in `text` by its value, in one pass: a value that itself holds
/// `{…}` (a package name from the audited tree) is never filled in again.
pub(crate) fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A count as the language writes it (1,714 / 1.714).
pub(crate) fn number(n: usize, lang: Lang) -> String {
    let digits = n.to_string();
    let separator = match lang {
        Lang::En => ',',
        Lang::De => '.',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// The audit's `created` time as the language writes dates.
pub(crate) fn date(created: &str, lang: Lang) -> String {
    let Ok(ts) = created.parse::<jiff::Timestamp>() else {
        return created.to_string();
    };
    match lang {
        Lang::En => ts.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        Lang::De => ts.strftime("%d.%m.%Y, %H:%M UTC").to_string(),
    }
}

pub(super) fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::De => "de",
    }
}

// ---------------------------------------------------------------------------------------------
// Templates

/// Escapes text for Markdown: every character that could start markup is backslash-escaped,
/// line breaks become spaces (a value must not leave its table cell or paragraph).
pub(crate) fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if crate::report::escape::is_unsafe(c) => {
                out.push_str(&crate::report::escape::line(&c.to_string()))
            }
            c => out.push(c),
        }
    }
    out
}

const MARKDOWN: &str = "markdown";
/// Plain text: every value is escaped for a terminal ([`crate::report::escape::line`]).
const TEXT: &str = "text";

pub(super) fn environment() -> &'static Result<Environment<'static>, String> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .map_err(|e| e.to_string())?,
        );
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else if name.ends_with(".md") {
                AutoEscape::Custom(MARKDOWN.into())
            } else {
                AutoEscape::Custom(TEXT.into())
            }
        });
        // Licence and notice texts are several lines long: `|block` keeps their lines and tabs
        // and escapes every other control character (also in Markdown code blocks).
        env.add_filter("block", |text: String| {
            minijinja::Value::from_safe_string(crate::report::escape::block(&text).into_owned())
        });
        crate::report::style::register(&mut env);
        env.set_formatter(|out, state, value| {
            if let AutoEscape::Custom(name) = state.auto_escape() {
                if value.is_safe() || value.is_none() || value.is_undefined() {
                    if !value.is_none() && !value.is_undefined() {
                        out.write_str(&value.to_string())?;
                    }
                } else if name == MARKDOWN {
                    out.write_str(&md_escape(&value.to_string()))?;
                } else {
                    out.write_str(&crate::report::escape::line(&value.to_string()))?;
                }
                Ok(())
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        for (name, source) in [
            ("report.html", include_str!("../templates/report.html")),
            ("report.md", include_str!("../templates/report.md")),
            (
                "components-table.html",
                include_str!("../templates/components-table.html"),
            ),
            ("notices.html", include_str!("../templates/notices.html")),
            ("notices.md", include_str!("../templates/notices.md")),
            ("notices.txt", include_str!("../templates/notices.txt")),
        ] {
            env.add_template(name, source)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(env)
    })
}

/// Renders template `name` with `view` as `v` and the language's texts as `t`. A template
/// error is a bug of this build, not of the input: it is reported in the output rather than
/// with a panic.
pub(crate) fn render_template<V: Serialize>(name: &str, lang: Lang, view: &V) -> String {
    let env = match environment() {
        Ok(env) => env,
        Err(e) => return format!("fundament: the report templates are broken: {e}\n"),
    };
    let texts = texts(lang);
    let t = if name.ends_with(".md") || name.ends_with(".txt") {
        texts.tree_safe.clone()
    } else {
        texts.tree.clone()
    };
    let result = env.get_template(name).and_then(|template| {
        template.render(minijinja::context! {
            v => minijinja::Value::from(Serde(view)),
            t => t,
        })
    });
    match result {
        Ok(text) => text,
        Err(e) => format!("fundament: the report {name} could not be rendered: {e:#}\n"),
    }
}
