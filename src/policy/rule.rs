//! Annotations to rule metadata: one policy's `@id`, `@severity`,
//! `@message` and the rest, checked and turned into a [`Rule`].
//!
//! Annotations are what findings, reports and `policies list` show, so a
//! wrong one stops the run with the policy's `file:line` rather than
//! printing a broken finding later. Every problem of a rule is reported
//! together; a misspelt key is reported once, as unknown, and not also as
//! missing.

use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::Arc;

use cedar_policy::{ActionConstraint, Effect, Policy};

use super::{message, Rule, ANNOTATIONS};
use crate::diag::{did_you_mean, Code, InputError};
use crate::entities::Action;
use crate::findings::Severity;
use crate::observe::ObservationKind;
use crate::source::Location;

/// The value of `@key` on `policy`. Cedar's own `Policy::annotation` parses
/// `key` as an identifier with the full policy grammar on every call, which
/// cost about as much as parsing and validating all the built-in rules.
pub(super) fn annotation<'p>(policy: &'p Policy, key: &str) -> Option<&'p str> {
    policy
        .annotations()
        .find(|(name, _)| *name == key)
        .map(|(_, value)| value)
}

/// One policy's annotations, checked, and the rule's name in messages.
struct Checker<'a> {
    policy: &'a Policy,
    site: &'a Site<'a>,
    name: &'a str,
    /// Annotations a misspelt key was probably meant to be: not reported
    /// missing too.
    meant: Vec<&'static str>,
    errors: Vec<InputError>,
}

/// Checks one policy's annotations and turns them into a [`Rule`].
pub(super) fn rule_from_policy(
    policy: &Policy,
    site: &Site<'_>,
    builtin: bool,
    known_attributes: &BTreeSet<String>,
) -> Result<Rule, Vec<InputError>> {
    let mut check = Checker {
        policy,
        site,
        name: annotation(policy, "id").unwrap_or("(no @id)"),
        meant: Vec::new(),
        errors: Vec::new(),
    };
    check.unknown_annotations();
    check.forbid();
    let id = check.id();
    let severity = check.severity();
    let message_text = check.message_text();
    let message = check.message(&message_text, known_attributes);
    let controls = split_list(policy, "control");
    let checklist = split_list(policy, "checklist");
    let observes = split_list(policy, "observes");
    let observes = check.observation_kinds(&observes);
    if !check.errors.is_empty() {
        return Err(check.errors);
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
        location: site.location.clone(),
        text: site.source.to_owned(),
        builtin,
        actions,
    })
}

/// The `;`-separated items of `@key`, trimmed, empty ones dropped.
fn split_list(policy: &Policy, key: &str) -> Vec<String> {
    annotation(policy, key)
        .map(|c| {
            c.split(';')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

impl Checker<'_> {
    fn unknown_annotations(&mut self) {
        let name = self.name;
        for (key, _) in self.policy.annotations() {
            if !ANNOTATIONS.contains(&key) {
                let close = did_you_mean(key, ANNOTATIONS);
                self.meant.extend(close);
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
                self.errors.push(
                    InputError::new(
                        Code::UnknownAnnotation,
                        format!("rule `{name}` has unknown annotation `@{key}`"),
                    )
                    .at(self.site.find(&format!("@{key}")))
                    .help(help),
                );
            }
        }
    }

    fn forbid(&mut self) {
        let name = self.name;
        if self.policy.effect() != Effect::Forbid {
            self.errors.push(
                InputError::new(Code::PermitRule, format!("rule `{name}` is a `permit`; rules must be `forbid` policies"))
                    .at(self.site.location.clone())
                    .help("write the condition that is a problem as `forbid(...) when { ... };` — secretary permits everything else"),
            );
        }
    }

    fn id(&mut self) -> String {
        match annotation(self.policy, "id") {
            Some(id) if is_kebab(id) => id.to_owned(),
            Some(id) => {
                self.errors.push(
                    InputError::new(
                        Code::InvalidRuleId,
                        format!("rule id `{id}` is not kebab-case"),
                    )
                    .at(self.site.find("@id"))
                    .help("use lowercase letters, digits and dashes, e.g. `@id(\"rotation-overdue\")`"),
                );
                id.to_owned()
            }
            None if self.meant.contains(&"id") => String::new(),
            None => {
                self.errors.push(
                    InputError::new(Code::MissingAnnotation, "rule has no `@id`")
                        .at(self.site.location.clone())
                        .help("add `@id(\"my-rule\")` before the policy"),
                );
                String::new()
            }
        }
    }

    fn severity(&mut self) -> Severity {
        let name = self.name;
        match annotation(self.policy, "severity") {
            Some(text) => match Severity::from_str(text) {
                Ok(severity) => severity,
                Err(problem) => {
                    self.errors.push(
                        InputError::new(Code::InvalidSeverity, format!("rule `{name}`: {problem}"))
                            .at(self.site.find("@severity"))
                            .help("write e.g. `@severity(\"high\")`; `--fail-on` compares against these levels"),
                    );
                    Severity::Info
                }
            },
            None if self.meant.contains(&"severity") => Severity::Info,
            None => {
                self.errors.push(
                    InputError::new(
                        Code::MissingAnnotation,
                        format!("rule `{name}` has no `@severity`"),
                    )
                    .at(self.site.location.clone())
                    .help("add `@severity(\"high\")` (info, low, medium, high or critical)"),
                );
                Severity::Info
            }
        }
    }

    fn message_text(&mut self) -> String {
        let name = self.name;
        let text = annotation(self.policy, "message");
        if text.is_none() && !self.meant.contains(&"message") {
            self.errors.push(
                InputError::new(
                    Code::MissingAnnotation,
                    format!("rule `{name}` has no `@message`"),
                )
                .at(self.site.location.clone())
                .help("add `@message(\"what is wrong, e.g. secret {resource} has no owner\")`"),
            );
        }
        text.unwrap_or_default().to_owned()
    }

    fn message(&mut self, text: &str, known_attributes: &BTreeSet<String>) -> Vec<message::Piece> {
        let name = self.name;
        match message::parse(text, &|attr| known_attributes.contains(attr)) {
            Ok(pieces) => pieces,
            Err(problem) => {
                self.errors.push(
                    InputError::new(Code::InvalidMessage, format!("rule `{name}`: {problem}"))
                        .at(self.site.find("@message"))
                        .help("placeholders look like `{resource}`, `{resource.owner}` or `{context.environment}`"),
                );
                Vec::new()
            }
        }
    }

    /// Each `@observes` item must name an [`ObservationKind`].
    fn observation_kinds(&mut self, observes: &[String]) -> Vec<ObservationKind> {
        let name = self.name;
        let mut kinds = Vec::new();
        for kind in observes {
            if let Some(known) = ObservationKind::from_name(kind) {
                kinds.push(known);
                continue;
            }
            let known = ObservationKind::ALL.map(ObservationKind::name).into_iter();
            let help = match did_you_mean(kind, known.clone()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "the kinds are {}",
                    known
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.errors.push(
                InputError::new(
                    Code::InvalidAnnotation,
                    format!("rule `{name}` observes `{kind}`, which is not a kind of observation"),
                )
                .at(self.site.find("@observes"))
                .help(help),
            );
        }
        kinds
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// One policy's statement in its file: where messages point.
pub(super) struct Site<'a> {
    pub display: &'a Arc<str>,
    pub text: &'a str,
    pub start: usize,
    /// The statement, without the white space after it.
    pub source: &'a str,
    /// Where the statement starts.
    pub location: Location,
}

impl Site<'_> {
    /// Where `needle` first occurs in the statement; its start when nowhere.
    pub fn find(&self, needle: &str) -> Location {
        self.source
            .find(needle)
            .map(|o| self.at(o))
            .unwrap_or_else(|| self.location.clone())
    }

    /// The location of byte `offset` of the statement.
    pub fn at(&self, offset: usize) -> Location {
        super::split::locate_after(&self.location, self.start, self.text, self.start + offset)
    }
}

pub(super) fn applies_to_action(policy: &Policy, action: Action) -> bool {
    let uid = action.uid();
    match policy.action_constraint() {
        ActionConstraint::Any => true,
        ActionConstraint::Eq(a) => a == uid,
        ActionConstraint::In(list) => list.contains(&uid),
    }
}
