//! The trend of scheduled runs: this run's findings against an earlier
//! `check --format json` output, the baseline (`--baseline FILE`).
//!
//! A finding is the same across runs when its [`crate::findings::key`] is:
//! rule id, entity, environment and principal, the key SARIF's partial
//! fingerprint holds too. Each finding of this run is [`State::New`] or
//! [`State::Unchanged`]; a baseline finding no finding of this run matches
//! is fixed, and listed ([`Comparison::fixed`]).
//!
//! A baseline is read through [`crate::read`] (capped, regular files only)
//! and must be secretary's JSON report: an object with `tool.name`
//! `secretary`, `version` 1 and a `findings` array whose entries have a
//! `rule` and an `entity`. Anything else (not JSON, another tool's JSON, a
//! SARIF file, another version) is refused with what to do; errors name
//! the file, a line and column or the JSON path of the problem, and never
//! quote its content. Only the key fields and a finding's severity are
//! read, so a baseline can bring no message or other text into an output,
//! and no value: a JSON report holds none.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::diag::{Code, InputError};
use crate::findings::{key, Report, Severity};
use crate::read::{read_text, Kind, ReadError};
use crate::source::{FileKind, Location, SourceTexts};

/// The JSON report version a baseline must have.
pub const VERSION: u64 = 1;

/// The advice every refused baseline ends with.
const HELP: &str =
    "give `--baseline` a file an earlier `secretary check --format json -o FILE` wrote; \
for a first run, leave `--baseline` out";

/// A finding of the baseline: its key fields, and where it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselineFinding {
    pub rule: String,
    pub entity: String,
    pub environment: Option<String>,
    pub principal: Option<String>,
    /// `None` when the baseline's severity is not one secretary writes.
    pub severity: Option<Severity>,
    /// Where the finding was declared when the baseline was written.
    #[serde(skip)]
    pub location: Option<Location>,
}

impl BaselineFinding {
    /// Its key ([`crate::findings::key`]).
    pub fn key(&self) -> String {
        key(
            &self.rule,
            &self.entity,
            self.environment.as_deref(),
            self.principal.as_deref(),
        )
    }
}

/// A loaded baseline: its findings by key.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The file as the user named it.
    pub file: Arc<str>,
    pub findings: BTreeMap<String, BaselineFinding>,
}

/// Whether a finding of this run was in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    New,
    Unchanged,
}

impl State {
    pub const fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Unchanged => "unchanged",
        }
    }
}

/// This run against its baseline.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The baseline file as the user named it.
    pub file: Arc<str>,
    /// The state of each finding of the report, in report order.
    pub states: Vec<State>,
    /// The baseline's findings this run no longer has, in key order.
    pub fixed: Vec<BaselineFinding>,
    /// The baseline's findings of rules this run did not evaluate (not
    /// checked for want of an observation, switched off, or no longer
    /// loaded): never counted as fixed, since nothing looked again.
    pub not_rechecked: Vec<BaselineFinding>,
    /// `--fail-on-new`: the run fails on new findings only, so an unchanged
    /// finding fails no format's verdict either (JUnit marks a case failed
    /// exactly when it fails the run).
    pub only_new: bool,
}

impl Comparison {
    /// Compares `report` with `baseline`; `evaluated` says whether this run
    /// evaluated a rule, so that a finding of a rule it did not evaluate is
    /// not taken for fixed.
    pub fn new(baseline: &Baseline, report: &Report, evaluated: impl Fn(&str) -> bool) -> Self {
        let mut seen = BTreeSet::new();
        let states = report
            .findings
            .iter()
            .map(|finding| {
                let key = finding.key();
                let state = if baseline.findings.contains_key(&key) {
                    State::Unchanged
                } else {
                    State::New
                };
                seen.insert(key);
                state
            })
            .collect();
        let (fixed, not_rechecked) = baseline
            .findings
            .iter()
            .filter(|(key, _)| !seen.contains(*key))
            .map(|(_, finding)| finding.clone())
            .partition(|finding| evaluated(&finding.rule));
        Comparison {
            file: baseline.file.clone(),
            states,
            fixed,
            not_rechecked,
            only_new: false,
        }
    }

    /// Whether the finding at `index` of the report can fail the run: every
    /// finding does, except an unchanged one under `--fail-on-new`.
    pub fn gates(&self, index: usize) -> bool {
        !self.only_new || self.states.get(index) != Some(&State::Unchanged)
    }

    pub fn new_count(&self) -> usize {
        self.states.iter().filter(|s| **s == State::New).count()
    }

    pub fn unchanged_count(&self) -> usize {
        self.states
            .iter()
            .filter(|s| **s == State::Unchanged)
            .count()
    }

    /// How many new findings fail a run at `threshold` (unwaived, at or
    /// above it): what `--fail-on-new` fails on.
    pub fn new_failing_count(&self, report: &Report, threshold: Severity) -> usize {
        report
            .findings
            .iter()
            .zip(&self.states)
            .filter(|(f, s)| **s == State::New && f.severity >= threshold && f.waiver.is_none())
            .count()
    }
}

/// Reads and checks the baseline at `path`. Its text is recorded in
/// `texts` as an input (no output may replace it), never quoted.
pub fn load(path: &Path, texts: &mut SourceTexts) -> Result<Baseline, InputError> {
    let file: Arc<str> = Arc::from(crate::source::portable_path(path));
    let text = read_text(path, Kind::Baseline).map_err(|err| match err {
        ReadError::NotUtf8 { line, column } => {
            invalid(&file, "is not UTF-8 text, so not a JSON report")
                .at(Location::new(&file, line, column))
        }
        err => InputError::new(
            Code::CannotReadBaseline,
            format!("cannot read the baseline `{file}`: {err}"),
        )
        .help(HELP),
    })?;
    texts.insert(&file, text.as_str(), FileKind::Baseline);
    parse(&file, &text)
}

/// A refused baseline, at the start of the file (a position replaces it
/// where one is known).
fn invalid(file: &Arc<str>, problem: &str) -> InputError {
    InputError::new(
        Code::InvalidBaseline,
        format!("the baseline `{file}` {problem}"),
    )
    .at(Location::new(file, 1, 1))
    .help(HELP)
}

/// Checks a baseline's text; `file` names it in errors.
pub fn parse(file: &Arc<str>, text: &str) -> Result<Baseline, InputError> {
    let document: Value = serde_json::from_str(text).map_err(|err| {
        invalid(
            file,
            &format!("is not JSON ({})", FileKind::Baseline.json_problem(&err)),
        )
        .at(Location::new(file, err.line(), err.column()))
    })?;
    let Some(object) = document.as_object() else {
        return Err(invalid(
            file,
            "is JSON but not an object, so not a secretary JSON report",
        ));
    };
    if object.contains_key("runs") && object.contains_key("version") {
        return Err(invalid(
            file,
            "is a SARIF log, not a secretary JSON report (the baseline is the `--format json` output)",
        ));
    }
    let tool = object
        .get("tool")
        .and_then(|t| t.get("name"))
        .and_then(Value::as_str);
    if tool != Some(env!("CARGO_PKG_NAME")) {
        return Err(invalid(
            file,
            "is not a secretary JSON report (its `tool.name` is not `secretary`)",
        ));
    }
    match object.get("version").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(other) => {
            return Err(invalid(
                file,
                &format!("is a version {other} report; this secretary reads version {VERSION}"),
            ))
        }
        None => return Err(invalid(file, "has no numeric `version`")),
    }
    let Some(entries) = object.get("findings").and_then(Value::as_array) else {
        return Err(invalid(file, "has no `findings` array"));
    };
    let mut findings = BTreeMap::new();
    for (index, entry) in entries.iter().enumerate() {
        let field = |name: &str| entry.get(name);
        let string = |name: &str| -> Result<String, InputError> {
            field(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| invalid(file, &format!("has no string `findings[{index}].{name}`")))
        };
        let optional = |name: &str| -> Result<Option<String>, InputError> {
            match field(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid(
                    file,
                    &format!("has a `findings[{index}].{name}` that is neither a string nor null"),
                )),
            }
        };
        let location = match (
            field("file").and_then(Value::as_str),
            field("line").and_then(Value::as_u64),
        ) {
            (Some(path), Some(line)) => Some(Location::new(
                &Arc::from(path),
                line as usize,
                field("column").and_then(Value::as_u64).unwrap_or(1) as usize,
            )),
            _ => None,
        };
        let finding = BaselineFinding {
            rule: string("rule")?,
            entity: string("entity")?,
            environment: optional("environment")?,
            principal: optional("principal")?,
            severity: field("severity")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok()),
            location,
        };
        findings.entry(finding.key()).or_insert(finding);
    }
    Ok(Baseline {
        file: file.clone(),
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Finding;

    fn finding(rule: &str, secret: &str, env: Option<&str>, severity: Severity) -> Finding {
        let file: Arc<str> = Arc::from("inv.yaml");
        Finding::new(rule, severity, "a message", Location::new(&file, 3, 1))
            .entity(Some(
                format!("Secret::\"{secret}\"")
                    .parse::<cedar_policy::EntityUid>()
                    .unwrap(),
            ))
            .environment(env.map(str::to_owned))
    }

    fn baseline_of(findings: &[(&str, &str, Option<&str>)]) -> Baseline {
        let entries: Vec<Value> = findings
            .iter()
            .map(|(rule, secret, env)| {
                serde_json::json!({
                    "rule": rule, "entity": format!("Secret::\"{secret}\""),
                    "environment": env, "principal": null, "severity": "high",
                    "message": "ignored", "file": "inv.yaml", "line": 7, "column": 1
                })
            })
            .collect();
        let text = serde_json::json!({
            "version": 1, "tool": { "name": "secretary", "version": "0" },
            "findings": entries
        })
        .to_string();
        parse(&Arc::from("prev.json"), &text).unwrap()
    }

    #[test]
    fn findings_are_new_unchanged_or_fixed_by_their_key() {
        let baseline = baseline_of(&[
            ("r1", "A", Some("prod")),
            ("r1", "A", Some("prod")),
            ("r2", "B", None),
        ]);
        assert_eq!(baseline.findings.len(), 2, "duplicates are one key");
        let report = Report::new(vec![
            finding("r1", "A", Some("prod"), Severity::High),
            finding("r1", "A", Some("staging"), Severity::Low),
        ]);
        let comparison = Comparison::new(&baseline, &report, |_| true);
        let states: Vec<(String, State)> = report
            .findings
            .iter()
            .zip(&comparison.states)
            .map(|(f, s)| (f.environment.clone().unwrap(), *s))
            .collect();
        assert!(states.contains(&("prod".into(), State::Unchanged)));
        assert!(states.contains(&("staging".into(), State::New)));
        assert_eq!(comparison.fixed.len(), 1);
        assert_eq!(comparison.fixed[0].rule, "r2");
        assert_eq!(comparison.fixed[0].severity, Some(Severity::High));
        assert_eq!(comparison.new_failing_count(&report, Severity::Low), 1);
        assert_eq!(comparison.new_failing_count(&report, Severity::Medium), 0);
    }

    #[test]
    fn the_key_is_the_sarif_fingerprint_of_the_finding() {
        let f = finding("r1", "A", Some("prod"), Severity::High);
        let baseline = baseline_of(&[("r1", "A", Some("prod"))]);
        assert!(baseline.findings.contains_key(&f.key()));
        assert_eq!(f.key(), "r1|Secret::\"A\"|prod|");
    }

    #[test]
    fn refusals_never_quote_the_file() {
        let file: Arc<str> = Arc::from("b.json");
        for text in [
            "hunter2",
            "[\"hunter2\"]",
            "{\"version\": 1, \"tool\": {\"name\": \"hunter2\"}, \"findings\": []}",
            "{\"version\": 1, \"tool\": {\"name\": \"secretary\"}, \"findings\": [{\"rule\": 1, \"entity\": \"hunter2\"}]}",
            "{\"version\": 1, \"tool\": {\"name\": \"secretary\"}, \"findings\": {\"hunter2\": 1}}",
        ] {
            let err = parse(&file, text).unwrap_err();
            assert_eq!(err.code, Code::InvalidBaseline);
            let shown = format!("{err:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("b.json"), "{shown}");
        }
    }
}
