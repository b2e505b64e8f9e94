//! Stage 2: observations of the real world that rules compare with the
//! inventory, one directory per observed source, each holding what it
//! observes, the Cedar entities and facts it adds (its `facts.rs`, built
//! with [`crate::entities`]' building blocks; observed values are
//! attributes of the inventory's own instances instead) and the "not
//! verified" findings it reports when it could not look:
//!
//! - [`iam`]: the AWS account's IAM state;
//! - [`values`]: secret values on this machine and their fingerprints;
//! - [`repository`]: secret files on this machine, what git tracks and
//!   ignores, and `.env.example` files;
//! - [`compose`]: compose files, and the source code's variable reads.
//!
//! [`dotenv`] (`.env` files) and [`heuristics`] (does a value look real)
//! are shared by several sources.
//!
//! Observations are plain data, gathered by the command line once the
//! inventory is valid and handed to [`crate::evaluate::plan`] in one
//! [`Observations`] value. A new source (AWS Secrets Manager, say) is one
//! new directory here, one field of [`Observations`] (with its kind in
//! [`Observations::kinds`], its gaps in [`Observations::gap_findings`] and
//! their rule id in [`GAP_RULES`]), and its chunk in the plan. Collecting IAM live needs the network and the AWS
//! SDK (cargo feature `aws`); everything that reads a collected snapshot
//! builds without it, so offline checks of saved snapshots work in any build.
//!
//! An observation that could not be made is recorded as a gap, never as an
//! empty result: a gap becomes a "not verified" error finding, so a check
//! that could not look never passes.

pub mod compose;
pub mod dotenv;
pub mod iam;
pub mod repository;
pub mod stores;
pub mod values;

use crate::findings::Finding;

/// The rule ids of findings that say an observation could not be made
/// (reported as not verified, not as a broken rule).
pub const GAP_RULES: [&str; 7] = [
    iam::facts::NOT_VERIFIED,
    stores::gaps::STORES_NOT_VERIFIED,
    values::NOT_VERIFIED,
    repository::facts::FILES_NOT_VERIFIED,
    repository::facts::REPOSITORY_NOT_VERIFIED,
    compose::facts::COMPOSE_NOT_VERIFIED,
    compose::facts::CODE_NOT_VERIFIED,
];

/// Everything observed for one run. Each part is `None` when it was not
/// asked for.
#[derive(Debug, Default)]
pub struct Observations {
    /// The AWS account's IAM state (`--iam` or `--iam-snapshot`, or the IAM
    /// part of `--aws` and `--aws-snapshot`).
    pub iam: Option<iam::Snapshot>,
    /// The account's secret stores (`--aws` or `--aws-snapshot`).
    pub stores: Option<stores::Stores>,
    /// Secret values read on this machine (`--env`) and fingerprints merged
    /// from other environments (`--fingerprints`).
    pub values: Option<values::ValueObservation>,
    /// Secret files on this machine, for the environments named with `--env`.
    pub files: Option<repository::files::Observation>,
    /// The git repository (`sources.repository`).
    pub repository: Option<repository::git::Observation>,
    /// The `.env.example` files (`sources.env_example`).
    pub env_example: Option<repository::env_example::Observation>,
    /// The compose files under `sources.compose`.
    pub compose: Option<compose::Compose>,
    /// The source code under `sources.code`.
    pub code: Option<compose::code::Code>,
}

/// A kind of observation a rule can depend on (`@observes`). A rule that
/// judges only observed facts finds nothing when the observation was not
/// made; reports then show its checklist items as "not checked" instead of
/// ticking them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationKind {
    Iam,
    Stores,
    Values,
    Files,
    Repository,
    EnvExample,
    Compose,
    Code,
}

impl ObservationKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [ObservationKind; 8] = [
        ObservationKind::Iam,
        ObservationKind::Stores,
        ObservationKind::Values,
        ObservationKind::Files,
        ObservationKind::Repository,
        ObservationKind::EnvExample,
        ObservationKind::Compose,
        ObservationKind::Code,
    ];

    /// The name `@observes` uses.
    pub fn name(self) -> &'static str {
        match self {
            ObservationKind::Iam => "iam",
            ObservationKind::Stores => "stores",
            ObservationKind::Values => "values",
            ObservationKind::Files => "files",
            ObservationKind::Repository => "repository",
            ObservationKind::EnvExample => "env_example",
            ObservationKind::Compose => "compose",
            ObservationKind::Code => "code",
        }
    }

    pub fn from_name(name: &str) -> Option<ObservationKind> {
        ObservationKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// What is observed, for "not checked without ...".
    pub fn what(self) -> &'static str {
        match self {
            ObservationKind::Iam => "IAM data",
            ObservationKind::Stores => "AWS secret stores",
            ObservationKind::Values => "secret values",
            ObservationKind::Files => "secret files on this machine",
            ObservationKind::Repository => "a git repository",
            ObservationKind::EnvExample => "a .env.example file",
            ObservationKind::Compose => "compose files",
            ObservationKind::Code => "source code",
        }
    }

    /// The flags or inventory keys that make a run observe it.
    pub fn enabled_by(self) -> &'static [&'static str] {
        match self {
            ObservationKind::Iam => &[
                "--iam",
                "--iam-snapshot FILE",
                "--aws",
                "--aws-snapshot FILE",
            ],
            ObservationKind::Stores => &["--aws", "--aws-snapshot FILE"],
            ObservationKind::Values => &["--env NAME", "--fingerprints FILE"],
            ObservationKind::Files => &["--env NAME"],
            ObservationKind::Repository => &["sources.repository"],
            ObservationKind::EnvExample => &["sources.env_example"],
            ObservationKind::Compose => &["sources.compose"],
            ObservationKind::Code => &["sources.code"],
        }
    }
}

impl Observations {
    /// The kinds of observation made, for reports' "not checked".
    pub fn kinds(&self) -> std::collections::BTreeSet<ObservationKind> {
        let made = [
            (ObservationKind::Iam, self.iam.is_some()),
            (ObservationKind::Stores, self.stores.is_some()),
            (ObservationKind::Values, self.values.is_some()),
            (ObservationKind::Files, self.files.is_some()),
            (ObservationKind::Repository, self.repository.is_some()),
            (ObservationKind::EnvExample, self.env_example.is_some()),
            (ObservationKind::Compose, self.compose.is_some()),
            (ObservationKind::Code, self.code.is_some()),
        ];
        made.into_iter()
            .filter_map(|(kind, made)| made.then_some(kind))
            .collect()
    }

    /// One error finding per part of an observation that could not be made.
    pub fn gap_findings(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        if let Some(iam) = &self.iam {
            findings.extend(iam::facts::gap_findings(iam));
        }
        if let Some(stores) = &self.stores {
            findings.extend(stores::gaps::gap_findings(stores));
        }
        if let Some(values) = &self.values {
            findings.extend(values::gap_findings(values));
        }
        findings.extend(repository::facts::gap_findings(
            self.files.as_ref(),
            self.repository.as_ref(),
        ));
        if let Some(compose) = &self.compose {
            use compose::facts::{gap_findings, COMPOSE_NOT_VERIFIED};
            findings.extend(gap_findings(COMPOSE_NOT_VERIFIED, &compose.gaps));
        }
        if let Some(code) = &self.code {
            use compose::facts::{gap_findings, CODE_NOT_VERIFIED};
            findings.extend(gap_findings(CODE_NOT_VERIFIED, &code.gaps));
        }
        findings
    }
}
