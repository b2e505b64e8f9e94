//! Live IAM against a real emulator: the moto server on loopback
//! (`tests/moto/`), populated through the IAM API, with back-dated keys and
//! injected faults. Runs the real binary (`iam snapshot`, `check --iam`,
//! `check --iam-snapshot`) and the library's collector.
#![cfg(feature = "aws")]

use crate::common;
use crate::fake_iam::aws;
use crate::moto;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use moto::Moto;
use serde_json::{json, Value};

/// The actions of the read-only policy (quoted in docs/src/live-iam.md).
fn read_only_actions() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo_root().join("policies/iam-read-only-policy.json"))
        .expect("policy file");
    let policy = json(&text);
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

const ADMIN: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// An account with a bit of everything the rules look at.
fn populate(moto: &Moto) -> Vec<String> {
    let admin: Value = serde_json::from_str(ADMIN).unwrap();
    let secrets = moto.populate(json!({
        "policies": [{ "name": "everything", "document": admin }],
        "groups": [{
            "name": "readers",
            "inline": { "read": { "Version": "2012-10-17", "Statement": [{ "Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" }] } }
        }],
        "users": [
            { "name": "alice", "keys": 2, "password": true, "policies": ["everything"] },
            { "name": "bob", "groups": ["readers"], "keys": 1, "inactive_keys": [1], "password": true, "mfa": true },
            { "name": "stray", "keys": 1 }
        ],
        "roles": [{
            "name": "app-task",
            "inline": { "bedrock": { "Version": "2012-10-17", "Statement": [
                { "Sid": "Invoke", "Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*" },
                { "Sid": "Extra", "Effect": "Allow", "Action": ["s3:*"], "Resource": "*" }
            ] } }
        }],
        "password_policy": { "MinimumPasswordLength": 8, "PasswordReusePrevention": 24 }
    }));
    moto.backdate(json!([
        { "user": "alice", "key": 1, "created": "2026-01-15T10:00:00Z", "last_used": "2026-11-20T10:00:00Z" },
        { "user": "alice", "key": 2, "created": "2026-11-01T10:00:00Z", "last_used": "2026-11-22T10:00:00Z" },
        { "user": "bob", "key": 1, "created": "2024-01-01T00:00:00Z", "last_used": "2024-02-01T00:00:00Z" },
        { "user": "bob", "password_last_used": "2026-09-01T00:00:00Z" },
        { "user": "stray", "key": 1, "created": "2026-11-20T00:00:00Z", "last_used": "2026-11-22T00:00:00Z" }
    ]));
    secrets
}

const INVENTORY: &str = r#"version: 1
identities:
  alice:
    kind: aws_iam_user
    aws: { account: "123456789012", name: alice }
    allow: ["s3:GetObject"]
  bob:
    kind: human
    aws: { account: "123456789012", name: bob }
  app:
    kind: aws_iam_role
    aws: { name: app-task }
    allow: ["bedrock:InvokeModel*"]
  ghost:
    kind: aws_iam_role
    aws: { account: "123456789012", name: ghost }
"#;

fn inventory(dir: &Path) {
    std::fs::write(dir.join("secretary.yaml"), INVENTORY).unwrap();
}

fn keys(stdout: &str) -> Vec<String> {
    finding_keys(&json(stdout))
        .into_iter()
        .map(|(rule, entity, _, _)| format!("{rule} {entity}"))
        .collect()
}

#[test]
fn live_and_snapshot_checks_agree_and_leak_no_secret() {
    let (_guard, moto) = Moto::lock();
    let secrets = populate(moto);
    assert!(secrets.len() >= 5, "{secrets:?}");
    let dir = tempfile::tempdir().unwrap();
    inventory(dir.path());
    let url = moto.url();

    let before = moto.calls().len();
    let snap =
        run(aws(dir.path()).args(["iam", "snapshot", "-o", "snap.json", "--endpoint-url", &url]));
    assert_eq!(snap.code, 0, "stderr: {}", snap.stderr);
    assert!(snap.stdout.is_empty(), "-o writes no stdout");
    let calls: Vec<String> = moto.calls()[before..].to_vec();
    assert!(calls.len() <= 6, "{calls:?}");
    let allowed = read_only_actions();
    for call in &calls {
        assert!(
            allowed.contains(&format!("iam:{call}")),
            "`{call}` is not in the read-only policy"
        );
    }

    let args = ["check", "secretary.yaml", "--now", NOW, "--format", "json"];
    let live = run(aws(dir.path())
        .args(args)
        .args(["--iam", "--endpoint-url", &url]));
    let offline = run(aws(dir.path())
        .args(args)
        .args(["--iam-snapshot", "snap.json"]));
    assert_eq!(live.code, 1, "stderr: {}", live.stderr);
    assert_eq!(offline.code, 1, "stderr: {}", offline.stderr);
    assert_eq!(
        live.stdout, offline.stdout,
        "live and snapshot findings differ"
    );

    let found = keys(&live.stdout);
    for expected in [
        "iam-access-key-too-old IamAccessKey::\"alice#1\"",
        "iam-user-multiple-active-keys IamUser::\"alice\"",
        "iam-console-password-without-mfa IamUser::\"alice\"",
        "iam-user-direct-policies IamUser::\"alice\"",
        "iam-policy-full-admin IamPolicy::\"arn:aws:iam::123456789012:policy/everything\"",
        "iam-grants-beyond-allow IamUser::\"alice\"",
        "iam-grants-beyond-allow IamRole::\"app-task\"",
        "iam-password-unused IamUser::\"bob\"",
        "iam-password-min-length AwsAccount::\"123456789012\"",
        "iam-user-undeclared IamUser::\"stray\"",
        "iam-identity-missing Identity::\"ghost\"",
    ] {
        assert!(
            found.contains(&expected.to_owned()),
            "missing `{expected}` in {found:#?}"
        );
    }
    for absent in [
        // bob's only key is inactive: neither too old nor unused counts.
        "iam-access-key-too-old IamAccessKey::\"bob#1\"",
        "iam-access-key-unused IamAccessKey::\"bob#1\"",
        "iam-console-password-without-mfa IamUser::\"bob\"",
        "iam-password-reuse AwsAccount::\"123456789012\"",
        "iam-user-undeclared IamUser::\"alice\"",
    ] {
        assert!(
            !found.contains(&absent.to_owned()),
            "unexpected `{absent}` in {found:#?}"
        );
    }

    // Canary: the secret access keys and passwords the account holds appear nowhere.
    let written = std::fs::read_to_string(dir.path().join("snap.json")).unwrap();
    for secret in &secrets {
        for (what, text) in [
            ("snapshot", &written),
            ("live stdout", &live.stdout),
            ("live stderr", &live.stderr),
            ("snapshot stderr", &snap.stderr),
        ] {
            assert!(
                !text.contains(secret.as_str()),
                "a secret leaked into the {what}"
            );
        }
    }
    // The snapshot is the documented format.
    let parsed = json(&written);
    assert_eq!(parsed["version"], 1);
    assert_eq!(parsed["account_id"], "123456789012");
    assert_eq!(parsed["not_collected"], json!([]));
}

#[test]
fn the_collector_calls_only_read_only_actions_a_fixed_number_of_times() {
    let (_guard, moto) = Moto::lock();
    populate(moto);
    // An AWS-managed policy attached: its document needs the second listing.
    moto.populate(json!({ "roles": [{ "name": "admin", "policies": ["arn:aws:iam::aws:policy/AdministratorAccess"] }] }));
    use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
    use secretary::observe::iam::collect;
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .http_client(collect::https_client())
        .build();
    let client = aws_sdk_iam::Client::from_conf(config);
    let started = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    let collected =
        collect::collect_blocking(&client, &collect::Options::default(), started).unwrap();
    let allowed = read_only_actions();
    for call in &collected.calls {
        assert!(
            allowed.contains(call),
            "`{call}` is not in the read-only policy (docs/src/live-iam.md)"
        );
    }
    assert!(collected.calls.len() <= 6, "{:?}", collected.calls);
    let distinct: BTreeSet<&String> = collected.calls.iter().collect();
    // Every IAM permission is used (the stores' are in tests/stores_live.rs).
    assert_eq!(
        distinct.len(),
        allowed.iter().filter(|a| a.starts_with("iam:")).count(),
        "every permission is used: {:?}",
        collected.calls
    );
    // Same users, more or less: the call count does not grow per user.
    let snapshot = collected.snapshot;
    assert_eq!(snapshot.users.len(), 3);
    let admin = snapshot
        .policies
        .iter()
        .find(|p| p.name == "AdministratorAccess")
        .expect("the attached AWS-managed policy and its document");
    assert!(admin.aws_managed);
    assert_eq!(admin.document["Statement"][0]["Action"], "*");
    // Only attached AWS-managed policies are kept.
    assert!(snapshot
        .policies
        .iter()
        .all(|p| !p.aws_managed || p.attachment_count > 0));
}

/// Runs `check --iam` with `fault` on `action`; returns the run.
fn faulty_check(moto: &Moto, faults: &[(&str, &str)], extra: &[&str]) -> Run {
    populate(moto);
    for (action, fault) in faults {
        moto.fault(action, fault);
    }
    let dir = tempfile::tempdir().unwrap();
    inventory(dir.path());
    let url = moto.url();
    run(aws(dir.path())
        .args([
            "check",
            "secretary.yaml",
            "--now",
            NOW,
            "--format",
            "json",
            "--iam",
            "--endpoint-url",
            &url,
        ])
        .args(extra))
}

#[test]
fn access_denied_is_not_verified_and_fails_the_run() {
    let (_guard, moto) = Moto::lock();
    let r = faulty_check(moto, &[("GetAccountAuthorizationDetails", "deny")], &[]);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(
        &r.stderr,
        "error[iam-not-verified]: `GetAccountAuthorizationDetails` failed: AccessDenied",
    );
    assert_contains(&r.stderr, "needs `iam:GetAccountAuthorizationDetails`");
    let found = keys(&r.stdout);
    // What the credential report shows is still checked...
    assert!(
        found.contains(&"iam-access-key-too-old IamAccessKey::\"alice#1\"".to_owned()),
        "{found:#?}"
    );
    assert!(
        found.contains(&"iam-not-verified AwsAccount::\"123456789012\"".to_owned()),
        "{found:#?}"
    );
    // ...but nothing that needs the authorization details is guessed.
    assert!(
        !found
            .iter()
            .any(|k| k.starts_with("iam-identity-missing")
                || k.starts_with("iam-grants-beyond-allow")),
        "{found:#?}"
    );
}

#[test]
fn throttling_beyond_retries_is_not_verified() {
    let (_guard, moto) = Moto::lock();
    let before = moto.calls().len();
    let r = faulty_check(moto, &[("GetAccountPasswordPolicy", "throttle")], &[]);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(
        &r.stderr,
        "`GetAccountPasswordPolicy` failed: Throttling: Rate exceeded",
    );
    assert_contains(&r.stderr, "`iam:GetAccountPasswordPolicy`");
    let retried = moto.calls()[before..]
        .iter()
        .filter(|c| *c == "GetAccountPasswordPolicy")
        .count();
    assert_eq!(retried, 3, "the SDK retries throttling before giving up");
    let found = keys(&r.stdout);
    assert!(
        !found
            .iter()
            .any(|k| k.starts_with("iam-password-min-length")),
        "{found:#?}"
    );
}

#[test]
fn a_call_that_never_answers_times_out() {
    let (_guard, moto) = Moto::lock();
    let r = faulty_check(
        moto,
        &[("GetAccountSummary", "hang")],
        &["--iam-timeout", "2"],
    );
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(
        &r.stderr,
        "`GetAccountSummary` failed: no answer within the 2 s the whole IAM collection may take (`--iam-timeout`)",
    );
    assert_contains(&r.stderr, "not verified: root MFA and root access keys");
}

#[test]
fn a_credential_report_that_never_becomes_ready_is_not_verified() {
    let (_guard, moto) = Moto::lock();
    let r = faulty_check(
        moto,
        &[
            ("GenerateCredentialReport", "never-ready"),
            ("GetCredentialReport", "never-ready"),
        ],
        &["--report-timeout", "1"],
    );
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(&r.stderr, "the credential report was not ready after 1 s");
    let found = keys(&r.stdout);
    assert!(
        !found.iter().any(|k| k.starts_with("iam-access-key")),
        "{found:#?}"
    );
    // The authorization details were read: drift is still checked.
    assert!(
        found.contains(&"iam-identity-missing Identity::\"ghost\"".to_owned()),
        "{found:#?}"
    );
}

#[test]
fn snapshot_with_a_fault_is_written_with_its_gaps_and_fails() {
    let (_guard, moto) = Moto::lock();
    populate(moto);
    moto.fault("GetCredentialReport", "deny");
    let dir = tempfile::tempdir().unwrap();
    // The standard AWS_ENDPOINT_URL works as well as --endpoint-url.
    let r = run(aws(dir.path()).env("AWS_ENDPOINT_URL", moto.url()).args([
        "iam",
        "snapshot",
        "-o",
        "snap.json",
    ]));
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(&r.stderr, "`iam:GetCredentialReport`");
    let snapshot = json(&std::fs::read_to_string(dir.path().join("snap.json")).unwrap());
    assert_eq!(snapshot["not_collected"][0]["section"], "credential_report");
    assert_eq!(
        snapshot["not_collected"][0]["permission"],
        "iam:GetCredentialReport"
    );
    assert!(snapshot["users"][0]["access_keys"].is_null(), "{snapshot}");
}

#[test]
fn a_bad_inventory_is_reported_before_any_iam_call() {
    let (_guard, moto) = Moto::lock();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secretary.yaml"),
        "version: 1\nidentities:\n  x: { kind: robot }\n",
    )
    .unwrap();
    let url = moto.url();
    let r = run(aws(dir.path()).args(["check", "secretary.yaml", "--iam", "--endpoint-url", &url]));
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(&r.stderr, "secretary.yaml:3");
    assert!(r.stdout.is_empty());
    assert_eq!(
        moto.calls(),
        Vec::<String>::new(),
        "no IAM call for a bad inventory"
    );
}

#[test]
fn a_named_profile_supplies_credentials_region_and_endpoint() {
    let (_guard, moto) = Moto::lock();
    populate(moto);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &config,
        format!(
            "[profile audit]\nregion = eu-west-1\nendpoint_url = {}\n",
            moto.url()
        ),
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[audit]\naws_access_key_id = audit-key\naws_secret_access_key = audit-secret\n",
    )
    .unwrap();
    let r = run(aws(dir.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .args(["iam", "snapshot", "--profile", "audit"]));
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let snapshot = json(&r.stdout);
    assert_eq!(snapshot["users"].as_array().unwrap().len(), 3);
    assert!(!r.stdout.contains("audit-secret"));
}
