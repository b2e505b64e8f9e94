//! Examples that ship an IAM snapshot (`examples/<name>/iam-snapshot.json`):
//! `check --iam-snapshot` on them is pinned. Offline: no AWS SDK needed.

mod common;

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
