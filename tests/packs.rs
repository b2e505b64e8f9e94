//! Shared rule packs (`--policies git+…@REF#subdir`), end to end: the real
//! binary and the real `git`, a bare repository served over `file://`, the
//! cache and the lock in temporary directories. Each exit path of pack
//! resolution has a test. Skipped, with a printed reason, only when `git`
//! is not installed.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const RULE: &str = r#"@id("service-key-gateway-only")
@severity("SEVERITY")
@message("the service-role key may only be read by the gateway")
forbid(principal, action == Action::"read", resource == Secret::"SUPABASE_SERVICE_KEY")
unless { principal == Service::"gateway" };
"#;

const INVENTORY: &str = r#"version: 1
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

/// A rule pack repository (`work`, published to the bare `repo.git`), a
/// project directory with an inventory, and a pack cache.
struct Fixture {
    dir: tempfile::TempDir,
}

fn git_missing() -> bool {
    let missing = Command::new("git").arg("--version").output().is_err();
    if missing {
        eprintln!("skipped: `git` is not installed, and rule packs are fetched with it");
    }
    missing
}

impl Fixture {
    /// The fixture with one commit of `rules/gateway.cedar` (severity
    /// `critical`), tagged `v1`, on the branch `main`; `None` without git.
    fn new() -> Option<Fixture> {
        if git_missing() {
            return None;
        }
        let fixture = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        let root = fixture.root();
        for dir in ["work", "project", "cache"] {
            fs::create_dir_all(root.join(dir)).unwrap();
        }
        fs::write(root.join("project/inventory.yaml"), INVENTORY).unwrap();
        fixture.git(&root.join("work"), &["init", "-q", "-b", "main"]);
        fixture.git(root, &["init", "-q", "--bare", "repo.git"]);
        fixture.commit("critical", "first");
        fixture.git(&root.join("work"), &["tag", "v1"]);
        fixture.publish();
        Some(fixture)
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn project(&self) -> PathBuf {
        self.root().join("project")
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .env(
                "GIT_CONFIG_GLOBAL",
                if cfg!(windows) { "NUL" } else { "/dev/null" },
            )
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Commits the rule at `severity` in the work repository.
    fn commit(&self, severity: &str, message: &str) -> String {
        let work = self.root().join("work");
        fs::create_dir_all(work.join("rules")).unwrap();
        fs::write(
            work.join("rules/gateway.cedar"),
            RULE.replace("SEVERITY", severity),
        )
        .unwrap();
        self.git(&work, &["add", "."]);
        self.git(&work, &["commit", "-q", "-m", message]);
        self.git(&work, &["rev-parse", "HEAD"])
    }

    /// Pushes `main` and every tag (moved ones too) to `repo.git`.
    fn publish(&self) {
        let bare = self.root().join("repo.git");
        let bare = bare.to_str().unwrap();
        self.git(
            &self.root().join("work"),
            &["push", "-q", "-f", "--tags", bare, "main"],
        );
    }

    fn commit_of(&self, reference: &str) -> String {
        self.git(
            &self.root().join("repo.git"),
            &["rev-parse", &format!("{reference}^{{commit}}")],
        )
    }

    fn url(&self) -> String {
        format!("file://{}", self.root().join("repo.git").display())
    }

    fn source(&self, reference: &str) -> String {
        format!("git+{}@{reference}#rules", self.url())
    }

    /// `secretary check inventory.yaml --format json` with the pack cache
    /// of the fixture.
    fn check(&self, extra: &[&str]) -> Run {
        self.run_in(
            &self.root().join("cache"),
            &["check", "inventory.yaml", "--now", NOW, "--format", "json"],
            extra,
        )
    }

    fn run_in(&self, cache: &Path, command: &[&str], extra: &[&str]) -> Run {
        run(secretary(&self.project())
            .env("SECRETARY_CACHE_DIR", cache)
            .args(command)
            .args(extra))
    }

    fn lock(&self) -> String {
        fs::read_to_string(self.project().join("secretary.lock")).unwrap_or_default()
    }

    /// The cached copy of the rule at `commit`.
    fn cached_rule(&self, commit: &str) -> PathBuf {
        let packs = self.root().join("cache/packs");
        let url_dir = fs::read_dir(&packs)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        url_dir.join(commit).join("rules/gateway.cedar")
    }
}

fn severity_of_finding(stdout: &str) -> String {
    let report = json(stdout);
    report["findings"][0]["severity"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn a_tagged_pack_is_fetched_locked_and_verified() {
    let Some(f) = Fixture::new() else { return };
    let source = f.source("v1");
    let commit = f.commit_of("v1");
    let r = f.check(&["--policies", &source]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = json(&r.stdout);
    assert_eq!(report["findings"][0]["rule"], "service-key-gateway-only");
    let packs = report["packs"].as_array().unwrap();
    assert_eq!(packs.len(), 1, "{report:#}");
    assert_eq!(packs[0]["source"], source.as_str());
    assert_eq!(packs[0]["commit"], commit.as_str());
    let sha = packs[0]["files_sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha.len(), 64);
    let lock = f.lock();
    assert_contains(&lock, &format!("source: \"{source}\""));
    assert_contains(&lock, &format!("commit: \"{commit}\""));
    assert_contains(&lock, &format!("files_sha256: \"{sha}\""));

    // The second run verifies the lock and leaves it as it was.
    let again = f.check(&["--policies", &source]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(again.stdout, r.stdout);
    assert_eq!(f.lock(), lock);

    // The hash is `sha256sum`'s listing of the rule files, hashed (docs/src/rule-packs.md).
    let hex = |bytes: &[u8]| {
        use sha2::Digest;
        secretary::source::hex(&sha2::Sha256::digest(bytes))
    };
    let text = RULE.replace("SEVERITY", "critical");
    let listing = format!("{}  gateway.cedar\n", hex(text.as_bytes()));
    assert_eq!(sha, hex(listing.as_bytes()));

    // Rule files are shown under the pack's source, not the cache path.
    let list = f.run_in(
        &f.root().join("cache"),
        &["policies", "list", "--no-builtin", "--policies", &source],
        &[],
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_contains(
        &list.stdout,
        &format!("source:   {source}/gateway.cedar:1:1"),
    );
    assert!(!list.stdout.contains("cache"), "{}", list.stdout);
}

#[test]
fn an_annotated_tag_and_a_full_commit_resolve_to_the_commit() {
    let Some(f) = Fixture::new() else { return };
    f.git(
        &f.root().join("work"),
        &["tag", "-a", "v1-annotated", "-m", "annotated"],
    );
    f.publish();
    let commit = f.commit_of("v1");
    for reference in ["v1-annotated", commit.as_str()] {
        let r = f.check(&["--policies", &f.source(reference)]);
        assert_eq!(r.code, 1, "{reference}: {}", r.stderr);
        assert_eq!(json(&r.stdout)["packs"][0]["commit"], commit.as_str());
    }
}

#[test]
fn the_report_evidence_names_each_pack_and_commit() {
    let Some(f) = Fixture::new() else { return };
    let source = f.source("v1");
    let commit = f.commit_of("v1");
    for format in ["markdown", "html"] {
        let r = f.run_in(
            &f.root().join("cache"),
            &[
                "report",
                "inventory.yaml",
                "--now",
                NOW,
                "--format",
                format,
                "--policies",
                &source,
            ],
            &[],
        );
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert_contains(&r.stdout, "Rule packs");
        // HTML escapes `/`: read the text as a browser shows it.
        let text = match format {
            "html" => scraper::Html::parse_document(&r.stdout)
                .root_element()
                .text()
                .collect::<String>(),
            _ => r.stdout.clone(),
        };
        assert_contains(&text, &source);
        assert_contains(&text, &commit);
        assert_contains(&text, &format!("{source}/gateway.cedar"));
    }
}

#[test]
fn a_moved_tag_is_caught_by_the_lock_until_accepted() {
    let Some(f) = Fixture::new() else { return };
    let source = f.source("v1");
    let old = f.commit_of("v1");
    assert_eq!(f.check(&["--policies", &source]).code, 1);
    let lock = f.lock();

    let new = f.commit("low", "lower it");
    f.git(&f.root().join("work"), &["tag", "-f", "v1"]);
    f.publish();
    let r = f.check(&["--policies", &source]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-lock-mismatch]");
    assert_contains(&r.stderr, &source);
    assert_contains(&r.stderr, &old);
    assert_contains(&r.stderr, &new);
    assert_contains(&r.stderr, "--update-lock");
    assert_eq!(r.stdout, "");
    assert_eq!(f.lock(), lock, "a refused run leaves the lock alone");

    let r = f.check(&["--policies", &source, "--update-lock"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(severity_of_finding(&r.stdout), "low");
    assert_contains(&f.lock(), &new);
    assert!(!f.lock().contains(&old));
    // Accepted: later runs verify against the new entry.
    let r = f.check(&["--policies", &source]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn a_branch_is_refused_unless_allowed() {
    let Some(f) = Fixture::new() else { return };
    let source = f.source("main");
    let r = f.check(&["--policies", &source]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-branch-ref]");
    assert_contains(&r.stderr, "pin a tag or a full commit");
    assert_contains(&r.stderr, "--allow-branch");
    assert_eq!(f.lock(), "");

    let r = f.check(&["--policies", &source, "--allow-branch"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_contains(&f.lock(), &f.commit_of("main"));
    // The lock still pins the branch's commit: a new commit is caught.
    f.commit("high", "next");
    f.publish();
    let r = f.check(&["--policies", &source, "--allow-branch"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-lock-mismatch]");
}

#[test]
fn a_missing_ref_or_commit_is_exit_2_naming_source_and_ref() {
    let Some(f) = Fixture::new() else { return };
    let source = f.source("v9");
    let r = f.check(&["--policies", &source]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-ref-not-found]");
    assert_contains(&r.stderr, &source);
    assert_contains(&r.stderr, "`v9`");
    let missing = "1".repeat(40);
    let r = f.check(&["--policies", &f.source(&missing)]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-ref-not-found]");
    assert_contains(&r.stderr, &missing);
    assert_eq!(f.lock(), "", "nothing is locked");
}

#[test]
fn a_subdir_that_does_not_exist_is_exit_2() {
    let Some(f) = Fixture::new() else { return };
    let source = format!("git+{}@v1#policies", f.url());
    let r = f.check(&["--policies", &source]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-subdir-missing]");
    assert_contains(&r.stderr, "`policies`");
    assert_eq!(f.lock(), "");
}

#[test]
fn offline_uses_the_lock_and_the_cache_only() {
    let Some(f) = Fixture::new() else { return };
    let source = f.source("v1");
    // Nothing locked yet.
    let r = f.check(&["--policies", &source, "--offline"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-not-cached]");
    assert_contains(&r.stderr, "without `--offline`");

    assert_eq!(f.check(&["--policies", &source]).code, 1);
    // The repository is gone: offline never asks it.
    fs::rename(f.root().join("repo.git"), f.root().join("gone.git")).unwrap();
    let r = f.check(&["--policies", &source, "--offline"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        json(&r.stdout)["packs"][0]["commit"],
        f.root()
            .join("gone.git")
            .to_str()
            .map(|_| f.git(&f.root().join("gone.git"), &["rev-parse", "v1"]))
            .unwrap()
            .as_str()
    );
    // Locked, but not in this cache.
    let empty = f.root().join("other-cache");
    let r = f.run_in(
        &empty,
        &["check", "inventory.yaml", "--now", NOW],
        &["--policies", &source, "--offline"],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-not-cached]");
    assert_contains(&r.stderr, "run once without `--offline`");
    // Online, an unreachable repository is a fetch failure.
    let r = f.check(&["--policies", &source]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-fetch-failed]");
    assert_contains(&r.stderr, &source);
    // `--offline` cannot accept a change it cannot fetch.
    let r = f.check(&["--policies", &source, "--offline", "--update-lock"]);
    assert_eq!(r.code, 2);
}

#[test]
fn a_changed_cache_is_caught_and_refetched_on_update() {
    let Some(f) = Fixture::new() else { return };
    let source = f.source("v1");
    let commit = f.commit_of("v1");
    assert_eq!(f.check(&["--policies", &source]).code, 1);
    let cached = f.cached_rule(&commit);
    let original = fs::read_to_string(&cached).unwrap();
    fs::write(&cached, original.replace("critical", "info")).unwrap();
    for extra in [&[][..], &["--offline"][..]] {
        let mut args = vec!["--policies", source.as_str()];
        args.extend_from_slice(extra);
        let r = f.check(&args);
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stdout);
        assert_contains(&r.stderr, "error[pack-lock-mismatch]");
        assert_contains(&r.stderr, "cached copy");
        assert_contains(&r.stderr, &commit);
    }
    // `--update-lock` fetches afresh: the cache is repaired and the lock
    // keeps the genuine files' hash.
    let lock = f.lock();
    let r = f.check(&["--policies", &source, "--update-lock"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(severity_of_finding(&r.stdout), "critical");
    assert_eq!(fs::read_to_string(&cached).unwrap(), original);
    assert_eq!(f.lock(), lock);
}

#[test]
fn a_bad_source_is_exit_2() {
    let Some(f) = Fixture::new() else { return };
    for (source, words) in [
        (format!("git+{}", f.url()), "names no ref"),
        (
            "git+http://example.com/org/rules.git@v1".to_owned(),
            "`http`",
        ),
        (format!("git+{}@v1#../x", f.url()), "relative path"),
    ] {
        let r = f.check(&["--policies", &source]);
        assert_eq!(r.code, 2, "{source}: {}", r.stdout);
        assert_contains(&r.stderr, "error[invalid-pack-source]");
        assert_contains(&r.stderr, words);
    }
}

#[test]
fn the_lock_can_live_elsewhere_and_a_bad_one_is_exit_2() {
    let Some(f) = Fixture::new() else { return };
    let source = f.source("v1");
    let r = f.check(&["--policies", &source, "--lock", "../team.lock"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(f.lock(), "");
    assert_contains(
        &fs::read_to_string(f.root().join("team.lock")).unwrap(),
        &f.commit_of("v1"),
    );

    fs::write(
        f.project().join("secretary.lock"),
        "version: 1\npacks:\n  - source: x\n    commit: abc\n",
    )
    .unwrap();
    let r = f.check(&["--policies", &source]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[invalid-lock]");
    assert_contains(&r.stderr, "secretary.lock:3:");

    // A lock that cannot be written: nothing half written, exit 2.
    let r = f.check(&[
        "--policies",
        &source,
        "--lock",
        "no/such/dir/secretary.lock",
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[cannot-write-output]");
}

#[test]
fn an_unwritable_cache_is_exit_2() {
    let Some(f) = Fixture::new() else { return };
    let not_a_dir = f.root().join("file");
    fs::write(&not_a_dir, "").unwrap();
    let r = f.run_in(
        &not_a_dir,
        &["check", "inventory.yaml", "--now", NOW],
        &["--policies", &f.source("v1")],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "error[pack-cache-failed]");
    assert_contains(&r.stderr, "SECRETARY_CACHE_DIR");
}

/// A link in a pack is checked out as a plain file holding the link's
/// target, so a pack cannot make the loader read (and quote) a file of the
/// machine it runs on.
#[cfg(unix)]
#[test]
fn a_link_in_a_pack_never_reads_outside_it() {
    let Some(f) = Fixture::new() else { return };
    let canary = "CANARY-PACK-LINK-7d1e";
    let outside = f.root().join("outside.cedar");
    fs::write(&outside, format!("{canary}\n")).unwrap();
    let work = f.root().join("work");
    std::os::unix::fs::symlink(&outside, work.join("rules/leak.cedar")).unwrap();
    f.git(&work, &["add", "."]);
    f.git(&work, &["commit", "-q", "-m", "link"]);
    f.git(&work, &["tag", "v2"]);
    f.publish();
    let r = f.check(&["--policies", &f.source("v2")]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_contains(&r.stderr, "leak.cedar");
    assert!(
        !r.stderr.contains(canary) && !r.stdout.contains(canary),
        "{}",
        r.stderr
    );
}
