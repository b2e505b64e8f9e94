//! The report per environment (`--environment`), per framework
//! (`--framework`), the secrets × environments matrix and the "At a glance"
//! pictures (issue 17, sections 3, 3b and 6).

use crate::common;

use std::fs;
use std::path::Path;

use common::*;
use scraper::{Html, Selector};

/// ALPHA_KEY is overdue in staging (a `rotation-overdue` finding there) and
/// fresh in production; BETA_KEY is due soon and only in production;
/// GAMMA_KEY has no period; DELTA_KEY (critical, no owner: a finding of no
/// environment) has no recorded rotation.
const INVENTORY: &str = "version: 1
environments:
  staging:
    tier: staging
  production:
    tier: production
secrets:
  ALPHA_KEY:
    classification: important
    owner: team-a
    rotation: { period: 90d }
    instances:
      staging:
        backend: aws_secrets_manager
        last_rotated: 2026-06-01
      production:
        backend: aws_secrets_manager
        last_rotated: 2026-11-01
  BETA_KEY:
    classification: important
    owner: team-b
    rotation: { period: 90d }
    instances:
      production:
        backend: aws_ssm_parameter
        last_rotated: 2026-09-10
  GAMMA_KEY:
    classification: sensitive
    owner: team-c
    instances:
      production:
        backend: aws_secrets_manager
        last_rotated: 2026-10-01
  DELTA_KEY:
    classification: critical
    rotation: { period: 30d }
    instances:
      production:
        backend: aws_secrets_manager
";

const YEAR_LATER: &str = "2027-11-23";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).unwrap();
    dir
}

fn report(dir: &Path, now: &str, args: &[&str]) -> Run {
    run(secretary(dir)
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .args(["report", "inventory.yaml", "--now", now])
        .args(args))
}

fn select(html: &Html, css: &str) -> Vec<String> {
    let selector = Selector::parse(css).unwrap();
    html.select(&selector)
        .map(|e| e.text().collect::<String>())
        .collect()
}

#[test]
fn environment_limits_findings_and_tables() {
    let dir = fixture();
    let full = report(dir.path(), NOW, &[]);
    assert_eq!(full.code, 1, "{}", full.stderr);
    assert_contains(&full.stdout, "**Not compliant**: 3 findings");
    assert_contains(&full.stdout, "| Secret | Period | staging | production |");

    let md = report(dir.path(), NOW, &["--environment", "production"]);
    assert_eq!(md.code, 1, "{}", md.stderr);
    // The staging finding is left out; the finding of no environment stays.
    assert_contains(&md.stdout, "**Not compliant**: 2 findings");
    assert_contains(&md.stdout, "Limited to the environment `production`");
    assert_contains(&md.stdout, "| Secret | Period | production |");
    assert!(!md.stdout.contains("| staging |"), "{}", md.stdout);

    let html = report(
        dir.path(),
        NOW,
        &["--environment", "production", "--format", "html"],
    );
    assert_eq!(html.code, 1, "{}", html.stderr);
    let doc = Html::parse_document(&html.stdout);
    let findings = select(&doc, "article.finding");
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(
        findings.iter().all(|f| !f.contains("staging")),
        "{findings:?}"
    );
    assert!(findings
        .iter()
        .any(|f| f.contains("critical-secret-without-owner")));
    assert!(select(&doc, "#limit")[0].contains("production"));
    // No instance of staging in any table.
    let environments = select(&doc, "table.secrets td:nth-child(2)");
    assert!(
        !environments.iter().any(|e| e == "staging"),
        "{environments:?}"
    );
    assert_eq!(select(&doc, "table.matrix thead th")[2..], ["production"]);

    // Repeating the flag covers both.
    let both = report(
        dir.path(),
        NOW,
        &["--environment", "staging", "--environment", "production"],
    );
    assert_contains(&both.stdout, "**Not compliant**: 3 findings");
    assert_contains(&both.stdout, "| Secret | Period | staging | production |");
}

#[test]
fn unknown_environments_and_frameworks_exit_2_and_write_nothing() {
    let dir = fixture();
    let out = dir.path().join("report.html");
    let r = report(
        dir.path(),
        NOW,
        &[
            "--environment",
            "prod",
            "--environment",
            "qa",
            "--framework",
            "SOC",
            "-o",
            "report.html",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(!out.exists());
    assert_contains(
        &r.stderr,
        "error[unknown-environment]: `--environment prod` names no environment of the inventory",
    );
    assert_contains(&r.stderr, "did you mean `production`?");
    assert_contains(&r.stderr, "`--environment qa`");
    assert_contains(&r.stderr, "error[unknown-framework]: `--framework SOC`");
    assert_contains(
        &r.stderr,
        "the known frameworks are: CIS AWS Foundations v3.0; CWE; NIST SP 800-53r5; PCI DSS v3.2.1",
    );
}

#[test]
fn matrix_cells_say_backend_state_and_age_at_now_and_a_year_later() {
    let dir = fixture();
    let now = report(dir.path(), NOW, &[]).stdout;
    for row in [
        "| `ALPHA_KEY` | 90d | aws_secrets_manager: **overdue**, 175 d | aws_secrets_manager: **ok**, 22 d |",
        "| `BETA_KEY` | 90d | — | aws_ssm_parameter: **due soon**, 74 d |",
        "| `GAMMA_KEY` | — | — | aws_secrets_manager: **no period**, 53 d |",
        "| `DELTA_KEY` | 30d | — | aws_secrets_manager: **not recorded** |",
    ] {
        assert_contains(&now, row);
    }
    let later = report(dir.path(), YEAR_LATER, &[]).stdout;
    for row in [
        "| `ALPHA_KEY` | 90d | aws_secrets_manager: **overdue**, 540 d | aws_secrets_manager: **overdue**, 387 d |",
        "| `BETA_KEY` | 90d | — | aws_ssm_parameter: **overdue**, 439 d |",
        "| `GAMMA_KEY` | — | — | aws_secrets_manager: **no period**, 418 d |",
    ] {
        assert_contains(&later, row);
    }

    // HTML: the state is a class (colour) and a word (print).
    let html = report(dir.path(), NOW, &["--format", "html"]).stdout;
    let doc = Html::parse_document(&html);
    let overdue = select(&doc, "table.matrix td.state-overdue .state");
    assert_eq!(overdue, ["overdue"]);
    assert_eq!(
        select(&doc, "table.matrix td.state-due-soon"),
        ["aws_ssm_parameterdue soon, 74 d"]
    );
    assert_eq!(select(&doc, "table.matrix td.none").len(), 3);
}

#[test]
fn frameworks_group_controls_and_limit_findings() {
    let dir = fixture();
    let full = report(dir.path(), NOW, &[]).stdout;
    for line in [
        "**NIST SP 800-53r5**:",
        "**PCI DSS v3.2.1**:",
        "**CWE**:",
        "**CIS AWS Foundations v3.0**:",
        "| CM-8 | fail (4 facts; 12 of 14 rules not checked) | ",
        "[critical-secret-without-owner on Secret::\"DELTA_KEY\"]",
        "| 3.6.4 | fail (10 facts; 1 instances outside development with a rotation period but no `last_rotated`) | ",
        "| 1.4 | not checked | `iam-root-access-key` | — |",
        // No log sink reads a secret here: nothing for the rule to judge.
        "| CWE-532 | not applicable | `never-log-read-by-log-sink` | — |",
    ] {
        assert_contains(&full, line);
    }

    // A case-insensitive prefix names a framework.
    let pci = report(dir.path(), NOW, &["--framework", "pci"]).stdout;
    assert_contains(&pci, "**Not compliant**: 2 findings");
    assert_contains(&pci, "Findings and frameworks limited to PCI DSS v3.2.1.");
    assert_contains(&pci, "**PCI DSS v3.2.1**:");
    assert!(!pci.contains("**NIST SP 800-53r5**:"), "{pci}");
    assert!(!pci.contains("**CWE**:"), "{pci}");
    // The checklist holds only the framework's rules: an item whose findings
    // the limit left out is not shown, let alone ticked.
    assert_contains(&full, "Every critical secret has an owner");
    assert!(!pci.contains("Every critical secret has an owner"), "{pci}");

    let html = report(
        dir.path(),
        NOW,
        &[
            "--framework",
            "pci",
            "--framework",
            "CWE",
            "--format",
            "html",
        ],
    )
    .stdout;
    let doc = Html::parse_document(&html);
    assert_eq!(select(&doc, "#frameworks h3"), ["CWE", "PCI DSS v3.2.1"]);
    let findings = select(&doc, "article.finding");
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(!findings
        .iter()
        .any(|f| f.contains("critical-secret-without-owner")));
}

/// Every inline `<svg>…</svg>` of a page.
fn svgs(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + "</svg>".len();
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

#[test]
fn pictures_are_well_formed_svg_with_titles_and_text_equivalents() {
    let dir = fixture();
    for now in [NOW, YEAR_LATER] {
        let html = report(dir.path(), now, &["--format", "html"]).stdout;
        assert!(!html.to_lowercase().contains("<script"), "{html}");
        let pictures = svgs(&html);
        assert_eq!(pictures.len(), 4);
        for svg in &pictures {
            let doc = roxmltree::Document::parse(svg)
                .unwrap_or_else(|e| panic!("not well-formed ({e}):\n{svg}"));
            let title = doc
                .root_element()
                .children()
                .find(|n| n.has_tag_name("title"))
                .and_then(|n| n.text())
                .expect("a <title>");
            assert!(!title.is_empty());
            assert!(!svg.contains("href=\"http"), "no external asset: {svg}");
        }
        // Each picture has its numbers next to it.
        let doc = Html::parse_document(&html);
        assert_eq!(select(&doc, "#at-a-glance table.picture-data").len(), 4);
        let timeline = select(&doc, "#picture-timeline table.picture-data td").join("|");
        let ages = select(&doc, "#picture-ages table.picture-data td").join("|");
        if now == NOW {
            // ALPHA in staging is overdue; BETA is due in 2026-12 and every
            // 90 days after; ALPHA in production in 2027-01 likewise.
            assert_contains(
                &timeline,
                "overdue at 2026-11-23|1 (overdue)|2026-11|0|2026-12|1|",
            );
            assert_contains(&timeline, "2027-01|1|2027-02|0|2027-03|1|2027-04|1|");
            assert_contains(
                &ages,
                "under 50% of period|1|50–90% of period|1|90–100% of period|0|overdue (over 100%)|1 (overdue)|no period|1|not recorded|1",
            );
        } else {
            assert_contains(&timeline, "overdue at 2027-11-23|3 (overdue)|");
        }
    }
    // Markdown gets the tables, never SVG.
    let md = report(dir.path(), NOW, &[]).stdout;
    assert!(!md.contains("<svg"));
    assert_contains(&md, "| overdue at 2026-11-23 | 1 (overdue) |");
    assert_contains(&md, "| high | 1 |");
}
