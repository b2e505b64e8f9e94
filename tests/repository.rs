//! Secret files on this machine (`check --env`), the git repository
//! (`sources.repository`) and `.env.example` files (`sources.env_example`):
//! real files with real modes in temporary directories, a real git
//! repository per case, and canary values that must reach no output.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

/// Canary values written into secret files, `.env` files and examples.
const CANARY: &str = "CANARYq7Zx9Lm2Vb8Nc4";

/// A temporary directory, optionally a git work tree.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn git_repo() -> Case {
        let case = Case::new();
        case.git(&["init", "-q", "."]);
        case
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    #[cfg(unix)]
    fn chmod(&self, relative: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(self.path().join(relative), fs::Permissions::from_mode(mode)).unwrap();
    }

    fn git(&self, args: &[&str]) {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(self.path())
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?} failed");
    }

    fn commit(&self, paths: &[&str]) {
        let mut add = vec!["add", "-f", "--"];
        add.extend(paths);
        self.git(&add);
        self.git(&["commit", "-q", "-m", "test"]);
    }

    /// `secretary check inventory.yaml --now NOW` plus `args`, from the case.
    fn check(&self, args: &[&str]) -> Run {
        run(secretary(self.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["check", "inventory.yaml", "--now", NOW])
            .args(args))
    }

    fn check_json(&self, args: &[&str]) -> (Run, Vec<String>) {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let r = self.check(&all);
        assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
        let keys = finding_lines(&json(&r.stdout));
        (r, keys)
    }
}

/// `rule entity env @ file:line` of each finding.
fn finding_lines(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("-").to_owned();
            format!(
                "{} {} {} @ {}:{}",
                s("rule"),
                s("entity"),
                s("environment"),
                s("file"),
                f["line"]
            )
        })
        .collect()
}

fn rules_of(lines: &[String]) -> Vec<&str> {
    let mut rules: Vec<&str> = lines.iter().map(|l| l.split(' ').next().unwrap()).collect();
    rules.sort();
    rules
}

/// The rules of `policies/repository.cedar` (and the not-verified gaps).
const RULES: [&str; 14] = [
    "secret-file-too-open-on-disk",
    "secret-file-wrong-owner",
    "secret-file-missing",
    "secret-file-mode-drift",
    "secret-file-committed",
    "secret-file-not-ignored",
    "env-file-committed",
    "env-backup-committed",
    "env-file-not-ignored",
    "env-example-undeclared-variable",
    "env-var-missing-from-env-example",
    "env-example-real-value",
    "files-not-verified",
    "repository-not-verified",
];

/// Whether a finding of one of [`RULES`] contains `needle`.
fn has(lines: &[String], needle: &str) -> bool {
    lines
        .iter()
        .filter(|l| RULES.contains(&l.split(' ').next().unwrap()))
        .any(|l| l.contains(needle))
}

// ---- secret files on this machine ----

#[cfg(unix)]
fn files_case() -> Case {
    use std::os::unix::fs::MetadataExt;
    let case = Case::new();
    let absolute = case.write("elsewhere/tls_key", CANARY);
    case.chmod("elsewhere/tls_key", 0o400);
    case.write("secrets/open", CANARY);
    case.chmod("secrets/open", 0o644);
    case.write("secrets/good", CANARY);
    case.chmod("secrets/good", 0o600);
    case.write("secrets/owned", CANARY);
    case.chmod("secrets/owned", 0o600);
    case.write("secrets/group", CANARY);
    case.chmod("secrets/group", 0o640);
    let uid = fs::metadata(case.path().join("secrets/good"))
        .unwrap()
        .uid();
    case.write(
        "inventory.yaml",
        &format!(
            r#"version: 1
environments:
  staging: {{ tier: staging }}
  production: {{ tier: production }}
secrets:
  OPEN:
    classification: important
    instances:
      production:
        backend: file
        file: {{ path: secrets/open, mode: "0600" }}
  GOOD:
    classification: important
    instances:
      production:
        backend: file
        file: {{ path: secrets/good, mode: "0600", owner: "{uid}" }}
      staging:
        backend: file
        file: {{ path: secrets/not-on-this-machine, mode: "0600" }}
  OWNED:
    classification: important
    instances:
      production:
        backend: file
        file: {{ path: secrets/owned, owner: no-such-user-secretary }}
  GROUP:
    classification: important
    instances:
      production:
        backend: file
        file: {{ path: secrets/group, mode: "0640" }}
  ABSENT:
    classification: important
    instances:
      production:
        backend: file
        file: {{ path: secrets/absent, mode: "0600" }}
  TLS_KEY:
    classification: important
    instances:
      production:
        backend: file
        file: {{ path: "{}", mode: "0400" }}
"#,
            absolute.display()
        ),
    );
    case
}

#[cfg(unix)]
#[test]
fn secret_files_mode_owner_and_presence() {
    let case = files_case();
    let (r, lines) = case.check_json(&["--env", "production"]);
    assert_eq!(r.code, 1);
    // The declared 0640 is judged by the inventory rule; the actual one too.
    let files_rules: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("secret-file-") && !l.starts_with("secret-file-too-permissive"))
        .collect();
    let expected = [
        "secret-file-missing Secret::\"ABSENT\" production @ inventory.yaml:36",
        "secret-file-too-open-on-disk Secret::\"GROUP\" production @ inventory.yaml:30",
        "secret-file-too-open-on-disk Secret::\"OPEN\" production @ inventory.yaml:9",
        "secret-file-wrong-owner Secret::\"OWNED\" production @ inventory.yaml:24",
        "secret-file-mode-drift Secret::\"OPEN\" production @ inventory.yaml:9",
    ];
    for want in expected {
        assert!(
            files_rules.iter().any(|l| l.as_str() == want),
            "missing `{want}` in {lines:#?}"
        );
    }
    assert_eq!(files_rules.len(), expected.len(), "{lines:#?}");
    // Negative cases: 0600 with the right owner, 0400 as declared (absolute
    // path), 0640 as declared (drift: none), staging not selected.
    for clean in ["GOOD", "TLS_KEY"] {
        assert!(!has(&lines, &format!("\"{clean}\"")), "{clean}: {lines:#?}");
    }
    assert!(!has(&lines, "secret-file-mode-drift Secret::\"GROUP\""));
    assert!(!has(&lines, "staging"), "{lines:#?}");

    // Human output names the actual mode and owner, never the content.
    let human = case.check(&["--env", "production"]);
    assert_contains(&human.stdout, "has mode 0644 on this machine");
    assert_contains(&human.stdout, "instead of `no-such-user-secretary`");
    assert!(!human.stdout.contains(CANARY));
}

#[cfg(unix)]
#[test]
fn secret_files_are_observed_only_for_named_environments() {
    let case = files_case();
    let (_, lines) = case.check_json(&[]);
    for rule in [
        "secret-file-missing",
        "secret-file-too-open-on-disk",
        "secret-file-wrong-owner",
        "secret-file-mode-drift",
    ] {
        assert!(!has(&lines, rule), "{rule} without --env: {lines:#?}");
    }
    // The staging file is absent from this machine.
    let (_, lines) = case.check_json(&["--env", "staging"]);
    assert!(has(
        &lines,
        "secret-file-missing Secret::\"GOOD\" staging @ inventory.yaml:18"
    ));
    assert!(!has(&lines, "production @"), "{lines:#?}");
    // The report says which checks were not made without --env.
    let r = run(secretary(case.path()).args(["report", "inventory.yaml", "--now", NOW]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_contains(&r.stdout, "secret files on this machine");
}

// Unix: a path below a regular file fails with "not a directory", which is
// not "no such file". Windows answers "not found", and the file is missing.
#[cfg(unix)]
#[test]
fn a_secret_file_that_cannot_be_looked_at_is_not_verified() {
    let case = Case::new();
    case.write("secrets/plain", CANARY);
    // `secrets/plain` is a file, so nothing can be below it.
    case.write(
        "inventory.yaml",
        "version: 1\nenvironments:\n  production: { tier: production }\nsecrets:\n  DB:\n    classification: important\n    instances:\n      production: { backend: file, file: { path: secrets/plain/db, mode: \"0600\" } }\n",
    );
    let r = case.check(&["--env", "production", "--format", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stderr, "error[files-not-verified]");
    assert_contains(&r.stderr, "--> inventory.yaml:8:7");
    let lines = finding_lines(&json(&r.stdout));
    assert!(
        has(
            &lines,
            "files-not-verified Secret::\"DB\" production @ inventory.yaml:8"
        ),
        "{lines:#?}"
    );
    assert!(!has(&lines, "secret-file-missing"), "{lines:#?}");
    assert!(!(r.stdout + &r.stderr).contains(CANARY));
}

#[test]
fn an_unknown_environment_is_bad_input() {
    let case = Case::new();
    case.write(
        "inventory.yaml",
        "version: 1\nenvironments:\n  production: { tier: production }\n",
    );
    let r = case.check(&["--env", "prodution"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stderr, "error[unknown-environment]: `--env prodution`");
    assert_contains(&r.stderr, "did you mean `--env production`?");
    assert!(r.stdout.is_empty());
}

// ---- the repository ----

fn repository_case() -> Case {
    let case = Case::git_repo();
    case.write(
        ".gitignore",
        "/secrets/ignored\n.env\n*.env.bak\ndeploy/.env.*\n!deploy/.env.example\n",
    );
    for (path, text) in [
        ("secrets/tracked", CANARY.to_owned()),
        ("secrets/ignored", CANARY.to_owned()),
        ("secrets/loose", CANARY.to_owned()),
        (".env", format!("DB_PASSWORD={CANARY}\n")),
        (".env.local", format!("DB_PASSWORD={CANARY}\n")),
        (".env.production", format!("DB_PASSWORD={CANARY}\n")),
        (".env.bak", format!("DB_PASSWORD={CANARY}\n")),
        (".env.local~", format!("DB_PASSWORD={CANARY}\n")),
        ("config/prod.env.bak", format!("DB_PASSWORD={CANARY}\n")),
        ("deploy/.env.staging", format!("DB_PASSWORD={CANARY}\n")),
        ("deploy/.env.example", "DB_PASSWORD=changeme\n".to_owned()),
        (".env.sample", "DB_PASSWORD=\n".to_owned()),
        ("src/env.ts", "export const env = process.env;\n".to_owned()),
    ] {
        case.write(path, &text);
    }
    case.write(
        "inventory.yaml",
        r#"version: 1
environments:
  production: { tier: production }
secrets:
  TRACKED:
    classification: critical
    instances:
      production: { backend: file, file: { path: secrets/tracked } }
  IGNORED:
    classification: critical
    instances:
      production: { backend: file, file: { path: secrets/ignored } }
  LOOSE:
    classification: critical
    instances:
      production: { backend: file, file: { path: secrets/loose } }
  NOT_YET:
    classification: critical
    instances:
      production: { backend: file, file: { path: secrets/not-yet } }
  OUTSIDE:
    classification: critical
    instances:
      production: { backend: docker_secret, file: { path: /run/secrets/outside } }
sources:
  repository: .
"#,
    );
    case.commit(&[
        ".gitignore",
        "inventory.yaml",
        "secrets/tracked",
        ".env.production",
        ".env.bak",
        "deploy/.env.example",
        ".env.sample",
        "src/env.ts",
    ]);
    case
}

#[test]
fn tracked_and_unignored_files_in_the_repository() {
    let case = repository_case();
    // GIT_DIR (set inside git hooks) does not redirect secretary's questions.
    let other = Case::git_repo();
    let r = run(secretary(case.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_DIR", other.path().join(".git"))
        .args(["check", "inventory.yaml", "--now", NOW, "--format", "json"]));
    let (r2, lines) = case.check_json(&[]);
    assert_eq!(r.stdout, r2.stdout);
    let r = r2;
    assert_eq!(r.code, 1);
    let repo: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("secret-file-") || l.starts_with("env-"))
        .collect();
    let expected = [
        "env-backup-committed RepoFile::\".env.bak\" - @ .env.bak:1",
        "env-file-committed RepoFile::\".env.production\" - @ .env.production:1",
        "secret-file-committed Secret::\"TRACKED\" production @ inventory.yaml:8",
        "env-file-not-ignored RepoFile::\".env.local\" - @ .env.local:1",
        "env-file-not-ignored RepoFile::\".env.local~\" - @ .env.local~:1",
        "secret-file-not-ignored Secret::\"LOOSE\" production @ inventory.yaml:16",
    ];
    for want in expected {
        assert!(
            repo.iter().any(|l| l.as_str() == want),
            "missing `{want}` in {lines:#?}"
        );
    }
    assert_eq!(repo.len(), expected.len(), "{repo:#?}");
    // Ignored files, templates, a file not there yet, a path outside the
    // repository and source files named `env` are not findings.
    for quiet in [
        "IGNORED",
        "NOT_YET",
        "OUTSIDE",
        "RepoFile::\".env\"",
        "prod.env.bak",
        ".env.staging",
        ".env.example",
        ".env.sample",
        "env.ts",
    ] {
        assert!(!has(&lines, quiet), "{quiet}: {lines:#?}");
    }
    // Severities as the seeds state them: committed is critical.
    let report = json(&r.stdout);
    for finding in report["findings"].as_array().unwrap() {
        let rule = finding["rule"].as_str().unwrap();
        let want = match rule {
            "secret-file-committed" | "env-file-committed" | "env-backup-committed" => "critical",
            "secret-file-not-ignored" | "env-file-not-ignored" => "high",
            _ => continue,
        };
        assert_eq!(finding["severity"], want, "{rule}");
    }
}

#[test]
fn a_repository_in_a_parent_directory() {
    let case = repository_case();
    // The inventory lives in a subdirectory and names the repository `..`.
    let text = fs::read_to_string(case.path().join("inventory.yaml"))
        .unwrap()
        .replace("repository: .", "repository: ..")
        .replace("path: secrets/", "path: ../secrets/");
    case.write("ops/inventory.yaml", &text);
    let r = run(secretary(case.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args([
            "check",
            "ops/inventory.yaml",
            "--now",
            NOW,
            "--format",
            "json",
        ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines = finding_lines(&json(&r.stdout));
    assert!(has(
        &lines,
        "secret-file-committed Secret::\"TRACKED\" production @ ops/inventory.yaml:8"
    ));
    assert!(has(
        &lines,
        "env-backup-committed RepoFile::\".env.bak\" - @ .env.bak:1"
    ));
    assert!(!has(&lines, "IGNORED"), "{lines:#?}");
}

#[test]
fn a_clean_repository_has_no_repository_findings() {
    let case = Case::git_repo();
    case.write(".gitignore", ".env*\n!.env.example\nsecrets/\n");
    case.write("secrets/db", CANARY);
    case.write(".env", &format!("DB_PASSWORD={CANARY}\n"));
    case.write(".env.bak", &format!("DB_PASSWORD={CANARY}\n"));
    case.write(
        "inventory.yaml",
        "version: 1\nenvironments:\n  production: { tier: production }\nsecrets:\n  DB:\n    classification: critical\n    instances:\n      production: { backend: file, file: { path: secrets/db } }\nsources:\n  repository: .\n",
    );
    case.commit(&[".gitignore", "inventory.yaml"]);
    let (_, lines) = case.check_json(&[]);
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("env-") || l.contains("committed") || l.contains("ignored")),
        "{lines:#?}"
    );
}

#[test]
fn git_missing_or_no_work_tree_is_not_verified() {
    // Not a work tree.
    let case = Case::new();
    case.write(
        "inventory.yaml",
        "version: 1\nenvironments:\n  production: { tier: production }\nsources:\n  repository: .\n",
    );
    let r = case.check(&[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stderr, "error[repository-not-verified]");
    assert_contains(&r.stderr, "is not inside a git work tree");
    assert_contains(&r.stderr, "--> inventory.yaml:5:15");
    assert_contains(&r.stdout, "repository-not-verified");
    assert_contains(&r.stdout, "not compliant");

    // git missing from PATH, in a real repository.
    let case = repository_case();
    let empty = tempfile::tempdir().unwrap();
    let r = run(secretary(case.path()).env("PATH", empty.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stderr, "`git` was not found on PATH");
    let lines = finding_lines(&json(&r.stdout));
    assert!(
        has(&lines, "repository-not-verified Repository::\".\""),
        "{lines:#?}"
    );
    assert!(!has(&lines, "committed"), "{lines:#?}");

    // No report file is written for such a run.
    let r = run(secretary(case.path()).env("PATH", empty.path()).args([
        "report",
        "inventory.yaml",
        "--now",
        NOW,
        "-o",
        "out.md",
    ]));
    assert_eq!(r.code, 2);
    assert!(!case.path().join("out.md").exists());
}

// ---- .env.example ----

fn example_case(example: &str) -> Case {
    let case = Case::new();
    case.write(".env.example", example);
    case.write(
        "inventory.yaml",
        r#"version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
secrets:
  STRIPE_SECRET_KEY:
    classification: critical
    instances:
      production: { backend: env_var, env_var: STRIPE_SECRET_KEY }
  ANALYTICS_KEY:
    classification: public
    instances:
      production: { backend: env_var, env_var: NEXT_PUBLIC_ANALYTICS_KEY }
env_vars:
  PORT: { required: true, services: [api] }
  LOG_LEVEL: { services: [api] }
  DEBUG_ONLY: {}
  REQUIRED_HERE: { required_in: [production] }
sources:
  env_example: [.env.example]
"#,
    );
    case
}

#[test]
fn env_example_agrees_with_the_inventory() {
    let case = example_case(
        "# placeholders only\nPORT=8080\nLOG_LEVEL=info\nREQUIRED_HERE=x\nSTRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxx\nNEXT_PUBLIC_ANALYTICS_KEY=\n",
    );
    let (_, lines) = case.check_json(&[]);
    assert!(!lines.iter().any(|l| l.starts_with("env-")), "{lines:#?}");
}

#[test]
fn env_example_drift_in_both_directions() {
    let case = example_case(&format!(
        "PORT=8080\nSTRIPE_SECRET_KEY=changeme\nSENTRY_DSN=\nFEATURE_FLAG=on\nNEXT_PUBLIC_ANALYTICS_KEY=\nBUILD_SHA=3f9a8c2e1b7d4f6a0c5e9b2d8a1f7c3e\nGITHUB_TOKEN=ghp_{CANARY}\n"
    ));
    let (_, lines) = case.check_json(&[]);
    let env: Vec<&String> = lines.iter().filter(|l| l.starts_with("env-")).collect();
    let expected = [
        "env-example-real-value ExampleVar::\".env.example#GITHUB_TOKEN\" - @ .env.example:7",
        "env-example-undeclared-variable ExampleVar::\".env.example#BUILD_SHA\" - @ .env.example:6",
        "env-example-undeclared-variable ExampleVar::\".env.example#FEATURE_FLAG\" - @ .env.example:4",
        "env-example-undeclared-variable ExampleVar::\".env.example#GITHUB_TOKEN\" - @ .env.example:7",
        "env-example-undeclared-variable ExampleVar::\".env.example#SENTRY_DSN\" - @ .env.example:3",
        "env-var-missing-from-env-example EnvVar::\"LOG_LEVEL\" - @ inventory.yaml:17",
        "env-var-missing-from-env-example EnvVar::\"REQUIRED_HERE\" - @ inventory.yaml:19",
    ];
    for want in expected {
        assert!(
            env.iter().any(|l| l.as_str() == want),
            "missing `{want}` in {env:#?}"
        );
    }
    assert_eq!(env.len(), expected.len(), "{env:#?}");
    // A variable neither required nor read is not expected in the example;
    // a long hex value under a name that is not secret-like is not a secret.
    assert!(!has(&lines, "DEBUG_ONLY"));
    assert!(!has(
        &lines,
        "env-example-real-value ExampleVar::\".env.example#BUILD_SHA\""
    ));
}

#[test]
fn real_values_in_env_example_for_declared_secrets() {
    let case = example_case(&format!(
        "PORT=8080\nLOG_LEVEL=info\nREQUIRED_HERE=x\nSTRIPE_SECRET_KEY=sk_live_{CANARY}\nNEXT_PUBLIC_ANALYTICS_KEY=phc_{CANARY}abcdef\n"
    ));
    let (r, lines) = case.check_json(&[]);
    let env: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with("env-"))
        .cloned()
        .collect();
    assert_eq!(rules_of(&env), vec!["env-example-real-value"], "{lines:#?}");
    assert!(has(
        &lines,
        "ExampleVar::\".env.example#STRIPE_SECRET_KEY\" - @ .env.example:4"
    ));
    assert!(!r.stdout.contains(CANARY));
    let human = case.check(&[]);
    assert_contains(&human.stdout, "has a value that looks like a real secret");
    assert!(!human.stdout.contains(CANARY), "{}", human.stdout);
}

#[test]
fn a_malformed_env_example_is_bad_input_without_its_text() {
    let case = example_case(&format!("PORT=8080\nthis line has {CANARY}\nOK=1\n"));
    let r = case.check(&[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stderr, "error[malformed-env-example]");
    assert_contains(&r.stderr, "--> .env.example:2:1");
    assert!(!r.stderr.contains(CANARY), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

// ---- canaries, in every format ----

/// Every kind of observation at once, with canaries in the secret files,
/// `.env`, `.env.bak` and `.env.example`.
fn canary_case() -> Case {
    let case = Case::git_repo();
    case.write(".gitignore", "secrets/ignored\n");
    case.write("secrets/db", CANARY);
    case.write("secrets/ignored", CANARY);
    #[cfg(unix)]
    case.chmod("secrets/db", 0o644);
    case.write(
        ".env",
        &format!("DB_PASSWORD={CANARY}\nAPI_TOKEN=\"{CANARY}\"\n"),
    );
    case.write(".env.bak", &format!("DB_PASSWORD={CANARY}\n"));
    case.write(
        ".env.example",
        &format!("DB_PASSWORD=sk_live_{CANARY}\nUNDECLARED_TOKEN={CANARY}x9\n"),
    );
    case.write(
        "inventory.yaml",
        r#"version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
secrets:
  DB_PASSWORD:
    classification: critical
    owner: platform
    rotation: { period: 90d }
    readers: [api]
    instances:
      production:
        backend: file
        env_var: DB_PASSWORD
        file: { path: secrets/db, mode: "0600", owner: no-such-user-secretary }
        last_rotated: 2026-11-01
env_vars:
  DB_PASSWORD: { secret: DB_PASSWORD, services: [api] }
  PORT: { required: true, services: [api] }
sources:
  repository: .
  env_example: [.env.example]
"#,
    );
    case.write(
        "doc.md",
        "<!-- secretary:begin env-vars -->\n<!-- secretary:end env-vars -->\n<!-- secretary:begin secrets -->\n<!-- secretary:end secrets -->\n<!-- secretary:begin findings -->\n<!-- secretary:end findings -->\n",
    );
    case.commit(&["secrets/db", ".env.bak", ".gitignore"]);
    case
}

#[test]
fn canary_values_reach_no_output_of_any_format() {
    let case = canary_case();
    let mut outputs = Vec::new();
    for format in ["human", "json", "sarif", "junit", "markdown"] {
        let r = case.check(&["--env", "production", "--format", format]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        outputs.push((format!("check {format}"), r.stdout + &r.stderr));
    }
    let (_, lines) = case.check_json(&["--env", "production"]);
    for rule in [
        "secret-file-committed",
        "secret-file-too-open-on-disk",
        "secret-file-wrong-owner",
        "env-file-not-ignored",
        "env-backup-committed",
        "env-example-real-value",
        "env-example-undeclared-variable",
        "env-var-missing-from-env-example",
    ] {
        assert!(has(&lines, rule), "{rule}: {lines:#?}");
    }
    for format in ["markdown", "html"] {
        let r = run(secretary(case.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args([
                "report",
                "inventory.yaml",
                "--now",
                NOW,
                "--env",
                "production",
            ])
            .args(["--format", format]));
        assert_eq!(r.code, 1, "report {format}: {}", r.stderr);
        assert_contains(&r.stdout, "env-example-real-value");
        outputs.push((format!("report {format}"), r.stdout + &r.stderr));
    }
    let r = run(secretary(case.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args([
            "docs",
            "doc.md",
            "-i",
            "inventory.yaml",
            "--now",
            NOW,
            "--env",
            "production",
        ]));
    assert_eq!(r.code, 0, "docs: {}", r.stderr);
    let doc = fs::read_to_string(case.path().join("doc.md")).unwrap();
    assert_contains(&doc, "secret-file-committed");
    outputs.push(("docs".to_owned(), doc + &r.stdout + &r.stderr));
    // A malformed example's error, too.
    case.write(".env.example", &format!("DB_PASSWORD {CANARY}\n"));
    let r = case.check(&[]);
    assert_eq!(r.code, 2);
    outputs.push(("malformed example".to_owned(), r.stdout + &r.stderr));
    for (what, output) in outputs {
        assert!(!output.contains(CANARY), "canary in {what}:\n{output}");
    }
}

#[test]
fn repository_findings_are_deterministic() {
    let case = canary_case();
    let first = case.check(&["--env", "production", "--format", "sarif"]);
    let second = case.check(&["--env", "production", "--format", "sarif"]);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.code, 1);
}
