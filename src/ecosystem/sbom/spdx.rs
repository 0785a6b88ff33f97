//! SPDX 2.x documents, JSON and tag-value, into the neutral document.

use super::*;

/// An SPDX 2 document, from JSON or tag-value.
#[derive(Debug, Default)]
pub(super) struct Spdx {
    pub(super) document_id: Option<String>,
    /// `documentDescribes` (JSON).
    pub(super) describes: Vec<String>,
    pub(super) packages: Vec<SpdxPackage>,
    /// Files and snippets.
    pub(super) other_elements: Vec<String>,
    pub(super) relationships: Vec<Relationship>,
    pub(super) extracted: Vec<Extracted>,
}

#[derive(Debug, Default)]
pub(super) struct SpdxPackage {
    pub(super) id: Option<String>,
    /// `packages[3]` or `PackageName: x (line 12)`.
    pub(super) label: String,
    pub(super) place: Place,
    pub(super) name: Option<String>,
    pub(super) version: Option<String>,
    pub(super) download: Option<String>,
    /// Each licence field with the name of where it is.
    pub(super) concluded: Option<(String, String)>,
    pub(super) declared: Option<(String, String)>,
    pub(super) from_files: Vec<String>,
    pub(super) from_files_field: String,
    pub(super) checksums: Vec<(String, String)>,
    pub(super) purl: Option<String>,
}

#[derive(Debug)]
pub(super) struct Relationship {
    pub(super) from: String,
    pub(super) kind: String,
    pub(super) to: String,
    pub(super) place: Place,
}

/// A `hasExtractedLicensingInfos` entry (`LicenseID:` block).
#[derive(Debug, Default)]
pub(super) struct Extracted {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) text: Option<String>,
    /// `hasExtractedLicensingInfos[0]` or `LicenseID (line 80)`.
    pub(super) label: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JsonSpdx {
    #[serde(rename = "SPDXID")]
    pub(super) spdx_id: Option<String>,
    #[serde(default)]
    pub(super) document_describes: Option<Vec<String>>,
    #[serde(default)]
    pub(super) packages: Option<Vec<JsonSpdxPackage>>,
    #[serde(default)]
    pub(super) files: Option<Vec<JsonSpdxElement>>,
    #[serde(default)]
    pub(super) snippets: Option<Vec<JsonSpdxElement>>,
    #[serde(default)]
    pub(super) relationships: Option<Vec<JsonRelationship>>,
    #[serde(default)]
    pub(super) has_extracted_licensing_infos: Option<Vec<JsonExtracted>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JsonSpdxPackage {
    #[serde(rename = "SPDXID")]
    pub(super) spdx_id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) version_info: Option<String>,
    pub(super) download_location: Option<String>,
    pub(super) license_concluded: Option<String>,
    pub(super) license_declared: Option<String>,
    #[serde(default)]
    pub(super) license_info_from_files: Option<Vec<String>>,
    #[serde(default)]
    pub(super) checksums: Option<Vec<JsonChecksum>>,
    #[serde(default)]
    pub(super) external_refs: Option<Vec<JsonExternalRef>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct JsonSpdxElement {
    #[serde(rename = "SPDXID")]
    pub(super) spdx_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JsonChecksum {
    pub(super) algorithm: Option<String>,
    pub(super) checksum_value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JsonExternalRef {
    pub(super) reference_type: Option<String>,
    pub(super) reference_locator: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JsonRelationship {
    pub(super) spdx_element_id: Option<String>,
    pub(super) relationship_type: Option<String>,
    pub(super) related_spdx_element: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JsonExtracted {
    pub(super) license_id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) extracted_text: Option<String>,
}

pub(super) fn spdx_from_json(doc: JsonSpdx) -> Spdx {
    let packages = doc
        .packages
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let label = format!("packages[{i}]");
            SpdxPackage {
                place: p.spdx_id.clone().map_or(Place::Unknown, Place::JsonString),
                id: p.spdx_id,
                name: p.name,
                version: p.version_info,
                download: p.download_location,
                concluded: p
                    .license_concluded
                    .map(|v| (v, format!("{label}.licenseConcluded"))),
                declared: p
                    .license_declared
                    .map(|v| (v, format!("{label}.licenseDeclared"))),
                from_files: p.license_info_from_files.unwrap_or_default(),
                from_files_field: format!("{label}.licenseInfoFromFiles"),
                checksums: p
                    .checksums
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|c| Some((c.algorithm?, c.checksum_value?)))
                    .collect(),
                purl: p
                    .external_refs
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|r| {
                        (r.reference_type.as_deref().map(str::trim) == Some("purl"))
                            .then_some(r.reference_locator)
                            .flatten()
                    }),
                label,
            }
        })
        .collect();
    let other_elements = doc
        .files
        .unwrap_or_default()
        .into_iter()
        .chain(doc.snippets.unwrap_or_default())
        .filter_map(|e| e.spdx_id)
        .collect();
    let relationships = doc
        .relationships
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| {
            let from = r.spdx_element_id?;
            let to = r.related_spdx_element?;
            // Found in the text only when a finding needs it, by the element that is missing.
            let place = Place::JsonString(to.clone());
            Some(Relationship {
                kind: r.relationship_type?,
                from,
                to,
                place,
            })
        })
        .collect();
    let extracted = doc
        .has_extracted_licensing_infos
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| {
            Some(Extracted {
                id: e.license_id?,
                name: e.name,
                text: e.extracted_text,
                label: format!("hasExtractedLicensingInfos[{i}]"),
            })
        })
        .collect();
    Spdx {
        document_id: doc.spdx_id,
        describes: doc.document_describes.unwrap_or_default(),
        packages,
        other_elements,
        relationships,
        extracted,
    }
}

/// Which section of a tag-value document the current line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Document,
    Package,
    File,
    Snippet,
    Licence,
}

/// Reads SPDX tag-value: `Tag: value` lines, `<text>...</text>` values over several lines,
/// `#` comments.
pub(super) fn parse_tag_value(text: &str, display: &str) -> Result<Doc, Failure> {
    let lines: Vec<&str> = text.lines().collect();
    let mut spdx = Spdx::default();
    let mut version: Option<(String, usize)> = None;
    let mut section = Section::Document;
    let mut index = 0;
    let unreadable = |message: String, line: usize| {
        Failure::unreadable(
            "SPDX tag-value",
            crate::text!("spdx_tag_value_invalid", file = display, message = message),
            Some(line),
        )
    };
    while let Some(raw_line) = lines.get(index) {
        let number = index + 1;
        index += 1;
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((tag, rest)) = line.split_once(':') else {
            return Err(unreadable(
                format!("line {number} is not `Tag: value`"),
                number,
            ));
        };
        let tag = tag.trim();
        if tag.is_empty() || tag.contains(char::is_whitespace) {
            return Err(unreadable(
                format!("line {number} is not `Tag: value`"),
                number,
            ));
        }
        let mut value = rest.trim().to_string();
        if let Some(after) = value.strip_prefix("<text>") {
            let mut collected = after.to_string();
            loop {
                if let Some(end) = collected.find("</text>") {
                    collected.truncate(end);
                    break;
                }
                let Some(next) = lines.get(index) else {
                    return Err(unreadable(
                        format!(
                            "the `<text>` value of `{tag}` at line {number} is never closed with `</text>`"
                        ),
                        number,
                    ));
                };
                index += 1;
                collected.push('\n');
                collected.push_str(next);
            }
            value = collected;
        }
        let field = |name: &str| format!("{name} (line {number})");
        match tag {
            "SPDXVersion" => {
                version.get_or_insert((value, number));
            }
            "SPDXID" => match section {
                Section::Document => {
                    spdx.document_id.get_or_insert(value);
                }
                Section::Package => {
                    if let Some(p) = spdx.packages.last_mut() {
                        p.id = Some(value);
                    }
                }
                Section::File => spdx.other_elements.push(value),
                Section::Snippet | Section::Licence => {}
            },
            "PackageName" => {
                section = Section::Package;
                spdx.packages.push(SpdxPackage {
                    label: format!("PackageName: {value} (line {number})"),
                    place: Place::Line(number),
                    name: Some(value),
                    from_files_field: String::new(),
                    ..SpdxPackage::default()
                });
            }
            "FileName" => section = Section::File,
            "SnippetSPDXID" => {
                section = Section::Snippet;
                spdx.other_elements.push(value);
            }
            "LicenseID" => {
                section = Section::Licence;
                spdx.extracted.push(Extracted {
                    id: value,
                    label: field("LicenseID"),
                    ..Extracted::default()
                });
            }
            "ExtractedText" if section == Section::Licence => {
                if let Some(e) = spdx.extracted.last_mut() {
                    e.text = Some(value);
                }
            }
            "LicenseName" if section == Section::Licence => {
                if let Some(e) = spdx.extracted.last_mut() {
                    e.name = Some(value);
                }
            }
            "Relationship" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                let [from, kind, to] = parts.as_slice() else {
                    return Err(unreadable(
                        format!(
                            "`Relationship: {value}` at line {number} is not `<element> <TYPE> <element>`"
                        ),
                        number,
                    ));
                };
                spdx.relationships.push(Relationship {
                    from: (*from).to_string(),
                    kind: (*kind).to_string(),
                    to: (*to).to_string(),
                    place: Place::Line(number),
                });
            }
            _ if section == Section::Package => {
                let Some(p) = spdx.packages.last_mut() else {
                    continue;
                };
                match tag {
                    "PackageVersion" => p.version = Some(value),
                    "PackageDownloadLocation" => p.download = Some(value),
                    "PackageLicenseConcluded" => {
                        p.concluded = Some((value, field("PackageLicenseConcluded")));
                    }
                    "PackageLicenseDeclared" => {
                        p.declared = Some((value, field("PackageLicenseDeclared")));
                    }
                    "PackageLicenseInfoFromFiles" => {
                        if p.from_files.is_empty() {
                            p.from_files_field = field("PackageLicenseInfoFromFiles");
                        }
                        p.from_files.push(value);
                    }
                    "PackageChecksum" => {
                        if let Some((alg, hex)) = value.split_once(':') {
                            p.checksums
                                .push((alg.trim().to_string(), hex.trim().to_string()));
                        }
                    }
                    "ExternalRef" => {
                        let parts: Vec<&str> = value.split_whitespace().collect();
                        if let [_, "purl", locator, ..] = parts.as_slice()
                            && p.purl.is_none()
                        {
                            p.purl = Some((*locator).to_string());
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let Some((version, version_line)) = version else {
        return Err(Failure::unsupported(
            "SPDX tag-value",
            crate::text!("spdx_no_version_line", file = display),
            None,
        ));
    };
    let Some(short) = spdx_version(&version) else {
        return Err(Failure::unsupported(
            &format!("{version} tag-value"),
            crate::text!("format_version_unread", file = display, format = version),
            Some(version_line),
        ));
    };
    Ok(spdx_doc(display, format!("SPDX {short} tag-value"), spdx))
}

/// The kind of edge an SPDX relationship makes, and whether it points from the first element
/// to the second (`A DEPENDS_ON B`: A → B) or back (`A DEPENDENCY_OF B`: B → A).
pub(super) fn relationship_edge(kind: &str) -> Option<(DepKind, bool)> {
    let forward = true;
    Some(match kind {
        "DEPENDS_ON" | "CONTAINS" | "STATIC_LINK" | "DYNAMIC_LINK" | "HAS_PREREQUISITE" => {
            (DepKind::Normal, forward)
        }
        "DEPENDENCY_OF"
        | "RUNTIME_DEPENDENCY_OF"
        | "CONTAINED_BY"
        | "PREREQUISITE_FOR"
        | "PROVIDED_DEPENDENCY_OF" => (DepKind::Normal, !forward),
        "OPTIONAL_DEPENDENCY_OF" => (DepKind::Optional, !forward),
        "BUILD_DEPENDENCY_OF" | "BUILD_TOOL_OF" => (DepKind::Build, !forward),
        "DEV_DEPENDENCY_OF" | "TEST_DEPENDENCY_OF" | "DEV_TOOL_OF" | "TEST_TOOL_OF" | "TEST_OF" => {
            (DepKind::Dev, !forward)
        }
        _ => return None,
    })
}

/// Whether an SPDX licence field carries information.
pub(super) fn spdx_licence_value(value: &str) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty() && value != "NOASSERTION").then_some(value)
}

/// The field name, with what the `LicenseRef-`s it uses stand for.
pub(super) fn annotate_licence_refs(raw: &str, field: String, extracted: &[Extracted]) -> String {
    let mut notes = Vec::new();
    let mut seen = HashSet::new();
    for token in raw.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        let id = token.rsplit(':').next().unwrap_or(token);
        if !id.starts_with("LicenseRef-") || !seen.insert(id) {
            continue;
        }
        match extracted.iter().find(|e| e.id == id) {
            Some(e) => {
                let mut note = format!("{id} is");
                if let Some(name) = e.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    note.push_str(&format!(" \"{name}\","));
                }
                note.push_str(&format!(" defined in {}", e.label));
                if let Some(text) = e.text.as_deref() {
                    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    let excerpt: String = flat.chars().take(100).collect();
                    let ellipsis = if flat.chars().count() > 100 {
                        "…"
                    } else {
                        ""
                    };
                    note.push_str(&format!(": \"{excerpt}{ellipsis}\""));
                }
                notes.push(note);
            }
            None if token.contains(':') => {}
            None => notes.push(format!("{id} is not defined in the SBOM")),
        }
    }
    if notes.is_empty() {
        field
    } else {
        format!("{field}; {}", notes.join("; "))
    }
}

pub(super) fn spdx_doc(display: &str, reader: String, spdx: Spdx) -> Doc {
    let mut doc = Doc {
        reader,
        ..Doc::default()
    };
    let document_id = spdx
        .document_id
        .clone()
        .unwrap_or_else(|| "SPDXRef-DOCUMENT".to_string());
    doc.non_packages.insert(document_id.clone());
    doc.non_packages.extend(spdx.other_elements.iter().cloned());
    doc.roots.extend(spdx.describes.iter().cloned());

    for (i, p) in spdx.packages.iter().enumerate() {
        let origin = |raw: &str, field: String| DeclaredLicence {
            raw: raw.to_string(),
            origin: Origin {
                file: display.to_string(),
                field: annotate_licence_refs(raw, field, &spdx.extracted),
            },
        };
        let mut declared = Vec::new();
        let mut noassertion = false;
        for entry in [&p.concluded, &p.declared].into_iter().flatten() {
            match spdx_licence_value(&entry.0) {
                Some(value) => declared.push(origin(value, entry.1.clone())),
                None => noassertion = true,
            }
        }
        let from_files: Vec<&str> = p
            .from_files
            .iter()
            .filter_map(|v| spdx_licence_value(v))
            .filter(|v| *v != "NONE")
            .collect();
        if !from_files.is_empty() {
            declared.push(origin(&join_and(&from_files), p.from_files_field.clone()));
        }
        let no_licence = if noassertion {
            "the SBOM records NOASSERTION (no information) for this package's licence"
        } else {
            "the SBOM records no licence for this package"
        };
        let download = p
            .download
            .as_deref()
            .map(str::trim)
            .filter(|d| !matches!(*d, "" | "NOASSERTION" | "NONE"));
        let is_git = download.is_some_and(|d| d.starts_with("git+") || d.starts_with("git://"));
        doc.items.push(Item {
            key: p.id.clone().unwrap_or_else(|| format!("#packages[{i}]")),
            label: p.label.clone(),
            place: p.place.clone(),
            name: p.name.clone().filter(|n| !n.trim().is_empty()),
            group: None,
            version: p.version.clone().filter(|v| !v.trim().is_empty()),
            purl: p.purl.clone().filter(|v| !v.trim().is_empty()),
            declared,
            no_licence: no_licence.to_string(),
            hashes: p.checksums.clone(),
            distribution: download.filter(|_| !is_git).map(str::to_string),
            vcs: download.filter(|_| is_git).map(str::to_string),
            dev: false,
            optional: false,
        });
    }
    for r in spdx.relationships {
        let kind = r.kind.trim();
        if matches!(kind, "DESCRIBES" | "DESCRIBED_BY") {
            let (describer, described) = if kind == "DESCRIBES" {
                (&r.from, &r.to)
            } else {
                (&r.to, &r.from)
            };
            if *describer == document_id && !doc.roots.contains(described) {
                doc.roots.push(described.clone());
            }
            continue;
        }
        let Some((dep_kind, forward)) = relationship_edge(kind) else {
            continue;
        };
        let (from, to) = if forward {
            (r.from, r.to)
        } else {
            (r.to, r.from)
        };
        if [&from, &to]
            .iter()
            .any(|id| matches!(id.as_str(), "NOASSERTION" | "NONE"))
        {
            continue;
        }
        doc.edges.push(Edge {
            from,
            to,
            kind: dep_kind,
            place: r.place,
        });
    }
    doc
}
