//! SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
//!
//! One run, whose tool lists one `reportingDescriptor` per rule: every
//! loaded Cedar rule (with or without findings, so a viewer shows what was
//! checked), the waiver checks (`waiver-expired`, `waiver-unmatched`), and any
//! other rule a finding names (`internal-error`). A descriptor carries the
//! rule's title, description, remediation and controls as help text, its
//! controls as tags and properties, and a `security-severity` so GitHub ranks
//! its alerts: critical 9.5, high 8.0, medium 5.5, low 2.0 (GitHub's bands are
//! 9.0+, 7.0–8.9, 4.0–6.9, 0.1–3.9); `info` has none and shows as a note.
//!
//! Each finding is a `result` at the inventory file and line it comes from.
//! Relative paths are relative URIs against the `%SRCROOT%` base, the
//! directory secretary ran in (run it from the repository root for GitHub).
//! `partialFingerprints` identify a result across runs by rule id, entity uid,
//! environment and principal only, never by anything that could hold a value,
//! so an alert survives edits that move lines. A waived finding carries a
//! `suppression` (accepted, in source, at the waiver), which GitHub shows as
//! dismissed instead of open.
//!
//! A rule the run did not evaluate (it judges an observation the run did not
//! make, e.g. IAM rules without `--iam`) is named in a `note` of the run's
//! invocation (`toolExecutionNotifications`, `associatedRule`), saying
//! "not checked" and how to enable it, so no viewer takes it for a pass.
//!
//! With a baseline (`--baseline`), every result has SARIF's own
//! `baselineState`, `new` or `unchanged`, and each finding of the baseline
//! this run no longer has is a result with `baselineState: "absent"`
//! (kind `pass`, level `none`, at the place the baseline said), so a viewer
//! can show what was fixed.
//!
//! Output is deterministic: rules sorted by id, results in report order,
//! every map a `BTreeMap`; no timestamps.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;
use serde_sarif::sarif;

use super::catalog::{rule_docs, RuleDoc};
use crate::baseline::{BaselineFinding, Comparison};
use crate::findings::{Finding, Report, Severity};
use crate::policy::{NotChecked, Override, RuleSet};
use crate::source::Location;

/// The URI of the schema the output conforms to (the OASIS standard with
/// errata), as written in `$schema`.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base id of relative artifact URIs.
pub const SRCROOT: &str = "%SRCROOT%";

/// The key of the one partial fingerprint secretary writes.
pub const FINGERPRINT_KEY: &str = "secretaryFinding/v1";

pub fn render(
    out: &mut dyn Write,
    report: &Report,
    rules: &RuleSet,
    not_checked: &[NotChecked],
    baseline: Option<&Comparison>,
) -> io::Result<()> {
    let docs = rule_docs(report, rules);
    let index: BTreeMap<&str, i64> = docs
        .keys()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i as i64))
        .collect();
    let descriptors: Vec<sarif::ReportingDescriptor> = docs
        .iter()
        .map(|(id, doc)| {
            let mut descriptor = descriptor(id, doc);
            if let Some(o) = rules.overrides.iter().find(|o| &o.setting.rule == id) {
                overridden(&mut descriptor, o);
            }
            descriptor
        })
        .collect();
    let mut results: Vec<sarif::Result> = report
        .findings
        .iter()
        .enumerate()
        .map(|(i, finding)| {
            let mut result = result(finding, index.get(finding.rule.as_str()).copied());
            if let Some(state) = baseline.and_then(|b| b.states.get(i)) {
                result.baseline_state = Some(json!(state.as_str()));
            }
            result
        })
        .collect();
    if let Some(baseline) = baseline {
        results.extend(baseline.fixed.iter().map(|finding| {
            absent(
                finding,
                &baseline.file,
                index.get(finding.rule.as_str()).copied(),
            )
        }));
    }

    let driver = sarif::ToolComponent::builder()
        .name(env!("CARGO_PKG_NAME"))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .full_name(concat!(
            env!("CARGO_PKG_NAME"),
            " ",
            env!("CARGO_PKG_VERSION")
        ))
        .short_description(text(env!("CARGO_PKG_DESCRIPTION")))
        .rules(descriptors)
        .build();
    let base = sarif::ArtifactLocation::builder()
        .description(
            sarif::Message::builder()
                .text("The directory secretary ran in; inventory paths are relative to it.")
                .build(),
        )
        .build();
    let mut run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .original_uri_base_ids(BTreeMap::from([(SRCROOT.to_owned(), base)]))
        .column_kind(json!("unicodeCodePoints"))
        .results(results)
        .build();
    let note = |rule: &str, text: String| {
        let mut reference = sarif::ReportingDescriptorReference::builder()
            .id(rule)
            .build();
        reference.index = index.get(rule).copied();
        sarif::Notification::builder()
            .level(json!("note"))
            .message(sarif::Message::builder().text(text).build())
            .associated_rule(reference)
            .build()
    };
    let notes: Vec<sarif::Notification> = not_checked
        .iter()
        .flat_map(|group| group.rules.iter().map(move |rule| (group, rule)))
        .map(|(group, rule)| note(rule, format!("`{rule}`: {}", group.reason())))
        .chain(rules.overrides.iter().map(|o| {
            let change = match o.to() {
                Some(to) => format!("re-graded from {} to {to}", o.from),
                None => "switched off".to_owned(),
            };
            note(
                &o.setting.rule,
                format!(
                    "`{}`: {change} by {} ({}; {})",
                    o.setting.rule, o.setting.owner, o.setting.reason, o.setting.location
                ),
            )
        }))
        .collect();
    if !notes.is_empty() {
        run.invocations = Some(vec![sarif::Invocation::builder()
            .execution_successful(true)
            .tool_execution_notifications(notes)
            .build()]);
    }
    let log = sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn descriptor(id: &str, doc: &RuleDoc) -> sarif::ReportingDescriptor {
    let title = doc.title.clone().unwrap_or_else(|| id.to_owned());
    let mut help_text = vec![title.clone()];
    // Rule texts are written by rule authors in Markdown-friendly prose
    // (`code` in backticks), so they go into the Markdown help as they are.
    let mut help_markdown = vec![format!("**{title}**")];
    if let Some(description) = &doc.description {
        help_text.push(description.clone());
        help_markdown.push(description.clone());
    }
    if let Some(remediation) = &doc.remediation {
        help_text.push(format!("Remediation: {remediation}"));
        help_markdown.push(format!("**Remediation:** {remediation}"));
    }
    if !doc.controls.is_empty() {
        help_text.push(format!("Controls: {}", doc.controls.join("; ")));
        help_markdown.push(format!("**Controls:** {}", doc.controls.join("; ")));
    }
    help_text.push(format!("Severity: {}", doc.severity));
    help_markdown.push(format!("**Severity:** {}", doc.severity));

    let mut tags = vec!["security".to_owned(), "secrets".to_owned()];
    tags.extend(doc.controls.iter().cloned());
    let mut properties = BTreeMap::from([
        ("severity".to_owned(), json!(doc.severity.as_str())),
        ("controls".to_owned(), json!(doc.controls)),
        ("builtin".to_owned(), json!(doc.builtin)),
        ("precision".to_owned(), json!("very-high")),
    ]);
    if let Some(score) = security_severity(doc.severity) {
        properties.insert("security-severity".to_owned(), json!(score));
    }
    let mut descriptor = sarif::ReportingDescriptor::builder()
        .id(id)
        .name(id)
        .short_description(text(&title))
        .help(
            sarif::MultiformatMessageString::builder()
                .text(help_text.join("\n\n"))
                .markdown(help_markdown.join("\n\n"))
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level(doc.severity)))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(properties)
                .build(),
        )
        .build();
    if let Some(description) = &doc.description {
        descriptor.full_description = Some(text(description));
    }
    descriptor
}

/// Marks a rule a setting changed: its severity is already the one in
/// force; a rule switched off is `enabled: false`, and both carry who
/// decided and why.
fn overridden(descriptor: &mut sarif::ReportingDescriptor, o: &Override) {
    if !o.setting.enabled {
        if let Some(configuration) = &mut descriptor.default_configuration {
            configuration.enabled = Some(false);
        }
    }
    if let Some(properties) = &mut descriptor.properties {
        properties.additional_properties.insert(
            "override".to_owned(),
            json!({
                "from": o.from.as_str(),
                "to": o.to().map(Severity::as_str),
                "reason": o.setting.reason,
                "owner": o.setting.owner,
            }),
        );
    }
}

fn result(finding: &Finding, rule_index: Option<i64>) -> sarif::Result {
    let entity = finding.entity_text();
    let mut location = sarif::Location::builder()
        .physical_location(physical(&finding.location))
        .build();
    if finding.entity.is_some() {
        let logical = sarif::LogicalLocation::builder()
            .fully_qualified_name(entity.clone())
            .kind("resource")
            .build();
        location.logical_locations = Some(vec![logical]);
    }
    let mut properties = BTreeMap::from([
        ("severity".to_owned(), json!(finding.severity.as_str())),
        ("entity".to_owned(), json!(entity)),
    ]);
    if let Some(env) = &finding.environment {
        properties.insert("environment".to_owned(), json!(env));
    }
    if let Some(principal) = &finding.principal {
        properties.insert("principal".to_owned(), json!(principal.to_string()));
    }
    if !finding.controls.is_empty() {
        properties.insert("controls".to_owned(), json!(finding.controls));
    }
    let mut result = sarif::Result::builder()
        .rule_id(finding.rule.clone())
        .level(sarif_level(finding.severity))
        .kind(sarif::ResultKind::Fail)
        .message(
            sarif::Message::builder()
                .text(finding.message.clone())
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_owned(),
            finding.key(),
        )]))
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build();
    result.rule_index = rule_index;
    if let Some(waiver) = &finding.waiver {
        let justification = format!(
            "{} (owner: {}, expires: {})",
            waiver.reason, waiver.owner, waiver.expires
        );
        result.suppressions = Some(vec![sarif::Suppression::builder()
            .kind(json!("inSource"))
            .status(json!("accepted"))
            .justification(justification)
            .location(
                sarif::Location::builder()
                    .physical_location(physical(&waiver.location))
                    .build(),
            )
            .properties(
                sarif::PropertyBag::builder()
                    .additional_properties(BTreeMap::from([
                        ("owner".to_owned(), json!(waiver.owner)),
                        ("expires".to_owned(), json!(waiver.expires.to_string())),
                    ]))
                    .build(),
            )
            .build()]);
    }
    result
}

/// A finding of the baseline this run no longer has: a passing result,
/// `absent` from this run.
fn absent(finding: &BaselineFinding, file: &str, rule_index: Option<i64>) -> sarif::Result {
    let mut location = sarif::Location::builder().build();
    if let Some(at) = &finding.location {
        location.physical_location = Some(physical(at));
    }
    if !finding.entity.is_empty() {
        location.logical_locations = Some(vec![sarif::LogicalLocation::builder()
            .fully_qualified_name(finding.entity.clone())
            .kind("resource")
            .build()]);
    }
    let mut properties = BTreeMap::from([("entity".to_owned(), json!(finding.entity))]);
    if let Some(severity) = finding.severity {
        properties.insert("severity".to_owned(), json!(severity.as_str()));
    }
    if let Some(env) = &finding.environment {
        properties.insert("environment".to_owned(), json!(env));
    }
    if let Some(principal) = &finding.principal {
        properties.insert("principal".to_owned(), json!(principal));
    }
    let mut result = sarif::Result::builder()
        .rule_id(finding.rule.clone())
        .level(sarif::ResultLevel::None)
        .kind(sarif::ResultKind::Pass)
        .message(
            sarif::Message::builder()
                .text(format!(
                    "fixed since the baseline `{file}`: no longer found on {}",
                    finding.entity
                ))
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_owned(),
            finding.key(),
        )]))
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build();
    result.rule_index = rule_index;
    result.baseline_state = Some(json!("absent"));
    result
}

fn physical(location: &Location) -> sarif::PhysicalLocation {
    let (uri, base) = artifact_uri(&location.file);
    let mut artifact = sarif::ArtifactLocation::builder().uri(uri).build();
    artifact.uri_base_id = base.map(str::to_owned);
    sarif::PhysicalLocation::builder()
        .artifact_location(artifact)
        .region(
            sarif::Region::builder()
                .start_line(location.line as i64)
                .start_column(location.column as i64)
                .build(),
        )
        .build()
}

/// A file path as a URI reference: relative paths stay relative (against
/// `%SRCROOT%`), absolute ones become `file://` URIs.
fn artifact_uri(path: &str) -> (String, Option<&'static str>) {
    let slashed = path.replace('\\', "/");
    let is_windows_drive = slashed.len() > 2
        && slashed.as_bytes()[1] == b':'
        && slashed.as_bytes()[0].is_ascii_alphabetic();
    if slashed.starts_with('/') {
        (format!("file://{}", percent_encode(&slashed)), None)
    } else if is_windows_drive {
        (format!("file:///{}", percent_encode(&slashed)), None)
    } else {
        let mut relative = slashed.as_str();
        while let Some(rest) = relative.strip_prefix("./") {
            relative = rest;
        }
        (percent_encode(relative), Some(SRCROOT))
    }
}

/// Percent-encodes everything but unreserved characters, `/` and a drive's `:`.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High | Severity::Error => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn sarif_level(severity: Severity) -> sarif::ResultLevel {
    match level(severity) {
        "error" => sarif::ResultLevel::Error,
        "warning" => sarif::ResultLevel::Warning,
        _ => sarif::ResultLevel::Note,
    }
}

/// GitHub's `security-severity`, a CVSS-like score as a string.
fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("2.0"),
        Severity::Info | Severity::Error => None,
    }
}

fn text(s: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(s.to_owned())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_relative_and_absolute_ones_are_file_uris() {
        assert_eq!(
            artifact_uri("./examples/a b/inventory.yaml"),
            ("examples/a%20b/inventory.yaml".to_owned(), Some(SRCROOT))
        );
        assert_eq!(
            artifact_uri("/srv/repo/secretary.yaml"),
            ("file:///srv/repo/secretary.yaml".to_owned(), None)
        );
        assert_eq!(
            artifact_uri("C:\\repo\\inv.yaml"),
            ("file:///C:/repo/inv.yaml".to_owned(), None)
        );
    }
}
