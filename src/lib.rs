//! secretary: a policy-as-code secrets compliance checker.
//!
//! The pipeline, one module per stage, each passing plain data to the next:
//!
//! 1. [`inventory`] loads and validates the YAML inventory;
//! 2. [`observe`] reads the real world (the AWS account's IAM state, values,
//!    files, compose files, code) into [`Observations`];
//! 3. [`entities`] turns the inventory into Cedar entities and one fact per
//!    thing to judge, and holds the building blocks with which each observed
//!    source turns its observation into entities and facts of its own;
//! 4. [`policy`] loads and validates the rules, [`evaluate`] plans the
//!    entity stores and asks Cedar about each fact;
//! 5. [`findings`] holds the verdicts; [`render`] prints them.
//!
//! Imports follow the stages, never back: `entities` knows no observation
//! (observed sources import it), `policy` knows no evaluation, and no two
//! sibling modules import each other (`tests/layout.rs` checks it).
//!
//! Every run takes one path, [`load`] then [`judge`]: `secretary check`,
//! `report` and `docs` (through `cli::pipeline`, in the binary's module
//! tree), the benchmark and the tests. Observations are gathered between the
//! two steps, because what to observe depends on the loaded inventory. Only
//! `cli` prints and picks the exit code.
//!
//! Adding an input is one field and the one function that consumes it:
//!
//! - something the user states for the whole run (a rule setting, a
//!   baseline): a field of [`CheckRequest`], read by [`load`] into
//!   [`Loaded`] and used by [`judge`];
//! - something read from the real world (a secret store, an account): one
//!   directory under `observe/` holding the reader, its entities and facts
//!   and its "not verified" findings (see [`observe`]), one field of
//!   [`Observations`], gathered by `cli::observe::gather`, planned into a
//!   chunk by [`evaluate::plan`], and reported by
//!   [`Observations::gap_findings`] when it could not be read.

pub mod baseline;
pub mod depth;
pub mod diag;
pub mod entities;
pub mod evaluate;
pub mod findings;
pub mod heuristics;
pub mod inventory;
pub mod observe;
pub mod packs;
pub mod policy;
pub mod read;
pub mod render;
pub mod source;
pub mod waivers;

use std::path::PathBuf;

use jiff::civil::Date;

use crate::diag::InputError;
use crate::findings::Report;
use crate::inventory::Inventory;
use crate::observe::Observations;
use crate::policy::{RuleSet, RuleSources};
use crate::source::SourceTexts;

/// What to check: every input the user gives, as opposed to what is
/// observed.
#[derive(Clone)]
pub struct CheckRequest {
    pub inventory: InventorySource,
    pub policy_paths: Vec<PathBuf>,
    pub builtin_policies: bool,
    /// The rules of `policy_paths` and `builtin_policies`, when already
    /// loaded: `policies test` runs many cases against the same rules, and
    /// loading them is most of a small check's time.
    pub loaded_rules: Option<std::sync::Arc<RuleSet>>,
    /// The evaluation date: every age is computed against it.
    pub now: Date,
    /// The rule packs among `policy_paths` (resolved by [`packs::resolve`]):
    /// their files are shown under the pack's source, and reports name
    /// each pack's commit.
    pub packs: Vec<packs::Pack>,
}

/// Where the inventory of a [`CheckRequest`] comes from.
#[derive(Debug, Clone)]
pub enum InventorySource {
    /// Files or directories of them, read by [`inventory::load`].
    Paths(Vec<PathBuf>),
    /// Files parsed by the caller, validated as read files are: a rule
    /// test's inline inventory, whose positions are in the test file.
    Parsed(Vec<inventory::validate::ParsedFile>),
}

/// The inventory and the rules, loaded and validated: what observations
/// are gathered for and judged against.
pub struct Loaded {
    pub inventory: Inventory,
    pub rules: RuleSet,
    /// The evaluation date of the request.
    pub now: Date,
}

/// The result of a check: its inputs and the verdicts.
pub struct Checked {
    pub inventory: Inventory,
    pub rules: RuleSet,
    pub report: Report,
    /// The rules not evaluated for want of an observation: "not checked"
    /// in every output, never passed.
    pub not_checked: Vec<policy::NotChecked>,
}

/// Stage 1 (and the rules): loads and validates the inventory and the rules.
/// Both are loaded before failing, so one run reports every problem. Input
/// texts are recorded in `texts` for error snippets.
pub fn load(request: &CheckRequest, texts: &mut SourceTexts) -> Result<Loaded, Vec<InputError>> {
    // The rules load while the inventory parses: neither needs the other,
    // and parsing and validating the rules is a fixed cost worth hiding.
    let mut rule_texts = SourceTexts::default();
    let pack_names: Vec<(PathBuf, String)> = request
        .packs
        .iter()
        .map(|pack| (pack.path.clone(), pack.display_root()))
        .collect();
    let (inventory, rules) = rayon::join(
        || match &request.inventory {
            InventorySource::Paths(paths) => inventory::load(paths, request.now, texts),
            InventorySource::Parsed(files) => {
                inventory::validate::validate(files.clone(), request.now)
            }
        },
        || match &request.loaded_rules {
            Some(rules) => Ok(RuleSet::clone(rules)),
            None => policy::load(
                &RuleSources {
                    builtin: request.builtin_policies,
                    user_paths: &request.policy_paths,
                    pack_names: &pack_names,
                },
                entities::schema::schema(),
                &mut rule_texts,
            ),
        },
    );
    texts.append(rule_texts);
    let (inventory, mut rules) = match (inventory, rules) {
        (Ok(inventory), Ok(rules)) => (inventory, rules),
        (inventory, rules) => {
            let mut errors = inventory.err().unwrap_or_default();
            errors.extend(rules.err().unwrap_or_default());
            return Err(errors);
        }
    };
    // Waivers and rule settings can name only loaded rules, known from
    // here on.
    let mut errors = waivers::check_rules(&inventory.waivers, &rules);
    if let Err(mut problems) = rules.apply_settings(&inventory.settings.rules) {
        errors.append(&mut problems);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Loaded {
        inventory,
        rules,
        now: request.now,
    })
}

/// Stages 3 to 5: judges the loaded inventory and what was observed of the
/// real world (`Observations::default()` when nothing was), gaps in the
/// observations included, and applies the waivers.
pub fn judge(loaded: Loaded, observations: &Observations) -> Checked {
    let Loaded {
        inventory,
        rules,
        now,
    } = loaded;
    let plan = evaluate::plan::plan(&inventory, now, &rules.entity_literals, observations);
    let evaluate::Evaluation {
        mut findings,
        facts,
    } = evaluate::evaluate_counted(&plan, &rules, entities::schema::schema());
    findings.extend(observations.gap_findings());
    drop(plan);
    let mut report = waivers::apply(Report::new(findings), &inventory.waivers, now);
    report.facts = facts;
    let not_checked = rules.not_checked(&observations.kinds(), &report.findings);
    Checked {
        inventory,
        rules,
        report,
        not_checked,
    }
}
