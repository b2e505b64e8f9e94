//! The report's IAM tables: users, roles, groups, administrator access and
//! each inventory identity's declared `allow` against what it is granted,
//! from an IAM snapshot (`--iam-snapshot`, `--aws-snapshot`); without IAM
//! data the section says so and names the flags.

use crate::common;

use common::*;
use scraper::{Html, Selector};

const FIXTURE: [&str; 3] = [
    "tests/fixtures/iam/inventory.yaml",
    "--iam-snapshot",
    "tests/fixtures/iam/clean-snapshot.json",
];

fn report(args: &[&str], now: &str, format: &str) -> String {
    let out = run(secretary(&repo_root())
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .arg("report")
        .args(args)
        .args(["--now", now, "--format", format]));
    assert!(out.code <= 1, "{}", out.stderr);
    out.stdout
}

fn iam_section(md: &str) -> &str {
    let start = md.find("## IAM in the account").expect("the IAM section");
    let end = md[start + 3..]
        .find("\n## ")
        .map_or(md.len(), |e| start + 3 + e);
    &md[start..end]
}

/// The rows (cell texts) of the HTML table with `class`.
fn html_rows(html: &str, class: &str) -> Vec<Vec<String>> {
    let doc = Html::parse_document(html);
    let rows = Selector::parse(&format!("#iam-account table.{class} tbody tr")).unwrap();
    let cell = Selector::parse("td").unwrap();
    doc.select(&rows)
        .map(|row| {
            row.select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn fixture_snapshot_fills_every_table_in_markdown_and_html() {
    let md = report(&FIXTURE, NOW, "markdown");
    let section = iam_section(&md);
    assert_contains(section, "Account `111122223333`.");
    assert_contains(
        section,
        "| `deployer` | no | no | key 1 Active, 22 days old, last used 2026-11-22<br>key 2 Inactive, 326 days old, last used 2026-02-01 | deployers | — | deployer |",
    );
    assert_contains(
        section,
        "| `ops` | yes (last used 2026-11-21) | yes | none | operators |",
    );
    assert_contains(section, "| `app-task` | bedrock (inline) | — | app |");
    assert_contains(section, "| `operators` | ops | ReadOnlyAccess |");
    assert_contains(section, "No user or role has full administrator access.");
    assert_contains(
        section,
        "| `ops` | user ops | — | `iam:Get*`, `iam:List*`, `s3:Get*` | **`iam:Get*`, `iam:List*`, `s3:Get*`** |",
    );
    assert_contains(section, "| `legacy` | not found | — | — | none |");
    // The section follows the identities table.
    let identities = md
        .find("## Identities and least-privilege boundaries")
        .unwrap();
    assert!(identities < md.find("## IAM in the account").unwrap());

    let html = report(&FIXTURE, NOW, "html");
    let users = html_rows(&html, "iam-users");
    assert_eq!(users.len(), 2);
    assert_eq!(users[0][0], "deployer");
    assert!(users[1][1].starts_with("yes"), "console: {:?}", users[1]);
    assert!(users[1][1].contains("last used 2026-11-21"));
    assert_eq!(users[1][2], "yes", "MFA");
    let identities = html_rows(&html, "iam-identities");
    let app = identities.iter().find(|r| r[0] == "app").unwrap();
    assert_eq!(app[1], "role app-task");
    assert_eq!(app[4], "none");
    assert_eq!(html_rows(&html, "iam-roles").len(), 2);
    assert_eq!(html_rows(&html, "iam-groups").len(), 2);
}

#[test]
fn key_ages_follow_now() {
    let section = report(&FIXTURE, "2027-11-23", "markdown");
    assert_contains(
        iam_section(&section),
        "key 1 Active, 387 days old, last used 2026-11-22",
    );
}

#[test]
fn admin_attachments_name_the_policy_that_grants_them() {
    let args = [
        "examples/sasha/inventory",
        "--policies",
        "examples/sasha/policies",
        "--iam-snapshot",
        "examples/sasha/iam-snapshot.json",
    ];
    let md = report(&args, NOW, "markdown");
    assert_contains(
        iam_section(&md),
        "| user `hirebest-admin` | statement #1 of managed policy `AdministratorAccess` |",
    );
    let html = report(&args, NOW, "html");
    let admins = html_rows(&html, "iam-admins");
    assert_eq!(admins.len(), 1);
    assert_eq!(admins[0][0], "user hirebest-admin");
}

#[test]
fn aws_snapshot_gives_iam_tables_too() {
    let md = report(
        &[
            "examples/agent-platform/inventory.yaml",
            "--aws-snapshot",
            "examples/agent-platform/aws-snapshot.json",
        ],
        NOW,
        "markdown",
    );
    let section = iam_section(&md);
    assert_contains(
        section,
        "| `controller-secrets` | read-agent-secrets (inline) |",
    );
    assert_contains(
        section,
        "| `controller-secrets-role` | role controller-secrets | `secretsmanager:GetSecretValue` | `secretsmanager:GetSecretValue` | none |",
    );
}

#[test]
fn without_iam_data_the_section_says_not_checked_and_how() {
    let md = report(&["examples/clean/inventory.yaml"], NOW, "markdown");
    let section = iam_section(&md);
    assert_contains(section, "IAM was not checked");
    assert_contains(section, "`--iam-snapshot FILE`");
    assert!(!section.contains("**Users**"));
    let html = report(&["examples/clean/inventory.yaml"], NOW, "html");
    assert!(html_rows(&html, "iam-users").is_empty());
    assert_contains(&html, "IAM was not checked");
}
