//! Stage: advise. Known vulnerabilities of the audited packages, from OSV advisory data.
pub mod version;
