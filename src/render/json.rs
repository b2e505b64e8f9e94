//! The JSON report: a documented, stable shape for CI and scripts.
//!
//! ```json
//! { "version": 1, "tool": {...}, "now": "2026-11-23",
//!   "findings": [ { "rule", "severity", "entity", "environment", "principal",
//!                   "message", "controls", "remediation", "file", "line", "column",
//!                   "waiver" } ],
//!   "waivers": [ { "rule", "entity", "environment", "principal", "reason", "owner",
//!                  "expires", "state", "matched", "file", "line", "column" } ],
//!   "not_checked": [ { "observation", "reason", "enabled_by", "rules" } ],
//!   "overrides": [ { "rule", "from", "to", "enabled", "reason", "owner",
//!                    "file", "line", "column" } ],
//!   "packs": [ { "source", "commit", "files_sha256" } ],
//!   "summary": { "total", "by_severity", "fail_on", "at_or_above_fail_on", "errors",
//!                "waived", "not_checked", "passed" },
//!   "baseline": { "file", "new", "unchanged", "new_at_or_above_fail_on",
//!                 "fail_on_new",
//!                 "fixed": [ { "rule", "severity", "entity", "environment",
//!                              "principal" } ] } }
//! ```
//! `environment`, `principal` and `remediation` are `null` when they do not
//! apply. `waiver` is `null` unless a waiver accepts the finding, else
//! `{ "reason", "owner", "expires", "file", "line", "column" }` (where the
//! waiver is declared). `waivers` is the ledger of every declared waiver;
//! `state` is `active`, `expired` or `unmatched`, `matched` the number of
//! findings it accepts. `at_or_above_fail_on` counts unwaived findings only
//! (those that fail the run); `waived` counts waived findings.
//! `not_checked` lists the rules the run did not evaluate, by the
//! observation (`iam`, `values`, ...) it did not make, with the flags that
//! make it; `summary.not_checked` counts those rules.
//! `overrides` lists the rule settings in force (`settings.rules`, a rule
//! pack's `secretary-rules.yaml`): `from` is the rule's own severity, `to`
//! the one its findings get, `null` when the setting switches it off
//! (`enabled: false`); `file`, `line` and `column` say where it is written.
//! `packs` lists the rule packs (`--policies git+…`) with the commit each
//! resolved to and the SHA-256 of its rule files, as `secretary.lock` holds
//! them.
//!
//! With `--baseline PREVIOUS.json` (and only then, so a run without one
//! prints what it always did), each finding has `baseline`: `"new"` or
//! `"unchanged"`, and the top-level `baseline` says which file, how many
//! findings are new (`new_at_or_above_fail_on` of them unwaived at or above
//! `--fail-on`: what `--fail-on-new` fails on) and lists the findings of the
//! baseline this run no longer has (`fixed`) by their key fields and
//! severity. `summary.passed` stays the verdict on all findings.
//!
//! Keys never disappear within a version; new keys may be added (`waiver`,
//! `waivers`, `summary.waived`, `not_checked`, `summary.not_checked`,
//! `overrides`, `packs` and, with `--baseline`, `baseline` were added in
//! version 1).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::baseline::{BaselineFinding, Comparison, State};
use crate::findings::{AppliedWaiver, Report, Severity, WaiverState, WaiverStatus};
use crate::observe::ObservationKind;
use crate::packs::Pack;
use crate::policy::{NotChecked, Override};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    now: String,
    findings: Vec<JsonFinding<'a>>,
    waivers: Vec<JsonWaiverStatus<'a>>,
    not_checked: Vec<JsonNotChecked<'a>>,
    overrides: Vec<JsonOverride<'a>>,
    packs: &'a [Pack],
    summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline<'a>>,
}

/// This run against `--baseline`.
#[derive(Serialize)]
struct JsonBaseline<'a> {
    file: &'a str,
    new: usize,
    unchanged: usize,
    new_at_or_above_fail_on: usize,
    /// `--fail-on-new`: the run's verdict counts the new findings only.
    fail_on_new: bool,
    fixed: &'a [BaselineFinding],
}

#[derive(Serialize)]
struct JsonOverride<'a> {
    rule: &'a str,
    from: Severity,
    to: Option<Severity>,
    enabled: bool,
    reason: &'a str,
    owner: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonNotChecked<'a> {
    observation: ObservationKind,
    reason: String,
    enabled_by: &'static [&'static str],
    rules: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    entity: String,
    environment: Option<&'a str>,
    principal: Option<String>,
    message: &'a str,
    controls: &'a [String],
    remediation: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    waiver: Option<JsonWaiver<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<State>,
}

#[derive(Serialize)]
struct JsonWaiver<'a> {
    reason: &'a str,
    owner: &'a str,
    expires: String,
    file: &'a str,
    line: usize,
    column: usize,
}

impl<'a> From<&'a AppliedWaiver> for JsonWaiver<'a> {
    fn from(w: &'a AppliedWaiver) -> Self {
        JsonWaiver {
            reason: &w.reason,
            owner: &w.owner,
            expires: w.expires.to_string(),
            file: &w.location.file,
            line: w.location.line,
            column: w.location.column,
        }
    }
}

#[derive(Serialize)]
struct JsonWaiverStatus<'a> {
    rule: &'a str,
    entity: String,
    environment: Option<&'a str>,
    principal: Option<String>,
    reason: &'a str,
    owner: &'a str,
    expires: String,
    state: WaiverState,
    matched: usize,
    file: &'a str,
    line: usize,
    column: usize,
}

impl<'a> From<&'a WaiverStatus> for JsonWaiverStatus<'a> {
    fn from(w: &'a WaiverStatus) -> Self {
        JsonWaiverStatus {
            rule: &w.rule,
            entity: w.entity.to_string(),
            environment: w.environment.as_deref(),
            principal: w.principal.as_ref().map(ToString::to_string),
            reason: &w.reason,
            owner: &w.owner,
            expires: w.expires.to_string(),
            state: w.state,
            matched: w.matched,
            file: &w.location.file,
            line: w.location.line,
            column: w.location.column,
        }
    }
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    by_severity: BTreeMap<&'static str, usize>,
    fail_on: Severity,
    at_or_above_fail_on: usize,
    errors: usize,
    waived: usize,
    not_checked: usize,
    passed: bool,
}

/// The run's settings the JSON report states beside its findings.
pub struct Run<'a> {
    /// The rule packs the rules came from.
    pub packs: &'a [Pack],
    /// The evaluation date (`--now`).
    pub now: jiff::civil::Date,
    pub fail_on: Severity,
    /// This run against `--baseline`, when one is given.
    pub baseline: Option<&'a Comparison>,
}

pub fn render(
    out: &mut dyn Write,
    report: &Report,
    not_checked: &[NotChecked],
    overrides: &[Override],
    run: &Run,
) -> io::Result<()> {
    let Run {
        packs,
        now,
        fail_on,
        baseline,
    } = *run;
    let counts = report.count_by_severity();
    let mut by_severity = BTreeMap::new();
    for level in Severity::RULE_LEVELS.into_iter().chain([Severity::Error]) {
        by_severity.insert(level.as_str(), counts.get(&level).copied().unwrap_or(0));
    }
    let document = JsonReport {
        version: 1,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        now: now.to_string(),
        findings: report
            .findings
            .iter()
            .enumerate()
            .map(|(index, f)| JsonFinding {
                rule: &f.rule,
                severity: f.severity,
                entity: f.entity_text(),
                environment: f.environment.as_deref(),
                principal: f.principal_text(),
                message: &f.message,
                controls: &f.controls,
                remediation: f.remediation.as_deref(),
                file: &f.location.file,
                line: f.location.line,
                column: f.location.column,
                waiver: f.waiver.as_ref().map(JsonWaiver::from),
                baseline: baseline.and_then(|b| b.states.get(index).copied()),
            })
            .collect(),
        waivers: report.waivers.iter().map(JsonWaiverStatus::from).collect(),
        not_checked: not_checked
            .iter()
            .map(|group| JsonNotChecked {
                observation: group.observation,
                reason: group.reason(),
                enabled_by: group.observation.enabled_by(),
                rules: &group.rules,
            })
            .collect(),
        overrides: overrides
            .iter()
            .map(|o| JsonOverride {
                rule: &o.setting.rule,
                from: o.from,
                to: o.to(),
                enabled: o.setting.enabled,
                reason: &o.setting.reason,
                owner: &o.setting.owner,
                file: &o.setting.location.file,
                line: o.setting.location.line,
                column: o.setting.location.column,
            })
            .collect(),
        packs,
        summary: Summary {
            total: report.findings.len(),
            by_severity,
            fail_on,
            at_or_above_fail_on: report.failing_count(fail_on),
            errors: report.errors().count(),
            waived: report.waived_count(),
            not_checked: not_checked.iter().map(|group| group.rules.len()).sum(),
            // The run's verdict: under `--fail-on-new`, on the new findings.
            passed: match baseline {
                Some(b) if b.only_new => b.new_failing_count(report, fail_on) == 0,
                _ => !report.fails_at(fail_on),
            },
        },
        baseline: baseline.map(|b| JsonBaseline {
            file: &b.file,
            new: b.new_count(),
            unchanged: b.unchanged_count(),
            new_at_or_above_fail_on: b.new_failing_count(report, fail_on),
            fail_on_new: b.only_new,
            fixed: &b.fixed,
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
