//! `fundament index site`: the index as a static HTML site.

use super::super::cache_dir;
use super::SourceArgs;
use crate::index::source::Location;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The index: a folder or a git URL (default: the current directory).
    pub location: Option<String>,
    /// The folder to write the site into: new, empty, or a site written before (replaced).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// The URL the site will be served from, for the Atom feed's links
    /// (`https://city.gitlab.io/index/`).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    #[command(flatten)]
    pub sources: SourceArgs,
}

pub fn site(args: &SiteArgs) -> Result<u8, String> {
    let text = args.location.clone().unwrap_or_else(|| ".".to_string());
    let cwd = std::env::current_dir().unwrap_or_default();
    let location = Location::parse(&text, None, &cwd).map_err(|e| e.to_string())?;
    let (root, commit) = match &location {
        Location::Folder(path) => {
            let commit = git2::Repository::open(path)
                .ok()
                .and_then(|r| r.head().ok()?.target())
                .map(|c| c.to_string());
            (path.clone(), commit)
        }
        Location::Git { url } => {
            let cache = cache_dir(args.sources.cache_dir.as_ref()).ok_or_else(|| {
                "a git index needs a cache directory to be cloned into".to_string()
            })?;
            // The reasons name no URL: the messages do.
            let shown = crate::source::git::display_url(url);
            let checkout = crate::index::source::sync_git(url, None, &cache, &args.sources.git())
                .map_err(|e| format!("{shown}: {}", e.reason()))?;
            if let Some(stale) = &checkout.stale {
                crate::safe_eprintln!("warning: {shown}: {stale}");
            }
            (checkout.dir, Some(checkout.commit))
        }
        Location::Builtin | Location::Http { .. } => {
            return Err(
                "a site is rendered from a folder or a git repository of an index (an HTTP index cannot be listed)"
                    .to_string(),
            );
        }
    };
    let options = crate::index::site::SiteOptions {
        base_url: args.base_url.clone(),
        commit: commit.map(|c| c[..c.len().min(12)].to_string()),
    };
    let rendered =
        crate::index::site::render(&root, &args.output, &options).map_err(|e| e.to_string())?;
    for problem in &rendered.problems {
        crate::safe_eprintln!(
            "warning: {problem} (left out of the site; see `fundament index verify`)"
        );
    }
    crate::safe_println!(
        "wrote {} pages to {}: {} components, {} decisions, {} organisations, in German and English",
        rendered.pages,
        args.output.display(),
        rendered.components,
        rendered.records,
        rendered.organisations
    );
    Ok(0)
}
