//! The list of rules a run checked, for formats that show every rule and not
//! only those with findings (SARIF's rule descriptors, JUnit's suites).

use std::collections::BTreeMap;

use crate::findings::{Report, Severity};
use crate::policy::RuleSet;
use crate::waivers::BUILTIN_CHECKS;

/// What a format needs to know about one rule.
pub struct RuleDoc {
    pub severity: Severity,
    pub title: Option<String>,
    pub description: Option<String>,
    pub remediation: Option<String>,
    pub controls: Vec<String>,
    /// Shipped with secretary (built-in Cedar rules and the waiver checks).
    pub builtin: bool,
}

/// Every loaded rule, the waiver checks, and any other rule a finding names
/// (`internal-error`), by id.
pub fn rule_docs(report: &Report, rules: &RuleSet) -> BTreeMap<String, RuleDoc> {
    let mut docs: BTreeMap<String, RuleDoc> = rules
        .rules
        .values()
        .map(|rule| {
            (
                rule.id.clone(),
                RuleDoc {
                    severity: rule.severity,
                    title: rule.title.clone(),
                    description: rule.description.clone(),
                    remediation: rule.remediation.clone(),
                    controls: rule.controls.clone(),
                    builtin: rule.builtin,
                },
            )
        })
        .collect();
    for check in BUILTIN_CHECKS {
        docs.entry(check.id.to_owned()).or_insert(RuleDoc {
            severity: check.severity,
            title: Some(check.title.to_owned()),
            description: Some(check.description.to_owned()),
            remediation: Some(check.remediation.to_owned()),
            controls: Vec::new(),
            builtin: true,
        });
    }
    for finding in &report.findings {
        docs.entry(finding.rule.clone()).or_insert_with(|| RuleDoc {
            severity: finding.severity,
            title: None,
            description: None,
            remediation: finding.remediation.clone(),
            controls: finding.controls.clone(),
            builtin: true,
        });
    }
    docs
}
