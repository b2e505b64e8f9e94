//! Examples that ship an IAM snapshot (`examples/<name>/iam-snapshot.json`):
//! `check --iam-snapshot` on them is pinned. Offline: no AWS SDK needed.

use crate::common;

use common::*;

#[test]
fn sasha_iam_snapshot_findings_are_pinned() {
    let r = run(secretary(&repo_root()).args([
        "check",
        "examples/sasha/inventory",
        "--policies",
        "examples/sasha/policies",
        "--iam-snapshot",
        "examples/sasha/iam-snapshot.json",
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // Only the IAM findings: the inventory's own are pinned by tests/examples.rs.
    let report = json(&r.stdout);
    let iam: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("iam-"))
        .map(|f| {
            format!(
                "{} {} {}\n    {}\n    --> {}:{}",
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["entity"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"]
            )
        })
        .collect();
    insta::assert_snapshot!(iam.join("\n"));
    assert_eq!(report["summary"]["total"], 24);
}

/// A report made with an IAM snapshot judges the IAM checklist items and
/// names the snapshot in its evidence; without one, those items are listed
/// as not checked rather than ticked.
#[test]
fn sasha_report_with_an_iam_snapshot_judges_the_iam_checklist() {
    let report = |extra: &[&str]| {
        run(secretary(&repo_root())
            .env("SOURCE_DATE_EPOCH", "1795392000")
            .args([
                "report",
                "examples/sasha/inventory",
                "--policies",
                "examples/sasha/policies",
                "--now",
                NOW,
                "--format",
                "markdown",
            ])
            .args(extra))
    };
    let snapshot: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("examples/sasha/iam-snapshot.json")).unwrap(),
    )
    .unwrap();
    let account = snapshot["account_id"].as_str().unwrap();

    let with = report(&["--iam-snapshot", "examples/sasha/iam-snapshot.json"]);
    assert_eq!(with.code, 1, "{}", with.stderr);
    assert!(!with.stdout.contains("Not checked without IAM data"));
    assert!(
        with.stdout
            .lines()
            .any(|l| l.starts_with("- [") && l.contains("`iam-access-key-too-old`")),
        "{}",
        with.stdout
    );
    assert_contains(
        &with.stdout,
        &format!("| IAM snapshot | account {account}, collected "),
    );

    let without = report(&[]);
    assert_eq!(without.code, 1, "{}", without.stderr);
    assert_contains(&without.stdout, "Not checked without IAM data");
    assert!(!without
        .stdout
        .lines()
        .any(|l| l.starts_with("- [") && l.contains("`iam-access-key-too-old`")));
    assert_contains(&without.stdout, "| IAM snapshot | not checked |");
}
