//! The command line, end to end through the real binary.

use crate::common;

use std::fs;
use std::path::Path;

use common::*;

/// The rule the user named in the core issue, byte for byte.
const GATEWAY_RULE: &str = r#"@id("service-key-gateway-only")
@severity("critical")
@message("the service-role key may only be read by the gateway")
forbid(principal, action == Action::"read", resource == Secret::"SUPABASE_SERVICE_KEY")
unless { principal == Service::"gateway" };
"#;

const GATEWAY_INVENTORY: &str = r#"version: 1
environments:
  production: { tier: production }
services:
  gateway: { kind: gateway }
  worker: { kind: worker }
secrets:
  SUPABASE_SERVICE_KEY:
    classification: critical
    owner: platform
    rotation: { period: quarterly }
    instances:
      production: { backend: aws_secrets_manager, last_rotated: 2026-11-01 }
reads:
  - service: gateway
    secrets: [SUPABASE_SERVICE_KEY]
  - service: worker
    secrets: [SUPABASE_SERVICE_KEY]
    environments: [production]
"#;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// `secretary check inventory.yaml --policies policies --now NOW` plus `extra`.
fn check_with_rules(dir: &tempfile::TempDir, extra: &[&str]) -> Run {
    run(secretary(dir.path())
        .args([
            "check",
            "inventory.yaml",
            "--policies",
            "policies",
            "--now",
            NOW,
        ])
        .args(extra))
}

fn gateway_case() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "inventory.yaml", GATEWAY_INVENTORY);
    write(dir.path(), "policies/gateway.cedar", GATEWAY_RULE);
    dir
}

#[test]
fn the_users_gateway_rule_works_exactly_as_written() {
    let dir = gateway_case();
    let r = check_with_rules(&dir, &["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = json(&r.stdout);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    let finding = &findings[0];
    assert_eq!(finding["rule"], "service-key-gateway-only");
    assert_eq!(finding["severity"], "critical");
    assert_eq!(finding["entity"], "Secret::\"SUPABASE_SERVICE_KEY\"");
    assert_eq!(finding["principal"], "Service::\"worker\"");
    assert_eq!(finding["environment"], "production");
    assert_eq!(
        finding["message"],
        "the service-role key may only be read by the gateway"
    );
    assert_eq!(finding["file"], "inventory.yaml");
    assert_eq!(finding["line"], 18);
    assert_eq!(report["summary"]["total"], 1);
    assert_eq!(report["summary"]["passed"], false);

    // Without the worker's read, the same rule passes.
    let compliant = GATEWAY_INVENTORY
        .split("  - service: worker")
        .next()
        .unwrap();
    write(dir.path(), "inventory.yaml", compliant);
    let r = check_with_rules(&dir, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, "no findings; compliant");
}

#[test]
fn fail_on_sets_the_threshold_for_exit_1() {
    let dir = gateway_case();
    let check = |fail_on: &str| check_with_rules(&dir, &["--fail-on", fail_on]).code;
    assert_eq!(check("critical"), 1);
    assert_eq!(check("info"), 1);
    // Only built-in rules: the worker read is allowed (no `readers` list), so
    // nothing is found at all.
    let r = run(secretary(dir.path()).args(["check", "inventory.yaml", "--now", NOW]));
    assert_eq!(r.code, 0, "{}", r.stdout);
    // --no-builtin with no user rules finds nothing either.
    let r =
        run(secretary(dir.path()).args(["check", "inventory.yaml", "--now", NOW, "--no-builtin"]));
    assert_eq!(r.code, 0);
}

#[test]
fn info_findings_pass_at_the_default_threshold() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "inventory.yaml",
        "version: 1\nsecrets:\n  A:\n    name: TOKEN\n    classification: sensitive\n    scope: { level: organization }\n  B:\n    name: TOKEN\n    classification: sensitive\n    scope: { level: team, name: core }\n",
    );
    let r = run(secretary(dir.path()).args(["check", "inventory.yaml", "--now", NOW]));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_contains(&r.stdout, "scope-shadowing");
    assert_contains(&r.stdout, "none at or above `low`: compliant");
    let r = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--fail-on",
        "info",
    ]));
    assert_eq!(r.code, 1);
}

#[test]
fn a_rule_that_errors_at_evaluation_fails_the_run() {
    let dir = gateway_case();
    write(
        dir.path(),
        "policies/broken.cedar",
        "// valid under strict validation, but the entity does not exist\n@id(\"broken\")\n@severity(\"low\")\n@message(\"never shown\")\nforbid(principal, action == Action::\"define\", resource is Secret)\nwhen { Secret::\"NOPE\".never_log };\n",
    );
    let r = check_with_rules(&dir, &["--format", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report = json(&r.stdout);
    let errors: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["rule"], "broken");
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["passed"], false);
    assert_contains(&r.stderr, "error[rule-evaluation-error]");
    assert_contains(&r.stderr, "policies/broken.cedar:2:1");
    // An error fails even with the highest threshold.
    let r = check_with_rules(&dir, &["--fail-on", "critical"]);
    assert_eq!(r.code, 2);
}

#[test]
fn human_output_is_grouped_located_and_coloured_only_when_asked() {
    let dir = gateway_case();
    let args = [
        "check",
        "inventory.yaml",
        "--policies",
        "policies",
        "--now",
        NOW,
    ];
    let plain = run(secretary(dir.path()).args(args));
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "colour on a pipe: {}",
        plain.stdout
    );
    insta::assert_snapshot!(plain.stdout);

    let coloured = run(secretary(dir.path()).args(args).args(["--color", "always"]));
    assert_contains(&coloured.stdout, "\u{1b}[");
    let never = run(secretary(dir.path()).args(args).args(["--color", "never"]));
    assert!(!never.stdout.contains('\u{1b}'));
    // NO_COLOR wins over auto even where colour would otherwise be forced.
    let no_color = run(secretary(dir.path())
        .args(args)
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1"));
    assert!(!no_color.stdout.contains('\u{1b}'), "{}", no_color.stdout);
    // JSON never has colour.
    let json_out = run(secretary(dir.path())
        .args(args)
        .args(["--format", "json", "--color", "always"]));
    assert!(!json_out.stdout.contains('\u{1b}'));
}

#[test]
fn canary_values_never_reach_any_output() {
    // Values that could be secrets sit where the inventory allows text: a
    // secret env var's default, fingerprints, and a mistyped field.
    const CANARY: &str = "CANARY-7f3a9c-s3cr3t";
    let dir = tempfile::tempdir().unwrap();
    let inventory = format!(
        "version: 1\nenvironments:\n  staging: {{ tier: staging }}\n  production: {{ tier: production }}\nsecrets:\n  JWT_SECRET:\n    classification: critical\n    instances:\n      staging: {{ backend: env_var, env_var: JWT_SECRET, fingerprint: \"{CANARY}-fp\" }}\n      production: {{ backend: env_var, env_var: JWT_SECRET, fingerprint: \"{CANARY}-fp\" }}\n  OTHER:\n    classification: important\n    instances:\n      production: {{ backend: env_var, fingerprint: \"{CANARY}-fp\" }}\nenv_vars:\n  JWT_SECRET:\n    default: \"{CANARY}-default\"\n"
    );
    write(dir.path(), "inventory.yaml", &inventory);
    write(dir.path(), "bad.yaml", &format!("version: 1\nsecrets:\n  X:\n    classification: critical\n    never_log: \"{CANARY}-typed\"\n"));

    let mut outputs = Vec::new();
    for format in ["human", "json", "sarif", "junit"] {
        let r = run(secretary(dir.path()).args([
            "check",
            "inventory.yaml",
            "--now",
            NOW,
            "--format",
            format,
        ]));
        assert_eq!(r.code, 1, "{}", r.stderr);
        // The shared fingerprints and the default are found...
        for rule in [
            "fingerprint-reused-across-environments",
            "fingerprint-reused-across-secrets",
            "secret-env-var-default",
        ] {
            assert!(
                r.stdout.contains(rule),
                "{rule} missing from {format}: {}",
                r.stdout
            );
        }
        outputs.push(r);
    }
    // ...and a type error on a field holding a value does not echo it.
    let bad = run(secretary(dir.path()).args(["check", "bad.yaml", "--now", NOW]));
    assert_eq!(bad.code, 2);
    assert_contains(&bad.stderr, "error[wrong-type]");
    outputs.push(bad);
    outputs.push(run(secretary(dir.path()).args(["policies", "list"])));
    for r in outputs {
        assert!(
            !r.stdout.contains("CANARY"),
            "canary in stdout: {}",
            r.stdout
        );
        assert!(
            !r.stderr.contains("CANARY"),
            "canary in stderr: {}",
            r.stderr
        );
    }
}

#[test]
fn init_writes_a_compliant_starter_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(secretary(dir.path()).args(["init", "--now", NOW]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written = fs::read_to_string(dir.path().join("secretary.yaml")).unwrap();
    assert!(written.contains("last_rotated: 2026-11-23"), "{written}");
    assert!(
        written
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
            >= 5,
        "starter is commented"
    );
    // `check` with no path reads secretary.yaml.
    let r = run(secretary(dir.path()).args(["check", "--now", NOW]));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    fs::write(dir.path().join("secretary.yaml"), "mine").unwrap();
    let r = run(secretary(dir.path()).args(["init"]));
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, "already exists");
    assert_eq!(
        fs::read_to_string(dir.path().join("secretary.yaml")).unwrap(),
        "mine"
    );
}

#[test]
fn missing_default_inventory_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(secretary(dir.path()).args(["check", "--now", NOW]));
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, "`secretary.yaml` does not exist");
    assert_contains(&r.stderr, "secretary init");
}

#[test]
fn policies_list_and_explain() {
    let dir = gateway_case();
    let r = run(secretary(dir.path()).args(["policies", "list", "--policies", "policies"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, "service-key-gateway-only [critical]");
    assert_contains(&r.stdout, "source:   policies/gateway.cedar:1:1");

    let r = run(secretary(dir.path()).args(["policies", "explain", "rotation-overdue"]));
    assert_eq!(r.code, 0);
    insta::assert_snapshot!(r.stdout);

    let r = run(secretary(dir.path()).args(["policies", "explain", "rotation-overdu"]));
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, "did you mean `rotation-overdue`?");

    let r = run(secretary(dir.path()).args(["policies", "schema"]));
    assert_contains(&r.stdout, "entity SecretInstance");
}

#[test]
fn rule_ids_are_unique_and_listed() {
    let r = run(secretary(&repo_root()).args(["policies", "list", "--format", "json"]));
    let listed = json(&r.stdout);
    let ids: Vec<&str> = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    for rule in listed["rules"].as_array().unwrap() {
        for key in ["title", "description", "remediation"] {
            assert!(
                rule[key].is_string(),
                "built-in rule {} lacks @{key}",
                rule["id"]
            );
        }
    }
    insta::assert_snapshot!(ids.join("\n"));
}

#[test]
fn schema_describes_every_section() {
    let r = run(secretary(&repo_root()).args(["schema"]));
    assert_eq!(r.code, 0);
    let schema = json(&r.stdout);
    let properties = schema["properties"].as_object().unwrap();
    for section in [
        "version",
        "environments",
        "services",
        "identities",
        "stores",
        "secrets",
        "reads",
        "env_vars",
    ] {
        assert!(properties.contains_key(section), "schema lacks {section}");
        assert!(
            properties[section]["description"].is_string(),
            "{section} undocumented"
        );
    }
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn bad_now_and_bad_usage_exit_2() {
    let dir = gateway_case();
    let r = run(secretary(dir.path()).args(["check", "inventory.yaml", "--now", "23/11/2026"]));
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, "`--now 23/11/2026` is not a date");
    let r = run(secretary(dir.path()).args(["check", "--fail-on", "severe"]));
    assert_eq!(r.code, 2);
    let r = run(secretary(dir.path()).args(["frobnicate"]));
    assert_eq!(r.code, 2);
}

#[test]
fn help_texts() {
    let root = repo_root();
    for args in [
        vec!["--help"],
        vec!["check", "--help"],
        vec!["policies", "--help"],
        vec!["fingerprint", "--help"],
        vec!["report", "--help"],
        vec!["docs", "--help"],
        vec!["schema", "--help"],
        vec!["init", "--help"],
    ] {
        let r = run(secretary(&root).args(&args));
        assert_eq!(r.code, 0);
        insta::assert_snapshot!(format!("help-{}", args.join("-")), r.stdout);
    }
}

#[test]
fn closed_stdout_does_not_panic() {
    let root = repo_root();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("secretary"))
        .current_dir(&root)
        .args(["check", "tests/fixtures/rules/inventory.yaml", "--now", NOW])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(1));
}

/// `--help` of a command (words of `args` then `--help`).
fn help(args: &[&str]) -> String {
    let r = run(secretary(&repo_root()).args(args).arg("--help"));
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.stdout
}

/// Every command that reads an inventory takes it as positional PATHs,
/// but `docs`, whose positionals are the markdown files it rewrites.
#[test]
fn inventory_paths_are_positional() {
    for command in ["check", "report", "rotation", "fingerprint"] {
        let text = help(&[command]);
        assert_contains(&text, "[PATH]...");
        assert!(!text.contains("--inventory"), "{command}: {text}");
    }
    let docs = help(&["docs"]);
    assert_contains(&docs, "<FILE>...");
    assert_contains(&docs, "-i, --inventory <PATH>");
    assert_contains(
        &docs,
        "the positional FILEs are the markdown files `docs` rewrites",
    );
}

/// `--color` is listed only by `check`, whose `human` format is coloured.
/// The commands that listed it before still accept it (hidden, checked,
/// without effect); the others reject it as clap does, with exit 2.
#[test]
fn color_is_offered_only_where_output_is_coloured() {
    assert_contains(&help(&["check"]), "--color <WHEN>");
    let hidden: [&[&str]; 6] = [
        &["report"],
        &["docs"],
        &["rotation"],
        &["fingerprint"],
        &["iam", "snapshot"],
        &["aws", "snapshot"],
    ];
    for command in hidden {
        assert!(!help(command).contains("--color"), "{command:?}");
    }
    for command in [&["schema"][..], &["init"], &["policies", "list"]] {
        assert!(!help(command).contains("--color"), "{command:?}");
    }
    let dir = gateway_case();
    // Hidden but accepted: the report is written as before.
    let r = run(secretary(dir.path()).args([
        "report",
        "inventory.yaml",
        "--now",
        NOW,
        "--color",
        "always",
    ]));
    assert_ne!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stdout, "SUPABASE_SERVICE_KEY");
    assert!(!r.stdout.contains('\x1b'));
    // Still checked.
    let r = run(secretary(dir.path()).args(["report", "inventory.yaml", "--color", "sometimes"]));
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, "invalid value 'sometimes'");
    // Never offered: clap's own error.
    let r = run(secretary(dir.path()).args(["schema", "--color", "never"]));
    assert_eq!(r.code, 2);
    assert_contains(&r.stderr, "unexpected argument '--color'");
}

/// `report -o FILE` prints exactly one line on stderr naming the file, its
/// format and what it holds; stdout stays empty.
#[test]
fn report_o_names_what_it_wrote_on_one_line() {
    let dir = gateway_case();
    let check = check_with_rules(&dir, &["--format", "json"]);
    assert_eq!(json(&check.stdout)["findings"].as_array().unwrap().len(), 1);
    for (format, file, name) in [("markdown", "r.md", "markdown"), ("html", "r.html", "HTML")] {
        let r = run(secretary(dir.path()).args([
            "report",
            "inventory.yaml",
            "--policies",
            "policies",
            "--now",
            NOW,
            "--format",
            format,
            "-o",
            file,
            "--fail-on",
            "critical",
        ]));
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(r.stdout, "", "stdout stays clean");
        assert_eq!(
            r.stderr,
            format!(
                "wrote {file} ({name} report: 1 secret, 0 env vars, 0 identities; 1 finding, 1 at or above `critical`)\n"
            )
        );
        assert!(dir.path().join(file).is_file());
    }
    // Without -o: the report on stdout, nothing on stderr.
    let r = run(secretary(dir.path()).args(["report", "inventory.yaml", "--now", NOW]));
    assert_ne!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr, "");
}

/// `check -o`, `rotation -o` and `schema -o` also name each file written,
/// one line each, and keep stdout for what has no `-o`.
#[test]
fn other_o_outputs_name_what_they_wrote() {
    let dir = gateway_case();
    let r = check_with_rules(
        &dir,
        &[
            "--format",
            "sarif",
            "-o",
            "out.sarif",
            "--format",
            "junit",
            "-o",
            "junit.xml",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(json(&r.stdout)["findings"].as_array().unwrap().len(), 1);
    assert_eq!(
        r.stderr,
        "wrote out.sarif (sarif: 1 finding)\nwrote junit.xml (junit: 1 finding)\n"
    );
    let r = run(secretary(dir.path()).args([
        "rotation",
        "inventory.yaml",
        "--now",
        NOW,
        "-o",
        "cal.ics",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "wrote cal.ics (iCalendar: 1 scheduled rotation, 0 without a period)\n"
    );
}

/// `docs` does not judge: its help does not offer `--fail-on`, findings
/// never fail it, and an old script's `--fail-on` gets a warning saying so.
#[test]
fn docs_never_fails_on_findings_and_says_so() {
    let text = help(&["docs"]);
    assert!(!text.contains("--fail-on <"), "{text}");
    assert_contains(&text, "Findings never change the exit code of `docs`");
    let dir = gateway_case();
    write(
        dir.path(),
        "doc.md",
        "# Secrets\n<!-- secretary:begin secrets -->\n<!-- secretary:end secrets -->\n",
    );
    let args = [
        "docs",
        "doc.md",
        "-i",
        "inventory.yaml",
        "--policies",
        "policies",
        "--now",
        NOW,
    ];
    let r = run(secretary(dir.path()).args(args).args(["--fail-on", "info"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stderr, "warning: `docs --fail-on info` has no effect");
    assert_contains(
        &fs::read_to_string(dir.path().join("doc.md")).unwrap(),
        "SUPABASE_SERVICE_KEY",
    );
    // The same inventory fails `check` at that threshold.
    assert_eq!(check_with_rules(&dir, &["--fail-on", "info"]).code, 1);
}
