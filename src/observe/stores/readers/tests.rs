//! The reader analysis, case by case, and the indexed analysis against
//! the plain reference.

use super::*;
use crate::observe::iam::snapshot::{ManagedPolicy, Role};
use crate::observe::stores::snapshot::RegionStores;
use serde_json::json;

const ACCOUNT: &str = "123456789012";

fn role(name: &str, documents: Vec<Value>) -> Role {
    Role {
        name: name.to_owned(),
        arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
        attached_policies: Vec::new(),
        inline_policies: documents
            .into_iter()
            .enumerate()
            .map(|(i, document)| InlinePolicy {
                name: format!("p{i}"),
                document,
            })
            .collect(),
        trust_policy: None,
        last_used: None,
    }
}

fn secret(name: &str, policy: Option<Value>) -> StoredSecret {
    StoredSecret {
        name: name.to_owned(),
        arn: format!("arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:{name}-AbCdEf"),
        rotation_enabled: None,
        rotation_days: None,
        rotation_schedule: None,
        created: None,
        last_rotated: None,
        last_changed: None,
        last_accessed: None,
        next_rotation: None,
        current_version_created: None,
        kms_key_id: None,
        tags: BTreeMap::new(),
        owning_service: None,
        resource_policy: policy,
    }
}

fn snapshot(roles: Vec<Role>) -> Snapshot {
    let mut s = Snapshot::new(jiff::Timestamp::UNIX_EPOCH);
    s.account_id = Some(ACCOUNT.to_owned());
    s.roles = roles;
    s
}

fn stores(secrets: Vec<StoredSecret>) -> Stores {
    Stores {
        regions: vec![RegionStores {
            region: "eu-west-1".to_owned(),
            secrets_manager: Some(secrets),
            ssm: Some(Vec::new()),
        }],
        not_collected: Vec::new(),
    }
}

fn names(readers: &Readers, secret: &str) -> Vec<String> {
    readers
        .by_item
        .iter()
        .find(|(arn, _)| arn.contains(&format!(":secret:{secret}-")))
        .map(|(_, grants)| grants.iter().map(|g| g.principal.label()).collect())
        .unwrap_or_default()
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Statement": [{"Sid": "Read", "Effect": "Allow", "Action": action, "Resource": resource}]})
}

#[test]
fn scoped_grants_match_wildcards_and_case_insensitive_actions() {
    let iam = snapshot(vec![
        role(
            "api",
            vec![allow(
                "SecretsManager:getSecret*",
                "arn:aws:secretsmanager:*:*:secret:prod/api/*",
            )],
        ),
        role(
            "web",
            vec![allow(
                "secretsmanager:DescribeSecret",
                "arn:aws:secretsmanager:*:*:secret:*",
            )],
        ),
    ]);
    let readers = analyse(
        Some(&iam),
        &stores(vec![
            secret("prod/api/db", None),
            secret("prod/web/x", None),
        ]),
    );
    assert_eq!(names(&readers, "prod/api/db"), ["role `api`"]);
    assert!(names(&readers, "prod/web/x").is_empty());
    assert!(readers.broad.is_empty());
    let grant = &readers.by_item.values().next().unwrap()[0];
    assert_eq!(grant.statement, "`Read`");
    assert_eq!(grant.policy, "inline policy `p0` of role `api`");
}

#[test]
fn broad_readers_are_reported_once_not_per_secret() {
    let iam = snapshot(vec![
        role("admin", vec![allow("*", "*")]),
        role(
            "sso",
            vec![allow(
                "secretsmanager:*",
                "arn:aws:secretsmanager:*:*:secret:*",
            )],
        ),
        role(
            "notaction",
            vec![json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}})],
        ),
    ]);
    let readers = analyse(
        Some(&iam),
        &stores(vec![secret("a", None), secret("b", None)]),
    );
    assert!(readers.by_item.is_empty(), "{:?}", readers.by_item);
    let broad: Vec<String> = readers
        .broad
        .iter()
        .filter(|(s, _)| *s == StoreKind::SecretsManager)
        .map(|(_, g)| g.principal.label())
        .collect();
    assert_eq!(broad, ["role `admin`", "role `notaction`", "role `sso`"]);
}

#[test]
fn only_unconditional_plain_denies_subtract() {
    let deny = |condition: bool| {
        let mut statement =
            json!({"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"});
        if condition {
            statement["Condition"] = json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}});
        }
        statement
    };
    let read = json!({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:*:*:secret:db-*"});
    let iam = snapshot(vec![
        role(
            "denied",
            vec![json!({"Statement": [read.clone(), deny(false)]})],
        ),
        role(
            "conditional",
            vec![json!({"Statement": [read.clone(), deny(true)]})],
        ),
        role(
            "notresource",
            vec![
                json!({"Statement": [read.clone(), {"Effect": "Deny", "Action": "*", "NotResource": "arn:x"}]}),
            ],
        ),
    ]);
    let readers = analyse(Some(&iam), &stores(vec![secret("db", None)]));
    assert_eq!(
        names(&readers, "db"),
        ["role `conditional`", "role `notresource`"]
    );
}

#[test]
fn resource_policies_add_cross_account_and_anyone_and_can_deny() {
    let iam = snapshot(vec![role(
        "api",
        vec![allow("secretsmanager:GetSecretValue", "*:secret:shared*")],
    )]);
    let shared = secret(
        "shared",
        Some(json!({"Statement": [
            {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::210987654321:root", format!("arn:aws:iam::{ACCOUNT}:root")]}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
            {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}
        ]})),
    );
    let locked = secret(
        "locked",
        Some(json!({"Statement": [
            {"Effect": "Deny", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/ops")}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
        ]})),
    );
    let iam2 = {
        let mut s = iam.clone();
        s.roles.push(role(
            "ops",
            vec![allow(
                "secretsmanager:GetSecretValue",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:locked-*",
            )],
        ));
        s
    };
    let readers = analyse(Some(&iam2), &stores(vec![shared, locked]));
    assert_eq!(
        names(&readers, "shared"),
        [
            "role `api`",
            "account `210987654321` (cross-account)",
            "anyone (`Principal: *`)"
        ]
    );
    let partner = &readers.by_item.values().next().unwrap()[1];
    assert_eq!(partner.policy, "the resource policy of secret `shared`");
    assert_eq!(partner.statement, "`Partner`");
    assert!(names(&readers, "locked").is_empty());
}

/// The indexed analysis agrees with the plain one on accounts mixing
/// every kind of pattern, Deny and resource policy.
#[test]
fn the_indexed_analysis_agrees_with_the_reference() {
    // A small deterministic generator (no dependency for it).
    let mut seed = 0x2545_f491_u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let names = ["prod/a", "prod/ab", "prod/b/c", "dev/a", "prod/a?", "x"];
    let resources = [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/*",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/a*",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/a-??????",
        "arn:aws:secretsmanager:*:123456789012:secret:dev/*",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/b/c-AbCdEf",
        "*:secret:x*",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/*",
    ];
    let actions = [
        "secretsmanager:GetSecretValue",
        "secretsmanager:Get*",
        "ssm:GetParameter*",
        "s3:GetObject",
    ];
    let mut granted = 0;
    for _ in 0..200 {
        let roles = (0..4)
            .map(|r| {
                let statements: Vec<Value> = (0..3)
                    .map(|_| {
                        let mut s = json!({
                            "Effect": if next(4) == 0 { "Deny" } else { "Allow" },
                            "Action": actions[next(actions.len())],
                            "Resource": resources[next(resources.len())],
                        });
                        if next(5) == 0 {
                            s["Condition"] = json!({"Bool": {"aws:SecureTransport": "true"}});
                        }
                        s
                    })
                    .collect();
                role(&format!("r{r}"), vec![json!({ "Statement": statements })])
            })
            .collect();
        let secrets = names
            .iter()
            .map(|name| {
                let policy = (next(3) == 0).then(|| {
                    json!({"Statement": [{
                        "Effect": if next(3) == 0 { "Deny" } else { "Allow" },
                        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/r{}", next(4))},
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": "*"
                    }]})
                });
                secret(name, policy)
            })
            .collect();
        let mut stores = stores(secrets);
        stores.regions[0].ssm = Some(vec![Parameter {
            name: "/prod/p".to_owned(),
            arn: format!("arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/prod/p"),
            kind: "SecureString".to_owned(),
            key_id: None,
            last_modified: None,
            version: None,
            policies: Vec::new(),
        }]);
        let iam = snapshot(roles);
        let fast = analyse(Some(&iam), &stores);
        let plain = analyse_reference(Some(&iam), &stores);
        assert_eq!(fast.by_item, plain.by_item);
        assert_eq!(fast.broad, plain.broad);
        granted += fast.by_item.values().map(Vec::len).sum::<usize>();
    }
    assert!(
        granted > 500,
        "the cases grant too little to compare: {granted}"
    );
}

#[test]
fn a_policy_document_not_collected_counts_as_everything() {
    let mut iam = snapshot(vec![role("legacy", Vec::new())]);
    iam.roles[0]
        .attached_policies
        .push(format!("arn:aws:iam::{ACCOUNT}:policy/Gone"));
    iam.policies.push(ManagedPolicy {
        name: "Other".to_owned(),
        arn: format!("arn:aws:iam::{ACCOUNT}:policy/Other"),
        aws_managed: false,
        attachment_count: 0,
        document: json!({}),
    });
    let readers = analyse(Some(&iam), &stores(vec![secret("x", None)]));
    assert_eq!(readers.broad.len(), 2, "both stores: {:?}", readers.broad);
    assert!(readers.broad[0].1.policy.contains("document not collected"));
}
