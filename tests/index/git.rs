//! A git index: cloned into the cache and fetched again.

use super::*;

/// Clones `from` (a work tree) as a bare repository at `to`, or pushes `from`'s branch to it.
fn push_to_bare(from: &Path, to: &Path) {
    let work = git2::Repository::open(from).unwrap();
    let branch = work.head().unwrap().shorthand().unwrap().to_string();
    if !to.exists() {
        git2::Repository::init_bare(to).unwrap();
        let bare = git2::Repository::open_bare(to).unwrap();
        bare.set_head(&format!("refs/heads/{branch}")).unwrap();
    }
    let mut remote = work.remote_anonymous(to.to_str().unwrap()).unwrap();
    remote
        .push(&[format!("refs/heads/{branch}:refs/heads/{branch}")], None)
        .unwrap();
}

#[test]
fn a_git_index_is_cloned_into_the_cache_and_fetched_again() {
    let tmp = tempfile::tempdir().unwrap();
    let work = new_index(tmp.path(), true);
    publish_ok(tmp.path(), &work, &approving("pkg:cargo/serde@1.0.0"));
    let bare = tmp.path().join("index.git");
    push_to_bare(&work, &bare);
    let url = format!("file://{}", bare.display());
    let cache = tempfile::tempdir().unwrap();
    let settings = [IndexSettings {
        name: "git".to_string(),
        location: url.clone(),
        precedence: 1,
        kind: None,
        branch: None,
        ..Default::default()
    }];
    let options = |offline| IndexOptions {
        offline,
        cache_dir: Some(cache.path().to_path_buf()),
        builtin: false,
        ..Default::default()
    };

    let first = Layered::open(&settings, &options(false)).unwrap();
    assert!(first.problems().is_empty(), "{:?}", first.problems());
    let layer = &first.layers()[0];
    assert_eq!(layer.kind, SourceKind::Git);
    assert_eq!(layer.index_name.as_deref(), Some("city"));
    let clone = fundament::index::source::git_cache_dir(cache.path(), &url);
    assert!(clone.join("cargo/se/rd/serde").is_file());
    assert!(clone.starts_with(cache.path().join("index-git")));
    assert_eq!(
        first.lookup("pkg:cargo/serde", "1.0.0").decision(),
        Some(Decision::Approved)
    );
    assert!(first.lookup("pkg:cargo/serde", "1.0.1").answer.is_none());

    // A new decision is published and pushed: the next open fetches it.
    let args = decided(&["pkg:cargo/serde@1.0.1"], "rejected", "MIT", "Bob", "Town");
    publish_ok(tmp.path(), &work, &args);
    push_to_bare(&work, &bare);
    let second = Layered::open(&settings, &options(false)).unwrap();
    assert_eq!(
        second.lookup("pkg:cargo/serde", "1.0.1").decision(),
        Some(Decision::Rejected)
    );
    assert_eq!(
        second.layers()[0].commit,
        git2::Repository::open(&work)
            .unwrap()
            .head()
            .unwrap()
            .target()
            .map(|c| c.to_string())
    );

    // Offline, the last clone answers; with the repository gone, the clone is used and the
    // failed fetch is reported as stale.
    let offline = Layered::open(&settings, &options(true)).unwrap();
    assert_eq!(
        offline.lookup("pkg:cargo/serde", "1.0.1").decision(),
        Some(Decision::Rejected)
    );
    std::fs::rename(&bare, tmp.path().join("moved.git")).unwrap();
    let stale = Layered::open(&settings, &options(false)).unwrap();
    let problems = stale.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(!problems[0].failed);
    assert!(
        problems[0].message.contains("cannot fetch"),
        "{}",
        problems[0].message
    );
    assert_eq!(
        stale.lookup("pkg:cargo/serde", "1.0.1").decision(),
        Some(Decision::Rejected)
    );

    // Never cloned and offline: a failed layer.
    let fresh_cache = tempfile::tempdir().unwrap();
    let never = Layered::open(
        &settings,
        &IndexOptions {
            offline: true,
            cache_dir: Some(fresh_cache.path().to_path_buf()),
            builtin: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        never.problems()[0].message.contains("never been fetched"),
        "{:?}",
        never.problems()
    );
    assert!(!never.lookup("pkg:cargo/serde", "1.0.1").conclusive());
}
