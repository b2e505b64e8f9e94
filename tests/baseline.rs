//! Issue 17, section 7: the trend of scheduled runs. `check` and `report`
//! compare the run with an earlier JSON output (`--baseline`): each finding
//! is new or unchanged, the fixed ones are listed in every format, and
//! `--fail-on-new` fails on new findings only. A baseline that is not
//! secretary's JSON report is bad input (exit 2), and quoted nowhere.

use crate::common;

use std::fs;
use std::path::Path;

use common::*;

/// The `sasha` example copied into a fresh directory, where its inventory
/// can be edited.
fn sasha() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = repo_root().join("examples/sasha");
    for sub in ["inventory", "policies"] {
        fs::create_dir(dir.path().join(sub)).unwrap();
        for entry in fs::read_dir(from.join(sub)).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), dir.path().join(sub).join(entry.file_name())).unwrap();
        }
    }
    dir
}

/// Fixes one finding: `JWT_SECRET` loses its hard-coded default
/// (`secret-env-var-default`, high).
fn fix_jwt_default(dir: &Path) {
    let path = dir.join("inventory/env-vars.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let fixed = text.replace(
        "JWT_SECRET: { default: Hardcoded dev value, ",
        "JWT_SECRET: { ",
    );
    assert_ne!(text, fixed, "the example still has the default");
    fs::write(path, fixed).unwrap();
}

const FIXED_RULE: &str = "secret-env-var-default";
const FIXED_ENTITY: &str = "EnvVar::\"JWT_SECRET\"";

/// Runs `secretary <args> inventory --policies policies --now NOW` in `dir`.
fn check(dir: &Path, args: &[&str]) -> Run {
    run(secretary(dir)
        .args(args)
        .args(["inventory", "--policies", "policies", "--now", NOW]))
}

/// Writes this run's JSON report to `name` in `dir`.
fn save_json(dir: &Path, name: &str) {
    let r = check(dir, &["check", "--format", "json", "-o", name]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn the_same_input_against_its_own_json_reports_nothing_new() {
    let dir = sasha();
    save_json(dir.path(), "prev.json");
    let r = check(
        dir.path(),
        &["check", "--format", "json", "--baseline", "prev.json"],
    );
    assert_eq!(
        r.code, 1,
        "old findings still fail a scheduled run: {}",
        r.stderr
    );
    let report = json(&r.stdout);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() > 5);
    assert!(findings.iter().all(|f| f["baseline"] == "unchanged"));
    assert_eq!(report["baseline"]["new"], 0);
    assert_eq!(report["baseline"]["unchanged"], findings.len());
    assert_eq!(report["baseline"]["fixed"], serde_json::json!([]));
    assert_eq!(report["baseline"]["file"], "prev.json");

    let human = check(dir.path(), &["check", "--baseline", "prev.json"]);
    assert_contains(
        &human.stdout,
        "since the baseline `prev.json`: 0 new, 0 fixed",
    );
    assert!(!human.stdout.contains("[new]"));
    // Old findings only: the pull-request gate passes.
    let gate = check(
        dir.path(),
        &["check", "--baseline", "prev.json", "--fail-on-new"],
    );
    assert_eq!(gate.code, 0, "{}", gate.stderr);
    let gate = check(
        dir.path(),
        &["report", "--baseline", "prev.json", "--fail-on-new"],
    );
    assert_eq!(gate.code, 0, "{}", gate.stderr);
    assert_contains(&gate.stdout, "Since the previous run: 0 new, 0 fixed.");
}

#[test]
fn an_empty_baseline_makes_every_finding_new() {
    let dir = sasha();
    // What secretary writes for a clean inventory.
    let clean = run(secretary(&repo_root().join("examples/clean")).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert_eq!(json(&clean.stdout)["findings"], serde_json::json!([]));
    fs::write(dir.path().join("empty.json"), &clean.stdout).unwrap();

    let r = check(
        dir.path(),
        &["check", "--format", "json", "--baseline", "empty.json"],
    );
    let report = json(&r.stdout);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["baseline"] == "new"));
    assert_eq!(report["baseline"]["new"], findings.len());
    assert_eq!(report["baseline"]["unchanged"], 0);

    let sarif = check(
        dir.path(),
        &["check", "--format", "sarif", "--baseline", "empty.json"],
    );
    let results = json(&sarif.stdout)["runs"][0]["results"].clone();
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert!(results.iter().all(|r| r["baselineState"] == "new"));

    let human = check(dir.path(), &["check", "--baseline", "empty.json"]);
    assert_eq!(human.stdout.matches("[new]").count(), findings.len());
    assert_contains(
        &human.stdout,
        &format!(
            "since the baseline `empty.json`: {} new, 0 fixed",
            findings.len()
        ),
    );
    let gate = check(
        dir.path(),
        &["check", "--baseline", "empty.json", "--fail-on-new"],
    );
    assert_eq!(gate.code, 1, "{}", gate.stderr);
}

#[test]
fn a_fixed_finding_is_listed_as_fixed_in_every_format() {
    let dir = sasha();
    save_json(dir.path(), "prev.json");
    fix_jwt_default(dir.path());
    let with = |format: &str| {
        let r = check(
            dir.path(),
            &["check", "--format", format, "--baseline", "prev.json"],
        );
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        r.stdout
    };

    let report = json(&with("json"));
    assert_eq!(report["baseline"]["new"], 0);
    assert_eq!(
        report["baseline"]["fixed"],
        serde_json::json!([{
            "rule": FIXED_RULE, "entity": FIXED_ENTITY, "environment": null,
            "principal": null, "severity": "high"
        }])
    );

    let human = with("human");
    assert_contains(&human, "fixed since the baseline (1):");
    assert_contains(&human, &format!("high {FIXED_RULE}: {FIXED_ENTITY}"));
    assert_contains(&human, "since the baseline `prev.json`: 0 new, 1 fixed");

    let sarif = json(&with("sarif"));
    let absent: Vec<&serde_json::Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["baselineState"] == "absent")
        .collect();
    assert_eq!(absent.len(), 1, "{sarif:#}");
    assert_eq!(absent[0]["ruleId"], FIXED_RULE);
    assert_eq!(absent[0]["kind"], "pass");
    assert_eq!(
        absent[0]["partialFingerprints"]["secretaryFinding/v1"],
        format!("{FIXED_RULE}|{FIXED_ENTITY}||")
    );
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(repo_root().join("tests/fixtures/sarif/sarif-schema-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "SARIF is not valid: {errors:?}");

    let junit = with("junit");
    assert_contains(&junit, "<testsuite name=\"baseline\"");
    assert_contains(
        &junit,
        &format!("fixed: EnvVar::&quot;JWT_SECRET&quot;\" classname=\"secretary.{FIXED_RULE}\""),
    );
    assert_contains(&junit, "<property name=\"baseline\" value=\"unchanged\"/>");

    let markdown = with("markdown");
    assert_contains(&markdown, "since the baseline: 0 new, 1 fixed");
    assert_contains(&markdown, "1 fixed since the baseline");
    assert_contains(
        &markdown,
        &format!("| high | `{FIXED_RULE}` | `{FIXED_ENTITY}` |"),
    );

    for (format, says, row) in [
        (
            "markdown",
            "## Since the previous run",
            format!("| high | `{FIXED_RULE}` | `{FIXED_ENTITY}` | fixed |"),
        ),
        (
            "html",
            "<h2>Since the previous run</h2>",
            format!("<td><code>{FIXED_RULE}</code></td><td><code>EnvVar::&quot;JWT_SECRET&quot;</code></td><td>fixed</td>"),
        ),
    ] {
        let r = check(dir.path(), &["report", "--format", format, "--baseline", "prev.json"]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert_contains(&r.stdout, "Since the previous run: 0 new, 1 fixed.");
        assert_contains(&r.stdout, says);
        assert_contains(&r.stdout, &row);
    }
    // Nothing new: the gate passes while the scheduled run still fails.
    let gate = check(
        dir.path(),
        &["check", "--baseline", "prev.json", "--fail-on-new"],
    );
    assert_eq!(gate.code, 0, "{}", gate.stderr);
}

#[test]
fn fail_on_new_fails_on_a_new_finding_at_or_above_fail_on_only() {
    let dir = sasha();
    fix_jwt_default(dir.path());
    save_json(dir.path(), "fixed.json");
    // The finding comes back: it is new.
    fs::copy(
        repo_root().join("examples/sasha/inventory/env-vars.yaml"),
        dir.path().join("inventory/env-vars.yaml"),
    )
    .unwrap();
    let r = check(
        dir.path(),
        &["check", "--format", "json", "--baseline", "fixed.json"],
    );
    let report = json(&r.stdout);
    let new: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baseline"] == "new")
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["rule"], FIXED_RULE);
    assert_eq!(report["baseline"]["new_at_or_above_fail_on"], 1);

    for command in ["check", "report"] {
        let gate = check(
            dir.path(),
            &[command, "--baseline", "fixed.json", "--fail-on-new"],
        );
        assert_eq!(gate.code, 1, "{command}: {}", gate.stderr);
        // The new finding is high: a critical gate lets it pass.
        let gate = check(
            dir.path(),
            &[
                command,
                "--baseline",
                "fixed.json",
                "--fail-on-new",
                "--fail-on",
                "critical",
            ],
        );
        assert_eq!(gate.code, 0, "{command}: {}", gate.stderr);
    }
    let human = check(dir.path(), &["check", "--baseline", "fixed.json"]);
    assert_contains(
        &human.stdout,
        &format!("{FIXED_RULE}: {FIXED_ENTITY} [new]"),
    );
    let html = check(
        dir.path(),
        &["report", "--format", "html", "--baseline", "fixed.json"],
    );
    assert_contains(&html.stdout, "<span class=\"tag\">new</span></h3>");
}

#[test]
fn fail_on_new_without_a_baseline_is_a_usage_error() {
    let dir = sasha();
    for command in ["check", "report"] {
        let r = check(dir.path(), &[command, "--fail-on-new"]);
        assert_eq!(r.code, 2, "{command}: {}", r.stderr);
        assert_contains(&r.stderr, "--baseline");
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn a_baseline_that_is_not_secretary_json_is_bad_input_and_never_quoted() {
    let dir = sasha();
    save_json(dir.path(), "prev.json");
    let report = fs::read_to_string(dir.path().join("prev.json")).unwrap();
    let canary = "canary-hunter2-value";
    let wrong_version = report.replacen("\"version\": 1", "\"version\": 2", 1);
    assert_ne!(wrong_version, report);
    let sarif = check(dir.path(), &["check", "--format", "sarif"]).stdout;
    fs::create_dir(dir.path().join("a-directory")).unwrap();
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("not-json.json", Some(format!("{canary} is not JSON\n")), "invalid-baseline"),
        ("binary.json", Some("\u{0}\u{1}".to_owned()), "invalid-baseline"),
        (
            "eslint.json",
            Some(format!("[{{\"filePath\": \"{canary}\", \"messages\": []}}]")),
            "invalid-baseline",
        ),
        (
            "other-tool.json",
            Some(format!("{{\"version\": 1, \"tool\": {{\"name\": \"{canary}\"}}, \"findings\": []}}")),
            "invalid-baseline",
        ),
        ("wrong-version.json", Some(wrong_version), "invalid-baseline"),
        ("results.sarif", Some(sarif), "invalid-baseline"),
        (
            "no-rule.json",
            Some(format!(
                "{{\"version\": 1, \"tool\": {{\"name\": \"secretary\"}}, \"findings\": [{{\"entity\": \"{canary}\"}}]}}"
            )),
            "invalid-baseline",
        ),
        (
            "bad-principal.json",
            Some(format!(
                "{{\"version\": 1, \"tool\": {{\"name\": \"secretary\"}}, \"findings\": [{{\"rule\": \"r\", \"entity\": \"e\", \"principal\": [\"{canary}\"]}}]}}"
            )),
            "invalid-baseline",
        ),
        ("missing.json", None, "cannot-read-baseline"),
        ("a-directory", None, "cannot-read-baseline"),
    ];
    for (name, text, code) in cases {
        if let Some(text) = &text {
            fs::write(dir.path().join(name), text).unwrap();
        }
        for command in ["check", "report"] {
            let r = check(
                dir.path(),
                &[
                    command,
                    "--baseline",
                    name,
                    "--fail-on-new",
                    "-o",
                    "out.txt",
                ],
            );
            assert_eq!(r.code, 2, "{name} ({command}): {}", r.stderr);
            assert_contains(&r.stderr, &format!("error[{code}]"));
            assert_contains(&r.stderr, &format!("`{name}`"));
            assert_contains(&r.stderr, "help: give `--baseline` a file");
            assert!(!r.stderr.contains(canary), "{name}: quoted:\n{}", r.stderr);
            assert!(r.stdout.is_empty(), "{name}: {}", r.stdout);
            assert!(!dir.path().join("out.txt").exists(), "{name}: wrote output");
        }
    }
}

#[test]
fn an_output_never_replaces_the_baseline() {
    let dir = sasha();
    save_json(dir.path(), "prev.json");
    let before = fs::read(dir.path().join("prev.json")).unwrap();
    let r = check(
        dir.path(),
        &[
            "check",
            "--baseline",
            "prev.json",
            "--format",
            "json",
            "-o",
            "prev.json",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fs::read(dir.path().join("prev.json")).unwrap(), before);
}

/// Under `--fail-on-new` every format gives the gate's verdict, the one the
/// exit code gives: with one new high finding among unchanged ones, JUnit
/// fails that one case only, JSON's `passed` follows the gate, and the
/// human output says what the gate decided.
#[test]
fn under_fail_on_new_every_format_agrees_with_the_exit_code() {
    let dir = sasha();
    fix_jwt_default(dir.path());
    save_json(dir.path(), "fixed.json");
    fs::copy(
        repo_root().join("examples/sasha/inventory/env-vars.yaml"),
        dir.path().join("inventory/env-vars.yaml"),
    )
    .unwrap();
    let gate = |extra: &[&str]| {
        let mut args = vec!["check", "--baseline", "fixed.json", "--fail-on-new"];
        args.extend_from_slice(extra);
        check(dir.path(), &args)
    };
    for (fail_on, code) in [("high", 1), ("critical", 0)] {
        let junit = gate(&["--fail-on", fail_on, "--format", "junit"]);
        assert_eq!(junit.code, code, "{}", junit.stderr);
        let doc = roxmltree::Document::parse(&junit.stdout).unwrap();
        let failed: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
            .map(|n| {
                n.parent()
                    .unwrap()
                    .attribute("classname")
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let expected: Vec<String> = if code == 1 {
            vec![format!("secretary.{FIXED_RULE}")]
        } else {
            vec![]
        };
        assert_eq!(failed, expected, "--fail-on {fail_on}");
        // The unchanged findings at or above `high` pass, saying why.
        if fail_on == "high" {
            assert_contains(&junit.stdout, "unchanged since the baseline; --fail-on-new");
        }

        let json_run = gate(&["--fail-on", fail_on, "--format", "json"]);
        assert_eq!(json_run.code, code);
        let report = json(&json_run.stdout);
        assert_eq!(report["summary"]["passed"], code == 0);
        assert_eq!(report["baseline"]["fail_on_new"], true);

        let human = gate(&["--fail-on", fail_on]);
        assert_eq!(human.code, code);
        let verdict = if code == 1 { "fails" } else { "passes" };
        assert_contains(
            &human.stdout,
            &format!(
                "--fail-on-new: {} new at or above `{fail_on}`: the gate {verdict}",
                code
            ),
        );
    }
    // Without the gate, the unchanged findings fail JUnit cases as the run.
    let scheduled = check(
        dir.path(),
        &["check", "--baseline", "fixed.json", "--format", "junit"],
    );
    assert_eq!(scheduled.code, 1);
    let failures = roxmltree::Document::parse(&scheduled.stdout)
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert!(failures > 1, "{failures}");
}
