//! Paths the emulator cannot show, on recorded IAM responses through the
//! SDK's own test utilities (`aws-smithy-mocks`): the credential report's
//! `<root_account>` row, GetAccountAuthorizationDetails split over pages,
//! URL-encoded policy documents as AWS sends them, and an account without a
//! password policy (NoSuchEntity).
#![cfg(feature = "aws")]

use crate::common;

use aws_sdk_iam::operation::generate_credential_report::GenerateCredentialReportOutput;
use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::operation::get_account_password_policy::GetAccountPasswordPolicyError;
use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryOutput;
use aws_sdk_iam::operation::get_credential_report::GetCredentialReportOutput;
use aws_sdk_iam::primitives::{Blob, DateTime};
use aws_sdk_iam::types::error::NoSuchEntityException;
use aws_sdk_iam::types::{
    AttachedPolicy, ManagedPolicyDetail, PolicyDetail, PolicyVersion, ReportStateType, RoleDetail,
    SummaryKeyType, UserDetail,
};
use aws_sdk_iam::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use common::*;
use secretary::observe::iam::collect;

/// As recorded from AWS (account and names changed): a root row with an
/// active key and MFA, and one user.
const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::210987654321:root,2019-04-02T11:20:31+00:00,not_supported,2026-11-02T08:14:55+00:00,not_supported,not_supported,true,true,2019-04-02T11:40:00+00:00,2026-10-30T17:02:00+00:00,us-east-1,sts,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
builder,arn:aws:iam::210987654321:user/ci/builder,2025-03-01T09:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-11-01T09:00:00+00:00,2026-11-22T04:00:00+00:00,us-east-1,ecr,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

/// `{"Version":"2012-10-17","Statement":[{"Sid":"Push","Effect":"Allow","Action":["ecr:*"],"Resource":"*"}]}`, URL-encoded as AWS sends it.
const ENCODED_PUSH: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22Push%22%2C%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22ecr%3A%2A%22%5D%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
const ENCODED_TRUST: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ecs-tasks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
const ENCODED_ADMIN: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";

fn recorded_client() -> (Client, Vec<aws_smithy_mocks::Rule>) {
    let generate = mock!(Client::generate_credential_report).then_output(|| {
        GenerateCredentialReportOutput::builder()
            .state(ReportStateType::Complete)
            .build()
    });
    let report = mock!(Client::get_credential_report).then_output(|| {
        GetCredentialReportOutput::builder()
            .content(Blob::new(REPORT))
            .generated_time(DateTime::from_secs(1_795_400_000))
            .build()
    });
    // Page 1 of the users/groups/roles/local policies listing: the user.
    let page_1 = mock!(Client::get_account_authorization_details)
        .match_requests(|r| r.marker().is_none() && r.filter().len() == 4)
        .then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .user_detail_list(
                    UserDetail::builder()
                        .user_name("builder")
                        .arn("arn:aws:iam::210987654321:user/ci/builder")
                        .path("/ci/")
                        .create_date(DateTime::from_secs(1_740_819_600))
                        .user_policy_list(
                            PolicyDetail::builder()
                                .policy_name("push")
                                .policy_document(ENCODED_PUSH)
                                .build(),
                        )
                        .build(),
                )
                .is_truncated(true)
                .marker("page-2")
                .build()
        });
    // Page 2: a role with an AWS-managed policy attached.
    let page_2 = mock!(Client::get_account_authorization_details)
        .match_requests(|r| r.marker() == Some("page-2"))
        .then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .role_detail_list(
                    RoleDetail::builder()
                        .role_name("deploy")
                        .arn("arn:aws:iam::210987654321:role/deploy")
                        .assume_role_policy_document(ENCODED_TRUST)
                        .attached_managed_policies(
                            AttachedPolicy::builder()
                                .policy_name("AdministratorAccess")
                                .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
                                .build(),
                        )
                        .build(),
                )
                .is_truncated(false)
                .build()
        });
    // The AWS-managed listing, asked for because one is attached.
    let aws_managed = mock!(Client::get_account_authorization_details)
        .match_requests(|r| r.marker().is_none() && r.filter().len() == 1)
        .then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .policies(
                    ManagedPolicyDetail::builder()
                        .policy_name("AdministratorAccess")
                        .arn("arn:aws:iam::aws:policy/AdministratorAccess")
                        .attachment_count(1)
                        .default_version_id("v1")
                        .policy_version_list(
                            PolicyVersion::builder()
                                .version_id("v1")
                                .is_default_version(true)
                                .document(ENCODED_ADMIN)
                                .build(),
                        )
                        .build(),
                )
                .is_truncated(false)
                .build()
        });
    let summary = mock!(Client::get_account_summary).then_output(|| {
        GetAccountSummaryOutput::builder()
            .summary_map(SummaryKeyType::AccountMfaEnabled, 1)
            .summary_map(SummaryKeyType::AccountAccessKeysPresent, 1)
            .build()
    });
    let no_policy = mock!(Client::get_account_password_policy).then_error(|| {
        GetAccountPasswordPolicyError::NoSuchEntityException(
            NoSuchEntityException::builder()
                .message("The Password Policy with domain name 210987654321 cannot be found.")
                .build(),
        )
    });
    let rules = vec![
        generate,
        report,
        page_1,
        page_2,
        aws_managed,
        summary,
        no_policy,
    ];
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &rules);
    (client, rules)
}

#[test]
fn root_row_pages_and_encoded_documents() {
    let (client, rules) = recorded_client();
    let started = jiff::Timestamp::from_second(1_795_400_000).unwrap();
    let collected =
        collect::collect_blocking(&client, &collect::Options::default(), started).unwrap();
    let snapshot = collected.snapshot;
    assert_eq!(snapshot.not_collected, []);
    // Each recorded response was asked for exactly once: 7 calls for a
    // listing split over two pages plus the AWS-managed policies.
    let calls: Vec<usize> = rules.iter().map(|r| r.num_calls()).collect();
    assert_eq!(calls, [1; 7]);

    // The root row: its key and MFA.
    let root = snapshot.root.as_ref().unwrap();
    assert_eq!(root.mfa_active, Some(true));
    assert_eq!(root.access_keys.len(), 1);
    assert!(root.has_access_key());
    assert_eq!(snapshot.account_id.as_deref(), Some("210987654321"));
    // Both pages, decoded documents.
    assert_eq!(snapshot.users.len(), 1);
    assert_eq!(
        snapshot.users[0].inline_policies[0].document["Statement"][0]["Sid"],
        "Push"
    );
    assert_eq!(snapshot.roles.len(), 1);
    assert_eq!(
        snapshot.roles[0].trust_policy.as_ref().unwrap()["Statement"][0]["Principal"]["Service"],
        "ecs-tasks.amazonaws.com"
    );
    assert_eq!(snapshot.policies.len(), 1);
    assert_eq!(snapshot.policies[0].document["Statement"][0]["Action"], "*");
    // NoSuchEntity: the account has no password policy (collected, and empty).
    assert!(snapshot.password_policy.is_none());

    // Checked offline, the recorded account gives these findings.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("snap.json"), snapshot.to_json()).unwrap();
    std::fs::write(
        dir.path().join("secretary.yaml"),
        "version: 1\nidentities:\n  builder:\n    kind: ci\n    aws: { account: \"210987654321\", arn: \"arn:aws:iam::210987654321:user/ci/builder\" }\n    allow: [\"ecr:*\"]\n",
    )
    .unwrap();
    let r = run(secretary(dir.path()).args([
        "check",
        "secretary.yaml",
        "--iam-snapshot",
        "snap.json",
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    let keys: Vec<String> = finding_keys(&json(&r.stdout))
        .into_iter()
        .map(|(rule, entity, _, _)| format!("{rule} {entity}"))
        .collect();
    assert_eq!(
        keys,
        [
            "iam-policy-full-admin IamPolicy::\"arn:aws:iam::aws:policy/AdministratorAccess\"",
            "iam-root-access-key AwsAccount::\"210987654321\"",
            "iam-password-min-length AwsAccount::\"210987654321\"",
            "iam-password-reuse AwsAccount::\"210987654321\"",
            "iam-role-undeclared IamRole::\"deploy\"",
            // its inline `push` policy is attached to the user directly
            "iam-user-direct-policies IamUser::\"builder\"",
        ],
        "stderr: {}",
        r.stderr
    );
}
