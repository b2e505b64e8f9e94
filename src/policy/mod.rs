//! Stage 4a: the rules.
//!
//! Rules are Cedar `forbid` policies with annotations. This module loads the
//! built-in rules (embedded from `policies/`) and the user's directories,
//! checks every annotation, validates every policy in Cedar's strict mode
//! against the shipped schema, and indexes the policies by the kind of fact
//! they can apply to so the evaluator only runs the rules that matter.
//! Any problem is an [`InputError`] with the policy file and line.
//!
//! [`load`] runs the steps in order, one module each: [`files`] reads the
//! rule files, [`parse`] parses them into named policies, [`rule`] turns
//! each policy's annotations into a [`Rule`], [`validate`] checks every
//! policy against the schema and [`index`] sorts the rules by the facts
//! they apply to. Every problem of every step is reported in one run.

mod attributes;
pub mod bounds;
mod files;
mod index;
pub mod message;
mod parse;
mod rule;
pub mod screen;
mod settings;
mod split;
mod validate;

use std::collections::BTreeMap;
use std::path::PathBuf;

use cedar_policy::{PolicySet, Schema};
use miette::Diagnostic;

use crate::diag::InputError;
use crate::entities::Action;
use crate::findings::Severity;
use crate::heuristics::defaults::PublishedDefaults;
use crate::observe::ObservationKind;
use crate::source::{FileKind, Location, SourceTexts};

pub use files::SETTINGS_FILE;
pub use settings::Override;

/// The built-in rule files, embedded so the binary works anywhere.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "rotation.cedar",
        include_str!("../../policies/rotation.cedar"),
    ),
    (
        "storage.cedar",
        include_str!("../../policies/storage.cedar"),
    ),
    (
        "uniqueness.cedar",
        include_str!("../../policies/uniqueness.cedar"),
    ),
    (
        "readers.cedar",
        include_str!("../../policies/readers.cedar"),
    ),
    (
        "ownership.cedar",
        include_str!("../../policies/ownership.cedar"),
    ),
    (
        "env_vars.cedar",
        include_str!("../../policies/env_vars.cedar"),
    ),
    ("iam.cedar", include_str!("../../policies/iam.cedar")),
    ("values.cedar", include_str!("../../policies/values.cedar")),
    (
        "repository.cedar",
        include_str!("../../policies/repository.cedar"),
    ),
    (
        "compose.cedar",
        include_str!("../../policies/compose.cedar"),
    ),
    ("code.cedar", include_str!("../../policies/code.cedar")),
    (
        "published_defaults.cedar",
        include_str!("../../policies/published_defaults.cedar"),
    ),
    ("stores.cedar", include_str!("../../policies/stores.cedar")),
];

/// How built-in files are named in messages.
pub const BUILTIN_PREFIX: &str = "<builtin>/";

/// The annotation keys a rule may carry.
pub const ANNOTATIONS: [&str; 9] = [
    "id",
    "severity",
    "message",
    "control",
    "title",
    "description",
    "remediation",
    "checklist",
    "observes",
];

/// One rule and what its annotations say.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub message: Vec<message::Piece>,
    pub message_text: String,
    pub controls: Vec<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub remediation: Option<String>,
    /// The compliance checklist items (`@checklist`, `;`-separated) the rule
    /// checks; reports tick an item only when none of its rules has an
    /// unwaived finding.
    pub checklist: Vec<String>,
    /// The observations the rule's facts come from (`@observes`, `;`-separated);
    /// empty when it judges the inventory alone.
    pub observes: Vec<ObservationKind>,
    /// Where the policy starts.
    pub location: Location,
    /// The policy as written.
    pub text: String,
    pub builtin: bool,
    /// The kinds of fact the rule can apply to.
    pub actions: Vec<Action>,
}

/// All loaded rules, indexed for evaluation.
#[derive(Clone)]
pub struct RuleSet {
    /// By rule id.
    pub rules: BTreeMap<String, Rule>,
    /// The policies that can apply to facts of one action on one resource
    /// type (forbids only).
    sets: Vec<ApplicableSet>,
    /// Validator warnings, worth showing but not fatal.
    pub warnings: Vec<InputError>,
    /// Entities the rules name literally (`Secret::"X"`): every entity store
    /// must hold them.
    pub entity_literals: crate::entities::EntityLiterals,
    /// The published default credentials: the built-in list and each
    /// `--policies` directory's `published-defaults.txt`.
    pub published_defaults: PublishedDefaults,
    /// The rule settings of the `--policies` directories' `secretary-rules.yaml`.
    pub pack_settings: Vec<crate::inventory::model::RuleSetting>,
    /// The rule settings in force, by rule id ([`RuleSet::apply_settings`]).
    pub overrides: Vec<Override>,
}

impl RuleSet {
    /// The policies to evaluate for a fact of `action` on a `resource_type`.
    /// `Some(None)` when no rule can apply, so the
    /// fact needs no request at all; `None` for an unknown pairing.
    pub fn policies_for(
        &self,
        action: Action,
        resource_type: &str,
    ) -> Option<Option<Applicable<'_>>> {
        self.sets
            .iter()
            .find(|set| set.action == action && set.resource_type == resource_type)
            .map(|set| {
                set.has_rules.then_some(Applicable {
                    unscreened: (!set.policies.is_empty()).then_some(&set.policies),
                    screened: &set.screened,
                })
            })
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.get(id)
    }

    /// The rules a run that made the `observed` observations and found
    /// `findings` did not evaluate: each judges only observations the run
    /// did not make, and has no finding. Grouped by the first observation
    /// each needs, in [`ObservationKind::ALL`] order, ids sorted.
    pub fn not_checked(
        &self,
        observed: &std::collections::BTreeSet<ObservationKind>,
        findings: &[crate::findings::Finding],
    ) -> Vec<NotChecked> {
        let with_findings: std::collections::BTreeSet<&str> =
            findings.iter().map(|f| f.rule.as_str()).collect();
        let mut groups: Vec<NotChecked> = Vec::new();
        for rule in self.rules.values() {
            let needs = rule.needs();
            let Some(&first) = needs.first() else {
                continue;
            };
            if needs.iter().any(|kind| observed.contains(kind))
                || with_findings.contains(rule.id.as_str())
                || self.disabled(&rule.id).is_some()
            {
                continue;
            }
            match groups.iter_mut().find(|g| g.observation == first) {
                Some(group) => group.rules.push(rule.id.clone()),
                None => groups.push(NotChecked {
                    observation: first,
                    rules: vec![rule.id.clone()],
                }),
            }
        }
        groups.sort_by_key(|g| g.observation);
        groups
    }
}

/// Rules a run did not evaluate because it did not make the observation
/// they judge: every output says so ("not checked"), so that no one reads
/// them as passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotChecked {
    pub observation: ObservationKind,
    /// The rules' ids, sorted.
    pub rules: Vec<String>,
}

impl NotChecked {
    /// "not checked without IAM data (enable with `--iam` or
    /// `--iam-snapshot FILE`)": the same words in every output.
    pub fn reason(&self) -> String {
        let enable = self
            .observation
            .enabled_by()
            .iter()
            .map(|how| format!("`{how}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        format!(
            "not checked without {} (enable with {enable})",
            self.observation.what()
        )
    }
}

impl Rule {
    /// The observations the rule judges: its `@observes`, else IAM for a
    /// rule that applies only to `observe` (IAM) facts. Empty for a rule
    /// that judges the inventory.
    pub fn needs(&self) -> Vec<ObservationKind> {
        if !self.observes.is_empty() {
            return self.observes.clone();
        }
        if !self.actions.is_empty() && self.actions.iter().all(|a| *a == Action::Observe) {
            return vec![ObservationKind::Iam];
        }
        Vec::new()
    }
}

/// The rules for one kind of fact.
#[derive(Clone)]
struct ApplicableSet {
    action: Action,
    resource_type: &'static str,
    /// The rules without a screen, asked together.
    policies: PolicySet,
    /// Rules that start with tests checked without Cedar (see [`screen`]),
    /// each asked only for facts that pass them.
    screened: Vec<ScreenedPolicy>,
    has_rules: bool,
}

/// The rules that can apply to one fact: a set to ask for every fact, and
/// screened rules to ask only when their screen admits the fact.
pub struct Applicable<'a> {
    pub unscreened: Option<&'a PolicySet>,
    pub screened: &'a [ScreenedPolicy],
}

/// A rule with a screen, in a set of its own.
#[derive(Clone)]
pub struct ScreenedPolicy {
    pub screen: screen::Screen,
    /// The facts the rule is about ([`screen::Screen::subject`]): the ones
    /// counted as judged by it, so that a rule with nothing to judge is
    /// "not applicable" in the report, never a pass.
    pub subject: screen::Screen,
    pub policies: PolicySet,
}

/// Where rules come from.
pub struct RuleSources<'a> {
    pub builtin: bool,
    pub user_paths: &'a [PathBuf],
    /// User paths that are rule packs, with the name their files are shown
    /// under (`SOURCE#subdir/` + the file's path in the pack).
    pub pack_names: &'a [(PathBuf, String)],
}

/// Loads the rules `sources` name and validates them against `schema`,
/// recording each file's text in `texts` for error snippets. Fails with
/// every problem found, in file order.
pub fn load(
    sources: &RuleSources<'_>,
    schema: &Schema,
    texts: &mut SourceTexts,
) -> Result<RuleSet, Vec<InputError>> {
    let mut defaults = PublishedDefaults::builtin().clone();
    let mut settings = files::PackSettings::default();
    let (files, errors) = files::read(sources, &mut defaults, &mut settings);
    // Quoted as inventory lines are (keys only): the same YAML.
    for (display, text) in settings.files {
        texts.insert(&display, text, FileKind::Inventory);
    }
    let mut rules = on_policy_stack(move || load_files(files, errors, defaults, schema, texts))?;
    rules.pack_settings = settings.settings;
    Ok(rules)
}

/// Loads the rules of one text as if read from a user's file named
/// `display`, without the built-in rules: [`load`] after reading, for the
/// fuzz target.
pub fn load_text(display: &str, text: &str, schema: &Schema) -> Result<RuleSet, Vec<InputError>> {
    let file = files::PolicyFile {
        display: std::sync::Arc::from(display),
        text: std::borrow::Cow::Owned(text.to_owned()),
        builtin: false,
    };
    let mut texts = SourceTexts::default();
    on_policy_stack(move || {
        load_files(
            vec![file],
            Vec::new(),
            PublishedDefaults::builtin().clone(),
            schema,
            &mut texts,
        )
    })
}

/// Runs `load` on a stack of [`bounds::POLICY_STACK_BYTES`], on the calling
/// thread: Cedar recurses as deep as a rule nests (see [`bounds`]). A
/// thread of its own would do as well, but its allocator heap outlives the
/// load (25 MB more at 5,000 rules).
#[cfg(not(windows))]
fn on_policy_stack(
    load: impl FnOnce() -> Result<RuleSet, Vec<InputError>>,
) -> Result<RuleSet, Vec<InputError>> {
    stacker::grow(bounds::POLICY_STACK_BYTES, load)
}

/// On Windows, on a thread of its own. There `stacker::grow` runs `load` on
/// a fiber, and afterwards stacker's record of the calling thread's stack is
/// wrong: Cedar's stack checks on that thread (a pool thread that goes on to
/// evaluate) see no stack left, and every request of a compose file failed
/// with "recursion limit reached" (found running the Windows build under
/// Wine, on `examples/alga-psa`).
#[cfg(windows)]
fn on_policy_stack(
    load: impl FnOnce() -> Result<RuleSet, Vec<InputError>> + Send,
) -> Result<RuleSet, Vec<InputError>> {
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .stack_size(bounds::POLICY_STACK_BYTES)
            .spawn_scoped(scope, load)
        {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(error) => Err(vec![InputError::new(
                crate::diag::Code::Internal,
                format!("cannot start a thread to load the rules on: {error}"),
            )]),
        }
    })
}

/// The steps of [`load`] after reading the files.
fn load_files(
    files: Vec<files::PolicyFile>,
    mut errors: Vec<InputError>,
    published_defaults: PublishedDefaults,
    schema: &Schema,
    texts: &mut SourceTexts,
) -> Result<RuleSet, Vec<InputError>> {
    let mut warnings = Vec::new();
    let mut files_in_bounds = Vec::with_capacity(files.len());
    for file in files {
        texts.insert(&file.display, &*file.text, FileKind::Policy);
        match bounds::check(&file.display, &file.text) {
            Ok(()) if !file.builtin && split::statement_starts(&file.text).is_empty() => {
                warnings.push(empty_file(&file.display));
            }
            Ok(()) => files_in_bounds.push(file),
            Err(error) => errors.push(error),
        }
    }
    let files = files_in_bounds;
    let parse::Parsed { rules, policies } = parse::parse(&files, &mut errors);
    // Each policy's JSON form once: the `has` check and the index read it.
    let shapes = crate::entities::schema::json().get("");
    let read = index::read(&policies, |named, json| {
        let Some(shapes) = shapes else { return };
        let file = &files[named.file];
        let locate = |attr: &str| {
            let (start, location) = &named.start;
            let offset = split::find_has(&file.text[*start..named.end], attr)?;
            Some(split::locate_after(
                location,
                *start,
                &file.text,
                start + offset,
            ))
        };
        errors.extend(attributes::undeclared_has(
            &named.policy,
            json,
            shapes,
            &locate,
        ));
    });
    let validated = validate::validate(&policies, &files, schema);
    errors.extend(validated.errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let (sets, entity_literals) = index::index(&policies, read, schema);
    warnings.extend(validated.warnings);
    Ok(RuleSet {
        rules,
        sets,
        warnings,
        entity_literals,
        published_defaults,
        pack_settings: Vec::new(),
        overrides: Vec::new(),
    })
}

/// The warning for a user's rule file with no policy in it: rules the user
/// meant to add would silently not run.
fn empty_file(display: &std::sync::Arc<str>) -> InputError {
    InputError::new(
        crate::diag::Code::EmptyPolicyFile,
        format!("policy file `{display}` holds no policy"),
    )
    .at(Location::file_start(display))
    .help("add `forbid` rules to it, or remove it from `--policies`")
}

/// Where Cedar's first label on `diag` points, as a byte offset.
fn first_label_offset(diag: &dyn Diagnostic) -> usize {
    diag.labels()
        .and_then(|mut labels| labels.next())
        .map(|label| label.offset())
        .unwrap_or(0)
}

/// A policy under its final name, and the file it came from (an index into
/// the files [`parse`] was given).
pub(super) struct NamedPolicy {
    pub policy: cedar_policy::Policy,
    pub file: usize,
    /// Where its statement starts: a byte offset and its location.
    pub start: (usize, Location),
    /// Where its statement ends, a byte offset.
    pub end: usize,
}
