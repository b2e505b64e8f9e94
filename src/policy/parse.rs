//! From rule files to named policies: Cedar's parse of each file, where each
//! policy starts in it, and the name each policy goes by afterwards.
//!
//! Cedar names a file's policies `policy0`, `policy1`, ... and keeps no
//! position a caller can read, so this module pairs each policy with its
//! statement in the text (see [`split`](super::split)) and renames it after
//! its `@id`. A policy whose annotations are wrong still gets a name of its
//! own and goes on to schema validation, so one run reports every problem
//! in the rule.

use std::collections::BTreeMap;
use std::str::FromStr;

use cedar_policy::{Policy, PolicyId, PolicySet};
use miette::Diagnostic;

use super::files::PolicyFile;
use super::rule::{annotation, rule_from_policy, Site};
use super::{first_label_offset, split, NamedPolicy, Rule};
use crate::diag::{Code, InputError};
use crate::source::{FileKind, Location, Quoting};

/// The rules whose annotations are right, by id, and every policy (rules
/// and the rest) to validate against the schema.
#[derive(Default)]
pub(super) struct Parsed {
    pub rules: BTreeMap<String, Rule>,
    pub policies: Vec<NamedPolicy>,
}

/// Parses every file, in order, pushing each problem onto `errors`.
pub(super) fn parse(files: &[PolicyFile], errors: &mut Vec<InputError>) -> Parsed {
    let known_attributes = crate::entities::schema::attribute_names();
    let mut parsed = Parsed::default();
    for (index, file) in files.iter().enumerate() {
        let Some(set) = parse_file(file, errors) else {
            continue;
        };
        let starts = split::statement_starts(&file.text);
        let locations = split::locate_all(&file.display, &file.text, &starts);
        // Cedar numbers a file's statements `policy0`, `policy1`, ... in
        // order, templates included.
        let site = |n: usize| {
            let start = starts.get(n).copied().unwrap_or(0);
            let end = starts.get(n + 1).copied().unwrap_or(file.text.len());
            Site {
                display: &file.display,
                text: &file.text,
                start,
                source: file.text[start..end].trim_end(),
                location: locations
                    .get(n)
                    .cloned()
                    .unwrap_or_else(|| Location::file_start(&file.display)),
            }
        };
        for template in set.templates() {
            errors.push(template_error(&site(statement_number(template.id()))));
        }
        for (n, policy) in in_file_order(&set) {
            let site = site(n);
            match rule_from_policy(policy, &site, file.builtin, &known_attributes) {
                Ok(rule) => parsed.add_rule(policy, rule, &site, index, errors),
                Err(mut problems) => {
                    errors.append(&mut problems);
                    parsed.add_unnamed(policy, &site, n, index);
                }
            }
        }
    }
    parsed
}

/// A template is not a rule: the error points at its first slot.
fn template_error(site: &Site<'_>) -> InputError {
    let slot = ["?principal", "?resource"]
        .into_iter()
        .filter_map(|slot| site.source.find(slot))
        .min()
        .map_or_else(|| site.location.clone(), |o| site.at(o));
    InputError::new(
        Code::PolicyTemplate,
        "policy templates (with `?principal` or `?resource`) are not rules",
    )
    .at(slot)
    .help("write a static `forbid` policy without slots")
}

impl Parsed {
    /// Adds a rule with right annotations, unless its id is taken.
    fn add_rule(
        &mut self,
        policy: &Policy,
        rule: Rule,
        site: &Site<'_>,
        file: usize,
        errors: &mut Vec<InputError>,
    ) {
        if let Some(first) = self.rules.get(&rule.id) {
            errors.push(
                InputError::new(
                    Code::DuplicateRuleId,
                    format!("rule id `{}` is used twice", rule.id),
                )
                .at(site.find("@id"))
                .related(first.location.clone(), "first used")
                .help("give each rule a unique `@id`"),
            );
            return;
        }
        self.policies.push(NamedPolicy {
            policy: policy.new_id(PolicyId::new(&rule.id)),
            file,
            start: (site.start, site.location.clone()),
            end: site.start + site.source.len(),
        });
        self.rules.insert(rule.id.clone(), rule);
    }

    /// Adds a policy whose annotations are wrong, for schema validation
    /// only: under its `@id` when no other policy has it, else under
    /// `file#n` (`n` counting from 1).
    fn add_unnamed(&mut self, policy: &Policy, site: &Site<'_>, n: usize, file: usize) {
        let display = site.display;
        let fallback = match annotation(policy, "id") {
            Some(id)
                if !self.rules.contains_key(id)
                    && !self
                        .policies
                        .iter()
                        .any(|p| p.policy.id().to_string() == id) =>
            {
                PolicyId::new(id)
            }
            _ => PolicyId::new(format!("{display}#{}", n + 1)),
        };
        self.policies.push(NamedPolicy {
            policy: policy.new_id(fallback),
            file,
            start: (site.start, site.location.clone()),
            end: site.start + site.source.len(),
        });
    }
}

/// Cedar's parse of one file; `None` (with the problems pushed) when the
/// file does not parse.
fn parse_file(file: &PolicyFile, errors: &mut Vec<InputError>) -> Option<PolicySet> {
    match PolicySet::from_str(&file.text) {
        Ok(set) => Some(set),
        Err(parse_errors) => {
            errors.extend(parse_errors.iter().map(|error| syntax_error(file, error)));
            None
        }
    }
}

fn syntax_error(file: &PolicyFile, error: &(dyn Diagnostic + '_)) -> InputError {
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
    // Cedar quotes the offending token: not from a file that may be any
    // file given to `--policies` by mistake (see `FileKind::quoting`).
    if FileKind::Policy.quoting(&file.display) == Quoting::Never {
        return InputError::new(
            Code::PolicySyntax,
            "cannot parse policy: this is not Cedar syntax",
        )
        .at(Location::from_offset(&file.display, &file.text, offset))
        .help("give `--policies` a directory of `.cedar` files or a `.cedar` file");
    }
    InputError::new(Code::PolicySyntax, format!("cannot parse policy: {error}"))
        .at(Location::from_offset(&file.display, &file.text, offset))
        .help(format!(
            "{help}; see https://docs.cedarpolicy.com/policies/syntax-policy.html"
        ))
}

/// A file's policies in the order they are written, each with its
/// statement's number in the file.
fn in_file_order(set: &PolicySet) -> Vec<(usize, &Policy)> {
    let mut ordered: Vec<(usize, &Policy)> = set
        .policies()
        .map(|p| (statement_number(p.id()), p))
        .collect();
    ordered.sort_by_key(|(n, _)| *n);
    ordered
}

/// The statement number in Cedar's name for a parsed policy, `policy<n>`.
fn statement_number(id: &PolicyId) -> usize {
    id.to_string()
        .trim_start_matches("policy")
        .parse()
        .unwrap_or(0)
}
