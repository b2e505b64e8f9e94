//! Every live IAM rule, positive and negative, on snapshot files checked
//! offline (`check --iam-snapshot`): a clean snapshot of account
//! 111122223333 gives no finding; each case changes one thing and must give
//! exactly the findings listed. Builds and passes without the AWS SDK.

use crate::common;

use common::*;
use serde_json::{json, Value};

const INVENTORY: &str = "tests/fixtures/iam/inventory.yaml";

fn clean() -> Value {
    let text = std::fs::read_to_string(repo_root().join("tests/fixtures/iam/clean-snapshot.json"))
        .expect("fixture");
    json(&text)
}

/// Runs `check` on `snapshot` and returns the run and its findings as
/// `rule entity` lines.
fn check_with(snapshot: &Value, inventory: &str) -> (Run, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.json");
    std::fs::write(&path, serde_json::to_string_pretty(snapshot).unwrap()).unwrap();
    let root = repo_root();
    let r = run(secretary(&root).args([
        "check",
        inventory,
        "--iam-snapshot",
        path.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    let report = json(&r.stdout);
    let keys = finding_keys(&report)
        .into_iter()
        .map(|(rule, entity, _, _)| format!("{rule} {entity}"))
        .collect();
    (r, keys)
}

fn check(snapshot: &Value) -> (Run, Vec<String>) {
    check_with(snapshot, INVENTORY)
}

#[track_caller]
fn expect(snapshot: &Value, expected: &[&str]) {
    let (r, keys) = check(snapshot);
    let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, expected, "stderr: {}", r.stderr);
    assert_eq!(
        r.code,
        if expected.is_empty() { 0 } else { 1 },
        "stderr: {}",
        r.stderr
    );
}

fn at<'a>(snapshot: &'a mut Value, pointer: &str) -> &'a mut Value {
    snapshot
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no `{pointer}` in the fixture"))
}

#[test]
fn the_clean_account_has_no_findings() {
    expect(&clean(), &[]);
}

#[test]
fn access_key_age_uses_the_identity_rotation_then_the_setting() {
    // deployer declares `rotation: 30d`: 53 days is too old, 22 is not.
    let mut s = clean();
    *at(&mut s, "/users/0/access_keys/0/created") = json!("2026-10-01T08:00:00Z");
    expect(&s, &["iam-access-key-too-old IamAccessKey::\"deployer#1\""]);
    // An inactive key may be old.
    *at(&mut s, "/users/0/access_keys/0/status") = json!("Inactive");
    expect(&s, &[]);
    // ops declares no rotation: settings.iam.access_key_max_age (90d) applies.
    let mut s = clean();
    *at(&mut s, "/users/1/access_keys") = json!([
        { "slot": 1, "status": "Active", "created": "2026-08-01T00:00:00Z", "last_used": "2026-11-20T00:00:00Z" }
    ]);
    expect(&s, &["iam-access-key-too-old IamAccessKey::\"ops#1\""]);
    *at(&mut s, "/users/1/access_keys/0/created") = json!("2026-08-26T00:00:00Z"); // 89 days
    expect(&s, &[]);
}

#[test]
fn thresholds_come_from_the_inventory_settings() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_root().join(INVENTORY))
        .unwrap()
        .replace("access_key_max_age: 90d", "access_key_max_age: 60d")
        .replace("unused_credentials_max: 45d", "unused_credentials_max: 10d");
    let inventory = dir.path().join("inventory.yaml");
    std::fs::write(&inventory, text).unwrap();
    let mut s = clean();
    *at(&mut s, "/users/1/access_keys") = json!([
        { "slot": 1, "status": "Active", "created": "2026-09-01T00:00:00Z", "last_used": "2026-11-10T00:00:00Z" }
    ]);
    let (_, keys) = check_with(&s, inventory.to_str().unwrap());
    assert_eq!(
        keys,
        [
            "iam-access-key-too-old IamAccessKey::\"ops#1\"",
            "iam-access-key-unused IamAccessKey::\"ops#1\"",
        ]
    );
}

#[test]
fn unused_keys_and_passwords() {
    let mut s = clean();
    *at(&mut s, "/users/0/access_keys/0/last_used") = json!("2026-10-09T00:00:00Z"); // 45 days
    expect(&s, &["iam-access-key-unused IamAccessKey::\"deployer#1\""]);
    *at(&mut s, "/users/0/access_keys/0/last_used") = json!("2026-10-10T00:00:00Z"); // 44 days
    expect(&s, &[]);
    // Never used: counted from creation (22 days here, so not yet).
    *at(&mut s, "/users/0/access_keys/0/last_used") = Value::Null;
    expect(&s, &[]);

    let mut s = clean();
    *at(&mut s, "/users/1/password/last_used") = json!("2026-09-01T00:00:00Z");
    expect(&s, &["iam-password-unused IamUser::\"ops\""]);
    // Never used: counted from when it was set.
    *at(&mut s, "/users/1/password/last_used") = Value::Null;
    expect(&s, &["iam-password-unused IamUser::\"ops\""]);
    *at(&mut s, "/users/1/password/last_changed") = json!("2026-11-20T00:00:00Z");
    expect(&s, &[]);
}

#[test]
fn more_than_one_active_key() {
    let mut s = clean();
    *at(&mut s, "/users/0/access_keys/1") = json!(
        { "slot": 2, "status": "Active", "created": "2026-11-15T08:00:00Z", "last_used": "2026-11-21T07:00:00Z" }
    );
    expect(&s, &["iam-user-multiple-active-keys IamUser::\"deployer\""]);
}

#[test]
fn root_access_keys_and_mfa() {
    let mut s = clean();
    *at(&mut s, "/root/access_keys_present") = json!(true);
    expect(&s, &["iam-root-access-key AwsAccount::\"111122223333\""]);
    // From the credential report's root row, without the summary.
    let mut s = clean();
    *at(&mut s, "/root") = json!({
        "mfa_active": false,
        "access_keys": [{ "slot": 1, "status": "Active", "created": "2020-01-01T00:00:00Z", "last_used": null }],
        "access_keys_present": null
    });
    expect(
        &s,
        &[
            "iam-root-access-key AwsAccount::\"111122223333\"",
            "iam-root-mfa-missing AwsAccount::\"111122223333\"",
        ],
    );
}

#[test]
fn console_password_without_mfa() {
    let mut s = clean();
    *at(&mut s, "/users/1/mfa_active") = json!(false);
    expect(&s, &["iam-console-password-without-mfa IamUser::\"ops\""]);
    // No password, no MFA needed for the console (deployer has none in the clean account).
}

#[test]
fn full_admin_policies_attached_anywhere() {
    let mut s = clean();
    *at(&mut s, "/policies/0/document/Statement/1") =
        json!({ "Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*" });
    expect(
        &s,
        &[
            "iam-policy-full-admin IamPolicy::\"arn:aws:iam::111122223333:policy/deploy-site\"",
            "iam-grants-beyond-allow IamUser::\"deployer\"",
        ],
    );
    // Inline, on a role the inventory does not restrict... and unattached managed policies are fine.
    let mut s = clean();
    at(&mut s, "/policies").as_array_mut().unwrap().push(json!({
        "name": "unused-admin", "arn": "arn:aws:iam::111122223333:policy/unused-admin",
        "aws_managed": false, "attachment_count": 0,
        "document": { "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*" }] }
    }));
    at(&mut s, "/groups/1/inline_policies").as_array_mut().unwrap().push(json!({
        "name": "break-glass",
        "document": { "Version": "2012-10-17", "Statement": { "Effect": "Allow", "Action": "*:*", "Resource": ["*"] } }
    }));
    expect(
        &s,
        &["iam-policy-full-admin IamPolicy::\"group/operators/break-glass\""],
    );
}

#[test]
fn policies_attached_to_users_directly() {
    let mut s = clean();
    *at(&mut s, "/users/1/attached_policies") = json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    expect(&s, &["iam-user-direct-policies IamUser::\"ops\""]);
    let mut s = clean();
    *at(&mut s, "/users/1/inline_policies") =
        json!([{ "name": "mine", "document": { "Statement": [] } }]);
    expect(&s, &["iam-user-direct-policies IamUser::\"ops\""]);
}

#[test]
fn weak_or_missing_password_policy() {
    let mut s = clean();
    *at(&mut s, "/password_policy/minimum_password_length") = json!(8);
    expect(
        &s,
        &["iam-password-min-length AwsAccount::\"111122223333\""],
    );
    let mut s = clean();
    *at(&mut s, "/password_policy/password_reuse_prevention") = json!(5);
    expect(&s, &["iam-password-reuse AwsAccount::\"111122223333\""]);
    let mut s = clean();
    *at(&mut s, "/password_policy") = Value::Null;
    expect(
        &s,
        &[
            "iam-password-min-length AwsAccount::\"111122223333\"",
            "iam-password-reuse AwsAccount::\"111122223333\"",
        ],
    );
}

#[test]
fn drift_in_both_directions() {
    let mut s = clean();
    at(&mut s, "/users").as_array_mut().unwrap().push(json!({
        "name": "intruder", "arn": "arn:aws:iam::111122223333:user/intruder",
        "password": { "enabled": false }, "mfa_active": false, "access_keys": []
    }));
    at(&mut s, "/roles").as_array_mut().unwrap().push(json!({
        "name": "shadow", "arn": "arn:aws:iam::111122223333:role/shadow"
    }));
    expect(
        &s,
        &[
            "iam-user-undeclared IamUser::\"intruder\"",
            "iam-role-undeclared IamRole::\"shadow\"",
        ],
    );
    // The declared role is gone (matched by ARN, so a same-named role elsewhere does not count).
    let mut s = clean();
    *at(&mut s, "/roles/0/arn") = json!("arn:aws:iam::111122223333:role/other-path/app-task");
    expect(
        &s,
        &[
            "iam-identity-missing Identity::\"app\"",
            "iam-role-undeclared IamRole::\"app-task\"",
        ],
    );
}

#[test]
fn grants_beyond_the_allow_list_name_statement_and_policy() {
    let mut s = clean();
    at(&mut s, "/roles/0/inline_policies/0/document/Statement")
        .as_array_mut()
        .unwrap()
        .push(json!({ "Effect": "Allow", "Action": ["s3:*", "bedrock:InvokeModel"], "Resource": "*" }));
    let (r, keys) = check(&s);
    assert_eq!(keys, ["iam-grants-beyond-allow IamRole::\"app-task\""]);
    let report = json(&r.stdout);
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert_contains(
        message,
        "`s3:*` (#4 of inline policy `bedrock` of role `app-task`)",
    );
    assert!(!message.contains("bedrock:InvokeModel`"), "{message}");
    // Declared identities are located in the inventory (`app:`).
    assert_eq!(report["findings"][0]["file"], INVENTORY);
    assert_eq!(report["findings"][0]["line"], 19);

    // NotAction grants everything it does not name: treated as `*`.
    let mut s = clean();
    *at(&mut s, "/policies/0/document/Statement/1") =
        json!({ "Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*" });
    let (r, keys) = check(&s);
    assert_eq!(keys, ["iam-grants-beyond-allow IamUser::\"deployer\""]);
    assert_contains(
        &r.stdout,
        "`* (NotAction)` (`AllButIam` of managed policy `deploy-site`)",
    );
}

#[test]
fn missing_parts_are_not_verified_and_fail_the_run() {
    let mut s = clean();
    // Even with an old key in it, nothing from a missing credential report is trusted...
    *at(&mut s, "/users/0/access_keys/0/created") = json!("2020-01-01T00:00:00Z");
    *at(&mut s, "/not_collected") = json!([{
        "section": "credential_report",
        "call": "GetCredentialReport",
        "permission": "iam:GetCredentialReport",
        "problem": "AccessDenied: not authorized"
    }]);
    *at(&mut s, "/password_policy/minimum_password_length") = json!(6);
    let (r, keys) = check(&s);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    // ...while the parts that were collected are still checked and printed.
    assert_eq!(
        keys,
        [
            "iam-not-verified AwsAccount::\"111122223333\"",
            "iam-password-min-length AwsAccount::\"111122223333\"",
        ]
    );
    assert_contains(
        &r.stderr,
        "error[iam-not-verified]: `GetCredentialReport` failed: AccessDenied: not authorized",
    );
    assert_contains(&r.stderr, "`iam:GetCredentialReport`");
}

#[test]
fn snapshots_are_checked_for_version_and_shape() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = clean();
    *at(&mut s, "/version") = json!(7);
    let path = dir.path().join("v7.json");
    std::fs::write(&path, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let r = run(secretary(&repo_root()).args([
        "check",
        INVENTORY,
        "--iam-snapshot",
        path.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, "error[unsupported-iam-snapshot-version]");
    assert_contains(&r.stderr, "v7.json:2:");
    let r =
        run(secretary(&repo_root()).args(["check", INVENTORY, "--iam-snapshot", "missing.json"]));
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, "error[cannot-read-iam-snapshot]");
    assert!(r.stdout.is_empty());
}

#[test]
fn without_iam_flags_the_iam_rules_stay_silent() {
    let r =
        run(secretary(&repo_root()).args(["check", INVENTORY, "--now", NOW, "--format", "json"]));
    let keys = finding_keys(&json(&r.stdout));
    assert!(
        keys.iter().all(|(rule, ..)| !rule.starts_with("iam-")),
        "{keys:?}"
    );
}

#[test]
fn the_book_quotes_the_read_only_policy_exactly() {
    let policy =
        std::fs::read_to_string(repo_root().join("policies/iam-read-only-policy.json")).unwrap();
    let page = std::fs::read_to_string(repo_root().join("docs/src/live-iam.md")).unwrap();
    assert_contains(&page, &format!("```json\n{policy}```"));
    // And the policy is read-only: every action reads (Generate builds a
    // report), and none reads a secret's value.
    let policy = json(&policy);
    for action in policy["Statement"][0]["Action"].as_array().unwrap() {
        let action = action.as_str().unwrap();
        assert!(
            [
                "iam:Get",
                "iam:GenerateCredentialReport",
                "secretsmanager:List",
                "secretsmanager:GetResourcePolicy",
                "ssm:DescribeParameters"
            ]
            .iter()
            .any(|p| action.starts_with(p)),
            "{action}"
        );
        assert!(!action.contains("Value") && !action.starts_with("ssm:GetParameter"));
    }
}

#[test]
fn live_collection_needs_the_aws_feature() {
    if !common::offline_binary() {
        return; // covered against the emulator in tests/iam_live.rs
    }
    let r = run(secretary(&repo_root()).args(["check", INVENTORY, "--iam"]));
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, "error[iam-live-unavailable]");
    assert_contains(&r.stderr, "--iam-snapshot FILE");
    assert!(r.stdout.is_empty());
}
