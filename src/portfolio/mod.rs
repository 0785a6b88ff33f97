//! The portfolio: many repositories audited as one (`fundament scan`), in shards on the CI
//! engine an organisation already runs, combined by `fundament merge` into one result that
//! answers the portfolio's questions: which applications ship component X or licence Y
//! (`fundament where-used`), which are not compliant, and what changed since last time
//! (`--since`).
//!
//! The pipeline of one repository does not change: each repository is audited by
//! [`crate::audit::run`], as `fundament audit` would audit it. This module decides which
//! repositories there are ([`listing`], [`forge`]), which of them this job takes ([`shard`]),
//! brings them onto the machine and audits them ([`run`]), skips those that have not changed
//! ([`state`]), and combines and reports the results ([`merge`], [`changes`],
//! [`where_used`], [`html`], [`human`]).
//!
//! No scheduler and no server: the shards are jobs of a GitLab `parallel:` job, a Kubernetes
//! Indexed Job or a GitHub Actions matrix, and their outputs are plain files.

pub mod changes;
pub mod forge;
pub mod html;
pub mod human;
pub mod listing;
pub mod merge;
pub mod merged;
pub mod result;
pub mod run;
pub mod shard;
pub mod state;
pub mod where_used;
