//! Shared helpers: run the real binary, parse its JSON.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The evaluation date every test uses, so results never depend on the day.
pub const NOW: &str = "2026-11-23";

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `secretary` binary, run from `dir` with colour off: the build of
/// these tests, or the offline build (no `aws` feature) at the path in
/// `SECRETARY_OFFLINE_BIN` (scripts/test.sh runs `iam_rules::` so).
pub fn secretary(dir: &Path) -> Command {
    let mut cmd = match std::env::var_os("SECRETARY_OFFLINE_BIN") {
        Some(path) => Command::new(path),
        None => Command::cargo_bin("secretary").expect("binary builds"),
    };
    // A fixed width keeps wrapped help text the same on every machine.
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "dumb")
        .env("COLUMNS", "100");
    cmd
}

/// Whether the binary under test was built without the `aws` feature.
pub fn offline_binary() -> bool {
    std::env::var_os("SECRETARY_OFFLINE_BIN").is_some() || !cfg!(feature = "aws")
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// `(rule, entity, environment, principal)` of each finding, in output order.
pub fn finding_keys(report: &serde_json::Value) -> Vec<(String, String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let s = |key: &str| f[key].as_str().unwrap_or("-").to_owned();
            (s("rule"), s("entity"), s("environment"), s("principal"))
        })
        .collect()
}

/// Asserts that `text` contains `needle`, showing all of `text` when not.
#[track_caller]
pub fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected `{needle}` in:\n{text}");
}

/// A path as secretary prints it: `/` between components on every system
/// (`secretary::source::portable_path`).
pub fn portable(path: &str) -> String {
    if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_owned()
    }
}
