//! IAM answers that must never pass for a clean account (issue 13).
//!
//! Live: the fake IAM endpoint (`tests/fake_iam/server.py`) answers one call
//! wrongly per scenario: cut-short or foreign XML, garbled credential
//! report columns, bad dates, entities without a name or ARN, repeated
//! markers, oversized and over-deep policy documents, stalls. Each must end
//! in exit 2 with the call named, and the healthy account (a credential
//! report in AWS's format with every placeholder and a column AWS may add
//! later) must stay green and collect exactly the clean fixture snapshot.
//!
//! Offline: snapshot files that are too deep, too large, not regular files,
//! or hold names and ARNs no IAM answer could: exit 2 at the place, and
//! never a quote of a file given by mistake.

use crate::common;

use std::path::Path;

use common::*;
use serde_json::Value;

const INVENTORY: &str = "tests/fixtures/iam/inventory.yaml";
const CLEAN: &str = "tests/fixtures/iam/clean-snapshot.json";

#[cfg(feature = "aws")]
mod endpoint {
    use super::*;
    use crate::fake_iam::{aws, FakeIam};

    /// `check --iam` against `scenario`; a guard ends a run that hangs.
    fn check(scenario: &str, extra: &[&str]) -> Run {
        let url = FakeIam::get().url(scenario);
        run(aws(&repo_root())
            .args([
                "check",
                INVENTORY,
                "--now",
                NOW,
                "--format",
                "json",
                "--iam",
                "--endpoint-url",
                &url,
            ])
            .args(extra)
            .timeout(std::time::Duration::from_secs(120)))
    }

    /// `scenario` fails `call` with `problem`: exit 2, the call and its
    /// permission named on stderr, and the part it answers not verified.
    #[track_caller]
    fn fault(scenario: &str, call: &str, problem: &str) {
        let r = check(scenario, &[]);
        assert_eq!(r.code, 2, "{scenario}: stderr: {}", r.stderr);
        assert_contains(
            &r.stderr,
            &format!("error[iam-not-verified]: `{call}` failed: {problem}"),
        );
        assert_contains(&r.stderr, &format!("needs `iam:{call}`"));
        let findings = finding_keys(&json(&r.stdout));
        assert!(
            findings
                .iter()
                .any(|(rule, entity, _, _)| rule == "iam-not-verified"
                    && entity == "AwsAccount::\"111122223333\""),
            "{scenario}: {findings:#?}"
        );
        // Nothing is built from a refused answer: no entity without a name,
        // no user named after a row.
        for (_, entity, _, _) in &findings {
            assert!(
                !entity.contains("::\"\"") && !entity.contains(','),
                "{scenario}: {entity}"
            );
        }
    }

    /// Sorted by name, collected at one time: two snapshots compare.
    fn comparable(mut snapshot: Value) -> Value {
        snapshot["collected_at"] = Value::Null;
        for list in ["users", "groups", "roles", "policies"] {
            if let Some(items) = snapshot[list].as_array_mut() {
                items.sort_by_key(|item| item["name"].as_str().unwrap_or_default().to_owned());
            }
        }
        snapshot
    }

    #[test]
    fn the_healthy_account_is_green_and_collects_the_clean_snapshot() {
        // AWS's credential report format with `N/A`, `no_information`,
        // `not_supported`, the `<root_account>` row and an extra column.
        let r = check("healthy", &[]);
        assert_eq!(r.code, 0, "stderr: {}", r.stderr);
        assert_eq!(finding_keys(&json(&r.stdout)), vec![]);
        let dir = tempfile::tempdir().unwrap();
        let url = FakeIam::get().url("healthy");
        let snap = run(aws(dir.path()).args(["iam", "snapshot", "--endpoint-url", &url]));
        assert_eq!(snap.code, 0, "stderr: {}", snap.stderr);
        let clean = std::fs::read_to_string(repo_root().join(CLEAN)).unwrap();
        assert_eq!(comparable(json(&snap.stdout)), comparable(json(&clean)));
    }

    #[test]
    fn answers_cut_short_are_faults() {
        fault(
            "summary-truncated",
            "GetAccountSummary",
            "the answer is not well-formed XML",
        );
        fault(
            "details-truncated",
            "GetAccountAuthorizationDetails",
            "the answer is not well-formed XML",
        );
        fault(
            "report-xml-truncated",
            "GetCredentialReport",
            "the answer was cut short: it ends inside `<Content>`",
        );
        fault(
            "password-policy-empty-body",
            "GetAccountPasswordPolicy",
            "the answer is empty",
        );
    }

    #[test]
    fn answers_that_are_not_iams_are_faults() {
        fault(
            "details-html",
            "GetAccountAuthorizationDetails",
            "the answer is not IAM's: its root element is `<html>`",
        );
        fault(
            "summary-empty",
            "GetAccountSummary",
            "the summary has no `AccountMFAEnabled`",
        );
    }

    #[test]
    fn listed_entities_without_a_name_or_arn_are_faults() {
        fault(
            "details-empty-user-name",
            "GetAccountAuthorizationDetails",
            "a user has an empty name",
        );
        fault(
            "details-bad-arn",
            "GetAccountAuthorizationDetails",
            "`deployer` is not an IAM ARN",
        );
    }

    #[test]
    fn policy_documents_are_bounded() {
        fault(
            "details-deep-policy",
            "GetAccountAuthorizationDetails",
            "inline policy `bedrock`: the policy document nests deeper than 32 levels",
        );
        fault(
            "details-huge-policy",
            "GetAccountAuthorizationDetails",
            "inline policy `bedrock`: the policy document is 4600732 bytes, over the limit of 1048576",
        );
    }

    #[test]
    fn a_repeated_marker_is_a_fault_not_a_loop() {
        fault(
            "details-repeated-marker",
            "GetAccountAuthorizationDetails",
            "the listing answered IsTruncated=true with the marker `page-2` it had given before",
        );
        fault(
            "details-truncated-without-marker",
            "GetAccountAuthorizationDetails",
            "the listing answered IsTruncated=true without a marker",
        );
    }

    #[test]
    fn a_report_without_the_documented_columns_is_a_fault() {
        fault(
            "report-missing-column",
            "GetCredentialReport",
            "the credential report has no column `access_key_1_last_rotated`;",
        );
        fault(
            "report-semicolons",
            "GetCredentialReport",
            "the credential report has no column `user` (nor 12 other columns read)",
        );
        fault(
            "report-not-csv",
            "GetCredentialReport",
            "the report's format is `application/pdf`, not `text/csv`",
        );
    }

    #[test]
    fn report_dates_that_do_not_parse_are_faults() {
        fault(
            "report-date-day-first",
            "GetCredentialReport",
            "credential report line 3, column `access_key_1_last_rotated`: `31/12/2019 10:00` is not an ISO 8601 time",
        );
        fault(
            "report-date-words",
            "GetCredentialReport",
            "credential report line 4, column `password_last_used`: `last tuesday` is not an ISO 8601 time",
        );
        fault(
            "report-bad-flag",
            "GetCredentialReport",
            "credential report line 3, column `access_key_1_active`: `maybe` is not `true` or `false`",
        );
    }

    #[test]
    fn report_rows_that_are_not_users_are_faults() {
        fault(
            "report-row-in-one-field",
            "GetCredentialReport",
            "credential report line 5: 1 field where the header has 23",
        );
        fault(
            "report-empty-user",
            "GetCredentialReport",
            "credential report line 3, column `user`: a user has an empty name",
        );
        fault(
            "report-missing-row",
            "GetCredentialReport",
            "the credential report has no row for user `ops`, created before the report was generated",
        );
        fault(
            "report-bad-arn",
            "GetCredentialReport",
            "credential report line 4, column `arn`: the ARN `arn:aws:iam::111122223333:user/someone-else` is not that of user `ops`",
        );
    }

    #[test]
    fn an_oversized_report_is_a_fault() {
        fault(
            "report-too-large",
            "GetCredentialReport",
            "the credential report is 9438360 bytes, over the limit of 8388608",
        );
    }

    #[test]
    fn one_deadline_bounds_the_whole_collection_and_names_the_stalled_call() {
        let r = check("details-stall", &["--iam-timeout", "2"]);
        assert_eq!(r.code, 2, "stderr: {}", r.stderr);
        assert_contains(
            &r.stderr,
            "`GetAccountAuthorizationDetails` failed: no answer within the 2 s the whole IAM collection may take (`--iam-timeout`)",
        );
        // The parts that answered are still checked: no other gap.
        assert_eq!(r.stderr.matches("error[iam-not-verified]").count(), 1);
        let r = check("everything-stalls", &["--iam-timeout", "1"]);
        assert_eq!(r.code, 2, "stderr: {}", r.stderr);
        for call in [
            "GenerateCredentialReport",
            "GetAccountAuthorizationDetails",
            "GetAccountSummary",
            "GetAccountPasswordPolicy",
        ] {
            assert_contains(
                &r.stderr,
                &format!("`{call}` failed: no answer within the 1 s"),
            );
        }
        // The report is generated, then stalls while it is read.
        let r = check("report-stall", &["--iam-timeout", "1"]);
        assert_eq!(r.code, 2, "stderr: {}", r.stderr);
        assert_contains(&r.stderr, "`GetCredentialReport` failed: no answer within");
    }

    #[test]
    fn a_snapshot_of_a_faulty_account_records_the_gap_and_fails() {
        let dir = tempfile::tempdir().unwrap();
        let url = FakeIam::get().url("report-date-words");
        let r = run(aws(dir.path()).args([
            "iam",
            "snapshot",
            "-o",
            "snap.json",
            "--endpoint-url",
            &url,
        ]));
        assert_eq!(r.code, 2, "stderr: {}", r.stderr);
        let snapshot = json(&std::fs::read_to_string(dir.path().join("snap.json")).unwrap());
        assert_eq!(snapshot["not_collected"][0]["call"], "GetCredentialReport");
        assert!(snapshot["users"][0]["access_keys"].is_null(), "{snapshot}");
        // Read back, it still fails the run.
        let r = run(secretary(&repo_root()).args([
            "check",
            INVENTORY,
            "--now",
            NOW,
            "--iam-snapshot",
            dir.path().join("snap.json").to_str().unwrap(),
        ]));
        assert_eq!(r.code, 2, "stderr: {}", r.stderr);
        assert_contains(
            &r.stderr,
            "`GetCredentialReport` failed: credential report line 4",
        );
    }
}

/// `check --iam-snapshot FILE`.
fn check_snapshot(path: &Path) -> Run {
    run(secretary(&repo_root()).args([
        "check",
        INVENTORY,
        "--now",
        NOW,
        "--iam-snapshot",
        path.to_str().unwrap(),
    ]))
}

/// The clean fixture with `change` applied, written to a file in `dir`.
fn changed(dir: &Path, change: impl FnOnce(&mut Value)) -> std::path::PathBuf {
    let mut snapshot = json(&std::fs::read_to_string(repo_root().join(CLEAN)).unwrap());
    change(&mut snapshot);
    let path = dir.join("snapshot.json");
    std::fs::write(&path, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    path
}

#[test]
fn a_snapshot_nested_too_deep_is_refused_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    // Far past serde_json's own limit (128) and any stack: generated here.
    let deep = "[".repeat(100_000);
    let path = changed(dir.path(), |s| {
        s["roles"][0]["trust_policy"] = Value::String("placeholder".into())
    });
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"placeholder\"", &deep);
    std::fs::write(&path, text).unwrap();
    let r = check_snapshot(&path);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(
        &r.stderr,
        "IAM snapshot nests deeper than 64 levels of arrays and objects",
    );
    assert_contains(&r.stderr, "snapshot.json:");
}

#[test]
fn a_snapshot_over_the_size_limit_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    // Sparse: 64 MiB and one byte, without writing them.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len((64 << 20) + 1).unwrap();
    let r = check_snapshot(&path);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(&r.stderr, "error[cannot-read-iam-snapshot]");
    assert_contains(&r.stderr, "larger than 64 MiB");
}

#[cfg(unix)]
#[test]
fn a_snapshot_that_is_not_a_regular_file_is_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for path in [fifo.as_path(), dir.path(), Path::new("/dev/zero")] {
        let r = check_snapshot(path);
        assert_eq!(r.code, 2, "stderr: {}", r.stderr);
        assert_contains(&r.stderr, "not a regular file");
    }
}

#[test]
fn a_file_given_as_a_snapshot_by_mistake_is_never_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let canary = "sk-live-canary-7f3a9b";
    for (name, text) in [
        (".env", format!("# app\nSTRIPE_KEY={canary}\n")),
        (
            "secrets.json",
            format!("{{\n  \"version\": \"{canary}\"\n}}\n"),
        ),
        ("values.json", format!("{{\"stripe\": \"{canary}\"}}")),
        (
            "cut.json",
            format!("{{\"version\": 1, \"collected_at\": \"{canary}"),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let r = check_snapshot(&path);
        assert_eq!(r.code, 2, "{name}: stderr: {}", r.stderr);
        assert_contains(&r.stderr, "error[invalid-iam-snapshot]");
        assert_contains(&r.stderr, &format!("{name}:"));
        assert!(
            !r.stderr.contains(canary) && !r.stdout.contains(canary),
            "{name} leaked: {}",
            r.stderr
        );
    }
}

#[test]
fn snapshot_entities_are_checked_as_live_answers_are() {
    let dir = tempfile::tempdir().unwrap();
    type Change = fn(&mut Value);
    let cases: [(&str, Change); 5] = [
        ("a user has an empty name", |s| {
            s["users"][0]["name"] = "".into()
        }),
        ("is not an IAM name", |s| {
            s["users"][0]["name"] =
                "deployer,arn:aws:iam::111122223333:user/deployer,2025-01-10T09:00:00+00:00".into()
        }),
        ("is not an IAM ARN", |s| {
            s["roles"][0]["arn"] = "app-task".into()
        }),
        ("is not that of user `ops`", |s| {
            s["users"][1]["arn"] = "arn:aws:iam::111122223333:user/deployer".into()
        }),
        ("`31/12/2019 10:00` is not an ISO 8601 time", |s| {
            s["users"][0]["access_keys"][0]["created"] = "31/12/2019 10:00".into()
        }),
    ];
    for (expected, change) in cases {
        let path = changed(dir.path(), change);
        let r = check_snapshot(&path);
        assert_eq!(r.code, 2, "{expected}: stderr: {}", r.stderr);
        assert_contains(&r.stderr, "error[invalid-iam-snapshot]");
        assert_contains(&r.stderr, expected);
        assert_contains(&r.stderr, "snapshot.json:");
        assert!(r.stdout.is_empty(), "{expected}: {}", r.stdout);
    }
}
