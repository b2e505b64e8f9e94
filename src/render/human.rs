//! Findings for people at a terminal: grouped by severity, worst first, each
//! with its rule, the inventory item, the message and where it comes from.
//! Colour is decided by the caller (the stream wrapper strips it when off).
//! Before the summary, one line per observation the run did not make says
//! how many rules were therefore not checked.
//!
//! With a baseline (`--baseline`), a finding it did not have is marked
//! `[new]`, the baseline's findings this run no longer has are listed as
//! fixed, and a last line counts both.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::baseline::{Comparison, State};
use crate::findings::{Report, Severity};
use crate::policy::{NotChecked, Override};

fn severity_style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Error | Severity::Critical => AnsiColor::Red,
        Severity::High => AnsiColor::BrightRed,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Cyan,
        Severity::Info => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

pub fn render(
    out: &mut dyn Write,
    report: &Report,
    not_checked: &[NotChecked],
    overrides: &[Override],
    fail_on: Severity,
    baseline: Option<&Comparison>,
) -> io::Result<()> {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let mut current: Option<Severity> = None;
    for (index, finding) in report.findings.iter().enumerate() {
        if current != Some(finding.severity) {
            current = Some(finding.severity);
            let count = report
                .findings
                .iter()
                .filter(|f| f.severity == finding.severity)
                .count();
            let style = severity_style(finding.severity);
            writeln!(
                out,
                "{style}{} ({count}){style:#}",
                finding.severity.as_str().to_uppercase()
            )?;
        }
        let style = severity_style(finding.severity);
        let mut subject = finding.entity_text();
        if let Some(env) = &finding.environment {
            subject.push_str(&format!(" in {env}"));
        }
        if let Some(principal) = &finding.principal {
            subject.push_str(&format!(" (read by {principal})"));
        }
        let waived = if finding.waiver.is_some() {
            format!(" {dim}[waived]{dim:#}")
        } else {
            String::new()
        };
        let new = match baseline.and_then(|b| b.states.get(index)) {
            Some(State::New) => format!(" {bold}[new]{bold:#}"),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {style}{}{style:#} {bold}{}{bold:#}: {subject}{waived}{new}",
            finding.severity, finding.rule
        )?;
        writeln!(out, "    {}", finding.message)?;
        writeln!(out, "    {dim}-->{dim:#} {}", finding.location)?;
        if let Some(waiver) = &finding.waiver {
            writeln!(
                out,
                "    {dim}waived:{dim:#} {} (owner {}, until {}; {})",
                waiver.reason, waiver.owner, waiver.expires, waiver.location
            )?;
        }
        if !finding.controls.is_empty() {
            writeln!(
                out,
                "    {dim}controls:{dim:#} {}",
                finding.controls.join("; ")
            )?;
        }
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    for group in not_checked {
        let n = group.rules.len();
        writeln!(
            out,
            "{dim}{}: {n} rule{}{dim:#}",
            group.reason(),
            if n == 1 { "" } else { "s" }
        )?;
    }
    // Settings in force are part of the verdict: say each one, every run.
    for o in overrides {
        let change = match o.to() {
            Some(to) => format!("{} → {to}", o.from),
            None => "switched off".to_owned(),
        };
        writeln!(
            out,
            "rule setting: {bold}{}{bold:#} {change} (owner {}: {}; {})",
            o.setting.rule, o.setting.owner, o.setting.reason, o.setting.location
        )?;
    }
    if let Some(baseline) = baseline {
        fixed(out, baseline)?;
    }
    writeln!(out, "{}", summary_line(report, fail_on))?;
    if let Some(baseline) = baseline {
        writeln!(out, "{}", baseline_line(baseline))?;
        if baseline.only_new {
            let new = baseline.new_failing_count(report, fail_on);
            let verdict = if new > 0 { "fails" } else { "passes" };
            writeln!(
                out,
                "--fail-on-new: {new} new at or above `{fail_on}`: the gate {verdict} (unchanged findings are not gated; a scheduled run without it fails on them)"
            )?;
        }
    }
    Ok(())
}

/// The baseline's findings this run no longer has, one a line.
fn fixed(out: &mut dyn Write, baseline: &Comparison) -> io::Result<()> {
    if baseline.fixed.is_empty() {
        return Ok(());
    }
    let bold = Style::new().bold();
    writeln!(out, "fixed since the baseline ({}):", baseline.fixed.len())?;
    for f in &baseline.fixed {
        let mut subject = f.entity.clone();
        if let Some(env) = &f.environment {
            subject.push_str(&format!(" in {env}"));
        }
        if let Some(principal) = &f.principal {
            subject.push_str(&format!(" (read by {principal})"));
        }
        let severity = f.severity.map(|s| format!("{s} ")).unwrap_or_default();
        writeln!(out, "  {severity}{bold}{}{bold:#}: {subject}", f.rule)?;
    }
    writeln!(out)
}

/// One line: what changed since the baseline.
pub fn baseline_line(baseline: &Comparison) -> String {
    let not_rechecked = match baseline.not_rechecked.len() {
        0 => String::new(),
        n => format!(", {n} not checked again (their rules did not run)"),
    };
    format!(
        "since the baseline `{}`: {} new, {} fixed ({} unchanged{not_rechecked})",
        baseline.file,
        baseline.new_count(),
        baseline.fixed.len(),
        baseline.unchanged_count()
    )
}

/// One line: how many findings of which severity, and the verdict.
pub fn summary_line(report: &Report, fail_on: Severity) -> String {
    let counts = report.count_by_severity();
    let total = report.findings.len();
    if total == 0 {
        return "summary: no findings; compliant".to_owned();
    }
    let parts: Vec<String> = counts
        .iter()
        .rev()
        .map(|(severity, n)| format!("{n} {severity}"))
        .collect();
    let failing = report.failing_count(fail_on);
    let waived = report.waived_count();
    let waived = if waived > 0 {
        format!(", {waived} waived")
    } else {
        String::new()
    };
    let verdict = if report
        .errors()
        .any(|f| f.rule == crate::observe::iam::facts::NOT_VERIFIED)
    {
        "some IAM checks could not be verified: not compliant".to_owned()
    } else if report
        .errors()
        .any(|f| crate::observe::GAP_RULES.contains(&f.rule.as_str()))
    {
        "some observations could not be verified: not compliant".to_owned()
    } else if report.errors().next().is_some() {
        "rules failed to evaluate".to_owned()
    } else if failing > 0 {
        format!("{failing} at or above `{fail_on}`: not compliant")
    } else {
        format!("none at or above `{fail_on}`: compliant")
    };
    format!(
        "summary: {total} finding{} ({}){waived}; {verdict}",
        if total == 1 { "" } else { "s" },
        parts.join(", ")
    )
}
