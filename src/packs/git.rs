//! The `git` command line, run for packs with a clean environment: no
//! `GIT_*` variable of the caller, no system or global configuration (so no
//! credential helper, `insteadOf` or hook path of the user's), no prompt
//! (`GIT_TERMINAL_PROMPT=0`, an empty `GIT_ASKPASS`, ssh in batch mode).
//! A private pack is reached with an ssh key the agent holds.
//!
//! An https transfer slower than [`STALL_BYTES_PER_SECOND`] for
//! [`STALL_SECONDS`] is abandoned, so a stalled server cannot hang a run.
//! `git` is found on `PATH`, as the repository observation finds it.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

use super::source::Source;
use crate::diag::{Code, InputError};

/// An https transfer below this rate (bytes per second) ...
pub const STALL_BYTES_PER_SECOND: u32 = 1000;
/// ... for this long (seconds) is abandoned.
pub const STALL_SECONDS: u32 = 60;

/// What a ref turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Tag,
    Branch,
    Commit,
}

/// A ref resolved to its commit.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub commit: String,
    pub kind: RefKind,
    /// What `git fetch` asks for: the full ref name, or the commit.
    fetch: String,
}

/// Why git could not answer.
#[derive(Debug)]
pub enum Failure {
    /// The ref (or commit) is not in the repository.
    NotFound(String),
    /// git failed: not found on `PATH`, the network, a missing repository.
    Git(String),
}

impl Failure {
    pub fn into_error(self, source: &Source) -> InputError {
        match self {
            Failure::NotFound(problem) => InputError::new(
                Code::PackRefNotFound,
                format!("`{}`: {problem}", source.text),
            )
            .help(format!(
                "check the name with `git ls-remote {}`; pin a tag or a full commit",
                source.url
            )),
            Failure::Git(problem) => InputError::new(
                Code::PackFetchFailed,
                format!("cannot fetch `{}`: {problem}", source.text),
            )
            .help("check the URL, the network and your access to the repository; `--offline` uses the cache when the lock and cache have the pack"),
        }
    }
}

fn null_device() -> &'static str {
    if cfg!(windows) {
        "NUL"
    } else {
        "/dev/null"
    }
}

/// Runs `git ARGS...`; the error is git's first line of complaint.
fn run<S: AsRef<OsStr>>(args: &[S]) -> Result<Vec<u8>, String> {
    let mut command = Command::new("git");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") {
            command.env_remove(key);
        }
    }
    command
        .env_remove("SSH_ASKPASS")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", null_device())
        .env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        .env(
            "GIT_HTTP_LOW_SPEED_LIMIT",
            STALL_BYTES_PER_SECOND.to_string(),
        )
        .env("GIT_HTTP_LOW_SPEED_TIME", STALL_SECONDS.to_string())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = command.output().map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            "`git` was not found on PATH".to_owned()
        } else {
            format!("`git` could not be started: {error}")
        }
    })?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    let complaint = String::from_utf8_lossy(&output.stderr);
    let first = complaint
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("no message");
    let verb = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy())
        .find(|a| !a.starts_with('-') && !a.contains('=') && !a.contains('/'));
    Err(format!(
        "`git {}` failed: {first}",
        verb.unwrap_or_default()
    ))
}

/// A full commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories).
pub fn is_commit_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolves `reference` in the repository at `url` with `git ls-remote`:
/// a full commit id is taken as is; else a tag (peeled to its commit)
/// wins over a branch of the same name, as in git.
pub fn resolve_ref(url: &str, reference: &str) -> Result<Resolved, Failure> {
    if is_commit_id(reference) {
        let commit = reference.to_ascii_lowercase();
        return Ok(Resolved {
            fetch: commit.clone(),
            commit,
            kind: RefKind::Commit,
        });
    }
    let listing = run(&["ls-remote", url]).map_err(Failure::Git)?;
    let listing = String::from_utf8_lossy(&listing);
    let refs: std::collections::BTreeMap<&str, &str> = listing
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(id, name)| (name.trim(), id.trim()))
        .collect();
    let (tag, branch) = match reference {
        r if r.starts_with("refs/tags/") => (Some(r.to_owned()), None),
        r if r.starts_with("refs/heads/") => (None, Some(r.to_owned())),
        r => (
            Some(format!("refs/tags/{r}")),
            Some(format!("refs/heads/{r}")),
        ),
    };
    if let Some(tag) = tag.filter(|t| refs.contains_key(t.as_str())) {
        let peeled = format!("{tag}^{{}}");
        let commit = refs.get(peeled.as_str()).or(refs.get(tag.as_str()));
        return Ok(Resolved {
            commit: commit.map(|c| c.to_string()).unwrap_or_default(),
            kind: RefKind::Tag,
            fetch: tag,
        });
    }
    if let Some(branch) = branch.filter(|b| refs.contains_key(b.as_str())) {
        return Ok(Resolved {
            commit: refs[branch.as_str()].to_owned(),
            kind: RefKind::Branch,
            fetch: branch,
        });
    }
    let short = reference.len() < 40 && reference.bytes().all(|b| b.is_ascii_hexdigit());
    Err(Failure::NotFound(format!(
        "`{reference}` is neither a tag nor a branch of `{url}`{}",
        if short {
            " (an abbreviated commit is not resolved: write all 40 digits)"
        } else {
            ""
        }
    )))
}

/// Fetches the commit `resolved` names from `url` into a new bare
/// repository `git_dir` and checks its whole tree out into `tree`, links
/// as plain files (a pack cannot point the loader at a file outside it).
pub fn fetch_tree(
    url: &str,
    resolved: &Resolved,
    git_dir: &Path,
    tree: &Path,
) -> Result<(), Failure> {
    let git = Failure::Git;
    run(&[
        OsStr::new("init"),
        OsStr::new("--bare"),
        OsStr::new("-q"),
        OsStr::new("--template="),
        git_dir.as_os_str(),
    ])
    .map_err(git)?;
    let dir = |args: &[&str]| -> Vec<std::ffi::OsString> {
        let mut all = vec![
            "-c".into(),
            "core.symlinks=false".into(),
            "--git-dir".into(),
            git_dir.as_os_str().to_owned(),
            "--work-tree".into(),
            tree.as_os_str().to_owned(),
        ];
        all.extend(args.iter().map(Into::into));
        all
    };
    let shallow = run(&dir(&[
        "fetch",
        "-q",
        "--depth=1",
        "--no-tags",
        url,
        &resolved.fetch,
    ]));
    match (shallow, resolved.kind) {
        (Ok(_), _) => {}
        // A server may refuse to send a commit no ref advertises directly:
        // fetch its refs and look for the commit among them.
        (Err(_), RefKind::Commit) => {
            run(&dir(&[
                "fetch",
                "-q",
                "--no-tags",
                url,
                "+refs/heads/*:refs/heads/*",
                "+refs/tags/*:refs/tags/*",
            ]))
            .map_err(git)?;
        }
        (Err(error), _) => return Err(git(error)),
    }
    let want = match resolved.kind {
        RefKind::Commit => format!("{}^{{commit}}", resolved.commit),
        _ => "FETCH_HEAD^{commit}".to_owned(),
    };
    let got = run(&dir(&["rev-parse", "-q", "--verify", &want]));
    let got = match got {
        Ok(out) => String::from_utf8_lossy(&out).trim().to_owned(),
        Err(_) if resolved.kind == RefKind::Commit => {
            return Err(Failure::NotFound(format!(
                "the commit `{}` is not in `{url}`",
                resolved.commit
            )))
        }
        Err(error) => return Err(git(error)),
    };
    if got != resolved.commit {
        return Err(git(format!(
            "the ref moved while it was fetched (from `{}` to `{got}`): run again",
            resolved.commit
        )));
    }
    std::fs::create_dir_all(tree)
        .map_err(|e| git(format!("cannot create `{}`: {e}", tree.display())))?;
    run(&dir(&["read-tree", &resolved.commit])).map_err(git)?;
    run(&dir(&["checkout-index", "-a", "-f"])).map_err(git)?;
    Ok(())
}
