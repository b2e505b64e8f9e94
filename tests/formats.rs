//! The CI formats of `check` (SARIF, JUnit) and several outputs from one run:
//! every example's SARIF and JUnit are pinned, SARIF validates against the
//! official SARIF 2.1.0 schema, JUnit parses back with the right counts,
//! outputs are byte-identical across runs, and a bad input writes no file.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(repo_root().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// `check` arguments for an example, relative to the repository root.
fn example_args(dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap().to_str().unwrap();
    let base = format!("examples/{name}");
    let inventory = if dir.join("inventory.yaml").is_file() {
        format!("{base}/inventory.yaml")
    } else {
        format!("{base}/inventory")
    };
    let mut args = vec!["check".to_owned(), inventory, "--now".into(), NOW.into()];
    if dir.join("policies").is_dir() {
        args.push("--policies".into());
        args.push(format!("{base}/policies"));
    }
    args
}

fn sarif_validator() -> jsonschema::Validator {
    let path = repo_root().join("tests/fixtures/sarif/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft4::new(&schema).expect("the SARIF schema compiles")
}

#[track_caller]
fn assert_valid_sarif(validator: &jsonschema::Validator, sarif: &serde_json::Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: SARIF is not valid:\n{}",
        errors.join("\n")
    );
}

/// Redacts the tool version so snapshots survive releases.
fn redact_version(text: &str) -> String {
    text.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[VERSION]\"",
    )
    .replace(
        &format!("secretary {}", env!("CARGO_PKG_VERSION")),
        "secretary [VERSION]",
    )
}

/// The structure of a JUnit document, checked against the JSON report of
/// the same run: one suite per rule, one case per finding, and as many
/// failures as findings that fail the run.
fn check_junit(xml: &str, report: &serde_json::Value, what: &str) {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{what}: bad XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites", "{what}");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let attr = |n: roxmltree::Node, a: &str| -> usize { n.attribute(a).unwrap().parse().unwrap() };
    let mut total_cases = 0;
    let mut total_failures = 0;
    let mut total_skipped = 0;
    let findings = report["findings"].as_array().unwrap();
    for suite in &suites {
        let rule = suite.attribute("name").unwrap();
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(attr(*suite, "tests"), cases.len(), "{what}: {rule}");
        let failures = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        let skipped = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("skipped")))
            .count();
        assert_eq!(attr(*suite, "failures"), failures, "{what}: {rule}");
        assert_eq!(attr(*suite, "skipped"), skipped, "{what}: {rule}");
        let of_rule = findings.iter().filter(|f| f["rule"] == rule).count();
        let not_checked = report["not_checked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|group| group["rules"].as_array().unwrap().iter().any(|r| r == rule));
        if of_rule == 0 {
            // A rule the run did not evaluate is skipped, never passed.
            assert_eq!(cases.len(), 1, "{what}: {rule}");
            let (name, skipped) = if not_checked {
                ("not checked", 1)
            } else {
                ("no findings", 0)
            };
            assert_eq!(cases[0].attribute("name"), Some(name), "{what}: {rule}");
            assert_eq!(attr(*suite, "skipped"), skipped, "{what}: {rule}");
        } else {
            assert_eq!(cases.len(), of_rule, "{what}: {rule}");
        }
        for case in &cases {
            assert_eq!(
                case.attribute("classname"),
                Some(format!("secretary.{rule}").as_str())
            );
        }
        total_cases += cases.len();
        total_failures += failures;
        total_skipped += skipped;
    }
    assert_eq!(attr(root, "tests"), total_cases, "{what}");
    assert_eq!(attr(root, "failures"), total_failures, "{what}");
    assert_eq!(
        total_failures,
        report["summary"]["at_or_above_fail_on"].as_u64().unwrap() as usize,
        "{what}: failures are the findings that fail the run"
    );
    assert_eq!(
        total_skipped,
        (report["summary"]["waived"].as_u64().unwrap()
            + report["summary"]["not_checked"].as_u64().unwrap()) as usize,
        "{what}: skipped cases are the waived findings and the rules not checked"
    );
    // Every rule the run used has a suite, with or without findings.
    let mut suite_names: Vec<&str> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap())
        .collect();
    suite_names.sort();
    for finding in findings {
        let rule = finding["rule"].as_str().unwrap();
        assert!(
            suite_names.binary_search(&rule).is_ok(),
            "{what}: no suite for {rule}"
        );
    }
    for builtin in ["waiver-expired", "waiver-unmatched"] {
        assert!(
            suite_names.contains(&builtin),
            "{what}: no suite for {builtin}"
        );
    }
}

/// The SARIF document of a run, checked against its JSON report.
fn check_sarif(sarif: &serde_json::Value, report: &serde_json::Value, what: &str) {
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(
        results.len(),
        findings.len(),
        "{what}: one result per finding"
    );
    for (result, finding) in results.iter().zip(findings) {
        assert_eq!(result["ruleId"], finding["rule"], "{what}");
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], finding["rule"], "{what}: ruleIndex");
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(
            physical["artifactLocation"]["uri"], finding["file"],
            "{what}"
        );
        assert_eq!(
            physical["artifactLocation"]["uriBaseId"], "%SRCROOT%",
            "{what}"
        );
        assert_eq!(physical["region"]["startLine"], finding["line"], "{what}");
        let fingerprint = result["partialFingerprints"]["secretaryFinding/v1"]
            .as_str()
            .unwrap();
        assert!(
            fingerprint.starts_with(finding["rule"].as_str().unwrap()),
            "{what}"
        );
        assert!(
            fingerprint.contains(finding["entity"].as_str().unwrap()),
            "{what}"
        );
        assert_eq!(
            result.get("suppressions").is_some(),
            !finding["waiver"].is_null(),
            "{what}: a waived finding is suppressed"
        );
    }
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert!(
            rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{what}: {id}"
        );
        let severity = rule["properties"]["severity"].as_str().unwrap();
        let score = rule["properties"]["security-severity"].as_str();
        match severity {
            "info" => assert_eq!(score, None, "{what}: {id}"),
            _ => {
                let score: f64 = score.unwrap().parse().unwrap();
                assert!((0.1..=10.0).contains(&score), "{what}: {id}");
            }
        }
    }
}

#[test]
fn sarif_and_junit_of_every_example_are_valid_and_pinned() {
    let validator = sarif_validator();
    let out = tempfile::tempdir().unwrap();
    for dir in examples() {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let sarif_path = out.path().join(format!("{name}.sarif"));
        let junit_path = out.path().join(format!("{name}.xml"));
        let r = run(secretary(&repo_root())
            .args(example_args(&dir))
            .args(["--format", "sarif", "-o"])
            .arg(&sarif_path)
            .args(["--format", "junit", "-o"])
            .arg(&junit_path)
            .args(["--format", "json"]));
        assert!(
            r.code == 0 || r.code == 1,
            "{name}: exit {}\n{}",
            r.code,
            r.stderr
        );
        let report = json(&r.stdout);
        let sarif_text = fs::read_to_string(&sarif_path).unwrap();
        let sarif: serde_json::Value = serde_json::from_str(&sarif_text).unwrap();
        assert_valid_sarif(&validator, &sarif, &name);
        check_sarif(&sarif, &report, &name);
        // The schema check can fail: a result without a message is rejected.
        let mut broken = sarif.clone();
        if let Some(result) = broken["runs"][0]["results"].get_mut(0) {
            result.as_object_mut().unwrap().remove("message");
            assert!(
                !validator.is_valid(&broken),
                "{name}: the validator accepts anything"
            );
        }
        let junit = fs::read_to_string(&junit_path).unwrap();
        check_junit(&junit, &report, &name);
        insta::assert_snapshot!(format!("sarif-{name}"), redact_version(&sarif_text));
        insta::assert_snapshot!(format!("junit-{name}"), redact_version(&junit));
    }
}

/// A small inventory with a waived, an expired and an unmatched waiver, so
/// the formats show all three.
const WAIVED: &str = r#"version: 1
environments:
  staging: { tier: staging }
  production: { tier: production }
secrets:
  JWT_SECRET:
    classification: critical
    owner: platform-team
    rotation: { period: 90d }
    instances:
      staging: { backend: env_var, env_var: JWT_SECRET, last_rotated: 2026-11-01 }
      production: { backend: env_var, env_var: JWT_SECRET, last_rotated: 2026-11-01 }
env_vars:
  JWT_SECRET:
    default: "dev"
  API_TOKEN:
    default: "dev"
    secret: JWT_SECRET
waivers:
  - rule: secret-env-var-default
    entity: EnvVar::"JWT_SECRET"
    reason: the default only applies to local development
    owner: platform-team
    expires: 2027-01-31
  - rule: secret-env-var-default
    entity: EnvVar::API_TOKEN
    reason: legacy client
    owner: api-team
    expires: 2026-06-30
  - rule: unencrypted-at-rest
    entity: Secret::"JWT_SECRET"
    environment: production
    reason: moved to the vault last quarter
    owner: platform-team
    expires: 2027-01-31
"#;

#[test]
fn waivers_show_in_sarif_as_suppressions_and_in_junit_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), WAIVED).unwrap();
    let r = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "sarif",
        "-o",
        "out.sarif",
        "--format",
        "junit",
        "-o",
        "junit.xml",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 1, "the expired waiver fails the run: {}", r.stderr);
    let report = json(&r.stdout);
    let sarif: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out.sarif")).unwrap()).unwrap();
    assert_valid_sarif(&sarif_validator(), &sarif, "waivers");
    check_sarif(&sarif, &report, "waivers");
    let junit = fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    check_junit(&junit, &report, "waivers");

    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1, "{sarif:#}");
    let suppression = &suppressed[0]["suppressions"][0];
    assert_eq!(suppression["status"], "accepted");
    assert_eq!(
        suppression["location"]["physicalLocation"]["region"]["startLine"],
        20
    );
    assert_contains(
        suppression["justification"].as_str().unwrap(),
        "platform-team",
    );
    let expired = results
        .iter()
        .find(|r| r["ruleId"] == "waiver-expired")
        .expect("expired result");
    assert_eq!(expired["level"], "error");
    assert_eq!(
        expired["locations"][0]["physicalLocation"]["region"]["startLine"],
        25
    );
    let unmatched = results
        .iter()
        .find(|r| r["ruleId"] == "waiver-unmatched")
        .expect("unmatched result");
    assert_eq!(unmatched["level"], "note");

    let doc = roxmltree::Document::parse(&junit).unwrap();
    // The waived finding, apart from the rules not checked (no `--iam`, ...).
    let skipped: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("skipped") && n.attribute("type") == Some("waived"))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert_contains(skipped[0].attribute("message").unwrap(), "platform-team");
    let failing_suites: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .map(|n| {
            n.parent()
                .unwrap()
                .parent()
                .unwrap()
                .attribute("name")
                .unwrap()
        })
        .collect();
    // The expired waiver fails, and so does the finding it no longer covers;
    // the unmatched waiver (info) is below `--fail-on low` and passes.
    assert_eq!(
        failing_suites,
        ["secret-env-var-default", "waiver-expired"],
        "{junit}"
    );
}

#[test]
fn several_outputs_from_one_run_match_single_runs() {
    let sasha = repo_root().join("examples/sasha");
    let out = tempfile::tempdir().unwrap();
    let p = |name: &str| out.path().join(name);
    let multi = run(secretary(&repo_root())
        .args(example_args(&sasha))
        .args(["--format", "sarif", "-o"])
        .arg(p("a.sarif"))
        .args(["--format", "junit", "-o"])
        .arg(p("a.xml"))
        .args(["--format", "json", "-o"])
        .arg(p("a.json"))
        .args(["--format", "human"]));
    assert_eq!(multi.code, 1, "{}", multi.stderr);
    for (format, file) in [
        ("sarif", "a.sarif"),
        ("junit", "a.xml"),
        ("json", "a.json"),
        ("human", ""),
    ] {
        let single = run(secretary(&repo_root())
            .args(example_args(&sasha))
            .args(["--format", format]));
        assert_eq!(single.code, 1);
        let written = if file.is_empty() {
            multi.stdout.clone()
        } else {
            fs::read_to_string(p(file)).unwrap()
        };
        assert_eq!(
            written, single.stdout,
            "{format} differs between a single and a multi-output run"
        );
    }
}

#[test]
fn two_runs_write_byte_identical_files_in_every_format() {
    let out = tempfile::tempdir().unwrap();
    let formats = [
        ("human", "h.txt"),
        ("json", "j.json"),
        ("sarif", "s.sarif"),
        ("junit", "u.xml"),
    ];
    let mut runs = Vec::new();
    for round in 0..2 {
        let mut cmd = secretary(&repo_root());
        cmd.args(example_args(&repo_root().join("examples/sasha")));
        for (format, file) in formats {
            cmd.args(["--format", format, "-o"])
                .arg(out.path().join(format!("{round}-{file}")));
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stdout.is_empty(),
            "every format went to a file: {}",
            r.stdout
        );
        runs.push(r);
    }
    for (format, file) in formats {
        let first = fs::read(out.path().join(format!("0-{file}"))).unwrap();
        let second = fs::read(out.path().join(format!("1-{file}"))).unwrap();
        assert!(!first.is_empty(), "{format}");
        assert!(first == second, "{format} output differs between two runs");
        if format == "human" {
            assert!(!first.contains(&0x1b), "no colour in a file");
        }
    }
}

#[test]
fn a_bad_input_leaves_existing_outputs_untouched() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad.yaml"),
        "version: 1\nsecrets:\n  X: { classification: secret }\n",
    )
    .unwrap();
    fs::write(dir.path().join("out.sarif"), "previous run\n").unwrap();
    let r = run(secretary(dir.path()).args([
        "check",
        "bad.yaml",
        "--now",
        NOW,
        "--format",
        "sarif",
        "-o",
        "out.sarif",
        "--format",
        "junit",
        "-o",
        "new.xml",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stderr, "bad.yaml:3");
    assert!(r.stdout.is_empty());
    assert_eq!(
        fs::read_to_string(dir.path().join("out.sarif")).unwrap(),
        "previous run\n"
    );
    let mut left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["bad.yaml", "out.sarif"],
        "no new file, no temporary file left"
    );
}

#[test]
fn an_unwritable_output_writes_no_file_at_all() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), WAIVED).unwrap();
    let r = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "json",
        "-o",
        "ok.json",
        "--format",
        "sarif",
        "-o",
        "missing-dir/out.sarif",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(
        &r.stderr,
        "error[cannot-write-output]: cannot write `missing-dir/out.sarif`",
    );
    assert!(
        !dir.path().join("ok.json").exists(),
        "the other output is not written either"
    );
}

#[test]
fn mismatched_format_and_output_pairs_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), WAIVED).unwrap();
    for (args, says) in [
        (
            &["--format", "json", "--format", "human"][..],
            "would all write to stdout",
        ),
        (
            &["--format", "json", "-o", "a.json", "-o", "b.json"][..],
            "followed by two outputs",
        ),
        (
            &[
                "-o", "a.json", "--format", "json", "--format", "sarif", "-o", "b.sarif",
            ][..],
            "comes before any `--format`",
        ),
        (
            &[
                "--format", "json", "-o", "a", "--format", "sarif", "-o", "a",
            ][..],
            "are the same file",
        ),
    ] {
        let r = run(secretary(dir.path())
            .args(["check", "inventory.yaml", "--now", NOW])
            .args(args));
        assert_eq!(r.code, 2, "{args:?}");
        assert_contains(&r.stderr, says);
        assert!(r.stdout.is_empty());
    }
    let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no output written");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(secretary(&repo_root()).args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for word in ["secretary", "check", "fail-on", "completions"] {
            assert_contains(&r.stdout, word);
        }
    }
    let r = run(secretary(&repo_root()).args(["completions", "tcsh"]));
    assert_eq!(r.code, 2);
}

/// The example at the top of the README, and of the book's introduction, is
/// what the command it shows prints: its lines, in order, with `...` standing
/// for lines left out.
#[test]
fn the_readme_opening_example_is_real_output() {
    for page in ["README.md", "docs/src/introduction.md"] {
        let readme = fs::read_to_string(repo_root().join(page)).unwrap();
        let start = readme
            .find("```console\n$ secretary check ")
            .unwrap_or_else(|| panic!("{page} opens with an example"))
            + "```console\n$ secretary ".len();
        let block = &readme[start..start + readme[start..].find("```\n").expect("the block ends")];
        let (command, shown) = block.split_once('\n').unwrap();
        let r = run(secretary(&repo_root()).args(command.split(' ')));
        assert_eq!(r.code, 1, "{}", r.stderr);
        let mut printed = r.stdout.lines();
        for line in shown.lines().filter(|l| *l != "...") {
            assert!(
                printed.any(|p| p == line),
                "{page} line not printed (or out of order): {line}\n--- printed:\n{}",
                r.stdout
            );
        }
        assert_eq!(
            shown.lines().last(),
            r.stdout.lines().last(),
            "the summary line of {page} differs"
        );
    }
}

/// The workflow the book's install and CI page shows is the file in
/// `.github/workflows/`, byte for byte, so the documented one is the one that
/// runs.
#[test]
fn the_documented_workflow_is_the_shipped_workflow() {
    let page = fs::read_to_string(repo_root().join("docs/src/install-and-ci.md")).unwrap();
    let start_marker = "<!-- workflow: .github/workflows/secretary-compliance.yml -->\n```yaml\n";
    let start = page
        .find(start_marker)
        .expect("docs/src/install-and-ci.md shows the workflow")
        + start_marker.len();
    let end = start + page[start..].find("```\n").expect("the block ends");
    let file =
        fs::read_to_string(repo_root().join(".github/workflows/secretary-compliance.yml")).unwrap();
    assert_eq!(
        &page[start..end],
        file,
        "docs/src/install-and-ci.md workflow and .github/workflows/secretary-compliance.yml differ"
    );
    let workflow: serde_yaml::Value = serde_yaml::from_str(&file).expect("the workflow is YAML");
    let steps = serde_yaml::to_string(&workflow["jobs"]).unwrap();
    for needle in [
        "uses: secretary-rs/secretary@v",
        "fail-on: high",
        "sarif: secretary.sarif",
        "github/codeql-action/upload-sarif",
        "sarif_file: secretary.sarif",
        "always()",
    ] {
        assert_contains(&steps, needle);
    }
}

#[test]
fn the_pre_commit_hook_runs_check() {
    let text = fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: serde_yaml::Value = serde_yaml::from_str(&text).expect("the hooks file is YAML");
    let hook = &hooks[0];
    assert_eq!(hook["id"].as_str(), Some("secretary-check"));
    assert_eq!(hook["entry"].as_str(), Some("secretary check"));
    assert_eq!(hook["pass_filenames"].as_bool(), Some(false));
}
