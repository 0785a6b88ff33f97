//! fundament: an open-source component registry and dependency auditor for public
//! administration.
//!
//! The library is the pipeline of DESIGN.md, one module per stage, data flowing one way:
//! [`source`] → [`discover`] → [`ecosystem`] (resolve) → [`licence`] (identify) →
//! [`advisory`] (known vulnerabilities) → [`vet`] → [`policy`] (evaluate) → [`report`]. [`audit`] wires the stages together; [`cli`] is the
//! command line on top.

pub mod advisory;
pub mod audit;
pub mod clean_room;
pub mod cli;
pub mod diagnostic;
pub mod discover;
pub mod ecosystem;
pub mod index;
pub mod licence;
pub mod model;
pub mod policy;
pub mod portfolio;
pub mod progress;
pub mod registry;
pub mod report;
pub mod source;
pub mod vet;
