//! The JSON report: a documented, stable shape for CI and scripts.
//!
//! ```json
//! { "version": 1, "tool": {...}, "now": "2026-11-23",
//!   "findings": [ { "rule", "severity", "entity", "environment", "principal",
//!                   "message", "controls", "remediation", "file", "line", "column" } ],
//!   "summary": { "total", "by_severity", "fail_on", "at_or_above_fail_on", "errors", "passed" } }
//! ```
//! `environment`, `principal` and `remediation` are `null` when they do not
//! apply. Keys never disappear within a version; new keys may be added.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::findings::{Report, Severity};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    now: String,
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
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
    entity: &'a str,
    environment: Option<&'a str>,
    principal: Option<&'a str>,
    message: &'a str,
    controls: &'a [String],
    remediation: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    by_severity: BTreeMap<&'static str, usize>,
    fail_on: Severity,
    at_or_above_fail_on: usize,
    errors: usize,
    passed: bool,
}

pub fn render(
    out: &mut dyn Write,
    report: &Report,
    now: jiff::civil::Date,
    fail_on: Severity,
) -> io::Result<()> {
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
            .map(|f| JsonFinding {
                rule: &f.rule,
                severity: f.severity,
                entity: &f.entity,
                environment: f.environment.as_deref(),
                principal: f.principal.as_deref(),
                message: &f.message,
                controls: &f.controls,
                remediation: f.remediation.as_deref(),
                file: &f.location.file,
                line: f.location.line,
                column: f.location.column,
            })
            .collect(),
        summary: Summary {
            total: report.findings.len(),
            by_severity,
            fail_on,
            at_or_above_fail_on: report
                .findings
                .iter()
                .filter(|f| f.severity >= fail_on)
                .count(),
            errors: report.errors().count(),
            passed: !report.fails_at(fail_on),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
