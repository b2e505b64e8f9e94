//! Stage 2: observations of the real world that rules compare with the
//! inventory: the AWS account's IAM state ([`iam`]), and the files of the
//! repository the inventory describes ([`dotenv`] reads `.env` files).
//!
//! Observations are plain data, gathered by the command line once the
//! inventory is valid and handed to [`crate::entities`] in one
//! [`Observations`] value. Collecting IAM live needs the network and the AWS
//! SDK (cargo feature `aws`); everything that reads a collected snapshot
//! builds without it, so offline checks of saved snapshots work in any build.
//!
//! An observation that could not be made is recorded as a gap, never as an
//! empty result: a gap becomes a "not verified" error finding, so a check
//! that could not look never passes.

pub mod code;
pub mod compose;
pub mod dotenv;
pub mod heuristics;
pub mod iam;

use crate::findings::Finding;

/// Everything observed for one run. Each part is `None` when it was not
/// asked for.
#[derive(Debug, Default)]
pub struct Observations {
    /// The AWS account's IAM state (`--iam` or `--iam-snapshot`).
    pub iam: Option<iam::Snapshot>,
    /// The compose files under `sources.compose`.
    pub compose: Option<compose::Compose>,
    /// The source code under `sources.code`.
    pub code: Option<code::Code>,
}

impl Observations {
    /// The kinds of observation made (names from
    /// [`crate::policy::OBSERVATION_KINDS`]), for reports' "not checked".
    pub fn kinds(&self) -> std::collections::BTreeSet<&'static str> {
        let mut kinds = std::collections::BTreeSet::new();
        if self.iam.is_some() {
            kinds.insert("iam");
        }
        if self.compose.is_some() {
            kinds.insert("compose");
        }
        if self.code.is_some() {
            kinds.insert("code");
        }
        kinds
    }

    /// One error finding per part of an observation that could not be made.
    pub fn gap_findings(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        if let Some(iam) = &self.iam {
            findings.extend(crate::entities::iam::gap_findings(iam));
        }
        if let Some(compose) = &self.compose {
            use crate::entities::compose::{gap_findings, COMPOSE_NOT_VERIFIED};
            findings.extend(gap_findings(COMPOSE_NOT_VERIFIED, &compose.gaps));
        }
        if let Some(code) = &self.code {
            use crate::entities::compose::{gap_findings, CODE_NOT_VERIFIED};
            findings.extend(gap_findings(CODE_NOT_VERIFIED, &code.gaps));
        }
        findings
    }
}
