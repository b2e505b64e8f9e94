//! Shared rule packs: `--policies git+URL@REF#subdir`, a directory of rules
//! in a git repository pinned to a tag or a commit, fetched into a cache,
//! checked against `secretary.lock`, and then loaded like any other
//! `--policies` directory (the policy loader sees a plain path).
//!
//! - [`source`]: the syntax, parsed before anything is fetched;
//! - [`git`]: the `git` command line, with a clean environment (no user
//!   configuration, hooks or prompts): the engine, never a git of our own;
//! - [`cache`]: one directory per pack URL and commit, written whole or
//!   not at all, and the SHA-256 of a pack's rule files;
//! - [`lock`]: `secretary.lock`, the commit and hash each source resolved
//!   to when it was first used.
//!
//! Why a lock besides the ref: a tag can be moved and a cache can be
//! edited. The lock makes either visible (exit 2) until a person accepts
//! the change with `--update-lock`. A lock entry is always computed from a
//! fresh fetch, never from the cache, so a changed cache is never recorded.

pub mod cache;
pub mod git;
pub mod lock;
pub mod source;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diag::{Code, InputError};
pub use source::Source;

/// A resolved pack: the evidence reports show, and where its files are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pack {
    /// The source as given, e.g. `git+https://host/org/rules.git@v1.2#cedar`.
    pub source: String,
    /// The commit the ref resolved to (hex).
    pub commit: String,
    /// The SHA-256 of the pack's rule files ([`cache::files_sha256`]).
    pub files_sha256: String,
    /// The directory (or file) handed to the policy loader.
    #[serde(skip)]
    pub path: PathBuf,
}

impl Pack {
    /// The name the pack's files are shown under: `SOURCE#` (or
    /// `SOURCE#subdir/`) followed by the file's path in the pack.
    pub fn display_root(&self) -> String {
        if self.source.contains('#') {
            format!("{}/", self.source.trim_end_matches('/'))
        } else {
            format!("{}#", self.source)
        }
    }
}

/// How packs are resolved: the flags and the places, resolved by the CLI
/// (no stage reads the environment).
#[derive(Debug, Clone)]
pub struct Options {
    /// `secretary.lock`, or `--lock FILE`.
    pub lock: PathBuf,
    /// The cache root (`$SECRETARY_CACHE_DIR`, else the platform's cache
    /// directory + `secretary`); `None` when no home directory is known.
    pub cache: Option<PathBuf>,
    /// `--offline`: the lock and the cache only, never the network.
    pub offline: bool,
    /// `--allow-branch`: accept a ref that is a branch.
    pub allow_branch: bool,
    /// `--update-lock`: accept a ref or files that changed since locked.
    pub update_lock: bool,
}

/// The `--policies` arguments with each pack source replaced by its
/// directory in the cache (in the order given), and the packs. Plain paths
/// pass through untouched; without a pack, neither the lock nor the cache
/// is touched. The lock is written (atomically) only when every pack
/// resolved and an entry was added or changed.
pub fn resolve(
    given: &[PathBuf],
    options: &Options,
) -> Result<(Vec<PathBuf>, Vec<Pack>), Vec<InputError>> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for path in given {
        match path.to_str().filter(|text| source::is_pack(text)) {
            Some(text) => match Source::parse(text) {
                Ok(source) => parsed.push(Some(source)),
                Err(error) => {
                    errors.push(error);
                    parsed.push(None);
                }
            },
            None => parsed.push(None),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if parsed.iter().all(Option::is_none) {
        return Ok((given.to_vec(), Vec::new()));
    }
    let mut lock = lock::Lock::read(&options.lock).map_err(|e| vec![e])?;
    let cache = match &options.cache {
        Some(cache) => cache.clone(),
        None => {
            return Err(vec![InputError::new(
                Code::PackCacheFailed,
                "no cache directory for rule packs: neither `SECRETARY_CACHE_DIR`, `XDG_CACHE_HOME` nor `HOME` is set",
            )
            .help("set `SECRETARY_CACHE_DIR` to a directory secretary may write")])
        }
    };
    let mut paths = Vec::new();
    let mut packs = Vec::new();
    for (path, source) in given.iter().zip(parsed) {
        let Some(source) = source else {
            paths.push(path.clone());
            continue;
        };
        match resolve_one(&source, &cache, &mut lock, options) {
            Ok(pack) => {
                paths.push(pack.path.clone());
                if !packs.contains(&pack) {
                    packs.push(pack);
                }
            }
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    lock.write_if_changed(&options.lock).map_err(|e| vec![e])?;
    Ok((paths, packs))
}

fn resolve_one(
    source: &Source,
    cache: &Path,
    lock: &mut lock::Lock,
    options: &Options,
) -> Result<Pack, InputError> {
    let locked = lock.get(&source.text).cloned();
    let lock_name = options.lock.display();
    if options.offline {
        let Some(entry) = locked else {
            return Err(InputError::new(
                Code::PackNotCached,
                format!(
                    "`{}` is not in `{lock_name}`, and `--offline` forbids fetching it",
                    source.text
                ),
            )
            .help("run once without `--offline` to fetch the pack and record it in the lock"));
        };
        let dir = cache::entry_dir(cache, &source.url, &entry.commit);
        if !dir.is_dir() {
            return Err(InputError::new(
                Code::PackNotCached,
                format!(
                    "`{}` at commit `{}` is not in the cache (`{}`), and `--offline` forbids fetching it",
                    source.text,
                    entry.commit,
                    dir.display()
                ),
            )
            .help("run once without `--offline` to fill the cache"));
        }
        return verify_cached(source, &dir, &entry, &options.lock);
    }
    let resolved =
        git::resolve_ref(&source.url, &source.reference).map_err(|e| e.into_error(source))?;
    if resolved.kind == git::RefKind::Branch && !options.allow_branch {
        return Err(InputError::new(
            Code::PackBranchRef,
            format!(
                "`{}` names the branch `{}`, which moves: a pack is pinned to a tag or a commit",
                source.text, source.reference
            ),
        )
        .help(format!(
            "pin a tag or a full commit (`@{}` is the branch's commit now), or pass `--allow-branch` to accept the branch",
            resolved.commit
        )));
    }
    match &locked {
        Some(entry) if !options.update_lock && entry.commit != resolved.commit => {
            Err(InputError::new(
                Code::PackLockMismatch,
                format!(
                    "`{}` now resolves to commit `{}`, but `{lock_name}` holds commit `{}`: the ref moved",
                    source.text, resolved.commit, entry.commit
                ),
            )
            .help("review the changes between the two commits, then run with `--update-lock` to accept the new commit"))
        }
        Some(entry) if !options.update_lock => {
            let dir = cache::entry_dir(cache, &source.url, &entry.commit);
            if dir.is_dir() {
                return verify_cached(source, &dir, entry, &options.lock);
            }
            let fetched = cache::fetch(cache, source, &resolved)?;
            if fetched.files_sha256 != entry.files_sha256 {
                return Err(hash_mismatch(
                    source,
                    entry,
                    &fetched.files_sha256,
                    &options.lock,
                    None,
                ));
            }
            let dir = fetched.install()?;
            Ok(pack(
                source,
                entry.commit.clone(),
                entry.files_sha256.clone(),
                &dir,
            ))
        }
        // First use, or `--update-lock`: a fresh fetch, recorded.
        _ => {
            let fetched = cache::fetch(cache, source, &resolved)?;
            let files_sha256 = fetched.files_sha256.clone();
            let dir = fetched.install()?;
            lock.set(&source.text, resolved.commit.clone(), files_sha256.clone());
            Ok(pack(source, resolved.commit, files_sha256, &dir))
        }
    }
}

/// A cached pack whose files still hash to the lock's entry.
fn verify_cached(
    source: &Source,
    dir: &Path,
    entry: &lock::Entry,
    lock_path: &Path,
) -> Result<Pack, InputError> {
    let target = source.within(dir)?;
    let files_sha256 = cache::files_sha256(&target).map_err(|e| {
        InputError::new(
            Code::PackCacheFailed,
            format!("cannot read the cached pack `{}`: {e}", dir.display()),
        )
        .help(format!(
            "remove `{}` and run again without `--offline`",
            dir.display()
        ))
    })?;
    if files_sha256 != entry.files_sha256 {
        return Err(hash_mismatch(
            source,
            entry,
            &files_sha256,
            lock_path,
            Some(dir),
        ));
    }
    Ok(pack(source, entry.commit.clone(), files_sha256, dir))
}

fn hash_mismatch(
    source: &Source,
    entry: &lock::Entry,
    found: &str,
    lock_path: &Path,
    cached: Option<&Path>,
) -> InputError {
    let lock_name = lock_path.display();
    let (what, help) = match cached {
        Some(dir) => (
            format!("the cached copy `{}`", dir.display()),
            format!(
                "the cache was changed since the lock was written: remove `{}` and run again (online) to fetch the pack afresh; `--update-lock` accepts the files as fetched, after review",
                dir.display()
            ),
        ),
        None => (
            "the fetched files".to_owned(),
            "the pack's files differ from the ones locked: review them, then run with `--update-lock` to accept them".to_owned(),
        ),
    };
    InputError::new(
        Code::PackLockMismatch,
        format!(
            "the rule files of `{}` at commit `{}` hash to `{found}` in {what}, but `{lock_name}` holds `{}` (locked commit `{}`)",
            source.text, entry.commit, entry.files_sha256, entry.commit
        ),
    )
    .help(help)
}

fn pack(source: &Source, commit: String, files_sha256: String, dir: &Path) -> Pack {
    Pack {
        source: source.text.clone(),
        commit,
        files_sha256,
        path: match &source.subdir {
            Some(subdir) => dir.join(subdir),
            None => dir.to_path_buf(),
        },
    }
}
