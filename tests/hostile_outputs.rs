//! Issue 13, sections 4 and 5: no leak through an error, no credential
//! written by `init --from`, and no lost file: an output never replaces an
//! input of its run or another output, nothing is written when one would,
//! and written files get the permissions a user expects.

use crate::common;

use std::fs;
use std::path::Path;

use common::{assert_contains, repo_root, run, secretary, NOW};

const CANARY: &str = "CANARY-hostile-7f3a9c";

/// A small compliant inventory whose values live in a `.env` file and a
/// value file, so that `fingerprint` and `check --env` read them.
const INVENTORY: &str = r#"version: 1
environments:
  staging: { tier: staging }
secrets:
  DB_PASSWORD:
    classification: important
    owner: platform
    rotation: { period: 90d }
    instances:
      staging:
        backend: dotenv
        env_var: DB_PASSWORD
        last_rotated: 2026-10-01
        value: { dotenv: staging.env }
  API_KEY:
    classification: important
    owner: platform
    rotation: { period: 90d }
    instances:
      staging:
        backend: env_var
        env_var: API_KEY
        last_rotated: 2026-10-01
        value: { file: secrets/api_key }
"#;

const KEY_VAR: &str = "SECRETARY_TEST_HOSTILE_KEY";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).unwrap();
    fs::write(
        dir.path().join("staging.env"),
        "DB_PASSWORD=staging-db-Zt5nB3cY8dF1gJ6q\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("secrets")).unwrap();
    fs::write(
        dir.path().join("secrets/api_key"),
        "api-key-Wm4kP9sX2vN7bQ5e\n",
    )
    .unwrap();
    dir
}

/// Every file under `dir` with its bytes, to show that a run changed none.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walk(dir)
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).unwrap_or_default();
            (path.strip_prefix(dir).unwrap().display().to_string(), bytes)
        })
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.is_symlink() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Runs `args` in `dir` and checks that it is a usage error naming
/// `code` and that no file under `dir` changed or appeared.
#[track_caller]
fn refused(dir: &Path, args: &[&str], code: &str) -> common::Run {
    let before = snapshot(dir);
    let r = run(secretary(dir).args(args));
    assert_eq!(r.code, 2, "{args:?}\n{}{}", r.stdout, r.stderr);
    assert_contains(&r.stderr, &format!("error[{code}]"));
    assert_contains(&r.stderr, "nothing was written");
    assert_eq!(snapshot(dir), before, "{args:?} changed a file");
    r
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// The binary run through `sh` with `umask` set, in `dir`.
#[cfg(unix)]
fn with_umask(dir: &Path, umask: &str, args: &[&str]) -> common::Run {
    let bin = assert_cmd::cargo::cargo_bin("secretary");
    let mut cmd = assert_cmd::Command::new("sh");
    cmd.current_dir(dir)
        .env(KEY_VAR, "test-fingerprint-key-2f9c4b1e")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(bin)
        .args(args);
    run(&mut cmd)
}

// ---- Section 4: errors never quote a file that may hold values ----------

/// Files that are not what the flag expects, each holding the canary on a
/// known line: a `.env` file, a secret file of one raw line, a secret that
/// happens to be a JSON string, a number-like secret, and a JSON document
/// whose field holds it.
fn wrong_files(dir: &Path) -> Vec<(&'static str, usize)> {
    let files = [
        ("app.env", format!("PORT=3000\nAPI_KEY={CANARY}\n"), 1),
        ("raw-secret.txt", format!("{CANARY}\n"), 1),
        ("json-secret.txt", format!("\"{CANARY}\"\n"), 1),
        ("number-secret.txt", "7310958822314\n".to_owned(), 1),
        (
            "doc.json",
            format!("{{\n  \"version\": \"{CANARY}\"\n}}\n"),
            2,
        ),
    ];
    files
        .into_iter()
        .map(|(name, text, line)| {
            fs::write(dir.join(name), text).unwrap();
            (name, line)
        })
        .collect()
}

#[track_caller]
fn assert_no_canary(r: &common::Run) {
    for canary in [CANARY, "7310958822314"] {
        assert!(!r.stdout.contains(canary), "stdout leaks:\n{}", r.stdout);
        assert!(!r.stderr.contains(canary), "stderr leaks:\n{}", r.stderr);
    }
}

#[test]
fn a_wrong_file_given_as_fingerprints_is_named_never_quoted() {
    let dir = setup();
    for (name, line) in wrong_files(dir.path()) {
        let r = run(secretary(dir.path()).args([
            "check",
            "inventory.yaml",
            "--now",
            NOW,
            "--fingerprints",
            name,
        ]));
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert_contains(&r.stderr, "error[invalid-fingerprint-file]");
        assert_contains(&r.stderr, &format!("--> {name}:{line}:"));
        assert!(
            !r.stderr.contains(" | "),
            "{name}: a snippet:\n{}",
            r.stderr
        );
        assert_no_canary(&r);
    }
}

#[test]
fn a_wrong_file_given_as_iam_snapshot_is_named_never_quoted() {
    let dir = setup();
    for (name, line) in wrong_files(dir.path()) {
        let r = run(secretary(dir.path()).args([
            "check",
            "inventory.yaml",
            "--now",
            NOW,
            "--iam-snapshot",
            name,
        ]));
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert_contains(&r.stderr, "error[invalid-iam-snapshot]");
        assert_contains(&r.stderr, &format!("--> {name}:{line}:"));
        assert!(
            !r.stderr.contains(" | "),
            "{name}: a snippet:\n{}",
            r.stderr
        );
        assert_no_canary(&r);
    }
}

#[test]
fn report_and_docs_name_a_wrong_file_without_its_text() {
    let dir = setup();
    fs::write(dir.path().join("app.env"), format!("API_KEY={CANARY}\n")).unwrap();
    fs::write(
        dir.path().join("README.md"),
        "<!-- secretary:begin secrets -->\n<!-- secretary:end secrets -->\n",
    )
    .unwrap();
    for args in [
        &["report", "inventory.yaml", "--fingerprints", "app.env"][..],
        &["report", "inventory.yaml", "--iam-snapshot", "app.env"][..],
        &[
            "docs",
            "README.md",
            "-i",
            "inventory.yaml",
            "--fingerprints",
            "app.env",
        ][..],
        &[
            "docs",
            "README.md",
            "-i",
            "inventory.yaml",
            "--iam-snapshot",
            "app.env",
        ][..],
    ] {
        let r = run(secretary(dir.path()).args(args).args(["--now", NOW]));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_contains(&r.stderr, "--> app.env:1:1");
        assert_no_canary(&r);
    }
}

#[test]
fn a_policy_file_not_named_cedar_is_not_quoted() {
    let dir = setup();
    fs::write(dir.path().join("app.env"), format!("X {CANARY}\n")).unwrap();
    fs::write(
        dir.path().join("bad.cedar"),
        "forbid (principal, action, resource) when { oops };\n",
    )
    .unwrap();
    let r = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--policies",
        "app.env",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stderr, "--> app.env:1:3");
    assert!(!r.stderr.contains(" | "), "{}", r.stderr);
    assert_no_canary(&r);
    // A `.cedar` file holds rules: its line is shown.
    let r = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--policies",
        "bad.cedar",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(
        &r.stderr,
        "1 | forbid (principal, action, resource) when { oops };",
    );
}

// ---- Section 4: `init --from` never writes a credential -------------------

#[test]
fn init_from_never_writes_a_url_credential() {
    let dir = tempfile::tempdir().unwrap();
    let env = format!(
        "DATABASE_URL=postgres://app:{CANARY}@db:5432/app\n\
         REDIS_URL=redis://:{CANARY}@cache:6379/0\n\
         BROKER_URL=amqp://guest:{CANARY}%40x%3Ay@mq:5672//\n\
         MONGO_URL=mongodb+srv://reader:{CANARY}/slash@cluster0.mongo.test/db?retryWrites=true\n\
         NODES=redis://:{CANARY}a@h1:6379,redis://:{CANARY}b@h2:6379\n\
         JDBC_URL=jdbc:postgresql://db/app?user=app&password={CANARY}&ssl=true\n\
         MSSQL=Server=db;User Id=app;Password={CANARY};\n\
         NEXT_URL=https://app.test/login?next=postgres%3A%2F%2Fu%3A{CANARY}%40db\n\
         ERROR_REPORTING=https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.test/1\n\
         GIT_REMOTE=ssh://git@github.com/org/repo.git\n\
         PORT=3000\n"
    );
    fs::write(dir.path().join(".env.example"), env).unwrap();
    let r = run(secretary(dir.path()).args(["init", "--from", ".env.example", "-o", "inv.yaml"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_no_canary(&r);
    let text = fs::read_to_string(dir.path().join("inv.yaml")).unwrap();
    assert!(!text.contains("CANARY"), "{text}");
    assert!(!text.contains("0123456789abcdef0123"), "{text}");
    // A value that embeds a password is a secret whatever its name: it gets
    // no default at all, and is inventoried as a secret.
    for secret in [
        "DATABASE_URL",
        "REDIS_URL",
        "BROKER_URL",
        "MONGO_URL",
        "NODES",
        "JDBC_URL",
        "MSSQL",
    ] {
        assert_contains(&text, &format!("secret: {secret}"));
    }
    assert!(!text.contains("<redacted>@db"), "{text}");
    for kept in [
        // A token as a URL's user name is redacted from a default.
        "default: \"https://<redacted>@o1.ingest.sentry.test/1\"",
        // A plain user name is no credential.
        "default: \"ssh://git@github.com/org/repo.git\"",
        "default: \"3000\"",
        "a credential in it was replaced by `<redacted>`",
    ] {
        assert_contains(&text, kept);
    }
    // A credential that shows only once decoded: no default at all.
    assert!(!text.contains("app.test/login"), "{text}");
    // The result loads and checks.
    let r = run(secretary(dir.path()).args(["check", "inv.yaml", "--now", NOW]));
    assert!(r.code < 2, "{}{}", r.stdout, r.stderr);
    assert_no_canary(&r);
}

#[test]
fn init_from_refuses_to_write_over_its_own_input() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.env"), "PORT=3000\n").unwrap();
    let r = refused(
        dir.path(),
        &["init", "--from", "app.env", "-o", "./app.env"],
        "output-is-input",
    );
    assert_contains(&r.stderr, "a file given to `--from`");
}

// ---- Section 5: no output replaces an input -------------------------------

#[test]
fn check_refuses_an_output_that_is_the_inventory_however_spelled() {
    let dir = setup();
    let absolute = dir.path().join("inventory.yaml");
    for output in [
        "inventory.yaml",
        "./inventory.yaml",
        "secrets/../inventory.yaml",
        absolute.to_str().unwrap(),
    ] {
        let r = refused(
            dir.path(),
            &["check", "inventory.yaml", "--now", NOW, "-o", output],
            "output-is-input",
        );
        assert_contains(&r.stderr, "an inventory file");
    }
    // As the second of several outputs: the first is not written either.
    refused(
        dir.path(),
        &[
            "check",
            "inventory.yaml",
            "--now",
            NOW,
            "--format",
            "json",
            "-o",
            "out.json",
            "--format",
            "sarif",
            "-o",
            "./inventory.yaml",
        ],
        "output-is-input",
    );
}

#[test]
fn an_inventory_directory_file_is_an_input() {
    let dir = setup();
    fs::create_dir(dir.path().join("inv")).unwrap();
    fs::write(dir.path().join("inv/main.yaml"), INVENTORY).unwrap();
    refused(
        dir.path(),
        &["report", "inv", "--now", NOW, "-o", "inv/./main.yaml"],
        "output-is-input",
    );
}

#[test]
fn report_refuses_a_policy_or_a_template_as_output() {
    let dir = setup();
    fs::write(
        dir.path().join("extra.cedar"),
        "@id(\"extra-rule\")\n@severity(\"low\")\n@message(\"never\")\nforbid (principal, action == Action::\"read\", resource == Secret::\"NONE\");\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("tpl")).unwrap();
    fs::write(dir.path().join("tpl/findings.md"), "custom findings\n").unwrap();
    let r = refused(
        dir.path(),
        &[
            "report",
            "inventory.yaml",
            "--now",
            NOW,
            "--policies",
            "extra.cedar",
            "-o",
            "./extra.cedar",
        ],
        "output-is-input",
    );
    assert_contains(&r.stderr, "a policy file");
    let r = refused(
        dir.path(),
        &[
            "report",
            "inventory.yaml",
            "--now",
            NOW,
            "--templates",
            "tpl",
            "-o",
            "tpl/findings.md",
        ],
        "output-is-input",
    );
    assert_contains(&r.stderr, "a template");
    // The same inputs with another output are fine.
    let r = run(secretary(dir.path()).args([
        "report",
        "inventory.yaml",
        "--now",
        NOW,
        "--policies",
        "extra.cedar",
        "--templates",
        "tpl",
        "-o",
        "report.md",
    ]));
    assert!(r.code < 2, "{}", r.stderr);
    assert!(dir.path().join("report.md").exists());
}

#[test]
fn check_refuses_the_iam_snapshot_and_a_fingerprint_file_as_output() {
    let dir = setup();
    fs::copy(
        repo_root().join("examples/sasha/iam-snapshot.json"),
        dir.path().join("snap.json"),
    )
    .unwrap();
    let r = refused(
        dir.path(),
        &[
            "check",
            "inventory.yaml",
            "--now",
            NOW,
            "--iam-snapshot",
            "snap.json",
            "-o",
            "snap.json",
        ],
        "output-is-input",
    );
    assert_contains(&r.stderr, "the IAM snapshot");

    let r = run(secretary(dir.path())
        .args([
            "fingerprint",
            "inventory.yaml",
            "--env",
            "staging",
            "--now",
            NOW,
        ])
        .args(["--fingerprint-key-env", KEY_VAR, "-o", "fp.json"])
        .env(KEY_VAR, "test-fingerprint-key-2f9c4b1e"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = snapshot(dir.path());
    let r = run(secretary(dir.path())
        .args([
            "check",
            "inventory.yaml",
            "--now",
            NOW,
            "--fingerprints",
            "fp.json",
        ])
        .args([
            "--fingerprint-key-env",
            KEY_VAR,
            "--format",
            "json",
            "-o",
            "./fp.json",
        ])
        .env(KEY_VAR, "test-fingerprint-key-2f9c4b1e"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stderr, "error[output-is-input]");
    assert_contains(&r.stderr, "a fingerprint file");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn fingerprint_refuses_to_write_over_a_value_file() {
    let dir = setup();
    for (output, what) in [
        ("staging.env", "a `.env` file of secret values"),
        ("secrets/api_key", "a secret value file"),
        ("inventory.yaml", "an inventory file"),
    ] {
        let before = snapshot(dir.path());
        let r = run(secretary(dir.path())
            .args([
                "fingerprint",
                "inventory.yaml",
                "--env",
                "staging",
                "--now",
                NOW,
            ])
            .args(["--fingerprint-key-env", KEY_VAR, "-o", output])
            .env(KEY_VAR, "test-fingerprint-key-2f9c4b1e"));
        assert_eq!(r.code, 2, "{output}: {}", r.stderr);
        assert_contains(&r.stderr, "error[output-is-input]");
        assert_contains(&r.stderr, what);
        assert_eq!(snapshot(dir.path()), before, "{output} changed");
    }
}

#[test]
#[cfg(unix)]
fn a_symlink_or_hard_link_to_an_input_is_that_input() {
    let dir = setup();
    std::os::unix::fs::symlink("inventory.yaml", dir.path().join("link.yaml")).unwrap();
    fs::hard_link(
        dir.path().join("inventory.yaml"),
        dir.path().join("hard.txt"),
    )
    .unwrap();
    for output in ["link.yaml", "hard.txt"] {
        refused(
            dir.path(),
            &["check", "inventory.yaml", "--now", NOW, "-o", output],
            "output-is-input",
        );
    }
    // A symlinked directory on the way: the same file.
    std::os::unix::fs::symlink(".", dir.path().join("here")).unwrap();
    refused(
        dir.path(),
        &[
            "report",
            "inventory.yaml",
            "--now",
            NOW,
            "-o",
            "here/inventory.yaml",
        ],
        "output-is-input",
    );
}

#[test]
fn compose_and_code_named_by_the_inventory_are_inputs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inventory.yaml"),
        "version: 1\nenvironments:\n  dev: { tier: development }\nservices:\n  api: { kind: api }\nsources:\n  compose:\n    - file: compose.yml\n  code: [src]\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("compose.yml"),
        "services:\n  api:\n    image: app\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    let r = refused(
        dir.path(),
        &["check", "inventory.yaml", "--now", NOW, "-o", "compose.yml"],
        "output-is-input",
    );
    assert_contains(&r.stderr, "a compose file");
    let r = refused(
        dir.path(),
        &["check", "inventory.yaml", "--now", NOW, "-o", "src/main.rs"],
        "output-is-input",
    );
    assert_contains(&r.stderr, "source code");
    // A report beside the code is no input.
    let r = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "-o",
        "src/report.txt",
    ]));
    assert!(r.code < 2, "{}", r.stderr);
}

#[test]
fn two_outputs_that_are_one_file_are_refused() {
    let dir = setup();
    fs::create_dir(dir.path().join("out")).unwrap();
    for pair in [
        ["same.out", "./same.out"],
        ["out/a.json", "out/../out/a.json"],
    ] {
        let r = refused(
            dir.path(),
            &[
                "check",
                "inventory.yaml",
                "--now",
                NOW,
                "--format",
                "json",
                "-o",
                pair[0],
                "--format",
                "sarif",
                "-o",
                pair[1],
            ],
            "duplicate-output",
        );
        assert_contains(&r.stderr, "are the same file");
    }
}

#[test]
fn docs_rewrites_its_file_but_no_other_input() {
    let dir = setup();
    let markers = "# Secrets\n\n<!-- secretary:begin secrets -->\n<!-- secretary:end secrets -->\n";
    fs::write(dir.path().join("README.md"), markers).unwrap();
    // The inventory as a docs file, a file named twice.
    refused(
        dir.path(),
        &[
            "docs",
            "./inventory.yaml",
            "-i",
            "inventory.yaml",
            "--now",
            NOW,
        ],
        "output-is-input",
    );
    refused(
        dir.path(),
        &[
            "docs",
            "README.md",
            "./README.md",
            "-i",
            "inventory.yaml",
            "--now",
            NOW,
        ],
        "duplicate-output",
    );
    // Its own file: rewritten, as designed.
    let r = run(secretary(dir.path()).args([
        "docs",
        "README.md",
        "-i",
        "inventory.yaml",
        "--now",
        NOW,
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = fs::read_to_string(dir.path().join("README.md")).unwrap();
    assert_contains(&text, "DB_PASSWORD");
}

// ---- Section 5: permissions -----------------------------------------------

#[test]
#[cfg(unix)]
fn docs_keeps_the_mode_of_the_file_it_rewrites_and_its_symlink() {
    let dir = setup();
    let markers = "<!-- secretary:begin secrets -->\n<!-- secretary:end secrets -->\n";
    fs::create_dir(dir.path().join("docs")).unwrap();
    fs::write(dir.path().join("docs/real.md"), markers).unwrap();
    std::os::unix::fs::symlink("docs/real.md", dir.path().join("README.md")).unwrap();
    fs::write(dir.path().join("OTHER.md"), markers).unwrap();
    set_mode(&dir.path().join("docs/real.md"), 0o644);
    set_mode(&dir.path().join("OTHER.md"), 0o640);
    // A umask that would narrow either mode must not.
    let r = with_umask(
        dir.path(),
        "077",
        &[
            "docs",
            "README.md",
            "OTHER.md",
            "-i",
            "inventory.yaml",
            "--now",
            NOW,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        dir.path().join("README.md").is_symlink(),
        "the link stays a link"
    );
    assert_contains(
        &fs::read_to_string(dir.path().join("docs/real.md")).unwrap(),
        "DB_PASSWORD",
    );
    assert_eq!(mode(&dir.path().join("docs/real.md")), 0o644);
    assert_eq!(mode(&dir.path().join("OTHER.md")), 0o640);
}

#[test]
#[cfg(unix)]
fn new_files_follow_the_umask_and_fingerprints_stay_private() {
    let dir = setup();
    for umask in ["022", "027"] {
        let expected = if umask == "022" { 0o644 } else { 0o640 };
        let report = format!("report-{umask}.md");
        let check = format!("check-{umask}.json");
        let init = format!("init-{umask}.yaml");
        let fingerprints = format!("fp-{umask}.json");
        let r = with_umask(
            dir.path(),
            umask,
            &["report", "inventory.yaml", "--now", NOW, "-o", &report],
        );
        assert!(r.code < 2, "{}", r.stderr);
        let r = with_umask(
            dir.path(),
            umask,
            &[
                "check",
                "inventory.yaml",
                "--now",
                NOW,
                "--format",
                "json",
                "-o",
                &check,
            ],
        );
        assert!(r.code < 2, "{}", r.stderr);
        let r = with_umask(dir.path(), umask, &["init", &init, "--now", NOW]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = with_umask(
            dir.path(),
            umask,
            &[
                "fingerprint",
                "inventory.yaml",
                "--env",
                "staging",
                "--now",
                NOW,
                "--fingerprint-key-env",
                KEY_VAR,
                "-o",
                &fingerprints,
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        for file in [&report, &check, &init] {
            assert_eq!(
                mode(&dir.path().join(file)),
                expected,
                "{file} under umask {umask}"
            );
        }
        assert_eq!(mode(&dir.path().join(&fingerprints)), 0o600);
    }
}

#[test]
#[cfg(unix)]
fn a_replaced_output_keeps_its_mode_unless_it_holds_fingerprints() {
    let dir = setup();
    fs::write(dir.path().join("out.json"), "old\n").unwrap();
    fs::write(dir.path().join("fp.json"), "old\n").unwrap();
    set_mode(&dir.path().join("out.json"), 0o604);
    set_mode(&dir.path().join("fp.json"), 0o644);
    let r = with_umask(
        dir.path(),
        "077",
        &[
            "check",
            "inventory.yaml",
            "--now",
            NOW,
            "--format",
            "json",
            "-o",
            "out.json",
        ],
    );
    assert!(r.code < 2, "{}", r.stderr);
    assert_eq!(mode(&dir.path().join("out.json")), 0o604);
    assert_ne!(
        fs::read_to_string(dir.path().join("out.json")).unwrap(),
        "old\n"
    );
    let r = with_umask(
        dir.path(),
        "022",
        &[
            "fingerprint",
            "inventory.yaml",
            "--env",
            "staging",
            "--now",
            NOW,
            "--fingerprint-key-env",
            KEY_VAR,
            "-o",
            "fp.json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(mode(&dir.path().join("fp.json")), 0o600);
    // No temporary file is left beside the outputs.
    let stray: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".secretary-")
        })
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

/// An output path that is not a regular file is never renamed over: `-o
/// /dev/null` once turned the machine's `/dev/null` into a file. A named
/// pipe (and so `/dev/stdout` piped, or `/dev/null`) is written in place; a
/// directory or a socket is refused and nothing is written.
#[cfg(unix)]
#[test]
fn outputs_that_are_not_regular_files_are_written_in_place_or_refused() {
    use std::os::unix::fs::FileTypeExt;

    let dir = setup();
    let inventory = dir.path().join("inventory.yaml");
    let inventory = inventory.to_str().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let fifo = elsewhere.path().join("report.pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).expect("the pipe is read"))
    };
    let check_to = |target: &str| {
        run(secretary(dir.path()).args([
            "check", inventory, "--now", NOW, "--format", "json", "-o", target,
        ]))
    };
    let r = check_to(fifo.to_str().unwrap());
    assert_ne!(r.code, 2, "{}", r.stderr);
    assert_contains(&reader.join().unwrap(), "\"summary\"");
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    let names: Vec<_> = fs::read_dir(elsewhere.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left beside the pipe");

    // `/dev/stdout`, a pipe here: the report reaches it.
    let r = check_to("/dev/stdout");
    assert_ne!(r.code, 2, "{}", r.stderr);
    assert_contains(&r.stdout, "\"summary\"");

    // A directory and a socket are refused, and stay what they were.
    let out = elsewhere.path().join("out");
    fs::create_dir(&out).unwrap();
    let socket = elsewhere.path().join("out.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    for (target, what) in [(&out, "a directory"), (&socket, "a socket")] {
        let target = target.to_str().unwrap();
        let r = check_to(target);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_contains(&r.stderr, "error[output-not-a-file]");
        assert_contains(&r.stderr, &format!("output `{target}` is {what}"));
        assert_contains(&r.stderr, "nothing was written");
    }
    assert!(fs::read_dir(&out).unwrap().next().is_none());
    assert!(fs::metadata(&socket).unwrap().file_type().is_socket());
}
