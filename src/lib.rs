//! secretary: a policy-as-code secrets compliance checker.
//!
//! The pipeline, one module per stage, each passing plain data to the next:
//!
//! 1. [`inventory`] loads and validates the YAML inventory;
//! 2. [`observe`] reads the real world (the AWS account's IAM state, values,
//!    files, compose files, code) into [`Observations`];
//! 3. [`entities`] turns it into Cedar entities and one fact per thing to judge;
//! 4. [`policy`] loads and validates the rules, [`evaluate`] asks Cedar about each fact;
//! 5. [`findings`] holds the verdicts; [`render`] prints them.
//!
//! Only `cli` (in the binary's module tree) connects the stages, prints and
//! picks the exit code. [`check`] runs the whole pipeline for tests and
//! benchmarks.

pub mod diag;
pub mod entities;
pub mod evaluate;
pub mod findings;
pub mod inventory;
pub mod observe;
pub mod policy;
pub mod render;
pub mod source;
pub mod waivers;

use crate::diag::Code;
use std::path::PathBuf;

use jiff::civil::Date;

use crate::diag::InputError;
use crate::findings::Report;
use crate::inventory::Inventory;
use crate::observe::Observations;
use crate::policy::{RuleSet, RuleSources};
use crate::source::SourceTexts;

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    pub inventory_paths: Vec<PathBuf>,
    pub policy_paths: Vec<PathBuf>,
    pub builtin_policies: bool,
    /// The evaluation date: every age is computed against it.
    pub now: Date,
}

/// The result of a check that could run.
pub struct Checked {
    pub inventory: Inventory,
    pub rules: RuleSet,
    pub report: Report,
}

/// Why a check could not run: bad input, with the texts needed to show it.
pub struct CheckFailure {
    pub errors: Vec<InputError>,
}

/// The inventory and the rules, loaded and validated: what observations
/// are gathered for and judged against.
pub struct Loaded {
    pub inventory: Inventory,
    pub rules: RuleSet,
}

/// Runs the pipeline without observations. Input texts are recorded in
/// `texts` for error snippets.
pub fn check(request: &CheckRequest, texts: &mut SourceTexts) -> Result<Checked, CheckFailure> {
    let loaded = load(request, texts)?;
    judge(loaded, &Observations::default(), request.now)
}

/// [`check`], plus the IAM account observed in `iam` (from `check --iam` or
/// `--iam-snapshot`): its findings, and one `iam-not-verified` error per
/// part of it that could not be collected.
pub fn check_with_iam(
    request: &CheckRequest,
    iam: Option<&observe::iam::Snapshot>,
    texts: &mut SourceTexts,
) -> Result<Checked, CheckFailure> {
    let loaded = load(request, texts)?;
    let observations = Observations {
        iam: iam.cloned(),
        ..Observations::default()
    };
    judge(loaded, &observations, request.now)
}

/// Stage 1 (and the rules): loads and validates the inventory and the rules.
/// Both are loaded before failing, so one run reports every problem.
pub fn load(request: &CheckRequest, texts: &mut SourceTexts) -> Result<Loaded, CheckFailure> {
    // The rules load while the inventory parses: neither needs the other,
    // and parsing and validating the rules is a fixed cost worth hiding.
    let mut rule_texts = SourceTexts::default();
    let (inventory, rules) = rayon::join(
        || inventory::load(&request.inventory_paths, request.now, texts),
        || {
            policy::load(
                &RuleSources {
                    builtin: request.builtin_policies,
                    user_paths: &request.policy_paths,
                },
                entities::schema::schema(),
                &mut rule_texts,
            )
        },
    );
    texts.append(rule_texts);
    let (inventory, rules) = match (inventory, rules) {
        (Ok(inventory), Ok(rules)) => (inventory, rules),
        (inventory, rules) => {
            let mut errors = inventory.err().unwrap_or_default();
            errors.extend(rules.err().unwrap_or_default());
            return Err(CheckFailure { errors });
        }
    };
    // Waivers can name only loaded rules, known from here on.
    let waiver_errors = waivers::check_rules(&inventory.waivers, &rules);
    if !waiver_errors.is_empty() {
        return Err(CheckFailure {
            errors: waiver_errors,
        });
    }
    Ok(Loaded { inventory, rules })
}

/// Stages 3 to 5: judges the loaded inventory and what was observed of the
/// real world, as of `now`.
pub fn judge(
    loaded: Loaded,
    observations: &Observations,
    now: Date,
) -> Result<Checked, CheckFailure> {
    let Loaded { inventory, rules } = loaded;
    let plan = entities::plan_observed(&inventory, now, &rules.entity_literals, observations)
        .map_err(|problem| CheckFailure {
            errors: vec![InputError::new(Code::Internal, problem)
                .help("this is a bug in secretary; please report it")],
        })?;
    let mut findings = evaluate::evaluate(&plan, &rules, entities::schema::schema());
    findings.extend(observations.gap_findings());
    drop(plan);
    let report = waivers::apply(Report::new(findings), &inventory.waivers, now);
    Ok(Checked {
        inventory,
        rules,
        report,
    })
}
