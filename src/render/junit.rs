//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure
//! Pipelines, GitHub test-report actions).
//!
//! One `<testsuite>` per rule (every loaded rule and the waiver checks, so the
//! list of what was checked is visible even when nothing is wrong), named by
//! rule id, with the rule's severity and controls as properties. In it, one
//! `<testcase>` per finding, named by the entity (plus environment and other
//! party), classname `secretary.<rule id>`:
//!
//! - a finding at or above `--fail-on` is a `<failure>` (type = severity,
//!   message = the finding, text = location, controls and remediation);
//! - a rule that failed to evaluate is an `<error>`;
//! - a waived finding is `<skipped>`, its message saying who accepted the
//!   risk, why and until when;
//! - a finding below `--fail-on` passes, with the finding in `<system-out>`:
//!   JUnit agrees with the exit code, a case fails exactly when it fails the run.
//!
//! A rule without findings has one passing case, `no findings`, unless the
//! run did not evaluate it (it judges an observation the run did not make,
//! e.g. IAM rules without `--iam`): then its one case, `not checked`, is
//! `<skipped>` with the reason, never a pass. A rule a setting switched off
//! (`enabled: false`) has one `<skipped>` case, `disabled`, saying who
//! decided and why; a re-graded rule's suite carries its `default-severity`
//! and the `override`.
//!
//! With a baseline (`--baseline`), each finding's case has a `baseline`
//! property, `new` or `unchanged`, and one more suite, `baseline`, holds a
//! passing case per finding of the baseline this run no longer has (named
//! `fixed: ` and the case name it had), with the counts as properties. Under
//! `--fail-on-new` an unchanged finding passes (the run does not fail on it),
//! its finding in `<system-out>`. No times, timestamps or ids
//! are written, so two runs give the same bytes.

use std::io::{self, Write};

use quick_junit::{
    NonSuccessKind, Property, Report as JunitReport, TestCase, TestCaseStatus, TestSuite,
};

use super::catalog::rule_docs;
use crate::baseline::Comparison;
use crate::findings::{Finding, Report, Severity};
use crate::policy::{NotChecked, RuleSet};

/// The name of the passing case of a rule without findings.
pub const NO_FINDINGS: &str = "no findings";

/// The name of the skipped case of a rule a setting switched off.
pub const DISABLED: &str = "disabled";

/// The name of the skipped case of a rule the run did not evaluate.
pub const NOT_CHECKED: &str = "not checked";

pub fn render(
    out: &mut dyn Write,
    report: &Report,
    rules: &RuleSet,
    not_checked: &[NotChecked],
    fail_on: Severity,
    baseline: Option<&Comparison>,
) -> io::Result<()> {
    let mut junit = JunitReport::new(env!("CARGO_PKG_NAME"));
    for (id, doc) in rule_docs(report, rules) {
        let mut suite = TestSuite::new(id.as_str());
        suite.add_property(Property::new("severity", doc.severity.as_str()));
        if let Some(title) = &doc.title {
            suite.add_property(Property::new("title", title.as_str()));
        }
        if !doc.controls.is_empty() {
            suite.add_property(Property::new("controls", doc.controls.join("; ")));
        }
        if let Some(o) = rules.overrides.iter().find(|o| o.setting.rule == id) {
            suite.add_property(Property::new("default-severity", o.from.as_str()));
            suite.add_property(Property::new(
                "override",
                format!("{}: {}", o.setting.owner, o.setting.reason),
            ));
        }
        let classname = format!("secretary.{id}");
        let mut any = false;
        for (index, finding) in report.findings.iter().enumerate() {
            if finding.rule != id {
                continue;
            }
            any = true;
            let gated = baseline.is_none_or(|b| b.gates(index));
            let mut case = TestCase::new(case_name(finding), status(finding, fail_on, gated));
            if let Some(state) = baseline.and_then(|b| b.states.get(index)) {
                case.add_property(Property::new("baseline", state.as_str()));
            }
            case.set_classname(classname.as_str());
            if finding.waiver.is_none() && finding.severity < fail_on {
                case.set_system_out(format!(
                    "{} finding below --fail-on {fail_on}: {}\n{}",
                    finding.severity,
                    finding.message,
                    details(finding)
                ));
            } else if finding.waiver.is_none() && !gated {
                case.set_system_out(format!(
                    "{} finding unchanged since the baseline; --fail-on-new fails on new findings only: {}\n{}",
                    finding.severity,
                    finding.message,
                    details(finding)
                ));
            }
            suite.add_test_case(case);
        }
        if !any {
            let unchecked = not_checked.iter().find(|group| group.rules.contains(&id));
            let mut case = match (rules.disabled(&id), unchecked) {
                (Some(off), _) => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_type("disabled");
                    status.set_message(format!(
                        "switched off by {}: {} ({})",
                        off.setting.owner, off.setting.reason, off.setting.location
                    ));
                    TestCase::new(DISABLED, status)
                }
                (None, Some(group)) => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_type("not-checked");
                    status.set_message(group.reason());
                    TestCase::new(NOT_CHECKED, status)
                }
                (None, None) => TestCase::new(NO_FINDINGS, TestCaseStatus::success()),
            };
            case.set_classname(classname.as_str());
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    if let Some(baseline) = baseline {
        junit.add_test_suite(fixed_suite(baseline));
    }
    junit.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}

/// The suite of the baseline's findings this run no longer has.
fn fixed_suite(baseline: &Comparison) -> TestSuite {
    let mut suite = TestSuite::new("baseline");
    suite.add_property(Property::new("file", baseline.file.as_ref()));
    suite.add_property(Property::new("new", baseline.new_count().to_string()));
    suite.add_property(Property::new("fixed", baseline.fixed.len().to_string()));
    for f in &baseline.fixed {
        let mut name = format!("fixed: {}", f.entity);
        if let Some(env) = &f.environment {
            name.push_str(&format!(" in {env}"));
        }
        if let Some(principal) = &f.principal {
            name.push_str(&format!(" by {principal}"));
        }
        let mut case = TestCase::new(name, TestCaseStatus::success());
        case.set_classname(format!("secretary.{}", f.rule));
        case.set_system_out(format!("fixed since the baseline `{}`", baseline.file));
        suite.add_test_case(case);
    }
    suite
}

fn case_name(finding: &Finding) -> String {
    let mut name = match &finding.entity {
        Some(entity) => entity.to_string(),
        None => finding.location.to_string(),
    };
    if let Some(env) = &finding.environment {
        name.push_str(&format!(" in {env}"));
    }
    if let Some(principal) = &finding.principal {
        name.push_str(&format!(" by {principal}"));
    }
    name
}

/// The case's status; `gated` is false for an unchanged finding under
/// `--fail-on-new`, which passes as the run does.
fn status(finding: &Finding, fail_on: Severity, gated: bool) -> TestCaseStatus {
    if let Some(waiver) = &finding.waiver {
        let mut status = TestCaseStatus::skipped();
        status.set_type("waived");
        status.set_message(format!(
            "waived by {} until {}: {}",
            waiver.owner, waiver.expires, waiver.reason
        ));
        status.set_description(format!(
            "{}\n{}\nwaiver: {}",
            finding.message,
            details(finding),
            waiver.location
        ));
        return status;
    }
    let kind = if !gated {
        return TestCaseStatus::success();
    } else if finding.severity == Severity::Error {
        NonSuccessKind::Error
    } else if finding.severity >= fail_on {
        NonSuccessKind::Failure
    } else {
        return TestCaseStatus::success();
    };
    let mut status = TestCaseStatus::non_success(kind);
    status.set_type(finding.severity.as_str());
    status.set_message(finding.message.as_str());
    status.set_description(details(finding));
    status
}

/// Where the finding is and what to do about it, one item a line.
fn details(finding: &Finding) -> String {
    let mut lines = vec![format!("location: {}", finding.location)];
    if !finding.controls.is_empty() {
        lines.push(format!("controls: {}", finding.controls.join("; ")));
    }
    if let Some(remediation) = &finding.remediation {
        lines.push(format!("remediation: {remediation}"));
    }
    lines.join("\n")
}
