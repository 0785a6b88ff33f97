//! Facts about licences: category, OSI approval, FSF libre status.
//!
//! Categories come from the ScanCode LicenseDB (data/licence-categories.tsv, CC-BY-4.0, see
//! docs/ATTRIBUTION.md), mapped onto fundament's policy categories, with the corrections in
//! data/category-overrides.tsv. OSI and FSF flags come from the SPDX licence list bundled with
//! the `spdx` crate. The tables are parsed once, on first use.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// The policy categories, ordered from fewest to most obligations or restrictions. When an OR
/// expression leaves a choice between allowed licences, the one earliest in this order wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Public domain dedications (CC0-1.0, Unlicense, ...).
    PublicDomain,
    /// Permissive licences: attribution, licence text, sometimes a patent clause (MIT, Apache-2.0).
    Permissive,
    /// Copyleft limited to the component's own files or library (LGPL, MPL, EPL, EUPL).
    WeakCopyleft,
    /// Copyleft over the whole derived work when distributed (GPL).
    StrongCopyleft,
    /// Copyleft that also applies when the software is offered over a network (AGPL, OSL-3.0).
    NetworkCopyleft,
    /// Source can be read but use is restricted (BUSL, SSPL, Elastic).
    SourceAvailable,
    /// Use for commercial purposes is forbidden (CC-BY-NC-*).
    NonCommercial,
    /// No rights beyond use as provided; proprietary or commercial terms.
    Proprietary,
    /// Free in most respects but with field-of-use restrictions (no military use, ...).
    FreeRestricted,
    /// A patent grant, not a copyright licence.
    PatentLicence,
    /// A contributor licence agreement, not a licence to users.
    Cla,
    /// A reference to a licence whose terms are not stated.
    Unstated,
}

impl Category {
    pub const ALL: &'static [Category] = &[
        Category::PublicDomain,
        Category::Permissive,
        Category::WeakCopyleft,
        Category::StrongCopyleft,
        Category::NetworkCopyleft,
        Category::SourceAvailable,
        Category::NonCommercial,
        Category::Proprietary,
        Category::FreeRestricted,
        Category::PatentLicence,
        Category::Cla,
        Category::Unstated,
    ];

    /// The name used in policy files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::PublicDomain => "public-domain",
            Category::Permissive => "permissive",
            Category::WeakCopyleft => "weak-copyleft",
            Category::StrongCopyleft => "strong-copyleft",
            Category::NetworkCopyleft => "network-copyleft",
            Category::SourceAvailable => "source-available",
            Category::NonCommercial => "non-commercial",
            Category::Proprietary => "proprietary",
            Category::FreeRestricted => "free-restricted",
            Category::PatentLicence => "patent-licence",
            Category::Cla => "cla",
            Category::Unstated => "unstated",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    fn from_scancode(category: &str, key: &str) -> Category {
        if is_non_commercial(key) {
            return Category::NonCommercial;
        }
        match category {
            "Permissive" => Category::Permissive,
            "Public Domain" => Category::PublicDomain,
            "Copyleft Limited" => Category::WeakCopyleft,
            "Copyleft" => Category::StrongCopyleft,
            "Source-available" => Category::SourceAvailable,
            "Proprietary Free" | "Commercial" => Category::Proprietary,
            "Free Restricted" => Category::FreeRestricted,
            "Patent License" => Category::PatentLicence,
            "CLA" => Category::Cla,
            _ => Category::Unstated,
        }
    }

    /// Copyleft of any strength.
    pub fn is_copyleft(self) -> bool {
        matches!(
            self,
            Category::WeakCopyleft | Category::StrongCopyleft | Category::NetworkCopyleft
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ScanCode keys of non-commercial licences carry an `nc` part (`cc-by-nc-4.0`,
/// `dl-de-by-nc-1-0-de`) or say so in words.
fn is_non_commercial(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.split('-').any(|part| part == "nc")
        || key.contains("non-commercial")
        || key.contains("noncommercial")
}

/// What fundament knows about one licence or exception id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LicenceFacts {
    pub category: Category,
    /// The ScanCode LicenseDB category the fundament category was derived from.
    pub scancode_category: &'static str,
    pub osi_approved: bool,
    pub fsf_libre: bool,
    pub deprecated: bool,
    pub is_exception: bool,
}

struct Table {
    by_id: HashMap<&'static str, LicenceFacts>,
}

const CATEGORIES_TSV: &str = include_str!("data/licence-categories.tsv");
const OVERRIDES_TSV: &str = include_str!("data/category-overrides.tsv");

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let overrides: HashMap<&str, Category> = OVERRIDES_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let id = cols.next()?;
                let category = Category::from_name(cols.next()?)?;
                Some((id, category))
            })
            .collect();
        let mut by_id = HashMap::with_capacity(4096);
        let mut aliases = Vec::new();
        for line in CATEGORIES_TSV.lines() {
            if line.starts_with('#') || line.starts_with("spdx_id\t") || line.is_empty() {
                continue;
            }
            let cols: Vec<&'static str> = line.split('\t').collect();
            if cols.len() < 5 {
                continue;
            }
            let (id, key, scancode, exception) = (cols[0], cols[1], cols[2], cols[3] == "yes");
            let category = overrides
                .get(id)
                .copied()
                .unwrap_or_else(|| Category::from_scancode(scancode, key));
            let (osi, fsf, deprecated) = match spdx::license_id(id) {
                Some(lic) => (
                    lic.is_osi_approved(),
                    lic.is_fsf_free_libre(),
                    lic.is_deprecated(),
                ),
                None => (false, false, false),
            };
            let facts = LicenceFacts {
                category,
                scancode_category: scancode,
                osi_approved: osi,
                fsf_libre: fsf,
                deprecated: deprecated || cols[4] == "yes",
                is_exception: exception,
            };
            if !id.is_empty() {
                by_id.insert(id, facts);
            }
            if let Some(others) = cols.get(5) {
                for other in others.split(',').filter(|o| !o.is_empty()) {
                    aliases.push((other, facts));
                }
            }
        }
        // Aliases (deprecated ids, other LicenseRefs) never shadow a primary id.
        for (alias, facts) in aliases {
            by_id.entry(alias).or_insert(facts);
        }
        Table { by_id }
    })
}

/// Facts about a licence or exception id (`MIT`, `LLVM-exception`,
/// `LicenseRef-scancode-public-domain`).
pub fn facts(id: &str) -> Option<LicenceFacts> {
    let table = table();
    table.by_id.get(id).copied().or_else(|| {
        // Deprecated GNU ids without -only / -or-later (GPL-2.0) share the -only facts.
        spdx::license_id(id)
            .filter(|l| l.is_gnu())
            .and_then(|l| spdx::gnu_license_id(l.name, false))
            .and_then(|l| table.by_id.get(l.name).copied())
    })
}

/// The category of one licence requirement of an expression, with its `WITH` addition taken
/// into account: an exception that relaxes a copyleft licence (Classpath, LLVM, GCC runtime)
/// gives the combination the exception's category, but an exception never makes a licence
/// stricter, nor removes a network clause.
pub fn category_of(req: &spdx::LicenseReq) -> Option<Category> {
    let base = facts(&licence_name(&req.license))?.category;
    let Some(addition) = &req.addition else {
        return Some(base);
    };
    let relaxed = match addition {
        spdx::AdditionItem::Spdx(id) => facts(id.name).map(|f| f.category),
        spdx::AdditionItem::Other(_) => None,
    };
    Some(match relaxed {
        Some(exc) if exc < base && base != Category::NetworkCopyleft => exc,
        _ => base,
    })
}

/// The id part of a licence item, without `+`.
pub fn licence_name(item: &spdx::LicenseItem) -> String {
    match item {
        spdx::LicenseItem::Spdx { id, .. } => id.name.to_string(),
        spdx::LicenseItem::Other(r) => format!("LicenseRef-{}", r.lic_ref),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> spdx::LicenseReq {
        spdx::Expression::parse(text)
            .unwrap()
            .requirements()
            .next()
            .unwrap()
            .req
            .clone()
    }

    #[test]
    fn categories_follow_scancode_with_overrides() {
        assert_eq!(facts("MIT").unwrap().category, Category::Permissive);
        assert_eq!(facts("Apache-2.0").unwrap().category, Category::Permissive);
        assert_eq!(facts("MPL-2.0").unwrap().category, Category::WeakCopyleft);
        assert_eq!(facts("EUPL-1.2").unwrap().category, Category::WeakCopyleft);
        assert_eq!(
            facts("GPL-3.0-only").unwrap().category,
            Category::StrongCopyleft
        );
        assert_eq!(
            facts("AGPL-3.0-or-later").unwrap().category,
            Category::NetworkCopyleft
        );
        assert_eq!(facts("CC0-1.0").unwrap().category, Category::PublicDomain);
        assert_eq!(
            facts("BUSL-1.1").unwrap().category,
            Category::SourceAvailable
        );
        assert_eq!(
            facts("CC-BY-NC-4.0").unwrap().category,
            Category::NonCommercial
        );
        assert_eq!(
            facts("LicenseRef-scancode-proprietary-license")
                .unwrap()
                .category,
            Category::Proprietary
        );
        assert_eq!(
            facts("LicenseRef-scancode-public-domain").unwrap().category,
            Category::PublicDomain
        );
    }

    #[test]
    fn deprecated_gnu_ids_share_facts_with_only() {
        assert_eq!(facts("GPL-2.0").unwrap().category, Category::StrongCopyleft);
        assert_eq!(
            facts("AGPL-3.0").unwrap().category,
            Category::NetworkCopyleft
        );
    }

    #[test]
    fn osi_and_fsf_flags_come_from_the_spdx_list() {
        let mit = facts("MIT").unwrap();
        assert!(mit.osi_approved && mit.fsf_libre);
        let cc0 = facts("CC0-1.0").unwrap();
        assert!(!cc0.osi_approved);
    }

    #[test]
    fn exceptions_relax_copyleft_but_never_remove_network_clauses() {
        assert_eq!(
            category_of(&req("Apache-2.0 WITH LLVM-exception")),
            Some(Category::Permissive)
        );
        assert_eq!(
            category_of(&req("GPL-2.0-only WITH Classpath-exception-2.0")),
            Some(Category::WeakCopyleft)
        );
        assert_eq!(
            category_of(&req("GPL-3.0-only")),
            Some(Category::StrongCopyleft)
        );
    }

    #[test]
    fn every_category_name_round_trips() {
        for c in Category::ALL {
            assert_eq!(Category::from_name(c.as_str()), Some(*c));
        }
    }
}
