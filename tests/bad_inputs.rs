//! The bad-input suite: every directory under `tests/fixtures/bad/` holds one
//! broken inventory or rule set, and `secretary check` must reject it with
//! exit code 2, the expected error code and the expected `file:line`.
//!
//! See `tests/fixtures/bad/README.md` for the layout of a case. All cases run
//! in one test and every failure is collected, so one run shows every broken
//! case rather than the first.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

const NOW: &str = "2026-11-23";

/// Error codes whose run gets as far as rendering a report, so stdout is not
/// empty: the report shows the `error` finding before stderr names the rule.
const CODES_WITH_REPORT: &[&str] = &["rule-evaluation-error"];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

/// Every case directory, sorted by name.
fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("tests/fixtures/bad exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

struct Expectation {
    code: String,
    /// `path:line`, relative to the case directory.
    location: String,
    /// Further text stderr must contain (from the optional `also.txt`).
    also: Vec<String>,
}

fn read_expectation(dir: &Path) -> Result<Expectation, String> {
    let text = fs::read_to_string(dir.join("expect.txt"))
        .map_err(|e| format!("cannot read expect.txt: {e}"))?;
    let lines: Vec<&str> = text.lines().collect();
    let [code, location] = lines.as_slice() else {
        return Err(format!(
            "expect.txt must have exactly two lines, has {}",
            lines.len()
        ));
    };
    let (code, location) = (code.trim(), location.trim());
    let has_line = location
        .rsplit_once(':')
        .is_some_and(|(_, line)| line.parse::<usize>().is_ok());
    if code.is_empty() || !has_line {
        return Err(format!(
            "expect.txt must be `code` then `path:line`, got {code:?} / {location:?}"
        ));
    }
    let also = match fs::read_to_string(dir.join("also.txt")) {
        Ok(text) => text
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.trim().is_empty())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("cannot read also.txt: {e}")),
    };
    Ok(Expectation {
        code: code.to_owned(),
        location: location.to_owned(),
        also,
    })
}

/// Runs `secretary check` on one case as a user would, from its directory.
fn check_case(dir: &Path) -> Result<std::process::Output, String> {
    let inventory = if dir.join("inventory").is_dir() {
        "inventory"
    } else if dir.join("inventory.yaml").is_file() {
        "inventory.yaml"
    } else {
        return Err("has neither `inventory.yaml` nor `inventory/`".into());
    };
    let mut cmd = Command::cargo_bin("secretary").expect("the secretary binary is built");
    cmd.current_dir(dir)
        .args(["check", inventory, "--now", NOW, "--color", "never"])
        .env("NO_COLOR", "1");
    if dir.join("policies").is_dir() {
        cmd.args(["--policies", "policies"]);
    }
    cmd.output()
        .map_err(|e| format!("cannot run secretary: {e}"))
}

/// Judges one case's run; returns a description of every way it failed.
fn judge_case(dir: &Path, output: &std::process::Output) -> Result<(), String> {
    let expect = read_expectation(dir)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    let mut problems = Vec::new();
    if output.status.code() != Some(2) {
        problems.push(format!("exit code {:?}, expected 2", output.status.code()));
    }
    if stderr.contains("panicked") {
        problems.push("secretary panicked".to_owned());
    }
    let code = format!("error[{}]", expect.code);
    if !stderr.contains(&code) {
        problems.push(format!("stderr lacks `{code}`"));
    }
    // Locations render as `path:line:col`; the trailing colon keeps
    // `inventory.yaml:1` from matching `inventory.yaml:12:5`.
    let location = format!("{}:", expect.location);
    if !stderr.contains(&location) {
        problems.push(format!("stderr lacks the location `{}`", expect.location));
    }
    for also in &expect.also {
        if !stderr.contains(also.as_str()) {
            problems.push(format!("stderr lacks `{also}` (from also.txt)"));
        }
    }
    if !CODES_WITH_REPORT.contains(&expect.code.as_str()) && !stdout.trim().is_empty() {
        problems.push("stdout is not empty".to_owned());
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut report = problems.join("; ");
    let _ = write!(report, "\n    --- stderr:\n{}", indent(&stderr));
    if !stdout.trim().is_empty() {
        let _ = write!(report, "\n    --- stdout:\n{}", indent(&stdout));
    }
    Err(report)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    | {l}\n")).collect()
}

/// One run of the binary per case serves both checks: the code and
/// location are judged for every case first (so one run lists every broken
/// case), then the full text of every error is pinned, so that wording
/// changes are reviewed as diffs.
#[test]
fn every_bad_input_is_rejected_with_its_code_and_location() {
    let dirs = case_dirs();
    let mut failures = Vec::new();
    let mut pinned = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let judged = check_case(dir).and_then(|output| {
            judge_case(dir, &output)?;
            Ok(output)
        });
        match judged {
            Ok(output) => pinned.push((name, output)),
            Err(problem) => failures.push(format!("{name}: {problem}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
    for (name, output) in pinned {
        insta::assert_snapshot!(
            format!("bad-{name}"),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn there_are_enough_cases() {
    let count = case_dirs().len();
    assert!(
        count >= 20,
        "expected at least 20 cases in tests/fixtures/bad, found {count}"
    );
}
