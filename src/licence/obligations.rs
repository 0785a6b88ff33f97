//! What a licence obliges its users to do, in plain language (data/obligations.toml), in the
//! languages fundament's reports speak.

use super::facts::{self, Category};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A language of fundament's explanations and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    De,
}

#[derive(Debug, Deserialize)]
struct Texts {
    en: Vec<String>,
    de: Vec<String>,
}

impl Texts {
    fn get(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::En => &self.en,
            Lang::De => &self.de,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Data {
    category: HashMap<String, Texts>,
    licence: HashMap<String, Texts>,
}

const OBLIGATIONS_TOML: &str = include_str!("data/obligations.toml");

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(OBLIGATIONS_TOML).unwrap_or_else(|_| Data {
            // The file is compiled in and checked by a test; an empty table is the safe
            // fallback rather than a panic.
            category: HashMap::new(),
            licence: HashMap::new(),
        })
    })
}

/// What using the licence `id` obliges, most general first: its category's obligations, then
/// what this licence adds.
pub fn obligations(id: &str, lang: Lang) -> Vec<String> {
    let data = data();
    let mut out = Vec::new();
    if let Some(category) = facts::facts(id).map(|f| f.category)
        && let Some(texts) = data.category.get(category.as_str())
    {
        out.extend(texts.get(lang).iter().cloned());
    }
    if let Some(texts) = data.licence.get(id) {
        out.extend(texts.get(lang).iter().cloned());
    }
    out
}

/// The obligations of a category.
pub fn category_obligations(category: Category, lang: Lang) -> Vec<String> {
    data()
        .category
        .get(category.as_str())
        .map(|t| t.get(lang).to_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_obligations_in_both_languages() {
        let data: Data = toml::from_str(OBLIGATIONS_TOML).expect("obligations.toml parses");
        for category in Category::ALL {
            let texts = data
                .category
                .get(category.as_str())
                .unwrap_or_else(|| panic!("no obligations for {category}"));
            assert!(
                !texts.en.is_empty() && texts.en.len() == texts.de.len(),
                "{category}"
            );
        }
        for (id, texts) in &data.licence {
            assert!(spdx::license_id(id).is_some(), "{id} is not an SPDX id");
            assert_eq!(texts.en.len(), texts.de.len(), "{id}");
        }
    }

    #[test]
    fn licence_specific_obligations_follow_the_category() {
        let apache = obligations("Apache-2.0", Lang::En);
        assert!(apache[0].contains("copyright notice"));
        assert!(apache.iter().any(|o| o.contains("NOTICE")));
        let de = obligations("AGPL-3.0-only", Lang::De);
        assert!(de.iter().any(|o| o.contains("Netzwerk")));
    }
}
