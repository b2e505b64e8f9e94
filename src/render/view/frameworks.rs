//! The checklist seen per compliance framework: every control the rules
//! name with `@control`, its rules, its state and its open findings.
//!
//! An `@control` entry is "framework, then control id", written by people:
//! `NIST SP 800-53r5 IA-5(1)`, `CIS AWS Foundations v3.0 1.12`,
//! `PCI DSS v3.2.1 3.6.4`, `CWE-798`, `CIS AWS Foundations v3.0 (Secrets
//! Manager rotation)`. [`framework_of`] splits one: a trailing parenthesised
//! text is the control; else a single word such as `CWE-798` belongs to the
//! framework before its first dash (`CWE`); else the control is the last
//! word and the framework everything before it. So a new entry of the same
//! shape needs no code.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::checklist::{anchor_slug, unobserved, ChecklistStatus, FindingRef, Judgement, Unknown};
use super::FindingView;
use crate::observe::ObservationKind;
use crate::policy::RuleSet;

/// The framework and the control id of an `@control` entry.
pub fn framework_of(entry: &str) -> (String, String) {
    let entry = entry.trim();
    if entry.ends_with(')') {
        if let Some(open) = entry.rfind(" (") {
            // `AC-6(1)` has no space before its parenthesis: not split here.
            let framework = entry[..open].trim();
            if !framework.is_empty() {
                return (framework.to_owned(), entry[open + 1..].to_owned());
            }
        }
    }
    match entry.rsplit_once(char::is_whitespace) {
        Some((framework, control)) if !framework.trim().is_empty() => {
            (framework.trim().to_owned(), control.to_owned())
        }
        _ => match entry.split_once('-') {
            Some((framework, _)) if !framework.is_empty() => {
                (framework.to_owned(), entry.to_owned())
            }
            _ => (entry.to_owned(), entry.to_owned()),
        },
    }
}

#[derive(Debug, Serialize)]
pub struct FrameworkView {
    /// The framework's name, e.g. `NIST SP 800-53r5`.
    pub name: String,
    /// `anchor`-safe id, e.g. `framework-nist-sp-800-53r5`.
    pub anchor: String,
    pub controls: Vec<ControlView>,
    /// How many of its controls are in each state (`pass` counts the
    /// passes with waivers too).
    pub pass: usize,
    pub fail: usize,
    pub incomplete: usize,
    pub not_checked: usize,
    pub not_applicable: usize,
    pub disabled: usize,
}

#[derive(Debug, Serialize)]
pub struct ControlView {
    /// The control id within the framework, e.g. `IA-5(1)`.
    pub control: String,
    /// The `@control` entry as written, e.g. `NIST SP 800-53r5 IA-5(1)`.
    pub entry: String,
    /// The state, decided exactly as a checklist item's from the facts of
    /// its rules (see [`Judgement`]).
    pub state: ChecklistStatus,
    /// The state in words.
    pub label: &'static str,
    /// The rules that name it, by id.
    pub rules: Vec<String>,
    /// Facts its rules judged, summed over them.
    pub facts: usize,
    pub open: usize,
    pub waived: usize,
    /// Facts its rules could not judge for an `unknown` value.
    pub unknown: Vec<Unknown>,
    /// Its rules the run did not evaluate for want of an observation, when
    /// some others were.
    pub unchecked: Vec<String>,
    /// Its rules' findings (open and waived), in report order.
    pub findings: Vec<FindingRef>,
}

/// What a control is judged on: the run's findings, observations, facts
/// per rule and unknown values.
pub(super) struct Evidence<'a> {
    pub findings: &'a [FindingView],
    pub observed: &'a BTreeSet<ObservationKind>,
    pub facts: &'a BTreeMap<String, usize>,
    pub unknown: &'a BTreeMap<&'static str, Unknown>,
}

/// The frameworks the rules name, sorted by name, each with its controls in
/// natural order (`IA-5` before `IA-5(1)`, `1.4` before `1.10`). `only`
/// limits them to some frameworks (empty: all).
pub(super) fn frameworks(
    rules: &RuleSet,
    evidence: &Evidence<'_>,
    only: &[String],
) -> Vec<FrameworkView> {
    // framework -> entry -> (control id, rule ids)
    let mut grouped: BTreeMap<String, BTreeMap<String, (String, BTreeSet<String>)>> =
        BTreeMap::new();
    for rule in rules.rules.values() {
        for entry in &rule.controls {
            let (framework, control) = framework_of(entry);
            if !only.is_empty() && !only.contains(&framework) {
                continue;
            }
            grouped
                .entry(framework)
                .or_default()
                .entry(entry.trim().to_owned())
                .or_insert_with(|| (control, BTreeSet::new()))
                .1
                .insert(rule.id.clone());
        }
    }
    grouped
        .into_iter()
        .map(|(name, entries)| {
            let mut controls: Vec<ControlView> = entries
                .into_iter()
                .map(|(entry, (control, rule_ids))| {
                    control_view(entry, control, rule_ids, rules, evidence)
                })
                .collect();
            controls.sort_by_key(|c| natural_key(&c.control));
            let count = |states: &[ChecklistStatus]| {
                controls
                    .iter()
                    .filter(|c| states.contains(&c.state))
                    .count()
            };
            FrameworkView {
                anchor: anchor_slug("framework-", &name),
                pass: count(&[ChecklistStatus::Pass, ChecklistStatus::Waived]),
                fail: count(&[ChecklistStatus::Fail]),
                incomplete: count(&[ChecklistStatus::Incomplete]),
                not_checked: count(&[ChecklistStatus::NotChecked]),
                not_applicable: count(&[ChecklistStatus::NotApplicable]),
                disabled: count(&[ChecklistStatus::Disabled]),
                name,
                controls,
            }
        })
        .collect()
}

fn control_view(
    entry: String,
    control: String,
    rule_ids: BTreeSet<String>,
    rules: &RuleSet,
    evidence: &Evidence<'_>,
) -> ControlView {
    let mut open = 0;
    let mut waived = 0;
    let mut findings = Vec::new();
    for finding in evidence
        .findings
        .iter()
        .filter(|f| rule_ids.contains(&f.rule))
    {
        if finding.waived {
            waived += 1;
        } else {
            open += 1;
        }
        findings.push(FindingRef {
            anchor: finding.anchor.clone(),
            rule: finding.rule.clone(),
            entity: finding.entity.clone(),
            waived: finding.waived,
        });
    }
    let (unchecked, _) = unobserved(
        rule_ids.iter().map(String::as_str),
        rules,
        evidence.observed,
    );
    let not_checked = unchecked.len() == rule_ids.len() && findings.is_empty();
    let facts = rule_ids
        .iter()
        .map(|id| evidence.facts.get(id).copied().unwrap_or(0))
        .sum();
    let unknown: Vec<Unknown> = rule_ids
        .iter()
        .filter_map(|id| evidence.unknown.get(id.as_str()).cloned())
        .collect();
    let state = Judgement {
        open,
        waived,
        disabled: rule_ids.iter().any(|id| rules.disabled(id).is_some()),
        not_checked,
        facts,
        unknown: !unknown.is_empty(),
    }
    .status();
    ControlView {
        control,
        entry,
        state,
        label: state.label(),
        rules: rule_ids.into_iter().collect(),
        facts,
        open,
        waived,
        unknown,
        unchecked: if not_checked { Vec::new() } else { unchecked },
        findings,
    }
}

/// Orders ids by their runs of digits as numbers: `1.4` < `1.10`, `AC-6` <
/// `AC-6(1)` < `IA-5`.
fn natural_key(id: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut chars = id.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut number = c.to_digit(10).unwrap_or(0) as u64;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                number = number.saturating_mul(10).saturating_add(d as u64);
                chars.next();
            }
            key.push((std::mem::take(&mut text), number));
        } else {
            text.push(c);
        }
    }
    key.push((text, 0));
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_entries_split_into_framework_and_id() {
        let split = |e: &str| framework_of(e);
        assert_eq!(
            split("NIST SP 800-53r5 IA-5(1)"),
            ("NIST SP 800-53r5".into(), "IA-5(1)".into())
        );
        assert_eq!(
            split("CIS AWS Foundations v3.0 1.12"),
            ("CIS AWS Foundations v3.0".into(), "1.12".into())
        );
        assert_eq!(
            split("PCI DSS v3.2.1 3.6.4"),
            ("PCI DSS v3.2.1".into(), "3.6.4".into())
        );
        assert_eq!(split("CWE-798"), ("CWE".into(), "CWE-798".into()));
        assert_eq!(
            split("CIS AWS Foundations v3.0 (Secrets Manager rotation)"),
            (
                "CIS AWS Foundations v3.0".into(),
                "(Secrets Manager rotation)".into()
            )
        );
        assert_eq!(split("SOC2"), ("SOC2".into(), "SOC2".into()));
    }

    #[test]
    fn ids_sort_naturally() {
        let mut ids = vec!["1.10", "1.4", "IA-5(1)", "AC-6(1)", "AC-6", "IA-5"];
        ids.sort_by_key(|id| natural_key(id));
        assert_eq!(ids, ["1.4", "1.10", "AC-6", "AC-6(1)", "IA-5", "IA-5(1)"]);
    }
}
