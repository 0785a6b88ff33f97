//! (being written)

use super::{ProjectGraph, ReadContext};
use crate::diagnostic::{Code, Finding};
use crate::discover::FoundProject;

/// Reads one project.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let finding = Finding::error(Code::EcosystemUnsupported, "not read yet");
    ProjectGraph::failed(ctx, found, "none", finding)
}
