//! CycloneDX documents, JSON and XML, into the neutral document.

use super::*;

/// A component, from JSON or XML.
#[derive(Debug, Default)]
pub(super) struct Comp {
    /// `components[3]` (JSON) or `/bom/components/component[4]` (XML).
    pub(super) path: String,
    pub(super) xml: bool,
    pub(super) place: Place,
    pub(super) bom_ref: Option<String>,
    pub(super) name: Option<String>,
    pub(super) group: Option<String>,
    pub(super) version: Option<String>,
    pub(super) purl: Option<String>,
    pub(super) scope: Option<String>,
    pub(super) licences: Vec<LicenceEntry>,
    pub(super) hashes: Vec<(String, String)>,
    pub(super) references: Vec<Reference>,
    pub(super) properties: Vec<(String, String)>,
    pub(super) children: Vec<Comp>,
}

impl Comp {
    fn licences_field(&self) -> String {
        if self.xml {
            format!("{}/licenses", self.path)
        } else {
            format!("{}.licenses", self.path)
        }
    }
}

#[derive(Debug)]
pub(super) enum LicenceValue {
    Id(String),
    Name(String),
    Url(String),
    Expression(String),
}

#[derive(Debug)]
pub(super) struct LicenceEntry {
    pub(super) value: LicenceValue,
    pub(super) acknowledgement: Option<String>,
    /// Where a free-text name is (`components[2].licenses[0].license.name`).
    pub(super) field: String,
}

#[derive(Debug)]
pub(super) struct Reference {
    pub(super) kind: String,
    pub(super) url: String,
    pub(super) hashes: Vec<(String, String)>,
}

/// A `dependencies` entry.
#[derive(Debug)]
pub(super) struct DependencyEntry {
    pub(super) from: String,
    pub(super) place: Place,
    pub(super) to: Vec<(String, Place)>,
}

/// Turns CycloneDX components and dependencies into the neutral document.
pub(super) fn cyclonedx_doc(
    display: &str,
    reader: String,
    minor: u32,
    metadata: Option<Comp>,
    components: Vec<Comp>,
    dependencies: Vec<DependencyEntry>,
) -> Doc {
    let mut doc = Doc {
        reader,
        ..Doc::default()
    };
    fn walk(
        comp: Comp,
        parent: Option<&str>,
        root: bool,
        display: &str,
        minor: u32,
        doc: &mut Doc,
    ) {
        let key = comp
            .bom_ref
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| format!("#{}", comp.path));
        if let Some(parent) = parent {
            doc.edges.push(Edge {
                from: parent.to_string(),
                to: key.clone(),
                kind: DepKind::Normal,
                place: comp.place.clone(),
            });
        }
        if root {
            doc.roots.push(key.clone());
        }
        let declared = cyclonedx_licences(&comp, display, minor);
        let property = |name: &str| {
            comp.properties
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.trim())
        };
        let scope = comp.scope.as_deref().map(str::trim);
        let distribution = comp.references.iter().find(|r| r.kind == "distribution");
        let mut hashes = comp.hashes.clone();
        if let Some(d) = distribution {
            hashes.extend(d.hashes.iter().cloned());
        }
        let item = Item {
            key: key.clone(),
            label: comp.path.clone(),
            place: comp.place.clone(),
            name: comp.name.clone().filter(|n| !n.trim().is_empty()),
            group: comp.group.clone().filter(|g| !g.trim().is_empty()),
            version: comp.version.clone().filter(|v| !v.trim().is_empty()),
            purl: comp.purl.clone().filter(|p| !p.trim().is_empty()),
            declared,
            no_licence: "the SBOM records no licence for this component".to_string(),
            hashes,
            distribution: distribution.map(|r| r.url.clone()),
            vcs: comp
                .references
                .iter()
                .find(|r| r.kind == "vcs")
                .map(|r| r.url.clone()),
            dev: scope == Some("excluded")
                || property("cdx:npm:package:development") == Some("true"),
            optional: scope == Some("optional"),
        };
        doc.items.push(item);
        for child in comp.children {
            walk(child, Some(&key), root, display, minor, doc);
        }
    }
    if let Some(meta) = metadata {
        walk(meta, None, true, display, minor, &mut doc);
    }
    for comp in components {
        walk(comp, None, false, display, minor, &mut doc);
    }
    for entry in dependencies {
        for (to, place) in entry.to {
            doc.edges.push(Edge {
                from: entry.from.clone(),
                to,
                kind: DepKind::Normal,
                place: place.or(entry.place.clone()),
            });
        }
    }
    doc
}

/// A component's licences, concluded entries first (see the module documentation).
pub(super) fn cyclonedx_licences(comp: &Comp, display: &str, minor: u32) -> Vec<DeclaredLicence> {
    let acknowledgement = |entry: &LicenceEntry| -> &'static str {
        match entry.acknowledgement.as_deref().map(str::trim) {
            Some("concluded") if minor >= 6 => "concluded",
            _ => "declared",
        }
    };
    let origin = |field: String| Origin {
        file: display.to_string(),
        field,
    };
    let mut out = Vec::new();
    for group in ["concluded", "declared"] {
        let entries: Vec<&LicenceEntry> = comp
            .licences
            .iter()
            .filter(|e| acknowledgement(e) == group)
            .collect();
        let terms: Vec<&str> = entries
            .iter()
            .filter_map(|e| match &e.value {
                LicenceValue::Id(id) | LicenceValue::Expression(id) => Some(id.trim()),
                _ => None,
            })
            .filter(|t| !t.is_empty())
            .collect();
        if !terms.is_empty() {
            out.push(DeclaredLicence {
                raw: join_and(&terms),
                origin: origin(format!("{} ({group})", comp.licences_field())),
            });
        }
        for entry in entries {
            if let LicenceValue::Name(text) | LicenceValue::Url(text) = &entry.value
                && !text.trim().is_empty()
            {
                out.push(DeclaredLicence {
                    raw: text.trim().to_string(),
                    origin: origin(format!("{} ({group})", entry.field)),
                });
            }
        }
    }
    out
}

/// Joins licence terms with `AND`, parenthesising compound expressions.
pub(super) fn join_and(terms: &[&str]) -> String {
    if let [single] = terms {
        return (*single).to_string();
    }
    terms
        .iter()
        .map(|t| {
            if t.split_whitespace().count() > 1 {
                format!("({t})")
            } else {
                (*t).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

// CycloneDX JSON

#[derive(Debug, Deserialize)]
pub(super) struct JsonBom {
    pub(super) metadata: Option<JsonMetadata>,
    #[serde(default)]
    pub(super) components: Option<Vec<JsonComponent>>,
    #[serde(default)]
    pub(super) dependencies: Option<Vec<JsonDependency>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct JsonMetadata {
    pub(super) component: Option<JsonComponent>,
}

#[derive(Debug, Deserialize)]
pub(super) struct JsonComponent {
    #[serde(rename = "bom-ref")]
    pub(super) bom_ref: Option<String>,
    pub(super) name: Option<String>,
    pub(super) group: Option<String>,
    pub(super) version: Option<String>,
    pub(super) purl: Option<String>,
    pub(super) scope: Option<String>,
    #[serde(default)]
    pub(super) licenses: Option<Vec<JsonLicenceChoice>>,
    #[serde(default)]
    pub(super) hashes: Option<Vec<JsonHash>>,
    #[serde(default, rename = "externalReferences")]
    pub(super) external_references: Option<Vec<JsonReference>>,
    #[serde(default)]
    pub(super) properties: Option<Vec<JsonProperty>>,
    #[serde(default)]
    pub(super) components: Option<Vec<JsonComponent>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum JsonLicenceChoice {
    Licence {
        license: JsonLicence,
    },
    Expression {
        expression: String,
        acknowledgement: Option<String>,
    },
    Other(serde::de::IgnoredAny),
}

#[derive(Debug, Deserialize)]
pub(super) struct JsonLicence {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) url: Option<String>,
    pub(super) acknowledgement: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct JsonHash {
    pub(super) alg: Option<String>,
    pub(super) content: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct JsonReference {
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) url: Option<String>,
    #[serde(default)]
    pub(super) hashes: Option<Vec<JsonHash>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct JsonProperty {
    pub(super) name: Option<String>,
    pub(super) value: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct JsonDependency {
    #[serde(rename = "ref")]
    pub(super) reference: Option<String>,
    #[serde(default, rename = "dependsOn")]
    pub(super) depends_on: Option<Vec<String>>,
}

pub(super) fn json_hashes(hashes: Option<Vec<JsonHash>>) -> Vec<(String, String)> {
    hashes
        .unwrap_or_default()
        .into_iter()
        .filter_map(|h| Some((h.alg?, h.content?)))
        .collect()
}

pub(super) fn json_comp(c: JsonComponent, path: String) -> Comp {
    let place = c.bom_ref.clone().map_or(Place::Unknown, Place::JsonString);
    let licences = c
        .licenses
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, choice)| match choice {
            JsonLicenceChoice::Licence { license } => {
                let (value, key) = match (license.id, license.name, license.url) {
                    (Some(id), _, _) => (LicenceValue::Id(id), "id"),
                    (None, Some(name), _) => (LicenceValue::Name(name), "name"),
                    (None, None, Some(url)) => (LicenceValue::Url(url), "url"),
                    (None, None, None) => return None,
                };
                Some(LicenceEntry {
                    value,
                    acknowledgement: license.acknowledgement,
                    field: format!("{path}.licenses[{i}].license.{key}"),
                })
            }
            JsonLicenceChoice::Expression {
                expression,
                acknowledgement,
            } => Some(LicenceEntry {
                value: LicenceValue::Expression(expression),
                acknowledgement,
                field: format!("{path}.licenses[{i}].expression"),
            }),
            JsonLicenceChoice::Other(_) => None,
        })
        .collect();
    let children = c
        .components
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, child)| json_comp(child, format!("{path}.components[{i}]")))
        .collect();
    Comp {
        xml: false,
        place,
        bom_ref: c.bom_ref,
        name: c.name,
        group: c.group,
        version: c.version,
        purl: c.purl,
        scope: c.scope,
        licences,
        hashes: json_hashes(c.hashes),
        references: c
            .external_references
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| {
                Some(Reference {
                    kind: r.kind?,
                    url: r.url?,
                    hashes: json_hashes(r.hashes),
                })
            })
            .collect(),
        properties: c
            .properties
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| Some((p.name?, p.value.unwrap_or_default())))
            .collect(),
        children,
        path,
    }
}

pub(super) fn cyclonedx_json(display: &str, reader: String, minor: u32, bom: JsonBom) -> Doc {
    let metadata = bom
        .metadata
        .and_then(|m| m.component)
        .map(|c| json_comp(c, "metadata.component".to_string()));
    let components = bom
        .components
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, c)| json_comp(c, format!("components[{i}]")))
        .collect();
    let dependencies = bom
        .dependencies
        .unwrap_or_default()
        .into_iter()
        .filter_map(|d| {
            let from = d.reference?;
            let to = d
                .depends_on
                .unwrap_or_default()
                .into_iter()
                .map(|t| {
                    let place = Place::JsonString(t.clone());
                    (t, place)
                })
                .collect();
            Some(DependencyEntry {
                place: Place::JsonString(from.clone()),
                from,
                to,
            })
        })
        .collect();
    cyclonedx_doc(display, reader, minor, metadata, components, dependencies)
}

// CycloneDX XML

/// An XML element, namespaces reduced to local names.
#[derive(Debug, Default)]
pub(super) struct Element {
    pub(super) name: String,
    pub(super) attributes: Vec<(String, String)>,
    pub(super) children: Vec<Element>,
    pub(super) text: String,
    pub(super) line: usize,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_string())
    }
}

pub(super) fn local_name(qualified: &str) -> &str {
    qualified.rsplit(':').next().unwrap_or(qualified)
}

/// How deep XML elements may nest: the tree is walked recursively, and no real BOM comes near
/// this (serde_json has the same kind of limit for JSON).
pub(super) const MAX_XML_DEPTH: usize = 256;

/// Reads an XML document into elements; errors carry the message and the 1-based line.
pub(super) fn xml_tree(text: &str) -> Result<Element, (String, usize)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let line_at = |offset: u64| line_of_offset(text, usize::try_from(offset).unwrap_or(usize::MAX));
    // The line of every element: counted forward, not from the start for each element.
    let mut lines = crate::diagnostic::LineCounter::new(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let open = |e: &quick_xml::events::BytesStart<'_>, line: usize| -> Result<Element, String> {
        let name = e.name().as_ref().to_string();
        let mut attributes = Vec::new();
        for attribute in e.attributes() {
            let attribute = attribute.map_err(|err| err.to_string())?;
            let key = attribute.key.as_ref().to_string();
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| err.to_string())?
                .into_owned();
            attributes.push((key, value));
        }
        Ok(Element {
            name,
            attributes,
            children: Vec::new(),
            text: String::new(),
            line,
        })
    };
    loop {
        let start = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|err| (err.to_string(), line_at(reader.error_position())))?;
        // The event starts after any whitespace the previous text event did not include.
        let line = {
            let from = usize::try_from(start).unwrap_or(usize::MAX).min(text.len());
            let skipped = text
                .get(from..)
                .map(|rest| rest.len() - rest.trim_start().len())
                .unwrap_or(0);
            lines.line_at(from + skipped)
        };
        let finished = |element: Element,
                        stack: &mut Vec<Element>,
                        root: &mut Option<Element>|
         -> Result<(), (String, usize)> {
            match stack.last_mut() {
                Some(parent) => parent.children.push(element),
                None if root.is_none() => *root = Some(element),
                None => {
                    return Err((
                        format!("a second root element <{}>", element.name),
                        element.line,
                    ));
                }
            }
            Ok(())
        };
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_XML_DEPTH {
                    return Err((
                        format!("elements are nested more than {MAX_XML_DEPTH} levels deep"),
                        line,
                    ));
                }
                stack.push(open(&e, line).map_err(|m| (m, line))?);
            }
            Event::Empty(e) => {
                let element = open(&e, line).map_err(|m| (m, line))?;
                finished(element, &mut stack, &mut root)?;
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(("a closing tag without an opening tag".to_string(), line));
                };
                finished(element, &mut stack, &mut root)?;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                } else if !t.trim().is_empty() {
                    return Err(("text outside the root element".to_string(), line));
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r)
                        .map(str::to_string)
                        .ok_or_else(|| (format!("unknown entity `&{};`", &*r), line))?,
                    Err(err) => return Err((err.to_string(), line)),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err((
            format!(
                "the file ends before <{}> (opened at line {}) is closed",
                open.name, open.line
            ),
            line_of_offset(text, text.len()),
        ));
    }
    root.ok_or_else(|| ("no root element".to_string(), 1))
}

pub(super) fn parse_xml(text: &str, display: &str) -> Result<Doc, Failure> {
    let root = xml_tree(text).map_err(|(message, line)| {
        Failure::unreadable(
            "SBOM",
            crate::text!("xml_not_well_formed", file = display, message = message),
            Some(line),
        )
    })?;
    let prefix = root.name.rsplit_once(':').map(|(p, _)| p.to_string());
    let namespace_attribute = match &prefix {
        Some(p) => format!("xmlns:{p}"),
        None => "xmlns".to_string(),
    };
    let namespace = root.attribute(&namespace_attribute).unwrap_or_default();
    let local = local_name(&root.name);
    if local != "bom" {
        let what = if local == "RDF" {
            "an RDF/XML document (SPDX RDF is not read)".to_string()
        } else {
            format!("XML with the root element <{}>", root.name)
        };
        return Err(Failure::unsupported(
            "SBOM",
            format!("{display} is {what}, not a CycloneDX BOM"),
            Some(root.line),
        ));
    }
    let Some(spec) = namespace.strip_prefix("http://cyclonedx.org/schema/bom/") else {
        return Err(Failure::unsupported(
            "CycloneDX XML",
            crate::text!("cyclonedx_namespace", file = display, namespace = namespace),
            Some(root.line),
        ));
    };
    let minor = cyclonedx_minor(spec).ok_or_else(|| {
        Failure::unsupported(
            &format!("CycloneDX {spec} XML"),
            crate::text!(
                "format_version_unread",
                file = display,
                format = format!("CycloneDX {spec}")
            ),
            Some(root.line),
        )
    })?;
    let reader = format!("CycloneDX 1.{minor} XML");
    let metadata = root
        .child("metadata")
        .and_then(|m| m.child("component"))
        .map(|c| xml_comp(c, "/bom/metadata/component".to_string()));
    let components = root
        .child("components")
        .map(|list| {
            list.children_named("component")
                .enumerate()
                .map(|(i, c)| xml_comp(c, format!("/bom/components/component[{}]", i + 1)))
                .collect()
        })
        .unwrap_or_default();
    let dependencies = root
        .child("dependencies")
        .map(|list| {
            list.children_named("dependency")
                .filter_map(|d| {
                    Some(DependencyEntry {
                        from: d.attribute("ref")?.to_string(),
                        place: Place::Line(d.line),
                        to: d
                            .children_named("dependency")
                            .filter_map(|t| {
                                Some((t.attribute("ref")?.to_string(), Place::Line(t.line)))
                            })
                            .collect(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(cyclonedx_doc(
        display,
        reader,
        minor,
        metadata,
        components,
        dependencies,
    ))
}

pub(super) fn xml_hashes(element: Option<&Element>) -> Vec<(String, String)> {
    element
        .map(|hashes| {
            hashes
                .children_named("hash")
                .filter_map(|h| Some((h.attribute("alg")?.to_string(), h.text.trim().to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn xml_comp(element: &Element, path: String) -> Comp {
    let mut licences = Vec::new();
    if let Some(list) = element.child("licenses") {
        let mut licence_index = 0;
        let mut expression_index = 0;
        for entry in &list.children {
            match entry.name.as_str() {
                "license" => {
                    licence_index += 1;
                    let value = match (
                        entry.child_text("id"),
                        entry.child_text("name"),
                        entry.child_text("url"),
                    ) {
                        (Some(id), _, _) => ("id", LicenceValue::Id(id)),
                        (None, Some(name), _) => ("name", LicenceValue::Name(name)),
                        (None, None, Some(url)) => ("url", LicenceValue::Url(url)),
                        (None, None, None) => continue,
                    };
                    licences.push(LicenceEntry {
                        field: format!("{path}/licenses/license[{licence_index}]/{}", value.0),
                        value: value.1,
                        acknowledgement: entry.attribute("acknowledgement").map(str::to_string),
                    });
                }
                "expression" => {
                    expression_index += 1;
                    licences.push(LicenceEntry {
                        value: LicenceValue::Expression(entry.text.trim().to_string()),
                        acknowledgement: entry.attribute("acknowledgement").map(str::to_string),
                        field: format!("{path}/licenses/expression[{expression_index}]"),
                    });
                }
                _ => {}
            }
        }
    }
    let references = element
        .child("externalReferences")
        .map(|list| {
            list.children_named("reference")
                .filter_map(|r| {
                    Some(Reference {
                        kind: r.attribute("type")?.to_string(),
                        url: r.child_text("url")?,
                        hashes: xml_hashes(r.child("hashes")),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let properties = element
        .child("properties")
        .map(|list| {
            list.children_named("property")
                .filter_map(|p| Some((p.attribute("name")?.to_string(), p.text.trim().to_string())))
                .collect()
        })
        .unwrap_or_default();
    let children = element
        .child("components")
        .map(|list| {
            list.children_named("component")
                .enumerate()
                .map(|(i, c)| xml_comp(c, format!("{path}/components/component[{}]", i + 1)))
                .collect()
        })
        .unwrap_or_default();
    Comp {
        xml: true,
        place: Place::Line(element.line),
        bom_ref: element.attribute("bom-ref").map(str::to_string),
        name: element.child_text("name"),
        group: element.child_text("group"),
        version: element.child_text("version"),
        purl: element.child_text("purl"),
        scope: element.child_text("scope"),
        licences,
        hashes: xml_hashes(element.child("hashes")),
        references,
        properties,
        children,
        path,
    }
}
