//! `secretary report`, `secretary docs` and `check --format markdown`: the
//! outputs rendered from templates, on every shipped example.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use scraper::{Html, Selector};

/// A fixed generation time (2026-11-18T11:06:40Z) so reports are byte-identical.
const EPOCH: &str = "1795000000";

fn examples() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(repo_root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// The inventory and policy arguments of an example, relative to the repo root.
fn example_args(name: &str) -> Vec<String> {
    let dir = repo_root().join("examples").join(name);
    let base = format!("examples/{name}");
    let mut args = vec![if dir.join("inventory.yaml").is_file() {
        format!("{base}/inventory.yaml")
    } else {
        format!("{base}/inventory")
    }];
    if dir.join("policies").is_dir() {
        args.push("--policies".into());
        args.push(format!("{base}/policies"));
    }
    args
}

fn report(dir: &Path, args: &[&str]) -> Run {
    run(secretary(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .arg("report")
        .args(args)
        .args(["--now", NOW]))
}

fn example_report(name: &str, format: &str) -> Run {
    let args = example_args(name);
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend(["--format", format]);
    report(&repo_root(), &all)
}

/// Filters the tool version, the generation time and digests (which change
/// with every edit of a built-in rule; `evidence_digests_are_of_the_files_read`
/// checks them).
fn filtered(name: &str, text: &str) {
    let version = env!("CARGO_PKG_VERSION").replace('.', r"\.");
    insta::with_settings!({filters => vec![
        (version.as_str(), "[VERSION]"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[GENERATED]"),
        (r"[0-9a-f]{64}", "[SHA256]"),
    ]}, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn markdown_and_html_reports_of_every_example_are_pinned() {
    for name in examples() {
        for (format, ext) in [("markdown", "md"), ("html", "html")] {
            let r = example_report(&name, format);
            assert!(
                r.code == 0 || r.code == 1,
                "{name} {format}: exit {}\n{}",
                r.code,
                r.stderr
            );
            assert!(r.stderr.is_empty(), "{name}: {}", r.stderr);
            filtered(&format!("report-{name}.{ext}"), &r.stdout);
        }
    }
}

/// One year after the pinned date every rotation of the examples has
/// fallen due: the reports must still render (exit 0 or 1, nothing on
/// stderr), with the overdue rows, calendar and score pinned.
#[test]
fn reports_of_every_example_one_year_later_are_pinned() {
    let later = jiff::civil::Date::strptime("%Y-%m-%d", NOW)
        .unwrap()
        .saturating_add(jiff::Span::new().years(1))
        .to_string();
    for name in examples() {
        let args = example_args(&name);
        for (format, ext) in [("markdown", "md"), ("html", "html")] {
            let r = run(secretary(&repo_root())
                .env("SOURCE_DATE_EPOCH", EPOCH)
                .arg("report")
                .args(&args)
                .args(["--now", &later, "--format", format]));
            assert!(
                r.code == 0 || r.code == 1,
                "{name} {format} at {later}: exit {}\n{}",
                r.code,
                r.stderr
            );
            assert!(r.stderr.is_empty(), "{name}: {}", r.stderr);
            assert_contains(&r.stdout, &later);
            filtered(&format!("report-{name}-plus-1-year.{ext}"), &r.stdout);
        }
    }
}

#[test]
fn check_markdown_summaries_of_every_example_are_pinned() {
    for name in examples() {
        let args = example_args(&name);
        let r = run(secretary(&repo_root())
            .arg("check")
            .args(&args)
            .args(["--now", NOW, "--format", "markdown"]));
        let json_run = run(secretary(&repo_root())
            .arg("check")
            .args(&args)
            .args(["--now", NOW, "--format", "json"]));
        assert_eq!(r.code, json_run.code, "{name}: same exit code as json");
        filtered(&format!("check-markdown-{name}"), &r.stdout);
    }
    // Below --fail-on, findings move into the collapsed details.
    let args = example_args("supabase-gateway");
    let r = run(secretary(&repo_root()).arg("check").args(&args).args([
        "--now",
        NOW,
        "--format",
        "markdown",
        "--fail-on",
        "critical",
    ]));
    assert_eq!(r.code, 1);
    assert_contains(
        &r.stdout,
        "<details><summary>7 more below `critical` or waived</summary>",
    );
}

#[test]
fn exit_codes_follow_fail_on() {
    let args = example_args("clean");
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(report(&repo_root(), &all).code, 0);
    let args = example_args("supabase-gateway");
    all = args.iter().map(String::as_str).collect();
    assert_eq!(report(&repo_root(), &all).code, 1);
    all.extend(["--fail-on", "critical"]);
    assert_eq!(report(&repo_root(), &all).code, 1);
    let args = example_args("agent-platform");
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend(["--fail-on", "critical"]);
    let r = report(&repo_root(), &all);
    assert_eq!(
        r.code, 0,
        "agent-platform has nothing critical: {}",
        r.stderr
    );
}

#[test]
fn two_runs_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let args = example_args("sasha");
    for format in ["html", "markdown"] {
        let mut outputs = Vec::new();
        for run_index in 0..2 {
            let out = dir.path().join(format!("{format}-{run_index}"));
            let mut cmd = secretary(&repo_root());
            cmd.env("SOURCE_DATE_EPOCH", EPOCH)
                .arg("report")
                .args(&args)
                .args(["--now", NOW, "--format", format, "-o"])
                .arg(&out);
            let r = run(&mut cmd);
            assert_eq!(r.code, 1, "{}", r.stderr);
            assert!(r.stdout.is_empty(), "-o leaves stdout empty");
            outputs.push(fs::read(&out).unwrap());
        }
        assert!(!outputs[0].is_empty());
        assert_eq!(outputs[0], outputs[1], "{format} differs between runs");
    }
    let summaries: Vec<String> = (0..2)
        .map(|_| {
            run(secretary(&repo_root())
                .arg("check")
                .args(&args)
                .args(["--now", NOW, "--format", "markdown"]))
            .stdout
        })
        .collect();
    assert_eq!(summaries[0], summaries[1]);
}

#[test]
fn generation_time_comes_from_source_date_epoch() {
    let args = example_args("clean");
    let r = run(secretary(&repo_root())
        .env("SOURCE_DATE_EPOCH", "0")
        .arg("report")
        .args(&args)
        .args(["--now", NOW]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, "| Generated | 1970-01-01T00:00:00Z |");
    let bad = run(secretary(&repo_root())
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .arg("report")
        .args(&args)
        .args(["--now", NOW]));
    assert_eq!(bad.code, 2);
    assert!(bad.stdout.is_empty());
    assert_contains(&bad.stderr, "error[invalid-source-date-epoch]");
}

#[test]
fn evidence_digests_are_of_the_files_read() {
    use sha2::Digest;
    let r = example_report("supabase-gateway", "markdown");
    let inventory = fs::read(repo_root().join("examples/supabase-gateway/inventory.yaml")).unwrap();
    let digest = secretary::source::hex(&sha2::Sha256::digest(&inventory));
    assert_contains(
        &r.stdout,
        &format!("| `examples/supabase-gateway/inventory.yaml` | `{digest}` |"),
    );
    let policy =
        fs::read(repo_root().join("examples/supabase-gateway/policies/gateway.cedar")).unwrap();
    let digest = secretary::source::hex(&sha2::Sha256::digest(&policy));
    assert_contains(
        &r.stdout,
        &format!("| `examples/supabase-gateway/policies/gateway.cedar` | `{digest}` |"),
    );
    assert_contains(&r.stdout, "| IAM snapshot | not checked |");
    assert_contains(&r.stdout, "| Evaluated as of (`--now`) | 2026-11-23 |");
    // The policy set digest changes with the rules.
    let set = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("| Policy set SHA-256 |"))
            .unwrap()
            .to_owned()
    };
    let without_project_rules = report(&repo_root(), &["examples/supabase-gateway/inventory.yaml"]);
    assert_ne!(set(&r.stdout), set(&without_project_rules.stdout));
}

#[test]
fn html_report_is_one_well_formed_self_contained_file() {
    let r = example_report("sasha", "html");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let html = &r.stdout;
    for external in [
        "<script",
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(external), "external asset `{external}`");
    }
    assert_contains(html, "@media print");
    let doc = Html::parse_document(html);
    let select = |s: &str| Selector::parse(s).unwrap();

    // Every section, with its heading.
    let headings: Vec<String> = doc
        .select(&select("section > h2"))
        .map(|h| h.text().collect())
        .collect();
    assert_eq!(
        headings,
        [
            "Not checked",
            "At a glance",
            "Compliance checklist",
            "Frameworks",
            "Findings",
            "Application secrets",
            "Secrets by environment",
            "Rotation calendar",
            "Secrets that must never be logged",
            "Environment variables",
            "Identities and least-privilege boundaries",
            "IAM in the account",
            "Encryption at rest",
            "Audit evidence",
        ]
    );

    // Tables have the inventory's rows: one per secret instance, one per
    // env var, one per identity; one article per finding.
    let json = json(
        &run(secretary(&repo_root())
            .arg("check")
            .args(example_args("sasha"))
            .args(["--now", NOW, "--format", "json"]))
        .stdout,
    );
    let findings = json["findings"].as_array().unwrap().len();
    assert_eq!(
        doc.select(&select("#findings article.finding")).count(),
        findings
    );
    let yaml = |file: &str| -> serde_yaml::Value {
        let path = repo_root().join("examples/sasha/inventory").join(file);
        serde_yaml::from_str(&fs::read_to_string(path).unwrap()).unwrap()
    };
    let len = |v: &serde_yaml::Value| v.as_mapping().map_or(0, |m| m.len());
    let secrets = yaml("secrets.yaml");
    let instances: usize = secrets["secrets"]
        .as_mapping()
        .unwrap()
        .values()
        .map(|s| len(&s["instances"]).max(1))
        .sum();
    assert_eq!(
        doc.select(&select("table.secrets tbody tr")).count(),
        instances
    );
    let env_vars = len(&yaml("env-vars.yaml")["env_vars"]);
    assert!(env_vars > 50);
    assert_eq!(
        doc.select(&select("table.env-vars tbody tr")).count(),
        env_vars
    );
    let identities = len(&yaml("system.yaml")["identities"]);
    assert_eq!(
        doc.select(&select("table.identities tbody tr")).count(),
        identities
    );

    // The JWT_SECRET default is a "hardcoded dev value": shown redacted.
    let jwt_row = doc
        .select(&select("table.env-vars tbody tr"))
        .find(|row| row.text().collect::<String>().starts_with("JWT_SECRET"))
        .unwrap();
    assert_eq!(
        jwt_row
            .select(&select("td"))
            .nth(1)
            .unwrap()
            .text()
            .collect::<String>(),
        "redacted"
    );

    // Checklist: every item lists its rules; failing items link to findings.
    let items: Vec<_> = doc.select(&select("ul.checklist > li")).collect();
    assert!(items.len() >= 13, "{}", items.len());
    for item in &items {
        let class = item.value().attr("class").unwrap();
        let links = item.select(&select("a")).count();
        assert_eq!(class == "fail", links > 0, "{}", item.html());
    }

    // Every in-page link has a target, and ids are unique.
    let ids: Vec<&str> = doc
        .select(&select("[id]"))
        .map(|e| e.value().attr("id").unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids");
    let mut links = 0;
    for a in doc.select(&select("a[href]")) {
        let href = a.value().attr("href").unwrap();
        let target = href
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("non-anchor link {href}"));
        assert!(ids.contains(&target), "dangling link {href}");
        links += 1;
    }
    assert!(links > findings, "checklist and contents link in");
}

#[test]
fn html_escapes_inventory_text() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inventory.yaml"),
        "version: 1\nenvironments:\n  prod: { tier: production }\nsecrets:\n  K:\n    classification: critical\n    owner: team\n    description: \"<script>alert(1)</script> | pipe\"\n    rotation: { period: 90d }\n    instances:\n      prod: { backend: aws_secrets_manager, last_rotated: 2026-11-01 }\n",
    )
    .unwrap();
    let html = report(dir.path(), &["inventory.yaml", "--format", "html"]);
    assert_eq!(html.code, 0, "{}", html.stderr);
    assert!(!html.stdout.contains("<script>"));
    assert_contains(
        &html.stdout,
        "&lt;script&gt;alert(1)&lt;&#x2f;script&gt; | pipe",
    );
    let md = report(dir.path(), &["inventory.yaml"]);
    assert_contains(&md.stdout, "&lt;script&gt;alert(1)&lt;/script&gt; \\| pipe");
    // Due in 90 - 22 = 68 days.
    assert_contains(
        &md.stdout,
        "| `K` | prod | 90d | 2026-11-01 | 2027-01-30 | 68 days left | team | — | — |",
    );
}

#[test]
fn bad_input_writes_no_file_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad.yaml"),
        "version: 1\nsecrets:\n  X: {}\n",
    )
    .unwrap();
    let r = report(
        dir.path(),
        &["bad.yaml", "-o", "out.html", "--format", "html"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert_contains(&r.stderr, "bad.yaml:3:");
    assert!(!dir.path().join("out.html").exists());
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn templates_dir_overrides_one_template() {
    let templates = tempfile::tempdir().unwrap();
    write(
        templates.path(),
        "secrets.md",
        "CUSTOM SECRETS: {% for g in secrets %}{{ g.classification }}={{ g.secrets | length }} {% endfor %}\n",
    );
    let args = example_args("supabase-gateway");
    let r = run(secretary(&repo_root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .arg("report")
        .args(&args)
        .args(["--now", NOW, "--templates"])
        .arg(templates.path()));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert_contains(
        &r.stdout,
        "## Application secrets\n\nCUSTOM SECRETS: critical=3 important=2 sensitive=2 public=2\n",
    );
    // The other sections are the built-in ones.
    assert_contains(
        &r.stdout,
        "## Secrets that must never be logged\n\n| Secret |",
    );

    // A file that replaces nothing is a warning with a suggestion.
    write(templates.path(), "secret.md", "x");
    let r = run(secretary(&repo_root())
        .arg("report")
        .args(&args)
        .args(["--now", NOW, "--templates"])
        .arg(templates.path()));
    assert_eq!(r.code, 1);
    assert_contains(
        &r.stderr,
        "warning[unknown-template]: template `secret.md` replaces no built-in template",
    );
    assert_contains(&r.stderr, "did you mean `secrets.md`?");
}

#[test]
fn broken_templates_are_located_errors() {
    let args = example_args("clean");
    let templates = tempfile::tempdir().unwrap();
    let out = templates.path().join("out.html");
    // A syntax error: the file and line, before anything is written.
    write(
        templates.path(),
        "report.html",
        "<html>\n<body>\n{% for x in %}\n</body>\n",
    );
    let r = run(secretary(&repo_root())
        .arg("report")
        .args(&args)
        .args(["--now", NOW, "--format", "html", "-o"])
        .arg(&out)
        .arg("--templates")
        .arg(templates.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(
        &r.stderr,
        "error[template-syntax]: cannot parse template `report.html`",
    );
    assert_contains(
        &r.stderr,
        &format!(
            "{}:3:1",
            portable(&templates.path().join("report.html").display().to_string())
        ),
    );
    assert_contains(&r.stderr, "3 | {% for x in %}");
    assert!(!out.exists());

    // A render error (a field the view model lacks) names the included template.
    fs::remove_file(templates.path().join("report.html")).unwrap();
    write(
        templates.path(),
        "never-log.md",
        "ok\n{{ never_log_typo }}\n",
    );
    let r = run(secretary(&repo_root())
        .arg("report")
        .args(&args)
        .args(["--now", NOW, "--templates"])
        .arg(templates.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_contains(
        &r.stderr,
        "error[template-error]: cannot render template `never-log.md`: undefined value",
    );
    assert_contains(
        &r.stderr,
        &format!(
            "{}:2:1",
            portable(&templates.path().join("never-log.md").display().to_string())
        ),
    );

    // A missing directory.
    let r = run(secretary(&repo_root()).arg("report").args(&args).args([
        "--now",
        NOW,
        "--templates",
        "no/such/dir",
    ]));
    assert_eq!(r.code, 2);
    assert_contains(
        &r.stderr,
        "error[unreadable-templates]: cannot read templates directory `no/such/dir`",
    );
}

/// Runs `docs` in `dir`, into which the supabase-gateway inventory and rules
/// are copied at the paths the example README is generated from.
fn docs(dir: &Path, files: &[&str], extra: &[&str]) -> Run {
    let example = dir.join("examples/supabase-gateway");
    if !example.exists() {
        fs::create_dir_all(example.join("policies")).unwrap();
        let source = repo_root().join("examples/supabase-gateway");
        for file in ["inventory.yaml", ".env.example", "policies/gateway.cedar"] {
            fs::copy(source.join(file), example.join(file)).unwrap();
        }
    }
    run(secretary(dir)
        .arg("docs")
        .args(files)
        .args(["--now", NOW])
        .args(
            example_args("supabase-gateway")
                .iter()
                .take(1)
                .flat_map(|i| ["-i".to_owned(), i.clone()]),
        )
        .args(["--policies", "examples/supabase-gateway/policies"])
        .args(extra))
}

#[test]
fn example_docs_never_drift() {
    let r = run(secretary(&repo_root()).args([
        "docs",
        "examples/supabase-gateway/README.md",
        "--check",
        "--now",
        NOW,
        "-i",
        "examples/supabase-gateway/inventory.yaml",
        "--policies",
        "examples/supabase-gateway/policies",
    ]));
    assert_eq!(
        r.code, 0,
        "examples/supabase-gateway/README.md is stale; regenerate it with the command it shows:\n{}{}",
        r.stdout, r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn docs_check_reports_stale_tables_and_docs_updates_them() {
    let dir = tempfile::tempdir().unwrap();
    let readme =
        fs::read_to_string(repo_root().join("examples/supabase-gateway/README.md")).unwrap();
    let stale = readme.replace(
        "| `SUPABASE_JWT_SECRET` (secret `JWT_SECRET`) | — | yes | Verifies user session JWTs |",
        "| `SUPABASE_JWT_SECRET` | hand-edited | yes | Verifies user session JWTs |",
    );
    assert_ne!(stale, readme);
    write(dir.path(), "README.md", &stale);
    write(
        dir.path(),
        "current.md",
        "# Current\n\nno markers, nothing to do\n",
    );

    let r = docs(dir.path(), &["README.md", "current.md"], &["--check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().filter(|l| l.starts_with('-') || l.starts_with('+')).collect::<Vec<_>>(),
        [
            "--- a/README.md",
            "+++ b/README.md",
            "-| `SUPABASE_JWT_SECRET` | hand-edited | yes | Verifies user session JWTs |",
            "+| `SUPABASE_JWT_SECRET` (secret `JWT_SECRET`) | — | yes | Verifies user session JWTs |",
        ]
    );
    assert_contains(&r.stderr, "1 of 2 files are stale");
    assert_contains(
        &r.stderr,
        "warning[no-docs-markers]: `current.md` has no `secretary:begin` marker",
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("README.md")).unwrap(),
        stale,
        "--check changes nothing"
    );

    let r = docs(dir.path(), &["README.md"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stderr, "updated README.md");
    assert_eq!(
        fs::read_to_string(dir.path().join("README.md")).unwrap(),
        readme
    );
    let r = docs(dir.path(), &["README.md"], &["--check"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn bad_docs_markers_are_located_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = "<!-- secretary:begin secrets -->\nold\n<!-- secretary:end secrets -->\n";
    write(dir.path(), "good.md", good);
    for (text, expect) in [
        (
            "# Doc\n\n<!-- secretary:begin secret -->\n<!-- secretary:end secret -->\n",
            "error[unknown-docs-table]: there is no docs table `secret`\n  --> bad.md:3:1",
        ),
        (
            "<!-- secretary:begin secrets -->\n<!-- secretary:begin findings -->\n<!-- secretary:end findings -->\n",
            "error[nested-docs-marker]: `secretary:begin findings` inside the block `secrets`\n  --> bad.md:2:1",
        ),
        (
            "text\n<!-- secretary:end secrets -->\n",
            "error[unbalanced-docs-marker]: `secretary:end secrets` has no `secretary:begin secrets` before it\n  --> bad.md:2:1",
        ),
        (
            "<!-- secretary:begin checklist -->\n",
            "error[unbalanced-docs-marker]: `secretary:begin checklist` is never closed\n  --> bad.md:1:1",
        ),
    ] {
        write(dir.path(), "bad.md", text);
        let r = docs(dir.path(), &["good.md", "bad.md"], &[]);
        assert_eq!(r.code, 2, "{text}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        assert_contains(&r.stderr, expect);
        assert_eq!(fs::read_to_string(dir.path().join("bad.md")).unwrap(), text);
        assert_eq!(
            fs::read_to_string(dir.path().join("good.md")).unwrap(),
            good,
            "no file is written when any is bad"
        );
    }
    let r = docs(dir.path(), &["missing.md"], &["--check"]);
    assert_eq!(r.code, 2);
    assert_contains(
        &r.stderr,
        "error[unreadable-docs-file]: cannot read `missing.md`",
    );
}

#[test]
fn canary_values_never_reach_reports_or_docs() {
    const CANARY: &str = "CANARY-7f3a9c-s3cr3t";
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "inventory.yaml",
        &format!(
            "version: 1\nenvironments:\n  staging: {{ tier: staging }}\n  production: {{ tier: production }}\nsecrets:\n  JWT_SECRET:\n    classification: critical\n    never_log: true\n    instances:\n      staging: {{ backend: env_var, env_var: JWT_SECRET, fingerprint: \"{CANARY}-fp\" }}\n      production: {{ backend: env_var, env_var: JWT_SECRET, fingerprint: \"{CANARY}-fp\" }}\n  OTHER:\n    classification: important\n    instances:\n      production: {{ backend: env_var, env_var: OTHER_KEY, fingerprint: \"{CANARY}-fp\" }}\nenv_vars:\n  JWT_SECRET:\n    default: \"{CANARY}-default\"\n    category: Security\n  OTHER_KEY:\n    default: \"{CANARY}-inferred\"\n  PORT:\n    default: 3000\n"
        ),
    );
    write(
        dir.path(),
        "doc.md",
        "<!-- secretary:begin env-vars -->\n<!-- secretary:end env-vars -->\n<!-- secretary:begin secrets -->\n<!-- secretary:end secrets -->\n<!-- secretary:begin never-log -->\n<!-- secretary:end never-log -->\n<!-- secretary:begin findings -->\n<!-- secretary:end findings -->\n",
    );
    let mut outputs = Vec::new();
    for format in ["markdown", "html"] {
        let r = report(dir.path(), &["inventory.yaml", "--format", format]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_contains(&r.stdout, "fingerprint-reused-across-environments");
        assert_contains(&r.stdout, "redacted");
        outputs.push(r.stdout);
    }
    let r = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "markdown",
    ]));
    assert_eq!(r.code, 1);
    assert_contains(&r.stdout, "secret-env-var-default");
    outputs.push(r.stdout);
    let r = run(secretary(dir.path()).args([
        "docs",
        "doc.md",
        "-i",
        "inventory.yaml",
        "--now",
        NOW,
        "--check",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    outputs.push(r.stdout);
    let r =
        run(secretary(dir.path()).args(["docs", "doc.md", "-i", "inventory.yaml", "--now", NOW]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    outputs.push(fs::read_to_string(dir.path().join("doc.md")).unwrap());
    // A plain variable's default is shown.
    assert_contains(&outputs[4], "| `PORT` | `3000` | no | — |");
    assert_contains(&outputs[4], "| `OTHER_KEY` (secret `OTHER`) | *redacted* |");
    for output in outputs {
        assert!(!output.contains("CANARY"), "canary in:\n{output}");
    }
}

/// Every template renders in every format on every example, at the pinned
/// date and one and three years later, when rotations fall overdue and
/// branches the pinned reports never reach are taken (issue 13: reports
/// failed exactly when a rotation was overdue).
#[test]
fn every_template_renders_on_every_example_at_every_date() {
    let dates = [NOW, "2027-11-23", "2029-11-23"];
    let tables = secretary::render::templates::DOCS_TABLES;
    let tmp = tempfile::tempdir().unwrap();
    let mut overdue_seen = false;
    for name in examples() {
        let args = example_args(&name);
        for now in dates {
            for format in ["markdown", "html"] {
                let mut cmd = secretary(&repo_root());
                cmd.env("SOURCE_DATE_EPOCH", EPOCH)
                    .arg("report")
                    .args(&args)
                    .args(["--now", now, "--format", format]);
                let r = run(&mut cmd);
                assert!(
                    r.code == 0 || r.code == 1,
                    "report of {name} as {format} at {now} exited {}:\n{}",
                    r.code,
                    r.stderr
                );
                assert!(!r.stdout.is_empty(), "{name} {format} {now}: empty report");
                overdue_seen |= r.stdout.contains("overdue by");
            }
            // Every docs table at once, into a fresh file.
            let file = tmp.path().join(format!("{name}-{now}.md"));
            let markers: String = tables
                .iter()
                .map(|t| format!("<!-- secretary:begin {t} -->\n<!-- secretary:end {t} -->\n"))
                .collect();
            fs::write(&file, &markers).unwrap();
            let mut cmd = secretary(&repo_root());
            cmd.arg("docs")
                .arg(&file)
                .args(["--now", now])
                .args(
                    args.iter()
                        .take(1)
                        .flat_map(|i| ["-i".to_owned(), i.clone()]),
                )
                .args(args.iter().skip(1));
            let r = run(&mut cmd);
            assert_eq!(r.code, 0, "docs of {name} at {now}:\n{}", r.stderr);
            let written = fs::read_to_string(&file).unwrap();
            assert!(
                written.len() > markers.len(),
                "docs of {name} at {now} filled no table"
            );
        }
    }
    assert!(
        overdue_seen,
        "no report showed an overdue rotation, so that branch went unrendered"
    );
}
