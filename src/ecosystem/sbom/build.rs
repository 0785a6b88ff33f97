//! From the neutral document to packages.

use super::*;

/// Purl types whose packages come from a package registry. Other types (`generic`, and the
/// repository-hosting types) name code by location.
pub(super) fn is_registry_type(ty: &str) -> bool {
    !matches!(ty, "generic" | "github" | "bitbucket" | "gitlab" | "swid")
}

/// The ecosystem and the ecosystem-style name of a purl.
pub(super) fn purl_name(purl: &packageurl::PackageUrl<'_>) -> (Ecosystem, String) {
    let ecosystem = Ecosystem::from_purl_type(purl.ty());
    let name = match (purl.namespace(), ecosystem) {
        (Some(ns), Ecosystem::Maven) => format!("{ns}:{}", purl.name()),
        (Some(ns), _) => format!("{ns}/{}", purl.name()),
        (None, _) => purl.name().to_string(),
    };
    (ecosystem, name)
}

/// `pkg:generic/[group/]name@version`.
pub(super) fn generic_purl(group: Option<&str>, name: &str, version: &str) -> String {
    let built = packageurl::PackageUrl::new("generic", name).map(|mut purl| {
        if let Some(group) = group {
            purl.with_namespace(group).ok();
        }
        if !version.is_empty() {
            purl.with_version(version).ok();
        }
        purl.to_string()
    });
    built.unwrap_or_else(|_| format!("pkg:generic/{name}@{version}"))
}

/// CycloneDX's name of a hash algorithm (`SHA256` → `SHA-256`).
pub(super) fn hash_algorithm(alg: &str) -> String {
    let key: String = alg
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_uppercase();
    match key.as_str() {
        "SHA1" => "SHA-1".to_string(),
        "SHA224" => "SHA-224".to_string(),
        "SHA256" => "SHA-256".to_string(),
        "SHA384" => "SHA-384".to_string(),
        "SHA512" => "SHA-512".to_string(),
        "SHA3256" => "SHA3-256".to_string(),
        "SHA3384" => "SHA3-384".to_string(),
        "SHA3512" => "SHA3-512".to_string(),
        "BLAKE2B256" => "BLAKE2b-256".to_string(),
        "BLAKE2B384" => "BLAKE2b-384".to_string(),
        "BLAKE2B512" => "BLAKE2b-512".to_string(),
        "BLAKE3" => "BLAKE3".to_string(),
        "MD5" => "MD5".to_string(),
        _ => alg.trim().to_string(),
    }
}

/// The strongest hash, as `<ALG>:<hex>`.
pub(super) fn best_checksum(hashes: &[(String, String)]) -> Option<String> {
    const PREFERENCE: &[&str] = &[
        "SHA-512",
        "SHA-384",
        "SHA-256",
        "SHA3-512",
        "SHA3-384",
        "SHA3-256",
        "BLAKE2b-512",
        "BLAKE2b-384",
        "BLAKE2b-256",
        "BLAKE3",
        "SHA-224",
        "SHA-1",
        "MD5",
    ];
    let normalised: Vec<(String, String)> = hashes
        .iter()
        .filter(|(_, content)| !content.trim().is_empty())
        .map(|(alg, content)| (hash_algorithm(alg), content.trim().to_ascii_lowercase()))
        .collect();
    let rank = |alg: &str| {
        PREFERENCE
            .iter()
            .position(|p| *p == alg)
            .unwrap_or(PREFERENCE.len())
    };
    normalised
        .into_iter()
        .min_by_key(|(alg, _)| rank(alg))
        .map(|(alg, content)| format!("{alg}:{content}"))
}

/// Where a package comes from (see the module documentation).
pub(super) fn source_of(item: &Item, purl: Option<&packageurl::PackageUrl<'_>>) -> PackageSource {
    let qualifier = |key: &str| {
        purl.and_then(|p| {
            p.qualifiers()
                .iter()
                .find(|(k, _)| k.as_ref() == key)
                .map(|(_, v)| v.to_string())
        })
    };
    let download = item
        .distribution
        .clone()
        .or_else(|| qualifier("download_url"));
    if purl.is_some_and(|p| is_registry_type(p.ty())) {
        return PackageSource::Registry { url: download };
    }
    if let Some(url) = item.vcs.clone().or_else(|| qualifier("vcs_url")) {
        return PackageSource::Git { url };
    }
    match download {
        Some(url) => PackageSource::Url { url },
        None => PackageSource::Registry { url: None },
    }
}

pub(super) fn build(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    display: &str,
    text: &str,
    doc: Doc,
) -> ProjectGraph {
    let mut graph = ProjectGraph::new(ctx, found, &doc.reader);
    let mut findings = doc.findings;
    let mut locator = Locator::default();
    let root_keys: HashSet<&str> = doc.roots.iter().map(String::as_str).collect();
    let mut packages: Vec<Package> = Vec::new();
    // The element's own scope statements, per package.
    let mut dev_flag: Vec<bool> = Vec::new();
    let mut optional_flag: Vec<bool> = Vec::new();
    let mut index_of_key: HashMap<String, usize> = HashMap::new();
    let mut index_of_identity: HashMap<(String, String), usize> = HashMap::new();
    let mut skipped: HashSet<String> = HashSet::new();

    for item in &doc.items {
        let is_root = root_keys.contains(item.key.as_str());
        let parsed = item
            .purl
            .as_deref()
            .map(|p| p.trim().parse::<packageurl::PackageUrl<'_>>());
        let purl = match &parsed {
            Some(Ok(purl)) => Some(purl),
            Some(Err(err)) => {
                locator.push(
                    &mut findings,
                    Finding::warning(
                        Code::InputUnreadable,
                        crate::text!(
                            "sbom_purl_invalid",
                            file = display,
                            purl = item.purl.as_deref().unwrap_or_default(),
                            item = item.label,
                            error = err
                        ),
                    ),
                    display,
                    &item.place,
                );
                None
            }
            None => None,
        };
        let (ecosystem, name) = match (purl, &item.name) {
            (Some(purl), _) => purl_name(purl),
            (None, Some(name)) => (
                Ecosystem::Generic,
                match &item.group {
                    Some(group) => format!("{group}/{name}"),
                    None => name.clone(),
                },
            ),
            (None, None) if item.purl.is_some() => {
                (Ecosystem::Generic, item.purl.clone().unwrap_or_default())
            }
            (None, None) => {
                locator.push(
                    &mut findings,
                    Finding::warning(
                        Code::InputUnreadable,
                        crate::text!("sbom_no_name", file = display, item = item.label),
                    ),
                    display,
                    &item.place,
                );
                graph.partial(format!(
                    "{display} lists an element without name or purl, which was not audited"
                ));
                skipped.insert(item.key.clone());
                continue;
            }
        };
        let version = item
            .version
            .clone()
            .or_else(|| purl.and_then(|p| p.version().map(str::to_string)))
            .unwrap_or_default();
        let source = if is_root {
            PackageSource::Path {
                path: ctx.display(&found.dir),
            }
        } else {
            source_of(item, purl)
        };
        let mut package = Package::new(ecosystem, &name, &version, source);
        package.purl = match (&item.purl, purl) {
            (Some(verbatim), _) => verbatim.trim().to_string(),
            (None, _) => generic_purl(
                item.group.as_deref(),
                item.name.as_deref().unwrap_or_default(),
                &version,
            ),
        };
        package.root = is_root;
        package.declared = item.declared.clone();
        if package.declared.is_empty() {
            package.licence_unavailable = Some(item.no_licence.clone());
        }
        package.checksum = best_checksum(&item.hashes);
        if version.is_empty() && !is_root {
            package.locked = false;
            locator.push(
                &mut findings,
                Finding::warning(
                    Code::VersionUnresolved,
                    crate::text!(
                        "sbom_no_version",
                        file = display,
                        name = name,
                        item = item.label
                    ),
                )
                .package(package.purl.clone()),
                display,
                &item.place,
            );
        }
        let identity = (package.purl.clone(), package.source.identity());
        let index = match index_of_identity.get(&identity) {
            Some(&existing) => {
                let merged = &mut packages[existing];
                merged.root |= package.root;
                for d in package.declared {
                    if !merged.declared.contains(&d) {
                        merged.declared.push(d);
                    }
                }
                if !merged.declared.is_empty() {
                    merged.licence_unavailable = None;
                }
                if merged.checksum.is_none() {
                    merged.checksum = package.checksum;
                }
                dev_flag[existing] &= item.dev;
                optional_flag[existing] &= item.optional;
                existing
            }
            None => {
                packages.push(package);
                dev_flag.push(item.dev);
                optional_flag.push(item.optional);
                index_of_identity.insert(identity, packages.len() - 1);
                packages.len() - 1
            }
        };
        index_of_key.entry(item.key.clone()).or_insert(index);
    }

    // Edges.
    let mut dangling = 0;
    let mut added = crate::model::EdgeSet::of(&packages);
    for edge in &doc.edges {
        if skipped.contains(&edge.from) || skipped.contains(&edge.to) {
            continue;
        }
        if doc.non_packages.contains(&edge.from) || doc.non_packages.contains(&edge.to) {
            continue;
        }
        let (from, to) = match (index_of_key.get(&edge.from), index_of_key.get(&edge.to)) {
            (Some(&from), Some(&to)) => (from, to),
            (from, _) => {
                let missing = if from.is_none() { &edge.from } else { &edge.to };
                let elsewhere = missing
                    .split_once(':')
                    .filter(|(doc_ref, _)| doc_ref.starts_with("DocumentRef-"));
                let message = match elsewhere {
                    Some((doc_ref, _)) => crate::text!(
                        "sbom_edge_elsewhere",
                        file = display,
                        from = edge.from,
                        to = edge.to,
                        document = doc_ref
                    ),
                    None => crate::text!(
                        "sbom_edge_missing",
                        file = display,
                        from = edge.from,
                        to = edge.to,
                        missing = missing
                    ),
                };
                // JSON places are found by text: look for the element that is missing.
                let place = match &edge.place {
                    Place::JsonString(_) => Place::JsonString(missing.clone()),
                    other => other.clone(),
                };
                locator.push(
                    &mut findings,
                    Finding::warning(Code::DependencyUnresolved, message),
                    display,
                    &place,
                );
                dangling += 1;
                continue;
            }
        };
        // The target's own scope statement decides the kind of a plain edge.
        let kind = match edge.kind {
            DepKind::Normal if dev_flag[to] => DepKind::Dev,
            DepKind::Normal if optional_flag[to] => DepKind::Optional,
            other => other,
        };
        added.add(&mut packages, from, Dependency { package: to, kind });
    }
    if dangling > 0 {
        graph.partial(format!(
            "{} named in {display} {} of it",
            crate::plural::count(dangling, "dependency", "dependencies"),
            crate::plural::word(dangling, "is not an element", "are not elements")
        ));
    }

    // Scopes: from the edges, then each element's own statement.
    let roots: Vec<usize> = (0..packages.len()).filter(|&i| packages[i].root).collect();
    let scopes = scopes_from_edges(&packages, &roots);
    let mut incoming: Vec<(usize, usize)> = vec![(0, 0); packages.len()];
    for package in &packages {
        for dep in &package.dependencies {
            incoming[dep.package].0 += 1;
            if dep.kind == DepKind::Optional {
                incoming[dep.package].1 += 1;
            }
        }
    }
    for (i, package) in packages.iter_mut().enumerate() {
        package.scope = if package.root {
            Scope::Runtime
        } else if dev_flag[i] {
            Scope::Dev
        } else {
            scopes[i]
        };
        let (all, optional) = incoming[i];
        package.optional = !package.root && (optional_flag[i] || (all > 0 && all == optional));
    }

    locator.resolve(text, &mut findings);
    graph.packages = packages;
    graph.findings = findings;
    graph.set_roots();
    graph
}
