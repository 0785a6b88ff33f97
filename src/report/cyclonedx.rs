//! `--format cyclonedx`: the audit as a CycloneDX 1.6 JSON SBOM with the fields of BSI
//! TR-03183-2 v2.1, as far as the audit knows them.
//!
//! **Document.** `bomFormat`, `specVersion: "1.6"`, `version: 1` and a `serialNumber` that is a
//! deterministic `urn:uuid:`: a UUID of version 8 (RFC 9562, "custom") made from the SHA-256 of
//! the audit's content (tool version, time, the audited directory's name, every package's purl,
//! source kind, licences, checksum and vetting, the edges, the projects' files and status and the
//! indices asked). The same audit gives the same serial number, a changed one another.
//! `metadata.timestamp` is the audit's `created` time; `metadata.tools.components` names
//! fundament; `metadata.lifecycles` is `pre-build` (fundament reads manifests and lockfiles), left
//! out when only SBOMs were audited.
//!
//! **The SBOM creator** (TR-03183-2: e-mail or URL of whoever is responsible for the SBOM) is not
//! known to the audit, so `metadata.authors`, `metadata.manufacturer` and `metadata.supplier`
//! are left out rather than invented; whoever publishes the SBOM adds them.
//!
//! **The product** (`metadata.component`, type `application`) is the audited project's own root
//! package when there is exactly one. With several (a Cargo workspace, npm and Composer side by
//! side) or none, it is a component for the audited directory, named after it and carrying the
//! project's own licence (`project_licence`) as its declared licence, with the root packages
//! nested in its `components`. Every other package is one entry of `components`, type
//! `library`, in the audit's order.
//!
//! **Per component.** `bom-ref` is the purl (made unique with `#package-<index>` for the rare
//! second package with the same purl from another source); `name`, with the npm scope
//! (`@scope`), the Maven `groupId` or the Composer vendor as `group`; `version`; `purl`.
//! `supplier` and `author` are left out: the audit does not know them.
//! - `scope`: `required` for runtime packages, `optional` for optional runtime packages (npm
//!   optional dependencies), `excluded` for build-only and dev-only packages (CycloneDX: "not
//!   reachable within a call graph at runtime").
//! - `licenses` with `acknowledgement`: each declared licence as `declared`, the concluded one as
//!   `concluded` (`NOASSERTION` gives no entry). CycloneDX 1.6 allows either a list of single
//!   licences or exactly one SPDX expression (CycloneDX/specification#454, lifted only in 1.7).
//!   So when every licence is one SPDX id, the list holds each declared id and the concluded id
//!   (`license.id`; a declared string fundament cannot read is kept as `license.name`). When any
//!   is a compound expression, a `WITH` exception or a `LicenseRef-`, `licenses` holds the one
//!   concluded expression (`acknowledgement: "concluded"`, the licence the product is
//!   distributed under, which TR-03183-2 requires) and the first declared expression moves to
//!   `evidence.licenses` (`acknowledgement: "declared"`). Licences an imported SBOM recorded as
//!   *concluded* are not repeated as declared.
//! - `properties`: `bsi:component:effectiveLicense` (TR-03183-2: the licence chosen among OR
//!   alternatives; the policy's effective expression) where the policy evaluated the package,
//!   with `fundament:licence:choice` for each `OR` choice (alternatives, chosen, reason);
//!   `bsi:component:filename` and `bsi:component:archive` (`archive`) where the audit recorded
//!   a download URL whose last segment is an archive file (an npm tarball `name-1.0.0.tgz`, a
//!   wheel, a jar). `bsi:component:executable` and `bsi:component:structured` are left out: the
//!   audit does not look at the deployable files. `fundament:resolution`
//!   (`resolved-from-declarations`) where no lockfile fixed the version and fundament resolved
//!   it from the build's declarations (a Gradle build without lockfile, a Maven range), with
//!   `fundament:resolved-on` (the day) for a manifest resolved with `--resolve-unlocked`.
//!   When indices of vetted components were asked, every package other than the project's own
//!   carries its vetting: `fundament:vetting:status` (`approved`, `rejected`, `under-review`,
//!   `not-vetted`, `unknown`, `not-applicable`), `fundament:vetting:conclusive: "false"` when an
//!   index that could change it could not be read, and for the decision in force
//!   `fundament:vetting:decision`, `…:index` (the `[[index]]` name), `…:reviewer`,
//!   `…:organisation`, `…:date`, `…:decision-versions` (the version or range the decision
//!   covers), `…:review-by`, `…:licence` (the licence the reviewers concluded),
//!   `…:licence-applied` (`true` when it is the concluded licence above), `…:archive`
//!   (`matches`, `differs`, `not-compared`, `not-recorded`) and `…:notes`; for a git or HTTP
//!   index also `…:index-location` (its URL) and, for git, `…:index-commit`.
//! - `hashes` from the lockfile's checksum, decoded (presentation only, never computed): npm
//!   SRI `sha512-<base64>` (and `sha384-`, `sha256-`, `sha1-`) as hex; Cargo's hex SHA-256;
//!   Composer's hex SHA-1; Python's `sha256:<hex>`; an imported SBOM's `<ALG>:<hex>`. Go's `h1:`
//!   (a hash of the module's file tree, not of a file) and Yarn Berry's cache checksums (a hash
//!   of Yarn's own zip) are not hashes of the deployable file and are left out.
//! - `externalReferences`: `distribution` for the registry or download URL the lockfile
//!   recorded, `vcs` for git sources (user names and passwords in URLs are removed).
//!
//! **Graph.** `dependencies` lists every component (the product and each package) with the
//! `bom-ref`s it depends on, one entry per dependency whatever the edge kinds; the directory
//! component depends on the root packages.
//!
//! **Completeness** (`compositions`). A package is complete when its project was read
//! completely, its version is locked, its licence is known (not `NOASSERTION`, not unavailable
//! from the input) and no input finding (`I` codes) names it. When every package is complete,
//! and no project failed or is partial and no input finding was raised, one composition says
//! `complete` for the product (`assemblies`) and every component (`dependencies`). Otherwise an
//! `incomplete` composition covers the product and the incomplete packages, and a `complete`
//! one the rest. The BSI file properties that are left out (executable, structured, mostly
//! filename and SHA-512) do not count: they are not part of the audit's data.
//!
//! **Known vulnerabilities.** `metadata.properties` says whether they were checked
//! (`fundament:advisories:status`: `checked`, `not-configured`, `off`) and, per ecosystem,
//! whether its packages were checked and how recent the data is
//! (`fundament:advisories:ecosystem`). `vulnerabilities` (when the stage found any): one entry
//! per vulnerability and component (src/report/vulnerabilities.rs): `id` (the advisory id the
//! report uses), `source` (its database and page), `references` (its aliases), `ratings` (the
//! CVSS score, vector and method, or the database's severity word, or `unknown`),
//! `description` (the summary), `detail`, `recommendation` (the upgrade that clears it),
//! `advisories`, `published`, `updated`, `affects` (the component's `bom-ref` and version,
//! `affected`, or `unaffected` when a VEX statement settles it) and `analysis`: the VEX
//! statement in force from the indices, `state` (`not_affected`, `exploitable` for
//! `affected`, `resolved` for `fixed`, `in_triage` for `under_investigation`), the
//! `justification` in CycloneDX's terms, `response`, and `detail` naming the analysis, its
//! author, organisation and index, `firstIssued` its date. Properties
//! `fundament:advisory:state` (`fail`, `review`, `note`, `not-affected`, `fixed`,
//! `ignored`), `…:kind` for informational advisories and `…:ignore-reason` /
//! `…:ignore-approved-by` for policy exceptions.

use crate::audit::{Audit, AuditedPackage, is_input_problem};
use crate::index::SourceKind;
use crate::licence::NOASSERTION;
use crate::model::{Ecosystem, PackageSource, ProjectKind, ProjectStatus, Scope};
use crate::vet::ArchiveMatch;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// The JSON schema URI of CycloneDX 1.6.
const SCHEMA: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

/// The property TR-03183-2 names for the licence chosen among OR alternatives.
pub const EFFECTIVE_LICENCE: &str = "bsi:component:effectiveLicense";
/// Why the effective licence is the alternative it is: one per `OR` choice.
pub const LICENCE_CHOICE: &str = "fundament:licence:choice";

pub fn render(audit: &Audit) -> String {
    let bom = build(audit);
    super::json::pretty(&bom, "the SBOM")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<DependencyEntry>,
    compositions: Vec<Composition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<super::vulnerabilities::CdxVulnerability>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lifecycles: Vec<Lifecycle>,
    tools: Tools,
    component: Component,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Lifecycle {
    phase: &'static str,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<ToolComponent>,
}

#[derive(Serialize)]
struct ToolComponent {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenceChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<Evidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenceChoice {
    Licence {
        license: Licence,
    },
    Expression {
        expression: String,
        acknowledgement: &'static str,
    },
}

#[derive(Serialize)]
struct Licence {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    acknowledgement: &'static str,
}

#[derive(Serialize)]
struct ExternalReference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Evidence {
    licenses: Vec<LicenceChoice>,
}

#[derive(Serialize)]
struct DependencyEntry {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn")]
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct Composition {
    aggregate: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assemblies: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<String>,
}

fn build(audit: &Audit) -> Bom {
    let refs = bom_refs(audit);
    let roots: Vec<usize> = audit
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.package.root)
        .map(|(i, _)| i)
        .collect();

    // The product: the one root package, or the audited directory with the roots nested.
    let (product, product_ref, product_edges) = match roots.as_slice() {
        [only] => (
            component(&audit.packages[*only], &refs[*only], true),
            refs[*only].clone(),
            None,
        ),
        _ => {
            let name = directory_name(&audit.root);
            let bom_ref = format!("directory:{name}");
            let licenses = audit
                .project_licence
                .expression
                .as_deref()
                .map(|e| single_or_expression(e, "declared"))
                .unwrap_or_default();
            let nested = roots
                .iter()
                .map(|&i| component(&audit.packages[i], &refs[i], true))
                .collect();
            let product = Component {
                kind: "application",
                bom_ref: bom_ref.clone(),
                group: None,
                name,
                version: None,
                scope: None,
                hashes: Vec::new(),
                licenses,
                purl: None,
                external_references: Vec::new(),
                properties: Vec::new(),
                evidence: None,
                components: nested,
            };
            let edges = DependencyEntry {
                reference: bom_ref.clone(),
                depends_on: roots.iter().map(|&i| refs[i].clone()).collect(),
            };
            (product, bom_ref, Some(edges))
        }
    };

    let components: Vec<Component> = audit
        .packages
        .iter()
        .zip(&refs)
        .filter(|(p, _)| !p.package.root)
        .map(|(p, r)| {
            let mut c = component(p, r, false);
            if !audit.vetting.indices.is_empty() {
                c.properties.extend(vetting_properties(audit, &p.vetting));
            }
            c
        })
        .collect();

    let mut dependencies: Vec<DependencyEntry> = product_edges.into_iter().collect();
    for (p, r) in audit.packages.iter().zip(&refs) {
        let mut seen = HashSet::new();
        let depends_on = p
            .package
            .dependencies
            .iter()
            .filter_map(|d| refs.get(d.package))
            .filter(|r| seen.insert(r.as_str()))
            .cloned()
            .collect();
        dependencies.push(DependencyEntry {
            reference: r.clone(),
            depends_on,
        });
    }

    let only_sboms =
        !audit.projects.is_empty() && audit.projects.iter().all(|p| p.kind == ProjectKind::Sbom);
    Bom {
        schema: SCHEMA,
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{}", content_uuid(audit)),
        version: 1,
        metadata: Metadata {
            timestamp: audit.created.clone(),
            lifecycles: if only_sboms {
                Vec::new()
            } else {
                vec![Lifecycle { phase: "pre-build" }]
            },
            tools: Tools {
                components: vec![ToolComponent {
                    kind: "application",
                    name: audit.tool.name,
                    version: audit.tool.version,
                }],
            },
            component: product,
            properties: advisory_properties(audit),
        },
        components,
        dependencies,
        compositions: compositions(audit, &refs, &product_ref),
        vulnerabilities: super::vulnerabilities::cyclonedx(audit, &refs),
    }
}

fn component(p: &AuditedPackage, bom_ref: &str, product: bool) -> Component {
    let package = &p.package;
    let (group, name) = group_and_name(package.ecosystem, &package.name);
    let (licenses, declared_evidence) = licence_choices(p);
    let mut properties = Vec::new();
    if let Some(effective) = p.verdict.effective.as_deref().filter(|e| *e != NOASSERTION) {
        properties.push(Property {
            name: EFFECTIVE_LICENCE,
            value: effective.to_string(),
        });
        for choice in &p.verdict.choices {
            properties.push(Property {
                name: LICENCE_CHOICE,
                value: choice.to_string(),
            });
        }
    }
    if let Some(resolution) = package.resolution {
        properties.push(Property {
            name: "fundament:resolution",
            value: resolution.as_str().to_string(),
        });
    }
    if let Some(day) = &package.resolved_on {
        properties.push(Property {
            name: "fundament:resolved-on",
            value: day.clone(),
        });
    }
    if let Some(file) = archive_file_name(&package.source) {
        properties.push(Property {
            name: "bsi:component:filename",
            value: file,
        });
        properties.push(Property {
            name: "bsi:component:archive",
            value: "archive".to_string(),
        });
    }
    let scope = if product {
        None
    } else {
        Some(match package.scope {
            Scope::Runtime if package.optional => "optional",
            Scope::Runtime => "required",
            // Not part of the delivered artefact.
            Scope::Provided | Scope::Build | Scope::Test | Scope::Dev => "excluded",
        })
    };
    Component {
        kind: if product { "application" } else { "library" },
        bom_ref: bom_ref.to_string(),
        group,
        name,
        version: Some(package.version.clone()).filter(|v| !v.is_empty()),
        scope,
        hashes: decode_checksum(package.ecosystem, package.checksum.as_deref())
            .into_iter()
            .filter_map(|h| {
                h.algorithm.cyclonedx().map(|alg| Hash {
                    alg,
                    content: h.hex,
                })
            })
            .collect(),
        licenses,
        purl: Some(package.purl.clone()),
        external_references: external_references(&package.source),
        properties,
        evidence: declared_evidence.map(|licenses| Evidence { licenses }),
        components: Vec::new(),
    }
}

/// Where an index that answered can be reached by others, and the commit read: for git and
/// HTTP indices only (a folder's path means nothing outside the machine that ran the audit),
/// without user names or passwords.
/// Whether known vulnerabilities were checked, and how old each ecosystem's data is.
fn advisory_properties(audit: &Audit) -> Vec<Property> {
    let a = &audit.advisories;
    let status = match a.status {
        crate::advisory::CheckStatus::Checked => "checked",
        crate::advisory::CheckStatus::NotConfigured => "not-configured",
        crate::advisory::CheckStatus::Off => "off",
    };
    let mut out = vec![Property {
        name: "fundament:advisories:status",
        value: status.to_string(),
    }];
    for e in &a.ecosystems {
        out.push(Property {
            name: "fundament:advisories:ecosystem",
            value: match (&e.as_of, e.checked) {
                (Some(as_of), true) => {
                    format!("{} checked, data as of {as_of}", e.ecosystem.purl_type())
                }
                (None, true) => format!("{} checked", e.ecosystem.purl_type()),
                (_, false) => format!("{} not checked: no advisory data", e.ecosystem.purl_type()),
            },
        });
    }
    out
}

pub(super) fn index_address(audit: &Audit, index: &str) -> Option<(String, Option<String>)> {
    let layer = audit.vetting.indices.iter().find(|l| l.name == index)?;
    match layer.kind {
        SourceKind::Git | SourceKind::Http => {
            Some((clean_url(&layer.location)?, layer.commit.clone()))
        }
        SourceKind::Folder | SourceKind::Builtin => None,
    }
}

/// A package's vetting as `fundament:vetting:*` properties.
fn vetting_properties(audit: &Audit, vetting: &crate::vet::Vetting) -> Vec<Property> {
    let mut out = vec![Property {
        name: "fundament:vetting:status",
        value: vetting.status.as_str().to_string(),
    }];
    if !vetting.conclusive {
        out.push(Property {
            name: "fundament:vetting:conclusive",
            value: "false".to_string(),
        });
    }
    let Some(r) = &vetting.record else {
        return out;
    };
    let archive = match r.archive {
        ArchiveMatch::Matches => "matches",
        ArchiveMatch::Differs => "differs",
        ArchiveMatch::NotCompared => "not-compared",
        ArchiveMatch::NotRecorded => "not-recorded",
    };
    let fields: [(&'static str, Option<&str>); 11] = [
        ("fundament:vetting:decision", Some(r.decision.as_str())),
        ("fundament:vetting:index", Some(&r.index)),
        ("fundament:vetting:reviewer", Some(&r.reviewer)),
        ("fundament:vetting:organisation", Some(&r.organisation)),
        ("fundament:vetting:date", Some(&r.date)),
        ("fundament:vetting:decision-versions", Some(&r.versions)),
        ("fundament:vetting:review-by", r.review_by.as_deref()),
        ("fundament:vetting:licence", Some(&r.licence)),
        (
            "fundament:vetting:licence-applied",
            Some(if r.licence_applied { "true" } else { "false" }),
        ),
        ("fundament:vetting:archive", Some(archive)),
        ("fundament:vetting:notes", r.notes.as_deref()),
    ];
    out.extend(
        fields
            .into_iter()
            .filter_map(|(name, value)| value.filter(|v| !v.is_empty()).map(|v| (name, v)))
            .map(|(name, value)| Property {
                name,
                value: value.to_string(),
            }),
    );
    if let Some((url, commit)) = index_address(audit, &r.index) {
        out.push(Property {
            name: "fundament:vetting:index-location",
            value: url,
        });
        if let Some(commit) = commit {
            out.push(Property {
                name: "fundament:vetting:index-commit",
                value: commit,
            });
        }
    }
    out
}

/// The `licenses` of a component and, when CycloneDX 1.6 cannot hold the declared licence next
/// to the concluded one, the declared licence for `evidence.licenses`.
fn licence_choices(p: &AuditedPackage) -> (Vec<LicenceChoice>, Option<Vec<LicenceChoice>>) {
    let declared = declared_licences(p);
    let concluded = Some(p.licence.concluded.expression.as_str()).filter(|e| *e != NOASSERTION);
    let all_single =
        declared.expressions.iter().all(|e| is_single_id(e)) && concluded.is_none_or(is_single_id);
    if all_single {
        let mut list: Vec<LicenceChoice> = Vec::new();
        for id in &declared.expressions {
            list.push(licence_entry(Some(id), None, "declared"));
        }
        for raw in &declared.unreadable {
            list.push(licence_entry(None, Some(raw), "declared"));
        }
        if let Some(id) = concluded {
            list.push(licence_entry(Some(id), None, "concluded"));
        }
        return (list, None);
    }
    match concluded {
        Some(expression) => {
            let evidence = declared.expressions.first().map(|first| {
                vec![LicenceChoice::Expression {
                    expression: first.clone(),
                    acknowledgement: "declared",
                }]
            });
            (
                vec![LicenceChoice::Expression {
                    expression: expression.to_string(),
                    acknowledgement: "concluded",
                }],
                evidence,
            )
        }
        None => (
            declared
                .expressions
                .first()
                .map(|first| LicenceChoice::Expression {
                    expression: first.clone(),
                    acknowledgement: "declared",
                })
                .into_iter()
                .collect(),
            None,
        ),
    }
}

fn licence_entry(
    id: Option<&str>,
    name: Option<&str>,
    acknowledgement: &'static str,
) -> LicenceChoice {
    LicenceChoice::Licence {
        license: Licence {
            id: id.map(str::to_string),
            name: name.map(str::to_string),
            acknowledgement,
        },
    }
}

/// An expression as CycloneDX wants it: one SPDX id as `license.id`, anything else as the
/// expression.
fn single_or_expression(expression: &str, acknowledgement: &'static str) -> Vec<LicenceChoice> {
    if is_single_id(expression) {
        vec![licence_entry(Some(expression), None, acknowledgement)]
    } else {
        vec![LicenceChoice::Expression {
            expression: expression.to_string(),
            acknowledgement,
        }]
    }
}

/// One licence id of the SPDX list (not a `LicenseRef-`, no `WITH`, no operator). The
/// `spdx` crate also knows GNU base names that the list itself does not have
/// (`GFDL-1.3-invariants` without `-only` or `-or-later`) and `NOASSERTION`; CycloneDX's id
/// enumeration has neither, so they stay expressions.
fn is_single_id(expression: &str) -> bool {
    spdx::license_id(expression).is_some_and(|id| {
        let bare_gnu = id.is_gnu()
            && !id.is_deprecated()
            && !id.name.ends_with("-only")
            && !id.name.ends_with("-or-later");
        // `license_id` also accepts `Apache-2.0+`; only an exact id is one licence.
        !bare_gnu && id.name != NOASSERTION && id.name == expression
    })
}

/// The declared licences of a package as the SBOM formats show them.
pub(super) struct DeclaredLicences {
    /// Distinct SPDX expressions, in the order the audit lists them.
    pub expressions: Vec<String>,
    /// Declared strings fundament could not read as an expression, as written.
    pub unreadable: Vec<String>,
}

/// The package's declared licences, without those an imported SBOM recorded as its *concluded*
/// licence (the SBOM reader keeps them as declared evidence whose origin names the
/// `licenseConcluded` field or the `(concluded)` acknowledgement).
pub(super) fn declared_licences(p: &AuditedPackage) -> DeclaredLicences {
    let mut out = DeclaredLicences {
        expressions: Vec::new(),
        unreadable: Vec::new(),
    };
    for d in &p.licence.declared {
        if is_upstream_conclusion(&d.declared.origin.field) {
            continue;
        }
        match &d.interpretation.expression {
            Some(e) if e != NOASSERTION => {
                if !out.expressions.contains(e) {
                    out.expressions.push(e.clone());
                }
            }
            Some(_) => {}
            None => {
                let raw = d.declared.raw.trim();
                if !raw.is_empty() && !out.unreadable.iter().any(|u| u == raw) {
                    out.unreadable.push(raw.to_string());
                }
            }
        }
    }
    out
}

/// Whether a declared licence's origin field is an imported SBOM's concluded licence.
fn is_upstream_conclusion(field: &str) -> bool {
    field.contains("(concluded)")
        || field.contains("licenseConcluded")
        || field.contains("PackageLicenseConcluded")
}

/// Group and name: the npm scope, the Maven groupId and the Composer vendor become the group.
fn group_and_name(ecosystem: Ecosystem, name: &str) -> (Option<String>, String) {
    let split = match ecosystem {
        Ecosystem::Npm => name
            .split_once('/')
            .filter(|(scope, _)| scope.starts_with('@')),
        Ecosystem::Maven => name.split_once(':'),
        Ecosystem::Composer => name.split_once('/'),
        _ => None,
    };
    match split {
        Some((group, short)) if !group.is_empty() && !short.is_empty() => {
            (Some(group.to_string()), short.to_string())
        }
        _ => (None, name.to_string()),
    }
}

/// A unique `bom-ref` per package: its purl, or for a second package with the same purl (the
/// same name and version from another source) the purl with `#package-<index>`.
pub(super) fn bom_refs(audit: &Audit) -> Vec<String> {
    let mut seen: HashSet<&str> = HashSet::new();
    audit
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if seen.insert(p.package.purl.as_str()) {
                p.package.purl.clone()
            } else {
                format!("{}#package-{i}", p.package.purl)
            }
        })
        .collect()
}

fn compositions(audit: &Audit, refs: &[String], product_ref: &str) -> Vec<Composition> {
    let incomplete = incomplete_packages(audit);
    let any_project_incomplete = audit
        .projects
        .iter()
        .any(|p| !matches!(p.status, ProjectStatus::Complete));
    let any_input_finding = audit.findings.iter().any(|f| is_input_problem(f.code));
    let all_refs = || -> Vec<String> {
        refs.iter()
            .zip(&audit.packages)
            .filter(|(r, _)| r.as_str() != product_ref)
            .map(|(r, _)| r.clone())
            .collect()
    };
    if !any_project_incomplete && !any_input_finding && incomplete.iter().all(|i| !i) {
        let mut dependencies = vec![product_ref.to_string()];
        dependencies.extend(all_refs());
        return vec![Composition {
            aggregate: "complete",
            assemblies: vec![product_ref.to_string()],
            dependencies,
        }];
    }
    let mut gaps = vec![product_ref.to_string()];
    let mut complete = Vec::new();
    for ((r, _), &gap) in refs.iter().zip(&audit.packages).zip(&incomplete) {
        if r == product_ref {
            continue;
        }
        if gap {
            gaps.push(r.clone());
        } else {
            complete.push(r.clone());
        }
    }
    let mut out = vec![Composition {
        aggregate: "incomplete",
        assemblies: vec![product_ref.to_string()],
        dependencies: gaps,
    }];
    if !complete.is_empty() {
        out.push(Composition {
            aggregate: "complete",
            assemblies: Vec::new(),
            dependencies: complete,
        });
    }
    out
}

/// For every package: whether the audit lacks something about it (see the module comment).
pub(super) fn incomplete_packages(audit: &Audit) -> Vec<bool> {
    let named: HashSet<&str> = audit
        .findings
        .iter()
        .filter(|f| is_input_problem(f.code))
        .flat_map(|f| f.purls())
        .collect();
    audit
        .packages
        .iter()
        .map(|p| {
            let package = &p.package;
            let project_incomplete = package.projects.iter().any(|&i| {
                audit
                    .projects
                    .get(i)
                    .is_some_and(|project| !matches!(project.status, ProjectStatus::Complete))
            });
            project_incomplete
                || !package.locked
                || package.licence_unavailable.is_some()
                || !p.licence.concluded.is_known()
                || named.contains(package.purl.as_str())
        })
        .collect()
}

fn external_references(source: &PackageSource) -> Vec<ExternalReference> {
    let (kind, url) = match source {
        PackageSource::Registry { url: Some(url) } | PackageSource::Url { url } => {
            ("distribution", url)
        }
        PackageSource::Git { url } => ("vcs", url),
        PackageSource::Registry { url: None } | PackageSource::Path { .. } => return Vec::new(),
    };
    match clean_url(url) {
        Some(url) => vec![ExternalReference { kind, url }],
        None => Vec::new(),
    }
}

/// A URL fit for an SBOM: `scheme:rest` without spaces, user name and password removed, `#`
/// fragments (yarn's sha1 of the tarball) dropped.
pub(super) fn clean_url(url: &str) -> Option<String> {
    let url = url.trim();
    let url = url.split('#').next().unwrap_or(url);
    let (scheme, rest) = url.split_once(':')?;
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let cleaned = match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            let end = authority_and_path
                .find(['/', '?'])
                .unwrap_or(authority_and_path.len());
            let (authority, path) = authority_and_path.split_at(end);
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    };
    Some(cleaned)
}

/// The file name of a recorded download URL when it is an archive (`.tgz`, `.tar.gz`, `.zip`,
/// `.whl`, `.jar`, `.crate`, ...).
pub(super) fn archive_file_name(source: &PackageSource) -> Option<String> {
    let url = match source {
        PackageSource::Registry { url: Some(url) } | PackageSource::Url { url } => url,
        _ => return None,
    };
    let url = url.split(['#', '?']).next().unwrap_or(url);
    let last = url.rsplit('/').next()?;
    const ARCHIVES: &[&str] = &[
        ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz", ".tar", ".zip", ".whl", ".jar", ".war", ".crate",
        ".gem", ".nupkg",
    ];
    let lower = last.to_ascii_lowercase();
    (last.len() > 4 && ARCHIVES.iter().any(|ext| lower.ends_with(ext))).then(|| last.to_string())
}

/// The audited directory's own name.
pub(super) fn directory_name(root: &str) -> String {
    let trimmed = root.trim_end_matches(['/', '\\']);
    let name = trimmed.rsplit(['/', '\\']).next().unwrap_or(trimmed);
    if name.is_empty() {
        "audit".to_string()
    } else {
        name.to_string()
    }
}

/// A hash algorithm fundament can name in both SBOM formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Algorithm {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_256,
    Sha3_384,
    Sha3_512,
    Blake2b256,
    Blake2b384,
    Blake2b512,
    Blake3,
}

impl Algorithm {
    /// From the names lockfiles and SBOMs use (`sha512`, `SHA-512`, `SHA512`, `sha3-256`).
    fn parse(name: &str) -> Option<Algorithm> {
        let key: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match key.as_str() {
            "md5" => Algorithm::Md5,
            "sha1" => Algorithm::Sha1,
            "sha224" => Algorithm::Sha224,
            "sha256" => Algorithm::Sha256,
            "sha384" => Algorithm::Sha384,
            "sha512" => Algorithm::Sha512,
            "sha3256" => Algorithm::Sha3_256,
            "sha3384" => Algorithm::Sha3_384,
            "sha3512" => Algorithm::Sha3_512,
            "blake2b256" => Algorithm::Blake2b256,
            "blake2b384" => Algorithm::Blake2b384,
            "blake2b512" => Algorithm::Blake2b512,
            "blake3" => Algorithm::Blake3,
            _ => return None,
        })
    }

    /// The digest length in bytes (BLAKE3: its default length).
    fn bytes(self) -> usize {
        match self {
            Algorithm::Md5 => 16,
            Algorithm::Sha1 => 20,
            Algorithm::Sha224 => 28,
            Algorithm::Sha256 | Algorithm::Sha3_256 | Algorithm::Blake2b256 | Algorithm::Blake3 => {
                32
            }
            Algorithm::Sha384 | Algorithm::Sha3_384 | Algorithm::Blake2b384 => 48,
            Algorithm::Sha512 | Algorithm::Sha3_512 | Algorithm::Blake2b512 => 64,
        }
    }

    /// The CycloneDX name; CycloneDX has no SHA-224.
    pub fn cyclonedx(self) -> Option<&'static str> {
        Some(match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha1 => "SHA-1",
            Algorithm::Sha224 => return None,
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha384 => "SHA-384",
            Algorithm::Sha512 => "SHA-512",
            Algorithm::Sha3_256 => "SHA3-256",
            Algorithm::Sha3_384 => "SHA3-384",
            Algorithm::Sha3_512 => "SHA3-512",
            Algorithm::Blake2b256 => "BLAKE2b-256",
            Algorithm::Blake2b384 => "BLAKE2b-384",
            Algorithm::Blake2b512 => "BLAKE2b-512",
            Algorithm::Blake3 => "BLAKE3",
        })
    }

    /// The SPDX 2.3 name.
    pub fn spdx(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha224 => "SHA224",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha384 => "SHA384",
            Algorithm::Sha512 => "SHA512",
            Algorithm::Sha3_256 => "SHA3-256",
            Algorithm::Sha3_384 => "SHA3-384",
            Algorithm::Sha3_512 => "SHA3-512",
            Algorithm::Blake2b256 => "BLAKE2b-256",
            Algorithm::Blake2b384 => "BLAKE2b-384",
            Algorithm::Blake2b512 => "BLAKE2b-512",
            Algorithm::Blake3 => "BLAKE3",
        }
    }
}

/// A checksum in lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Checksum {
    pub algorithm: Algorithm,
    pub hex: String,
}

/// The hashes a lockfile checksum states, decoded from its notation (see the module comment);
/// nothing for notations that are not a hash of the distributed file.
pub(super) fn decode_checksum(ecosystem: Ecosystem, checksum: Option<&str>) -> Vec<Checksum> {
    let Some(text) = checksum.map(str::trim).filter(|t| !t.is_empty()) else {
        return Vec::new();
    };
    let mut out: Vec<Checksum> = Vec::new();
    let mut push = |c: Checksum| {
        if c.hex.len() == c.algorithm.bytes() * 2 && !out.iter().any(|o| o.algorithm == c.algorithm)
        {
            out.push(c);
        }
    };
    for token in text.split_whitespace() {
        // npm Subresource Integrity: `sha512-<base64>`, possibly several, possibly `?options`.
        if let Some((alg, b64)) = token.split_once('-')
            && let Some(algorithm) = sri_algorithm(alg)
        {
            let b64 = b64.split('?').next().unwrap_or(b64);
            if let Some(bytes) = base64_decode(b64) {
                push(Checksum {
                    algorithm,
                    hex: hex::encode(bytes),
                });
            }
            continue;
        }
        // `<ALG>:<hex>` (imported SBOMs, Python lockfiles); Go's `h1:` is not an algorithm.
        if let Some((alg, value)) = token.split_once(':') {
            if let Some(algorithm) = Algorithm::parse(alg)
                && is_hex(value)
            {
                push(Checksum {
                    algorithm,
                    hex: value.to_ascii_lowercase(),
                });
            }
            continue;
        }
        // Bare hex: Cargo.lock's SHA-256 of the .crate, composer.lock's SHA-1 of the dist.
        if is_hex(token) {
            let algorithm = match (ecosystem, token.len()) {
                (Ecosystem::Cargo, 64) => Some(Algorithm::Sha256),
                (Ecosystem::Composer, 40) => Some(Algorithm::Sha1),
                _ => None,
            };
            if let Some(algorithm) = algorithm {
                push(Checksum {
                    algorithm,
                    hex: token.to_ascii_lowercase(),
                });
            }
        }
    }
    // Strongest first.
    out.sort_by_key(|c| std::cmp::Reverse(c.algorithm.bytes()));
    out
}

fn sri_algorithm(alg: &str) -> Option<Algorithm> {
    match alg {
        "sha1" => Some(Algorithm::Sha1),
        "sha256" => Some(Algorithm::Sha256),
        "sha384" => Some(Algorithm::Sha384),
        "sha512" => Some(Algorithm::Sha512),
        _ => None,
    }
}

fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// Standard base64 (RFC 4648 §4, as SRI uses it), padding optional; `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be zero padding (fewer than 6 of them).
    (bits < 6 && buffer == 0).then_some(out)
}

/// A UUID (version 8, RFC 9562) from the SHA-256 of the audit's content, without absolute paths,
/// so that the same audit gives the same identifier on every machine.
pub(super) fn content_uuid(audit: &Audit) -> String {
    let digest = content_digest(audit);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn content_digest(audit: &Audit) -> Vec<u8> {
    let mut hasher = Sha256::new();
    let mut field = |text: &str| {
        hasher.update(text.as_bytes());
        hasher.update([0u8]);
    };
    field(audit.tool.name);
    field(audit.tool.version);
    field(&audit.created);
    field(&directory_name(&audit.root));
    field(audit.project_licence.expression.as_deref().unwrap_or(""));
    for project in &audit.projects {
        field(&project.kind.to_string());
        field(&project.manifest);
        field(project.lockfile.as_deref().unwrap_or(""));
        field(match project.status {
            ProjectStatus::Complete => "complete",
            ProjectStatus::Partial { .. } => "partial",
            ProjectStatus::Failed { .. } => "failed",
        });
    }
    for p in &audit.packages {
        let package = &p.package;
        field(&package.purl);
        field(match &package.source {
            PackageSource::Registry { .. } => "registry",
            PackageSource::Git { .. } => "git",
            PackageSource::Path { .. } => "path",
            PackageSource::Url { .. } => "url",
        });
        field(&package.scope.to_string());
        field(package.checksum.as_deref().unwrap_or(""));
        field(&p.licence.concluded.expression);
        field(p.verdict.effective.as_deref().unwrap_or(""));
        for d in &p.licence.declared {
            field(&d.declared.raw);
        }
        for dep in &package.dependencies {
            field(&dep.package.to_string());
        }
        // The vetting, which both SBOMs carry (properties, annotations).
        field(p.vetting.status.as_str());
        if let Some(r) = &p.vetting.record {
            for part in [
                r.decision.as_str(),
                &r.index,
                &r.file,
                &r.reviewer,
                &r.organisation,
                &r.date,
                &r.versions,
                r.notes.as_deref().unwrap_or(""),
            ] {
                field(part);
            }
        }
    }
    for layer in &audit.vetting.indices {
        field(&layer.name);
        field(layer.commit.as_deref().unwrap_or(""));
    }
    hasher.finalize().to_vec()
}

/// Index of every package by purl (first copy wins), for findings that name a purl.
pub(super) fn by_purl(audit: &Audit) -> HashMap<&str, usize> {
    let mut map = HashMap::new();
    for (i, p) in audit.packages.iter().enumerate() {
        map.entry(p.package.purl.as_str()).or_insert(i);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_integrity_decodes_to_hex() {
        // sha512 of the empty string.
        let sri = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";
        let decoded = decode_checksum(Ecosystem::Npm, Some(sri));
        assert_eq!(
            decoded,
            vec![Checksum {
                algorithm: Algorithm::Sha512,
                hex: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e".to_string(),
            }]
        );
    }

    #[test]
    fn several_integrity_values_keep_the_strongest_first() {
        let sri = "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk= sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";
        let decoded = decode_checksum(Ecosystem::Npm, Some(sri));
        assert_eq!(decoded.len(), 2);
        assert_eq!(decoded[0].algorithm, Algorithm::Sha512);
        assert_eq!(decoded[1].algorithm, Algorithm::Sha1);
        assert_eq!(decoded[1].hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }

    #[test]
    fn notations_are_read_per_ecosystem_and_never_guessed() {
        let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
        assert_eq!(
            decode_checksum(Ecosystem::Cargo, Some(sha256))[0].algorithm,
            Algorithm::Sha256
        );
        assert_eq!(
            decode_checksum(Ecosystem::Composer, Some(sha1))[0].algorithm,
            Algorithm::Sha1
        );
        // A bare hex string in another ecosystem says nothing about its algorithm.
        assert!(decode_checksum(Ecosystem::Npm, Some(sha256)).is_empty());
        assert_eq!(
            decode_checksum(Ecosystem::Pypi, Some(&format!("sha256:{sha256}")))[0].algorithm,
            Algorithm::Sha256
        );
        assert_eq!(
            decode_checksum(Ecosystem::Generic, Some(&format!("SHA-256:{sha256}")))[0].hex,
            sha256
        );
        // Go's dirhash and Yarn Berry's cache checksum are not file hashes.
        assert!(
            decode_checksum(
                Ecosystem::Golang,
                Some("h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
            )
            .is_empty()
        );
        assert!(
            decode_checksum(Ecosystem::Npm, Some(&format!("10c0/{sha256}{sha256}"))).is_empty()
        );
        // Wrong lengths and bad base64 are dropped.
        assert!(decode_checksum(Ecosystem::Npm, Some("sha512-abc")).is_empty());
        assert!(decode_checksum(Ecosystem::Npm, Some("sha512-!!!")).is_empty());
        assert!(decode_checksum(Ecosystem::Cargo, Some("abc")).is_empty());
    }

    #[test]
    fn urls_lose_credentials_and_fragments() {
        assert_eq!(
            clean_url("https://user:secret@npm.registry.example/a/-/a-1.0.0.tgz#sha1").as_deref(),
            Some("https://npm.registry.example/a/-/a-1.0.0.tgz")
        );
        assert_eq!(
            clean_url("git+ssh://git@git.example/x.git").as_deref(),
            Some("git+ssh://git.example/x.git")
        );
        assert_eq!(clean_url("not a url"), None);
        assert_eq!(clean_url("git@git.example:x/y.git"), None);
    }

    #[test]
    fn archive_names_come_from_recorded_urls_only() {
        let npm = PackageSource::Registry {
            url: Some("https://npm.registry.example/@s/a/-/a-1.0.0.tgz".to_string()),
        };
        assert_eq!(archive_file_name(&npm).as_deref(), Some("a-1.0.0.tgz"));
        let index = PackageSource::Registry {
            url: Some("https://index.example/".to_string()),
        };
        assert_eq!(archive_file_name(&index), None);
        assert_eq!(
            archive_file_name(&PackageSource::Registry { url: None }),
            None
        );
    }

    #[test]
    fn groups_follow_each_ecosystem() {
        assert_eq!(
            group_and_name(Ecosystem::Npm, "@angular/core"),
            (Some("@angular".to_string()), "core".to_string())
        );
        assert_eq!(
            group_and_name(Ecosystem::Maven, "org.slf4j:slf4j-api"),
            (Some("org.slf4j".to_string()), "slf4j-api".to_string())
        );
        assert_eq!(
            group_and_name(Ecosystem::Composer, "symfony/console"),
            (Some("symfony".to_string()), "console".to_string())
        );
        assert_eq!(
            group_and_name(Ecosystem::Golang, "github.com/spf13/cobra"),
            (None, "github.com/spf13/cobra".to_string())
        );
        assert_eq!(
            group_and_name(Ecosystem::Npm, "lodash"),
            (None, "lodash".to_string())
        );
    }

    #[test]
    fn only_ids_of_the_spdx_list_are_written_as_ids() {
        assert!(is_single_id("MIT"));
        assert!(is_single_id("GPL-2.0-only"));
        assert!(is_single_id("GPL-2.0"), "deprecated, but on the list");
        assert!(!is_single_id("GFDL-1.3-invariants"));
        assert!(!is_single_id("NOASSERTION"));
        assert!(!is_single_id("MIT OR Apache-2.0"));
        assert!(!is_single_id("Apache-2.0 WITH LLVM-exception"));
        assert!(!is_single_id("LicenseRef-scancode-public-domain"));
        assert!(!is_single_id("Apache-2.0+"));
        assert!(
            !is_single_id("GPL-2.0+"),
            "an expression (the audit writes GPL-2.0-or-later)"
        );
    }

    #[test]
    fn base64_rejects_garbage() {
        assert_eq!(base64_decode("TWFu").as_deref(), Some(&b"Man"[..]));
        assert_eq!(base64_decode("TWE=").as_deref(), Some(&b"Ma"[..]));
        assert_eq!(base64_decode("TQ==").as_deref(), Some(&b"M"[..]));
        assert_eq!(base64_decode("T"), None);
        assert_eq!(base64_decode("TR=="), None);
    }
}
