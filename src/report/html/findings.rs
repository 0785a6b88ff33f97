//! Section 6: the findings that are not about one package's licence verdict, by code.

use super::*;

pub(super) fn other_findings(audit: &Audit, lang: Lang) -> Vec<OtherCode> {
    let names: HashMap<&str, String> = audit
        .packages
        .iter()
        .map(|p| {
            (
                p.package.purl.as_str(),
                format!("{} {}", p.package.name, p.package.version),
            )
        })
        .collect();
    let mut order: Vec<Code> = Vec::new();
    let mut by_code: HashMap<Code, Vec<OtherItem>> = HashMap::new();
    let mut severity: HashMap<Code, crate::diagnostic::Severity> = HashMap::new();
    for f in audit
        .findings
        .iter()
        .filter(|f| !GROUPED_CODES.contains(&f.code))
    {
        if !by_code.contains_key(&f.code) {
            order.push(f.code);
        }
        let entry = severity.entry(f.code).or_insert(f.severity);
        *entry = (*entry).min(f.severity);
        // A folded finding (issue 17) is one item naming its packages.
        let named: Vec<String> = f
            .purls()
            .map(|purl| names.get(purl).cloned().unwrap_or(purl.to_string()))
            .collect();
        let subject = match named.len() {
            0 => f
                .location
                .as_ref()
                .map_or("—".to_string(), |l| l.to_string()),
            1..=10 => named.join(", "),
            n => format!("{}, … (+{})", named[..10].join(", "), n - 10),
        };
        by_code.entry(f.code).or_default().push(OtherItem {
            subject,
            message: f.message_in(lang),
        });
    }
    order
        .into_iter()
        .map(|code| {
            let items = by_code.remove(&code).unwrap_or_default();
            let severity_key = severity
                .get(&code)
                .map(|s| s.to_string())
                .unwrap_or_default();
            OtherCode {
                code: code.as_str(),
                severity: tr(lang, &format!("other.{severity_key}")),
                severity_key,
                meaning: tr(lang, &format!("code.{}", code.as_str())),
                count: number(items.len(), lang),
                items,
            }
        })
        .collect()
}
