//! Stage 4a: the rules.
//!
//! Rules are Cedar `forbid` policies with annotations. This module loads the
//! built-in rules (embedded from `policies/`) and the user's directories,
//! checks every annotation, validates every policy in Cedar's strict mode
//! against the shipped schema, and indexes the policies by the kind of fact
//! they can apply to so the evaluator only runs the rules that matter.
//! Any problem is an [`InputError`] with the policy file and line.

pub mod message;
pub mod screen;
mod split;

use crate::diag::Code;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use cedar_policy::{
    ActionConstraint, Effect, Policy, PolicyId, PolicySet, ResourceConstraint, Schema,
    ValidationMode, Validator,
};
use miette::Diagnostic;

use crate::diag::{did_you_mean, InputError};
use crate::entities::Action;
use crate::findings::Severity;
use crate::observe::ObservationKind;
use crate::source::{Location, SourceTexts};

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
}

/// The rules for one kind of fact.
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
pub struct ScreenedPolicy {
    pub screen: screen::Screen,
    pub policies: PolicySet,
}

/// Where rules come from.
pub struct RuleSources<'a> {
    pub builtin: bool,
    pub user_paths: &'a [PathBuf],
}

/// A policy file's text and the name it is shown under.
struct PolicyFile {
    display: Arc<str>,
    text: String,
    builtin: bool,
}

pub fn load(
    sources: &RuleSources<'_>,
    schema: &Schema,
    texts: &mut SourceTexts,
) -> Result<RuleSet, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    if sources.builtin {
        for (name, text) in BUILTIN_FILES {
            files.push(PolicyFile {
                display: Arc::from(format!("{BUILTIN_PREFIX}{name}")),
                text: (*text).to_owned(),
                builtin: true,
            });
        }
    }
    for path in sources.user_paths {
        match read_policy_dir(path) {
            Ok(mut found) => files.append(&mut found),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    for file in &files {
        texts.insert(&file.display, &file.text);
    }

    let known_attributes = crate::entities::schema::attribute_names();
    let mut rules: BTreeMap<String, Rule> = BTreeMap::new();
    let mut policies: Vec<(Policy, Arc<str>, String)> = Vec::new();

    for file in &files {
        let set = match PolicySet::from_str(&file.text) {
            Ok(set) => set,
            Err(parse_errors) => {
                for error in parse_errors.iter() {
                    let offset = first_label_offset(error);
                    // Cedar puts what it expected in the label ("expected `)`, ...").
                    let expected = error
                        .labels()
                        .and_then(|mut labels| labels.next())
                        .and_then(|label| label.label().map(str::to_owned));
                    let help = error
                        .help()
                        .map(|h| h.to_string())
                        .or(expected)
                        .unwrap_or_else(|| "fix the Cedar syntax at this position".into());
                    errors.push(
                        InputError::new(
                            Code::PolicySyntax,
                            format!("cannot parse policy: {error}"),
                        )
                        .at(Location::from_offset(&file.display, &file.text, offset))
                        .help(format!(
                            "{help}; see https://docs.cedarpolicy.com/policies/syntax-policy.html"
                        )),
                    );
                }
                continue;
            }
        };
        if set.templates().next().is_some() {
            errors.push(
                InputError::new(
                    Code::PolicyTemplate,
                    "policy templates (with `?principal` or `?resource`) are not rules",
                )
                .at(Location::file_start(&file.display))
                .help("write a static `forbid` policy without slots"),
            );
            continue;
        }
        let starts = split::statement_starts(&file.text);
        // Cedar names the policies of a file policy0, policy1, ... in order.
        let mut ordered: Vec<&Policy> = set.policies().collect();
        ordered.sort_by_key(|p| {
            p.id()
                .to_string()
                .trim_start_matches("policy")
                .parse::<usize>()
                .unwrap_or(0)
        });
        for (index, policy) in ordered.into_iter().enumerate() {
            let start = starts.get(index).copied().unwrap_or(0);
            let end = starts.get(index + 1).copied().unwrap_or(file.text.len());
            let location = Location::from_offset(&file.display, &file.text, start);
            let source = file.text[start..end].trim_end().to_owned();
            let locate = |needle: &str| {
                source
                    .find(needle)
                    .map(|o| Location::from_offset(&file.display, &file.text, start + o))
                    .unwrap_or_else(|| location.clone())
            };
            match rule_from_policy(
                policy,
                &location,
                &locate,
                &source,
                file.builtin,
                &known_attributes,
            ) {
                Ok(rule) => {
                    if let Some(first) = rules.get(&rule.id) {
                        errors.push(
                            InputError::new(
                                Code::DuplicateRuleId,
                                format!("rule id `{}` is used twice", rule.id),
                            )
                            .at(locate("@id"))
                            .related(first.location.clone(), "first used")
                            .help("give each rule a unique `@id`"),
                        );
                        continue;
                    }
                    policies.push((
                        policy.new_id(PolicyId::new(&rule.id)),
                        Arc::clone(&file.display),
                        file.text.clone(),
                    ));
                    rules.insert(rule.id.clone(), rule);
                }
                Err(mut problems) => {
                    errors.append(&mut problems);
                    // Still validate it against the schema, under a name of
                    // its own, so one run reports every problem in the rule.
                    let fallback = match annotation(policy, "id") {
                        Some(id)
                            if !rules.contains_key(id)
                                && !policies.iter().any(|(p, _, _)| p.id().to_string() == id) =>
                        {
                            PolicyId::new(id)
                        }
                        _ => PolicyId::new(format!("{}#{}", file.display, index + 1)),
                    };
                    policies.push((
                        policy.new_id(fallback),
                        Arc::clone(&file.display),
                        file.text.clone(),
                    ));
                }
            }
        }
    }

    let mut all = PolicySet::new();
    let mut origin: HashMap<String, (Arc<str>, String)> = HashMap::new();
    for (policy, display, text) in &policies {
        origin.insert(policy.id().to_string(), (Arc::clone(display), text.clone()));
        if let Err(err) = all.add(policy.clone()) {
            errors.push(InputError::new(
                Code::PolicySet,
                format!("cannot add policy: {err}"),
            ));
        }
    }
    let validator = Validator::new(schema.clone());
    let result = validator.validate(&all, ValidationMode::Strict);
    let locate_validation = |id: &str, diag: &dyn Diagnostic| -> Option<Location> {
        let (display, text) = origin.get(id)?;
        let offset = first_label_offset(diag);
        Some(Location::from_offset(display, text, offset))
    };
    for error in result.validation_errors() {
        let id = error.policy_id().to_string();
        errors.push(
            InputError::new(Code::PolicyInvalid, format!("rule `{id}` does not match the schema: {error}"))
                .at_opt(locate_validation(&id, error))
                .help(
                    error
                        .help()
                        .map(|h| h.to_string())
                        .unwrap_or_else(|| "compare the rule with `policies/secretary.cedarschema` (`secretary policies schema`)".into()),
                ),
        );
    }
    let warnings = result
        .validation_warnings()
        .map(|warning| {
            let id = warning.policy_id().to_string();
            InputError::new(Code::PolicyWarning, format!("rule `{id}`: {warning}"))
                .at_opt(locate_validation(&id, warning))
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }

    // Each policy's JSON form once: screens and entity literals read it.
    let mut entity_literals = crate::entities::EntityLiterals::new();
    let screens: Vec<screen::Screen> = policies
        .iter()
        .map(|(policy, _, _)| {
            let json = policy.to_json().ok();
            if let Some(json) = &json {
                collect_entity_literals(json, &mut entity_literals);
            }
            screen::Screen::of(policy, json.as_ref())
        })
        .collect();
    let mut sets = Vec::new();
    for action in Action::ALL {
        // The principal's type, when the schema allows only one.
        let principal_type = schema
            .principals_for_action(&action.uid())
            .and_then(|mut types| {
                let only = types.next()?;
                types.next().is_none().then(|| only.to_string())
            });
        for resource_type in crate::entities::resource_types(action) {
            // No blanket permit: with only forbids, every response is a deny
            // whose reasons are exactly the forbids that matched (none for a
            // clean fact), and a permit would cost one evaluation per fact.
            let mut set = PolicySet::new();
            let mut screened = Vec::new();
            let mut has_rules = false;
            for ((policy, _, _), screen) in policies.iter().zip(&screens) {
                if applies_to_action(policy, action)
                    && applies_to_resource_type(policy, resource_type)
                {
                    let Some(screen) = screen.for_types(principal_type.as_deref(), resource_type)
                    else {
                        continue; // its scope never matches these facts
                    };
                    if screen.is_empty() {
                        has_rules |= set.add(policy.clone()).is_ok();
                    } else {
                        let mut own = PolicySet::new();
                        if own.add(policy.clone()).is_ok() {
                            has_rules = true;
                            screened.push(ScreenedPolicy {
                                screen,
                                policies: own,
                            });
                        }
                    }
                }
            }
            sets.push(ApplicableSet {
                action,
                resource_type,
                policies: set,
                screened,
                has_rules,
            });
        }
    }
    Ok(RuleSet {
        rules,
        sets,
        warnings,
        entity_literals,
    })
}

fn read_policy_dir(path: &Path) -> Result<Vec<PolicyFile>, Vec<InputError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if !path.exists() {
        return Err(vec![InputError::new(
            Code::MissingPath,
            format!("policy path `{}` does not exist", path.display()),
        )
        .help(
            "pass a directory of `.cedar` files (or one file) to `--policies`",
        )]);
    }
    let mut found = Vec::new();
    if path.is_file() {
        found.push(path.to_path_buf());
    } else {
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            match entry {
                Ok(entry)
                    if entry.file_type().is_file()
                        && entry.path().extension().is_some_and(|e| e == "cedar") =>
                {
                    found.push(entry.into_path())
                }
                Ok(_) => {}
                Err(err) => errors.push(InputError::new(
                    Code::UnreadablePath,
                    format!("cannot read `{}`: {err}", path.display()),
                )),
            }
        }
        if found.is_empty() {
            errors.push(
                InputError::new(
                    Code::EmptyPolicyDirectory,
                    format!("`{}` contains no `.cedar` files", path.display()),
                )
                .help("put rules in files ending in `.cedar`"),
            );
        }
    }
    for file in found {
        let display: Arc<str> = Arc::from(file.display().to_string());
        match std::fs::read_to_string(&file) {
            Ok(text) => files.push(PolicyFile {
                display,
                text,
                builtin: false,
            }),
            Err(err) => errors.push(
                InputError::new(
                    Code::UnreadableFile,
                    format!("cannot read policy file `{display}`: {err}"),
                )
                .help("check the path, its permissions and that it is UTF-8 text"),
            ),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

fn first_label_offset(diag: &dyn Diagnostic) -> usize {
    diag.labels()
        .and_then(|mut labels| labels.next())
        .map(|label| label.offset())
        .unwrap_or(0)
}

/// The value of `@key` on `policy`. Cedar's own `Policy::annotation` parses
/// `key` as an identifier with the full policy grammar on every call, which
/// cost about as much as parsing and validating all the built-in rules.
fn annotation<'p>(policy: &'p Policy, key: &str) -> Option<&'p str> {
    policy
        .annotations()
        .find(|(name, _)| *name == key)
        .map(|(_, value)| value)
}

/// Checks one policy's annotations and turns them into a [`Rule`].
fn rule_from_policy(
    policy: &Policy,
    location: &Location,
    locate: &dyn Fn(&str) -> Location,
    source: &str,
    builtin: bool,
    known_attributes: &std::collections::BTreeSet<String>,
) -> Result<Rule, Vec<InputError>> {
    let mut errors = Vec::new();
    let name = annotation(policy, "id").unwrap_or("(no @id)").to_owned();
    // Annotations a misspelt key was probably meant to be: not reported missing too.
    let mut meant = Vec::new();
    for (key, _) in policy.annotations() {
        if !ANNOTATIONS.contains(&key) {
            let close = did_you_mean(key, ANNOTATIONS);
            meant.extend(close);
            let help = match close {
                Some(close) => format!("did you mean `@{close}`?"),
                None => format!(
                    "rules may carry {}",
                    ANNOTATIONS
                        .iter()
                        .map(|a| format!("`@{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            errors.push(
                InputError::new(
                    Code::UnknownAnnotation,
                    format!("rule `{name}` has unknown annotation `@{key}`"),
                )
                .at(locate(&format!("@{key}")))
                .help(help),
            );
        }
    }
    if policy.effect() != Effect::Forbid {
        errors.push(
            InputError::new(Code::PermitRule, format!("rule `{name}` is a `permit`; rules must be `forbid` policies"))
                .at(location.clone())
                .help("write the condition that is a problem as `forbid(...) when { ... };` — secretary permits everything else"),
        );
    }
    let id = match annotation(policy, "id") {
        Some(id) if is_kebab(id) => id.to_owned(),
        Some(id) => {
            errors.push(
                InputError::new(
                    Code::InvalidRuleId,
                    format!("rule id `{id}` is not kebab-case"),
                )
                .at(locate("@id"))
                .help("use lowercase letters, digits and dashes, e.g. `@id(\"rotation-overdue\")`"),
            );
            id.to_owned()
        }
        None if meant.contains(&"id") => String::new(),
        None => {
            errors.push(
                InputError::new(Code::MissingAnnotation, "rule has no `@id`")
                    .at(location.clone())
                    .help("add `@id(\"my-rule\")` before the policy"),
            );
            String::new()
        }
    };
    let severity = match annotation(policy, "severity") {
        Some(text) => match Severity::from_str(text) {
            Ok(severity) => severity,
            Err(problem) => {
                errors.push(
                    InputError::new(Code::InvalidSeverity, format!("rule `{name}`: {problem}"))
                        .at(locate("@severity"))
                        .help("write e.g. `@severity(\"high\")`; `--fail-on` compares against these levels"),
                );
                Severity::Info
            }
        },
        None if meant.contains(&"severity") => Severity::Info,
        None => {
            errors.push(
                InputError::new(
                    Code::MissingAnnotation,
                    format!("rule `{name}` has no `@severity`"),
                )
                .at(location.clone())
                .help("add `@severity(\"high\")` (info, low, medium, high or critical)"),
            );
            Severity::Info
        }
    };
    let message_text = annotation(policy, "message").unwrap_or_default().to_owned();
    if annotation(policy, "message").is_none() && !meant.contains(&"message") {
        errors.push(
            InputError::new(
                Code::MissingAnnotation,
                format!("rule `{name}` has no `@message`"),
            )
            .at(location.clone())
            .help("add `@message(\"what is wrong, e.g. secret {resource} has no owner\")`"),
        );
    }
    let message = match message::parse(&message_text, &|attr| known_attributes.contains(attr)) {
        Ok(pieces) => pieces,
        Err(problem) => {
            errors.push(
                InputError::new(Code::InvalidMessage, format!("rule `{name}`: {problem}"))
                    .at(locate("@message"))
                    .help("placeholders look like `{resource}`, `{resource.owner}` or `{context.environment}`"),
            );
            Vec::new()
        }
    };
    let split_list = |key: &str| -> Vec<String> {
        annotation(policy, key)
            .map(|c| {
                c.split(';')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let controls = split_list("control");
    let checklist = split_list("checklist");
    let mut observes = Vec::new();
    for kind in split_list("observes") {
        if let Some(known) = ObservationKind::from_name(&kind) {
            observes.push(known);
        } else {
            let known = ObservationKind::ALL.map(ObservationKind::name).into_iter();
            let help = match did_you_mean(&kind, known.clone()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "the kinds are {}",
                    known
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            errors.push(
                InputError::new(
                    Code::InvalidAnnotation,
                    format!("rule `{name}` observes `{kind}`, which is not a kind of observation"),
                )
                .at(locate("@observes"))
                .help(help),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let actions = Action::ALL
        .into_iter()
        .filter(|action| applies_to_action(policy, *action))
        .collect();
    Ok(Rule {
        id,
        severity,
        message,
        message_text,
        controls,
        title: annotation(policy, "title").map(str::to_owned),
        description: annotation(policy, "description").map(str::to_owned),
        remediation: annotation(policy, "remediation").map(str::to_owned),
        checklist,
        observes,
        location: location.clone(),
        text: source.to_owned(),
        builtin,
        actions,
    })
}

/// Finds `{"__entity": {"type": T, "id": I}}` in a policy's JSON form.
fn collect_entity_literals(value: &serde_json::Value, out: &mut crate::entities::EntityLiterals) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(entity) = map.get("__entity") {
                if let (Some(ty), Some(id)) = (entity["type"].as_str(), entity["id"].as_str()) {
                    out.insert((ty.to_owned(), id.to_owned()));
                }
            }
            map.values().for_each(|v| collect_entity_literals(v, out));
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|v| collect_entity_literals(v, out))
        }
        _ => {}
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn applies_to_action(policy: &Policy, action: Action) -> bool {
    let uid = action.uid();
    match policy.action_constraint() {
        ActionConstraint::Any => true,
        ActionConstraint::Eq(a) => a == uid,
        ActionConstraint::In(list) => list.contains(&uid),
    }
}

fn applies_to_resource_type(policy: &Policy, resource_type: &str) -> bool {
    match policy.resource_constraint() {
        ResourceConstraint::Is(ty) | ResourceConstraint::IsIn(ty, _) => {
            ty.to_string() == resource_type
        }
        ResourceConstraint::Eq(uid) => uid.type_name().to_string() == resource_type,
        ResourceConstraint::Any | ResourceConstraint::In(_) => true,
    }
}
