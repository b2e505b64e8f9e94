//! `secretary init --from`: a starting inventory from compose and env files
//! that loads, checks, marks every guess for review and holds no value; one
//! stack per class of issue 14 (volumes, a shared host variable, `*_FILE`,
//! file kinds by content, a missing `env_file`, front ends), and a first
//! `check` that reports only review findings plus the planted problem.

use crate::common;

use std::fs;
use std::path::Path;

use common::{assert_contains, run, secretary, NOW};

const COMPOSE: &str = r#"services:
  api:
    image: app
    environment:
      DATABASE_PASSWORD: "CANARY-init-literal"
      PORT: 8080
      STRIPE_SECRET_KEY: ${STRIPE_SECRET_KEY}
    env_file: .env
    secrets:
      - jwt_key
  postgres:
    image: postgres:16
    environment:
      - POSTGRES_PASSWORD
  "my.worker":
    image: worker
secrets:
  jwt_key:
    file: ./jwt.txt
"#;

const ENV_EXAMPLE: &str = "PORT=3000\nLOG_LEVEL=info\nSTRIPE_SECRET_KEY=CANARY-init-example\nSESSION_TOKEN=changeme\nFEATURE_FLAG=CANARY0real0looking0Zk93hQ72mXp1\n";

fn setup(dir: &Path) {
    fs::write(dir.join("docker-compose.prod.yml"), COMPOSE).unwrap();
    fs::write(dir.join(".env.example"), ENV_EXAMPLE).unwrap();
    fs::write(dir.join(".env"), "EXTRA_API_KEY=CANARY-init-envfile\n").unwrap();
}

fn init(dir: &Path, output: &str) -> common::Run {
    run(secretary(dir).args([
        "init",
        "--from",
        "docker-compose.prod.yml",
        "--from",
        ".env.example",
        "-o",
        output,
    ]))
}

#[test]
fn writes_an_inventory_that_checks_and_marks_guesses() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let out = init(dir.path(), "secretary.yaml");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let text = fs::read_to_string(dir.path().join("secretary.yaml")).unwrap();
    assert!(!text.contains("CANARY"), "{text}");
    // Services, env vars from both files, secrets for secret-like names and
    // the docker secret, each classified critical and marked for review.
    for needle in [
        "  api:",
        "  postgres:",
        "  my.worker:",
        "kind: database",
        "  LOG_LEVEL:",
        "  DATABASE_PASSWORD:",
        "  POSTGRES_PASSWORD:",
        "  STRIPE_SECRET_KEY:",
        "  SESSION_TOKEN:",
        "  EXTRA_API_KEY:",
        "  jwt_key:",
        "file: { path: \"/run/secrets/jwt_key\" }",
        "  production: { tier: production }",
        "- file: \"docker-compose.prod.yml\"",
        "environment: production",
        "env_example: [\".env.example\"]",
        "default: \"3000\"",
        "default: \"info\"",
    ] {
        assert_contains(&text, needle);
    }
    let secrets = text.matches("classification: critical").count();
    assert_eq!(secrets, 6, "{text}");
    // Every secret and every service is marked for review.
    assert_eq!(text.matches("    review: ").count(), secrets + 3, "{text}");
    // A real-looking value in a non-secret name is not copied as a default.
    assert!(!text.contains("Zk93hQ72"), "{text}");

    // It loads and checks (findings are expected: owners, rotation, ...).
    let check = run(secretary(dir.path()).args(["check", "secretary.yaml", "--now", NOW]));
    assert!(
        check.code == 0 || check.code == 1,
        "{}\n{}",
        check.stdout,
        check.stderr
    );
    assert!(!check.stdout.contains("CANARY"));
    // The compose file it names agrees with it: no drift and no undeclared service.
    assert!(
        !check.stdout.contains("compose-read-undeclared"),
        "{}",
        check.stdout
    );
    assert!(
        !check.stdout.contains("compose-service-undeclared"),
        "{}",
        check.stdout
    );
    assert!(
        !check.stdout.contains("compose-secret-variable-undeclared"),
        "{}",
        check.stdout
    );
    // The literal in the compose file is still found.
    assert_contains(&check.stdout, "compose-literal-secret");
}

#[test]
fn never_overwrites_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    fs::write(dir.path().join("secretary.yaml"), "keep me\n").unwrap();
    let out = init(dir.path(), "secretary.yaml");
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[file-exists]");
    assert_eq!(
        fs::read_to_string(dir.path().join("secretary.yaml")).unwrap(),
        "keep me\n"
    );
}

#[test]
fn without_an_environment_in_the_names_it_uses_development() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".env.example"), "API_TOKEN=\nPORT=80\n").unwrap();
    let out = run(secretary(dir.path()).args(["init", "--from", ".env.example", "-o", "inv.yaml"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(dir.path().join("inv.yaml")).unwrap();
    assert_contains(&text, "development: { tier: development }");
    assert!(!text.contains("production"), "{text}");
    let check = run(secretary(dir.path()).args(["check", "inv.yaml", "--now", NOW]));
    assert!(check.code == 0 || check.code == 1, "{}", check.stderr);
}

#[test]
fn a_malformed_input_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("compose.yaml"), "services:\n  api: [\n").unwrap();
    let out = run(secretary(dir.path()).args(["init", "--from", "compose.yaml", "-o", "inv.yaml"]));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[yaml-syntax]");
    assert_contains(&out.stderr, "compose.yaml:");
    assert!(!dir.path().join("inv.yaml").exists());
    let missing = run(secretary(dir.path()).args(["init", "--from", "nope.yml", "-o", "inv.yaml"]));
    assert_eq!(missing.code, 2);
    assert!(!dir.path().join("inv.yaml").exists());
}

/// `init --from` the given files in `dir`, returning the inventory text.
fn init_text(dir: &Path, from: &[&str]) -> String {
    let mut args = vec!["init"];
    for file in from {
        args.extend(["--from", file]);
    }
    args.extend(["-o", "inv.yaml"]);
    let out = run(secretary(dir).args(&args));
    assert_eq!(out.code, 0, "{}", out.stderr);
    fs::read_to_string(dir.join("inv.yaml")).unwrap()
}

/// `check` on the generated inventory: each finding as `rule entity`.
fn check_keys(dir: &Path) -> Vec<String> {
    let out = run(secretary(dir).args(["check", "inv.yaml", "--now", NOW, "--format", "json"]));
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert!(!out.stdout.contains("CANARY"), "{}", out.stdout);
    common::finding_keys(&common::json(&out.stdout))
        .into_iter()
        .map(|(rule, entity, _, _)| format!("{rule} {entity}"))
        .collect()
}

/// The `secrets:` ids of an inventory text.
fn secret_ids(text: &str) -> Vec<String> {
    let section = text.split("\nsecrets:\n").nth(1).unwrap_or_default();
    section
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':').trim_matches('"').to_owned())
        .collect()
}

#[test]
fn volumes_are_secrets_only_as_compose_secrets_run_secrets_or_key_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        r#"services:
  db:
    image: postgres:16
    volumes:
      - pgdata:/var/lib/postgresql/data
      - ./init.sql:/docker-entrypoint-initdb.d/init.sql:ro
      - /etc/localtime:/etc/localtime:ro
      - ./data:/data
      - ./secrets/pw.txt:/run/secrets/db_pw:ro
    secrets:
      - source: db_root
        target: /etc/db/root_password
  proxy:
    image: nginx
    volumes:
      - ./certs/server.key:/etc/nginx/tls.key:ro
      - ./certs/server.crt:/etc/nginx/tls.crt:ro
      - type: bind
        source: ./keys/id_rsa
        target: /root/.ssh/deploy
volumes:
  pgdata:
secrets:
  db_root:
    file: ./secrets/root.txt
"#,
    )
    .unwrap();
    let text = init_text(dir.path(), &["compose.yaml"]);
    assert_eq!(
        secret_ids(&text),
        ["db_pw", "db_root", "id_rsa", "server.key"],
        "{text}"
    );
    assert_contains(&text, "file: { path: \"/etc/db/root_password\" }");
    assert_contains(&text, "file: { path: \"/etc/nginx/tls.key\" }");
    for not_secret in ["data:", "init.sql", "localtime", "server.crt", "pgdata"] {
        assert!(
            !secret_ids(&text)
                .iter()
                .any(|s| s.contains(not_secret.trim_end_matches(':'))),
            "{not_secret}: {text}"
        );
    }
}

#[test]
fn one_host_variable_is_one_secret_whatever_the_services_call_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        r#"services:
  auth:
    image: gotrue
    environment:
      GOTRUE_JWT_SECRET: ${JWT_SECRET}
  rest:
    image: postgrest
    environment:
      PGRST_JWT_SECRET: "${JWT_SECRET:?set it}"
  realtime:
    image: realtime
    environment:
      - API_JWT_SECRET=$JWT_SECRET
"#,
    )
    .unwrap();
    let text = init_text(dir.path(), &["compose.yaml"]);
    assert_eq!(secret_ids(&text), ["JWT_SECRET"], "{text}");
    for (var, service) in [
        ("GOTRUE_JWT_SECRET", "auth"),
        ("PGRST_JWT_SECRET", "rest"),
        ("API_JWT_SECRET", "realtime"),
    ] {
        assert_contains(
            &text,
            &format!("  {var}:\n    secret: JWT_SECRET\n    services: [{service}]\n"),
        );
    }
    assert_contains(
        &text,
        "  JWT_SECRET:\n    secret: JWT_SECRET\n    services: [auth, realtime, rest]\n",
    );
    // Reads follow: every service reads the one secret, and check agrees.
    for service in ["auth", "realtime", "rest"] {
        assert_contains(
            &text,
            &format!("  - service: {service}\n    secrets: [JWT_SECRET]\n"),
        );
    }
    let keys = check_keys(dir.path());
    assert!(
        keys.iter()
            .all(|k| k.starts_with("inventory-review-pending ")),
        "{keys:#?}"
    );
}

#[test]
fn file_variables_link_to_the_secret_file_they_name() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        r#"services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
      POSTGRES_USER_FILE: /run/secrets/db_user
    secrets: [db_password, db_user]
secrets:
  db_password:
    file: ./secrets/db_password.txt
  db_user:
    environment: DB_USER
"#,
    )
    .unwrap();
    let text = init_text(dir.path(), &["compose.yaml"]);
    assert_eq!(secret_ids(&text), ["db_password", "db_user"], "{text}");
    assert_contains(
        &text,
        "  POSTGRES_PASSWORD_FILE:\n    secret: db_password\n    services: [db]\n",
    );
    assert_contains(
        &text,
        "  POSTGRES_USER_FILE:\n    secret: db_user\n    services: [db]\n",
    );
    // The host variable of a secret defined by `environment:` delivers it.
    assert_contains(&text, "  DB_USER:\n    secret: db_user\n");
    let keys = check_keys(dir.path());
    assert!(
        keys.iter()
            .all(|k| k.starts_with("inventory-review-pending ")),
        "{keys:#?}"
    );
}

#[test]
fn file_kinds_come_from_the_content_not_the_name() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.override.yaml.example"),
        "services:\n  api:\n    image: app\n    environment:\n      API_TOKEN: ${API_TOKEN}\n",
    )
    .unwrap();
    fs::write(dir.path().join("example.env"), "API_TOKEN=\nPORT=3000\n").unwrap();
    fs::write(
        dir.path().join(".env.production.sample"),
        "LOG_LEVEL=info\n",
    )
    .unwrap();
    let out = run(secretary(dir.path()).args([
        "init",
        "--from",
        "compose.override.yaml.example",
        "--from",
        "example.env",
        "--from",
        ".env.production.sample",
        "-o",
        "inv.yaml",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("skipped a line"), "{}", out.stderr);
    let text = fs::read_to_string(dir.path().join("inv.yaml")).unwrap();
    for needle in [
        "  api:\n",
        "- file: \"compose.override.yaml.example\"",
        "env_example: [\"example.env\", \".env.production.sample\"]",
        "  production: { tier: production }",
        "  PORT:\n    default: \"3000\"",
        "  LOG_LEVEL:\n    default: \"info\"",
    ] {
        assert_contains(&text, needle);
    }

    // Neither kind: a clear error naming the file, and nothing written.
    fs::write(dir.path().join("notes.yaml"), "name: app\nimage: x\n").unwrap();
    let out = run(secretary(dir.path()).args(["init", "--from", "notes.yaml", "-o", "other.yaml"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[unknown-input-kind]");
    assert_contains(&out.stderr, "`notes.yaml` is neither a compose file");
    assert_contains(&out.stderr, "--> notes.yaml");
    assert_contains(&out.stderr, "help: give `--from` compose files");
    assert!(!dir.path().join("other.yaml").exists());
}

#[test]
fn an_example_stands_in_for_a_missing_env_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  app:\n    image: app\n    env_file:\n      - path: .env\n        required: false\n",
    )
    .unwrap();
    fs::write(
        dir.path().join(".env.example"),
        "SECRET_KEY_BASE=CANARY-example-value\nRAILS_ENV=production\n",
    )
    .unwrap();
    let text = init_text(dir.path(), &["compose.yaml", ".env.example"]);
    assert!(!text.contains("CANARY"), "{text}");
    assert_contains(
        &text,
        "  SECRET_KEY_BASE:\n    secret: SECRET_KEY_BASE\n    services: [app]\n",
    );
    assert_contains(
        &text,
        "  RAILS_ENV:\n    default: \"production\" # from the env file\n    services: [app]\n",
    );
    assert_contains(&text, "  - service: app\n    secrets: [SECRET_KEY_BASE]\n");
    let keys = check_keys(dir.path());
    assert!(
        keys.iter()
            .all(|k| k.starts_with("inventory-review-pending ")),
        "{keys:#?}"
    );
}

#[test]
fn a_service_receiving_browser_variables_is_public_facing_but_no_database() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        r#"services:
  studio:
    image: studio
    environment:
      NEXT_PUBLIC_API_URL: ${API_URL}
      VITE_ANALYTICS_ID: abc
  postgres:
    image: postgres
    environment:
      NEXT_PUBLIC_ODD: x
  api:
    image: api
    environment:
      PUBLIC_URL: https://example.test
"#,
    )
    .unwrap();
    let text = init_text(dir.path(), &["compose.yaml"]);
    assert_contains(
        &text,
        "  studio:\n    kind: other\n    public_facing: true\n",
    );
    assert_eq!(text.matches("public_facing: true").count(), 1, "{text}");
    assert!(secret_ids(&text).is_empty(), "{text}");
}

/// A front end that also reads server-side secrets (Next.js, Nuxt) is
/// full-stack: not `public_facing` (its server may hold secrets), and what
/// its bundle gets is judged per variable: a secret under a browser-bundle
/// name is `secret-in-browser-bundle`, a public key there is not.
#[test]
fn a_full_stack_front_end_is_judged_by_what_its_bundle_gets() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        r#"services:
  studio:
    image: studio
    environment:
      NEXT_PUBLIC_API_URL: ${API_URL}
      NEXT_PUBLIC_ANON_KEY: ${ANON_KEY}
      NEXT_PUBLIC_SERVICE_KEY: ${SERVICE_ROLE_KEY}
      DB_PASSWORD: ${POSTGRES_PASSWORD}
  spa:
    image: spa
    environment:
      VITE_API_URL: ${API_URL}
"#,
    )
    .unwrap();
    let text = init_text(dir.path(), &["compose.yaml"]);
    assert_contains(&text, "  spa:\n    kind: other\n    public_facing: true\n");
    assert_eq!(
        text.matches("\n    public_facing: true\n").count(),
        1,
        "{text}"
    );
    assert_contains(&text, "server-side secrets");
    let mut secrets = secret_ids(&text);
    secrets.sort();
    assert_eq!(secrets, ["POSTGRES_PASSWORD", "SERVICE_ROLE_KEY"], "{text}");
    let keys = check_keys(dir.path());
    let bundled: Vec<&String> = keys
        .iter()
        .filter(|k| k.starts_with("secret-in-browser-bundle "))
        .collect();
    assert_eq!(
        bundled,
        [&"secret-in-browser-bundle EnvVar::\"NEXT_PUBLIC_SERVICE_KEY\"".to_owned()],
        "{keys:?}"
    );
    assert!(
        !keys
            .iter()
            .any(|k| k.starts_with("public-service-reads-secret")),
        "{keys:?}"
    );
}

/// A realistic stack: the first `check` reports one review finding per
/// marked entry and the one problem planted (a literal password in the
/// compose file), nothing of init's own making.
#[test]
fn the_first_check_reports_reviews_and_the_planted_problem_only() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("docker-compose.prod.yml"),
        r#"x-common: &common
  restart: unless-stopped
  environment:
    TZ: UTC
services:
  web:
    <<: *common
    image: app
    environment:
      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app
      SECRET_KEY_BASE: ${SECRET_KEY_BASE}
      RAILS_LOG_TO_STDOUT: "true"
      PORT: ${PORT:-3000}
  worker:
    <<: *common
    image: app
    command: sidekiq
    environment:
      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app
      REDIS_URL: redis://cache:6379
      SMTP_PASSWORD: "CANARY-planted-literal"
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${DB_PASSWORD}
      PGDATA: /var/lib/postgresql/data/pgdata
    volumes:
      - pgdata:/var/lib/postgresql/data
      - ./init.sql:/docker-entrypoint-initdb.d/init.sql
  cache:
    image: redis:7
volumes:
  pgdata:
"#,
    )
    .unwrap();
    fs::write(
        dir.path().join(".env.example"),
        "DB_PASSWORD=changeme\nSECRET_KEY_BASE=\nPORT=3000\n",
    )
    .unwrap();
    let text = init_text(dir.path(), &["docker-compose.prod.yml", ".env.example"]);
    assert!(!text.contains("CANARY"), "{text}");
    assert_eq!(
        secret_ids(&text),
        ["DB_PASSWORD", "SECRET_KEY_BASE", "SMTP_PASSWORD"],
        "{text}"
    );
    let keys = check_keys(dir.path());
    let (reviews, others): (Vec<&String>, Vec<&String>) = keys
        .iter()
        .partition(|k| k.starts_with("inventory-review-pending "));
    assert_eq!(
        others,
        ["compose-literal-secret ComposeValue::\"docker-compose.prod.yml:21:22#worker#SMTP_PASSWORD\""],
        "{keys:#?}"
    );
    // One per service and secret, none twice.
    assert_eq!(reviews.len(), 4 + 3, "{keys:#?}");
    let unique: std::collections::BTreeSet<_> = reviews.iter().collect();
    assert_eq!(unique.len(), reviews.len());
    // Review findings never fail a run by default.
    let out = run(secretary(dir.path()).args(["check", "inv.yaml", "--now", NOW]));
    assert_eq!(out.code, 1, "the planted literal fails it: {}", out.stdout);
}

/// `env-var-missing-from-env-example` keeps its meaning for hand-written
/// inventories: a variable a user must set (passed through bare) and missing
/// from the example is reported; one the compose file sets itself is not.
#[test]
fn variables_the_compose_file_sets_are_not_missing_from_the_example() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  api:\n    image: app\n    environment:\n      - PGDATA=/data\n      - RENAMED=${HOST_VAR}\n      - PASSED\n",
    )
    .unwrap();
    fs::write(dir.path().join(".env.example"), "HOST_VAR=\n").unwrap();
    fs::write(
        dir.path().join("inv.yaml"),
        "version: 1\nenvironments:\n  development: { tier: development }\nservices:\n  api: { kind: api }\nenv_vars:\n  PGDATA: { services: [api] }\n  RENAMED: { services: [api] }\n  PASSED: { services: [api] }\n  HOST_VAR: { services: [api] }\n  UNUSED: { required: true }\nsources:\n  compose: [{ file: compose.yaml }]\n  env_example: [.env.example]\n",
    )
    .unwrap();
    let keys = check_keys(dir.path());
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| k.starts_with("env-var-missing-from-env-example "))
        .collect();
    assert_eq!(
        missing,
        [
            "env-var-missing-from-env-example EnvVar::\"PASSED\"",
            "env-var-missing-from-env-example EnvVar::\"UNUSED\""
        ],
        "{keys:#?}"
    );
}
