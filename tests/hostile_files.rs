//! Hostile files (issue 13, sections 2, 3 and 7): every file the tool
//! reads is a regular file under its size cap, or the run refuses it with
//! exit 2 and the file named; symbolic links in the directories it walks
//! are followed, never skipped; implausible dates are refused.
//!
//! Devices, FIFOs and sockets are made at test time, in every role a file
//! plays (inventory, value, `.env`, compose, `env_file`, `.env.example`,
//! policy, template, snapshot, fingerprints, docs, `init --from`, code).
//! A FIFO must not hang a run: the child is killed after a generous guard
//! (a hang then fails the test, it is not a timing assertion). Files over a
//! cap are sparse, so they cost no disk.

#![cfg(unix)]

use crate::common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{assert_contains, json, run, secretary, Run, NOW};

const MIB: u64 = 1 << 20;

/// One secret whose production value is `{VALUE}`; `{SOURCES}` adds a
/// `sources:` section.
const INVENTORY: &str = r#"version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
secrets:
  DB_PASSWORD:
    classification: important
    owner: platform
    readers: [api]
    rotation: { period: 90d }
    instances:
      production:
        backend: env_var
        env_var: DB_PASSWORD
        last_rotated: 2026-10-01
        value: {VALUE}
env_vars:
  DB_PASSWORD: { required: true, secret: DB_PASSWORD }
{SOURCES}"#;

fn inventory(value: &str, sources: &str) -> String {
    INVENTORY
        .replace("{VALUE}", value)
        .replace("{SOURCES}", sources)
}

/// Runs the binary; a run that hangs is killed and fails the test.
fn guarded(dir: &Path, args: &[&str]) -> Run {
    run(secretary(dir).args(args).timeout(Duration::from_secs(120)))
}

/// A role a file plays: writes what the run needs around `hostile` (a path
/// as written in the inventory or on the command line) and returns the
/// arguments of the run that reads it.
#[derive(Debug, Clone, Copy)]
enum Role {
    Inventory,
    ValueFile,
    DotenvValue,
    Compose,
    ComposeEnvFile,
    EnvExample,
    Policy,
    Template,
    Snapshot,
    Fingerprints,
    Docs,
    InitFrom,
    Baseline,
}

const ROLES: [Role; 13] = [
    Role::Inventory,
    Role::ValueFile,
    Role::DotenvValue,
    Role::Compose,
    Role::ComposeEnvFile,
    Role::EnvExample,
    Role::Policy,
    Role::Template,
    Role::Snapshot,
    Role::Fingerprints,
    Role::Docs,
    Role::InitFrom,
    Role::Baseline,
];

impl Role {
    /// The cap of the file this role reads, as docs/src/limits.md documents it.
    fn cap(self) -> u64 {
        match self {
            Role::Inventory | Role::Fingerprints => 64 * MIB,
            Role::ValueFile => MIB,
            Role::DotenvValue | Role::ComposeEnvFile | Role::EnvExample | Role::Template => 4 * MIB,
            Role::Compose | Role::Policy | Role::Docs => 16 * MIB,
            Role::Snapshot => 64 * MIB,
            Role::InitFrom => 4 * MIB,
            Role::Baseline => 128 * MIB,
        }
    }

    /// A file name fit for the role (a template must be named after one).
    fn file_name(self) -> &'static str {
        match self {
            Role::Compose => "docker-compose.yml",
            Role::Policy => "rules.cedar",
            Role::Template => "report.html",
            Role::Inventory => "hostile.yaml",
            Role::Docs => "README.md",
            Role::InitFrom | Role::DotenvValue | Role::ComposeEnvFile => "hostile.env",
            _ => "hostile",
        }
    }

    /// Sets up `dir` for a run reading `hostile` in this role.
    fn setup(self, dir: &Path, hostile: &str) -> Vec<String> {
        let plain = inventory("{ env: DB_PASSWORD }", "");
        let write_inventory = |text: &str| fs::write(dir.join("inv.yaml"), text).unwrap();
        let check = |extra: &[&str]| -> Vec<String> {
            ["check", "inv.yaml", "--now", NOW]
                .iter()
                .chain(extra)
                .map(|s| s.to_string())
                .collect()
        };
        match self {
            Role::Inventory => vec!["check".into(), hostile.into(), "--now".into(), NOW.into()],
            Role::ValueFile => {
                write_inventory(&inventory(&format!("{{ file: \"{hostile}\" }}"), ""));
                check(&["--env", "production"])
            }
            Role::DotenvValue => {
                write_inventory(&inventory(&format!("{{ dotenv: \"{hostile}\" }}"), ""));
                check(&["--env", "production"])
            }
            Role::Compose => {
                write_inventory(&inventory(
                    "{ env: DB_PASSWORD }",
                    &format!("sources:\n  compose:\n    - file: \"{hostile}\"\n"),
                ));
                check(&[])
            }
            Role::ComposeEnvFile => {
                write_inventory(&inventory(
                    "{ env: DB_PASSWORD }",
                    "sources:\n  compose:\n    - file: compose.yml\n",
                ));
                // Optional: a missing file is excused, one that cannot be
                // read never is.
                fs::write(
                    dir.join("compose.yml"),
                    format!("services:\n  api:\n    image: app\n    env_file:\n      - path: \"{hostile}\"\n        required: false\n"),
                )
                .unwrap();
                check(&[])
            }
            Role::EnvExample => {
                write_inventory(&inventory(
                    "{ env: DB_PASSWORD }",
                    &format!("sources:\n  env_example: [\"{hostile}\"]\n"),
                ));
                check(&[])
            }
            Role::Policy => {
                write_inventory(&plain);
                check(&["--policies", hostile])
            }
            Role::Template => {
                write_inventory(&plain);
                vec![
                    "report".into(),
                    "inv.yaml".into(),
                    "--now".into(),
                    NOW.into(),
                    "--templates".into(),
                    Path::new(hostile).parent().unwrap().display().to_string(),
                ]
            }
            Role::Snapshot => {
                write_inventory(&plain);
                check(&["--iam-snapshot", hostile])
            }
            Role::Fingerprints => {
                write_inventory(&plain);
                check(&["--fingerprints", hostile])
            }
            Role::Baseline => {
                write_inventory(&plain);
                check(&["--baseline", hostile])
            }
            Role::Docs => {
                write_inventory(&plain);
                ["docs", hostile, "-i", "inv.yaml", "--now", NOW]
                    .map(String::from)
                    .to_vec()
            }
            Role::InitFrom => ["init", "--from", hostile, "-o", "out.yaml"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Puts the role's file at `dir/<name>` (in `dir/templates/` for a
/// template), made by `make`, and returns its path as written.
fn place(dir: &Path, role: Role, make: impl FnOnce(&Path)) -> String {
    let sub = match role {
        Role::Template => "templates/",
        _ => "",
    };
    fs::create_dir_all(dir.join("templates")).unwrap();
    let written = format!("{sub}{}", role.file_name());
    make(&dir.join(&written));
    written
}

/// Runs `role` on the file `make` creates and checks the refusal: exit 2,
/// the file named, `reason` given, nothing written.
fn assert_refused(role: Role, make: impl FnOnce(&Path), reason: &str) {
    let dir = tempfile::tempdir().unwrap();
    let written = place(dir.path(), role, make);
    let args = role.setup(dir.path(), &written);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = guarded(dir.path(), &args);
    assert_eq!(out.code, 2, "{role:?}: {}\n{}", out.stderr, out.stdout);
    assert_contains(&out.stderr, role.file_name());
    assert_contains(&out.stderr, reason);
    assert!(!out.stderr.contains("panicked"), "{role:?}: {}", out.stderr);
    assert!(
        !dir.path().join("out.yaml").exists(),
        "{role:?} wrote a file"
    );
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

fn socket(path: &Path) {
    // The socket file stays when the listener is dropped; nobody answers.
    std::os::unix::net::UnixListener::bind(path).unwrap();
}

fn sparse(path: &Path, len: u64) {
    fs::File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn dev_zero_is_refused_in_every_role() {
    for role in ROLES {
        assert_refused(
            role,
            |p| symlink("/dev/zero", p).unwrap(),
            "character device",
        );
    }
}

#[test]
fn dev_null_is_refused_not_read_as_empty() {
    for role in [
        Role::Inventory,
        Role::ValueFile,
        Role::DotenvValue,
        Role::Compose,
        Role::EnvExample,
        Role::Policy,
    ] {
        assert_refused(
            role,
            |p| symlink("/dev/null", p).unwrap(),
            "character device",
        );
    }
}

#[test]
fn a_device_named_directly_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inv.yaml"),
        inventory("{ file: /dev/zero }", ""),
    )
    .unwrap();
    let out = guarded(
        dir.path(),
        &["check", "inv.yaml", "--now", NOW, "--env", "production"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[value-not-verified]");
    assert_contains(&out.stderr, "`/dev/zero`: it is a character device");
    assert_contains(&out.stderr, "--> inv.yaml:17:9");
    let out = guarded(dir.path(), &["check", "/dev/zero", "--now", NOW]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(
        &out.stderr,
        "inventory file `/dev/zero`: it is a character device",
    );
}

#[test]
fn a_fifo_hangs_no_role() {
    for role in ROLES {
        assert_refused(role, mkfifo, "named pipe (FIFO)");
    }
}

#[test]
fn a_socket_is_refused() {
    for role in [
        Role::Inventory,
        Role::ValueFile,
        Role::Compose,
        Role::Policy,
        Role::Snapshot,
    ] {
        assert_refused(role, socket, "a socket");
    }
}

#[test]
fn a_file_over_its_cap_is_refused_unread() {
    for role in ROLES {
        let cap = role.cap();
        assert_refused(
            role,
            |p| sparse(p, cap + 1),
            &format!("larger than {} MiB", cap / MIB),
        );
    }
}

#[test]
fn a_file_at_its_cap_is_read() {
    // A value of exactly 1 MiB is a value (zero bytes: not empty, no
    // placeholder), not a refusal.
    let dir = tempfile::tempdir().unwrap();
    sparse(&dir.path().join("value"), MIB);
    fs::write(
        dir.path().join("inv.yaml"),
        inventory("{ file: value }", ""),
    )
    .unwrap();
    let out = guarded(
        dir.path(),
        &[
            "check",
            "inv.yaml",
            "--now",
            NOW,
            "--env",
            "production",
            "--format",
            "json",
        ],
    );
    assert!(out.code < 2, "{}", out.stderr);
    assert!(!out.stdout.contains("value-not-verified"), "{}", out.stdout);
}

// Inventory directories.

/// A directory `inv/` whose `a.yaml` refers to the service `api` another
/// file must define: loading fails unless that file is read.
fn inventory_dir(dir: &Path) -> PathBuf {
    let inv = dir.join("inv");
    fs::create_dir_all(&inv).unwrap();
    fs::write(
        inv.join("a.yaml"),
        inventory("{ env: DB_PASSWORD }", "").replace("services:\n  api: { kind: api }\n", ""),
    )
    .unwrap();
    fs::create_dir_all(dir.join("shared")).unwrap();
    fs::write(
        dir.join("shared/services.yaml"),
        "version: 1\nservices:\n  api: { kind: api }\n",
    )
    .unwrap();
    inv
}

fn check_dir(dir: &Path) -> Run {
    guarded(dir, &["check", "inv", "--now", NOW, "--format", "json"])
}

#[test]
fn a_symlinked_inventory_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_dir(dir.path());
    let without = check_dir(dir.path());
    assert_eq!(without.code, 2, "the test needs the linked file");
    assert_contains(&without.stderr, "`api`");
    symlink("../shared/services.yaml", inv.join("services.yaml")).unwrap();
    let out = check_dir(dir.path());
    assert!(out.code < 2, "{}", out.stderr);
    json(&out.stdout);
}

#[test]
fn a_symlinked_inventory_directory_is_walked() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_dir(dir.path());
    symlink("../shared", inv.join("shared")).unwrap();
    let out = check_dir(dir.path());
    assert!(out.code < 2, "{}", out.stderr);
}

#[test]
fn a_file_reached_twice_through_links_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_dir(dir.path());
    fs::rename(
        dir.path().join("shared/services.yaml"),
        inv.join("services.yaml"),
    )
    .unwrap();
    symlink("services.yaml", inv.join("z-again.yaml")).unwrap();
    let out = check_dir(dir.path());
    assert!(out.code < 2, "{}", out.stderr);
}

#[test]
fn a_dangling_link_in_an_inventory_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_dir(dir.path());
    symlink("../shared/services.yaml", inv.join("services.yaml")).unwrap();
    symlink("../shared/gone.yaml", inv.join("gone.yaml")).unwrap();
    let out = check_dir(dir.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[unreadable-path]");
    assert_contains(&out.stderr, "inv/gone.yaml");
    assert_contains(&out.stderr, "symbolic link to a file that does not exist");
    // Named on the command line, the same.
    let out = guarded(dir.path(), &["check", "inv/gone.yaml", "--now", NOW]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(
        &out.stderr,
        "`inv/gone.yaml`: it is a symbolic link to a file that does not exist",
    );
}

#[test]
fn a_link_loop_in_an_inventory_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_dir(dir.path());
    symlink("../shared/services.yaml", inv.join("services.yaml")).unwrap();
    symlink(".", inv.join("again")).unwrap();
    let out = check_dir(dir.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "inv/again");
    assert_contains(&out.stderr, "(a loop)");
}

#[test]
fn a_fifo_in_an_inventory_directory_is_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_dir(dir.path());
    symlink("../shared/services.yaml", inv.join("services.yaml")).unwrap();
    mkfifo(&inv.join("pipe.yaml"));
    let out = check_dir(dir.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "inv/pipe.yaml");
    assert_contains(&out.stderr, "named pipe (FIFO)");
}

// The other walked directories: policies, templates, code.

#[test]
fn policy_directories_follow_links_and_report_broken_ones() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inv.yaml"),
        inventory("{ env: DB_PASSWORD }", ""),
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
    fs::write(
        dir.path().join("elsewhere/mine.cedar"),
        "@id(\"linked-rule\")\n@severity(\"low\")\n@message(\"{resource} linked\")\nforbid (principal, action == Action::\"store\", resource is SecretInstance);\n",
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("rules")).unwrap();
    symlink(
        "../elsewhere/mine.cedar",
        dir.path().join("rules/mine.cedar"),
    )
    .unwrap();
    let out = guarded(
        dir.path(),
        &[
            "check",
            "inv.yaml",
            "--now",
            NOW,
            "--policies",
            "rules",
            "--format",
            "json",
        ],
    );
    assert!(out.code < 2, "{}", out.stderr);
    assert_contains(&out.stdout, "linked-rule");

    symlink(
        "../elsewhere/gone.cedar",
        dir.path().join("rules/gone.cedar"),
    )
    .unwrap();
    symlink("..", dir.path().join("rules/up")).unwrap();
    let out = guarded(
        dir.path(),
        &["check", "inv.yaml", "--now", NOW, "--policies", "rules"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "rules/gone.cedar");
    assert_contains(&out.stderr, "rules/up");
}

#[test]
fn a_dangling_template_link_is_an_error_not_the_built_in() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inv.yaml"),
        inventory("{ env: DB_PASSWORD }", ""),
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("templates")).unwrap();
    symlink("gone.html", dir.path().join("templates/report.html")).unwrap();
    let out = guarded(
        dir.path(),
        &[
            "report",
            "inv.yaml",
            "--now",
            NOW,
            "--templates",
            "templates",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "templates/report.html");
    assert_contains(&out.stderr, "symbolic link to a file that does not exist");
}

#[test]
fn code_links_to_files_are_scanned_and_broken_ones_are_gaps() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inv.yaml"),
        inventory("{ env: DB_PASSWORD }", "sources:\n  code: [src]\n"),
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("src")).unwrap();
    fs::create_dir_all(dir.path().join("lib")).unwrap();
    fs::write(
        dir.path().join("lib/app.py"),
        "import os\nkey = os.getenv(\"STRIPE_SECRET_KEY\")\n",
    )
    .unwrap();
    symlink("../lib/app.py", dir.path().join("src/app.py")).unwrap();
    let args = ["check", "inv.yaml", "--now", NOW, "--format", "json"];
    let out = guarded(dir.path(), &args);
    assert!(out.code < 2, "{}", out.stderr);
    assert_contains(&out.stdout, "STRIPE_SECRET_KEY");

    symlink("../lib/gone.py", dir.path().join("src/gone.py")).unwrap();
    let out = guarded(dir.path(), &args);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[code-not-verified]");
    assert_contains(&out.stderr, "src/gone.py");

    // A FIFO with a source file's name: refused, not opened, not skipped.
    fs::remove_file(dir.path().join("src/gone.py")).unwrap();
    mkfifo(&dir.path().join("src/pipe.py"));
    let out = guarded(dir.path(), &args);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "src/pipe.py");
    assert_contains(&out.stderr, "named pipe (FIFO)");

    // An oversized source file is skipped as generated code.
    fs::remove_file(dir.path().join("src/pipe.py")).unwrap();
    sparse(&dir.path().join("src/big.py"), MIB + 1);
    let out = guarded(dir.path(), &args);
    assert!(out.code < 2, "{}", out.stderr);
}

#[test]
fn invalid_utf8_is_located_and_never_quoted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inv.yaml"),
        inventory(
            "{ env: DB_PASSWORD }",
            "sources:\n  env_example: [.env.example]\n",
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join(".env.example"),
        b"DB_PASSWORD=\nAPI_KEY=CANARY-bad-utf8-\xff-value\n",
    )
    .unwrap();
    let out = guarded(dir.path(), &["check", "inv.yaml", "--now", NOW]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[unreadable-env-example]");
    assert_contains(&out.stderr, "--> inv.yaml:21:17");
    assert!(!out.stderr.contains("CANARY"), "{}", out.stderr);
    assert!(!out.stdout.contains("CANARY"), "{}", out.stdout);

    fs::write(dir.path().join("bad.yaml"), b"version: 1\n\n# caf\xe9\n").unwrap();
    let out = guarded(dir.path(), &["check", "bad.yaml", "--now", NOW]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "--> bad.yaml:3:6");
}

// Dates (section 7).

fn check_rotated(last_rotated: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inv.yaml"),
        inventory("{ env: DB_PASSWORD }", "").replace("2026-10-01", last_rotated),
    )
    .unwrap();
    guarded(dir.path(), &["check", "inv.yaml", "--now", NOW])
}

#[test]
fn dates_before_1970_are_refused_with_a_hint() {
    for date in ["0000-01-01", "1969-12-31"] {
        let out = check_rotated(date);
        assert_eq!(out.code, 2, "{date}: {}", out.stderr);
        assert_contains(&out.stderr, "error[invalid-date]");
        assert_contains(
            &out.stderr,
            &format!("last_rotated `{date}` is before 1970-01-01, which is not plausible"),
        );
        assert_contains(&out.stderr, "--> inv.yaml:16:23");
        assert_contains(&out.stderr, "help: fix the year");
    }
    // The first plausible day is a date like any other (an overdue one).
    let out = check_rotated("1970-01-01");
    assert_eq!(out.code, 1, "{}", out.stderr);
    // After the evaluation date: refused, as before.
    let out = check_rotated("2026-11-24");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[date-in-future]");
}

#[test]
fn a_waiver_expiring_before_1970_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let waiver = "waivers:\n  - rule: secret-rotation-overdue\n    entity: Secret::\"DB_PASSWORD\"\n    reason: migrating\n    owner: platform\n    expires: 1969-12-31\n";
    fs::write(
        dir.path().join("inv.yaml"),
        inventory("{ env: DB_PASSWORD }", waiver),
    )
    .unwrap();
    let out = guarded(dir.path(), &["check", "inv.yaml", "--now", NOW]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(
        &out.stderr,
        "waiver expiry `1969-12-31` is before 1970-01-01",
    );
    assert_contains(&out.stderr, "--> inv.yaml:25:14");
}
