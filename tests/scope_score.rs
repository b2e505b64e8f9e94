//! The report's scope (`system:`), score and checklist states, on
//! purpose-built inventories, through the real binary: each state on an
//! inventory made to produce it, the score's arithmetic, and that observing
//! less never raises the score. HTML is read with a real HTML parser.

use std::path::Path;

use scraper::{Html, Selector};

use crate::common::{self, assert_contains, run, secretary, NOW};

/// One production secret with an owner, a period and a recent rotation:
/// `extra` is appended to the secret's production instance.
fn inventory(system: &str, owner: &str, instance_extra: &str) -> String {
    format!(
        "version: 1\n{system}environments:\n  production: {{ tier: production }}\n  dev: {{ tier: development }}\nservices:\n  api: {{ kind: api }}\nsecrets:\n  JWT_SECRET:\n    classification: critical\n{owner}    readers: [api]\n    rotation: {{ period: 90d }}\n    instances:\n      production:\n        backend: aws_secrets_manager\n        env_var: JWT_SECRET\n{instance_extra}reads:\n  - service: api\n    secrets: [JWT_SECRET]\nenv_vars:\n  JWT_SECRET:\n    required: true\n    secret: JWT_SECRET\n"
    )
}

const SYSTEM: &str = "system:\n  name: payments\n  description: Card payments for the shop\n  owners: [payments-team, security]\n  environments_in_scope: [production]\n  reviewer: Ada Auditor\n";
const OWNER: &str = "    owner: payments-team\n";
const ROTATED: &str = "        last_rotated: 2026-10-01\n";

fn report(dir: &Path, text: &str, format: &str, extra: &[&str]) -> common::Run {
    std::fs::write(dir.join("inventory.yaml"), text).unwrap();
    let out = run(secretary(dir)
        .args(["report", "inventory.yaml", "--now", NOW, "--format", format])
        .args(extra));
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    out
}

fn html(dir: &Path, text: &str, extra: &[&str]) -> Html {
    Html::parse_document(&report(dir, text, "html", extra).stdout)
}

fn texts(doc: &Html, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).unwrap();
    doc.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The state label of the checklist item titled `title`.
fn state(doc: &Html, title: &str) -> String {
    let item = Selector::parse("ul.checklist > li").unwrap();
    let strong = Selector::parse("strong").unwrap();
    let label = Selector::parse(".state").unwrap();
    doc.select(&item)
        .find(|li| {
            li.select(&strong)
                .any(|s| s.text().collect::<String>() == title)
        })
        .and_then(|li| li.select(&label).next())
        .map(|s| s.text().collect())
        .unwrap_or_else(|| "absent".to_owned())
}

/// (N, M) from "N of M checklist items pass".
fn score(doc: &Html) -> (usize, usize) {
    let n = texts(doc, "#score .score-pass")[0].parse().unwrap();
    let m = texts(doc, "#score .score-total")[0].parse().unwrap();
    (n, m)
}

fn not_checked_rows(doc: &Html) -> Vec<String> {
    texts(
        doc,
        "#not-checked table.not-checked tbody tr td:first-child",
    )
}

#[test]
fn each_state_on_an_inventory_made_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let owners = "Every critical secret has an owner";
    // pass: a critical secret with an owner.
    let doc = html(dir.path(), &inventory("", OWNER, ROTATED), &[]);
    assert_eq!(state(&doc, owners), "pass");
    // fail: without one.
    let doc = html(dir.path(), &inventory("", "", ROTATED), &[]);
    assert_eq!(state(&doc, owners), "fail");
    // not applicable: no secret at all, so nothing to check.
    let empty = "version: 1\nenvironments:\n  production: { tier: production }\n";
    let doc = html(dir.path(), empty, &[]);
    assert_eq!(state(&doc, owners), "not applicable");
    // incomplete: a production instance whose encryption is unknown.
    let encryption = "Secrets encrypted at rest";
    let doc = html(dir.path(), &inventory("", OWNER, ROTATED), &[]);
    assert_eq!(state(&doc, encryption), "pass");
    let unknown = format!("{ROTATED}        encryption: unknown\n");
    let doc = html(dir.path(), &inventory("", OWNER, &unknown), &[]);
    assert_eq!(state(&doc, encryption), "incomplete");
    let tags = texts(&doc, "ul.checklist .unknown");
    assert_eq!(tags, ["1 instances with encryption `unknown`"]);
    // ... and a rotation item whose instance has no `last_rotated` is
    // incomplete or failing, never a pass.
    let doc = html(dir.path(), &inventory("", OWNER, ""), &[]);
    let rotation = state(&doc, "Rotation schedule documented and followed");
    assert!(rotation == "incomplete" || rotation == "fail", "{rotation}");
    // not checked: the IAM items without IAM data, listed in their own
    // block with the flag that checks them, and absent from the checklist.
    let doc = html(dir.path(), &inventory("", OWNER, ROTATED), &[]);
    let iam = "Console users sign in with MFA";
    assert!(not_checked_rows(&doc).iter().any(|t| t == iam));
    assert_eq!(state(&doc, iam), "absent");
    let row = texts(&doc, "#not-checked tbody tr")
        .into_iter()
        .find(|r| r.starts_with(iam))
        .unwrap();
    assert!(row.contains("--iam-snapshot FILE"), "{row}");
    // Nothing but pass and pass-with-waivers is ticked.
    let ticked = Selector::parse("ul.checklist > li").unwrap();
    for li in doc.select(&ticked) {
        let text: String = li.text().collect();
        if text.contains('\u{2611}') {
            assert!(
                li.value()
                    .has_class("pass", scraper::CaseSensitivity::CaseSensitive)
                    || li
                        .value()
                        .has_class("waived", scraper::CaseSensitivity::CaseSensitive),
                "{text}"
            );
        }
    }
}

/// An item's facts are its rules' own subject, not every fact of their
/// type: "secret files readable by their owner only" judges the instances
/// held in files, so with none it is not applicable, never a pass.
#[test]
fn an_item_judges_only_the_facts_its_rules_are_about() {
    let dir = tempfile::tempdir().unwrap();
    let files = "Secret files readable by their owner only";
    let facts = |doc: &Html| -> String {
        let item = Selector::parse("ul.checklist > li").unwrap();
        let strong = Selector::parse("strong").unwrap();
        doc.select(&item)
            .find(|li| {
                li.select(&strong)
                    .any(|s| s.text().collect::<String>() == files)
            })
            .map(|li| li.text().collect())
            .unwrap_or_default()
    };
    let doc = html(dir.path(), &inventory("", OWNER, ROTATED), &[]);
    assert_eq!(state(&doc, files), "not applicable", "{}", facts(&doc));
    for (mode, expected) in [("0600", "pass"), ("0644", "fail")] {
        let file =
            format!("{ROTATED}        file: {{ path: /run/secrets/jwt, mode: \"{mode}\" }}\n");
        let doc = html(dir.path(), &inventory("", OWNER, &file), &[]);
        assert_eq!(state(&doc, files), expected, "{mode}: {}", facts(&doc));
        // One fact judged: the one instance in a file.
        assert_contains(&facts(&doc), "1 ");
    }
}

#[test]
fn the_score_counts_every_item_but_the_not_applicable_ones() {
    let dir = tempfile::tempdir().unwrap();
    let doc = html(dir.path(), &inventory("", "", ROTATED), &[]);
    let states = texts(&doc, "ul.checklist > li .state");
    let not_checked = not_checked_rows(&doc).len();
    let pass = states
        .iter()
        .filter(|s| *s == "pass" || *s == "pass with waivers")
        .count();
    let applicable = states.iter().filter(|s| *s != "not applicable").count();
    assert!(not_checked > 0);
    assert!(states.iter().any(|s| s == "fail"));
    assert_eq!(score(&doc), (pass, applicable + not_checked));
    // The same numbers in Markdown.
    let md = report(dir.path(), &inventory("", "", ROTATED), "markdown", &[]).stdout;
    assert_contains(
        &md,
        &format!(
            "**{pass} of {} checklist items pass**",
            applicable + not_checked
        ),
    );
}

#[test]
fn observing_less_never_raises_the_score() {
    let root = common::repo_root();
    let iam = root.join("tests/fixtures/iam");
    let scored = |extra: &[&str]| {
        let out = run(secretary(&iam)
            .args(["report", "inventory.yaml", "--now", NOW, "--format", "html"])
            .args(extra));
        assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
        score(&Html::parse_document(&out.stdout))
    };
    let (n_with, m_with) = scored(&["--iam-snapshot", "clean-snapshot.json"]);
    let (n_without, m_without) = scored(&[]);
    // Without IAM data the IAM items are not checked: still in M, not in N.
    assert_eq!(m_with, m_without);
    assert!(
        n_without < n_with,
        "{n_without} of {m_without} vs {n_with} of {m_with}"
    );

    // An item made not applicable (its facts removed) leaves M, and N
    // never grows.
    let dir = tempfile::tempdir().unwrap();
    let (n_full, m_full) = score(&html(dir.path(), &inventory("", OWNER, ROTATED), &[]));
    let empty = "version: 1\nenvironments:\n  production: { tier: production }\n";
    let (n_empty, m_empty) = score(&html(dir.path(), empty, &[]));
    assert!(m_empty < m_full && n_empty < n_full);
    assert!(n_empty <= n_full);
}

#[test]
fn the_header_shows_the_scope_sign_off_and_digest() {
    let dir = tempfile::tempdir().unwrap();
    let text = inventory(SYSTEM, OWNER, ROTATED);
    let doc = html(dir.path(), &text, &[]);
    assert_eq!(texts(&doc, "h1"), ["Secrets compliance report: payments"]);
    assert_eq!(
        texts(&doc, "head > title"),
        [format!("Secrets compliance report: payments ({NOW})")]
    );
    let scope: Vec<(String, String)> = texts(&doc, "#scope dt")
        .into_iter()
        .zip(texts(&doc, "#scope dd"))
        .collect();
    let field = |name: &str| {
        scope
            .iter()
            .find(|(dt, _)| dt == name)
            .map(|(_, dd)| dd.clone())
            .unwrap()
    };
    assert_eq!(field("System"), "payments");
    assert_eq!(field("Owners"), "payments-team, security");
    assert_eq!(field("Environments in scope"), "production");
    assert_eq!(field("Reviewer"), "Ada Auditor");
    let policy_digest = field("Policy set SHA-256");
    assert_eq!(policy_digest.len(), 64);
    assert_eq!(
        texts(&doc, "#evidence dl.meta dd code").first(),
        Some(&policy_digest),
        "the header's policy digest is the evidence's"
    );
    assert_eq!(field("Inventory files SHA-256").len(), 64);
    assert_contains(&texts(&doc, "header p")[0], "Card payments for the shop");
    // Sign-off: three empty fields to fill in.
    assert_eq!(
        texts(&doc, "#sign-off th"),
        ["Reviewer", "Date", "Decision"]
    );
    assert_eq!(texts(&doc, "#sign-off td"), ["", "", ""]);

    // The same header in Markdown.
    let md = report(dir.path(), &text, "markdown", &[]).stdout;
    assert!(
        md.starts_with("# Secrets compliance report: payments\n"),
        "{md}"
    );
    for line in [
        "| System | payments |",
        "| Owners | payments-team, security |",
        "| Environments in scope | `production` |",
        "| Reviewer | Ada Auditor |",
        &format!("| Policy set SHA-256 | `{policy_digest}` |"),
        "| Reviewer | Date | Decision |",
    ] {
        assert_contains(&md, line);
    }

    // The digest follows the inventory's bytes.
    let before = field("Inventory files SHA-256");
    let doc = html(dir.path(), &format!("{text}# edited\n"), &[]);
    let after: Vec<String> = texts(&doc, "#scope dd");
    assert!(!after.contains(&before));
}

#[test]
fn without_system_the_title_is_the_default_and_every_environment_is_in_scope() {
    let dir = tempfile::tempdir().unwrap();
    let doc = html(dir.path(), &inventory("", OWNER, ROTATED), &[]);
    assert_eq!(texts(&doc, "h1"), ["Secrets compliance report"]);
    let md = report(dir.path(), &inventory("", OWNER, ROTATED), "markdown", &[]).stdout;
    assert!(md.starts_with("# Secrets compliance report\n"), "{md}");
    assert_contains(
        &md,
        "| Environments in scope | all declared: `dev`, `production` |",
    );
}
