//! The pack cache: `CACHE/packs/<URL key>/<commit>/`, the tree of one
//! commit of one repository (the URL key is the first 16 hex digits of the
//! URL's SHA-256). A tree is checked out into a temporary directory next to
//! its place (`.tmp-*`) and renamed into it when whole, so an interrupted
//! run leaves at most a `.tmp-*` directory, never a half pack that a later
//! run would take for a complete one.
//!
//! [`files_sha256`] is the hash a lock entry holds: over the files the
//! policy loader reads from the pack (`*.cedar`, `published-defaults.txt`,
//! `secretary-rules.yaml`, at any depth), in the form of `sha256sum`'s
//! output, one `<hex>  <relative path>\n` line per file sorted by path, so
//! it can be recomputed by hand (`docs/src/rule-packs.md`).

use std::path::{Path, PathBuf};

use sha2::Digest;

use super::git::{self, Resolved};
use super::source::Source;
use crate::diag::{Code, InputError};
use crate::heuristics::defaults::USER_FILE;
use crate::source::hex;

/// The rule settings file a pack may ship next to its rules.
const RULE_SETTINGS_FILE: &str = "secretary-rules.yaml";

/// The cache directory of `url` at `commit`.
pub fn entry_dir(cache: &Path, url: &str, commit: &str) -> PathBuf {
    url_dir(cache, url).join(commit)
}

fn url_dir(cache: &Path, url: &str) -> PathBuf {
    let key = hex(&sha2::Sha256::digest(url.as_bytes()));
    cache.join("packs").join(&key[..16])
}

fn cache_error(path: &Path, error: impl std::fmt::Display) -> InputError {
    InputError::new(
        Code::PackCacheFailed,
        format!("cannot write the pack cache `{}`: {error}", path.display()),
    )
    .help("set `SECRETARY_CACHE_DIR` to a directory secretary may write")
}

/// A freshly fetched tree, not yet in its place.
pub struct Fetched {
    tmp: tempfile::TempDir,
    target: PathBuf,
    pub files_sha256: String,
}

/// Fetches `source` at the commit `resolved` names into a temporary
/// directory of the cache and hashes its rule files.
pub fn fetch(cache: &Path, source: &Source, resolved: &Resolved) -> Result<Fetched, InputError> {
    let parent = url_dir(cache, &source.url);
    std::fs::create_dir_all(&parent).map_err(|e| cache_error(&parent, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempdir_in(&parent)
        .map_err(|e| cache_error(&parent, e))?;
    let tree = tmp.path().join("tree");
    git::fetch_tree(&source.url, resolved, &tmp.path().join("git"), &tree)
        .map_err(|failure| failure.into_error(source))?;
    let rules = source.within(&tree)?;
    let files_sha256 = files_sha256(&rules).map_err(|e| cache_error(&tree, e))?;
    Ok(Fetched {
        target: parent.join(&resolved.commit),
        tmp,
        files_sha256,
    })
}

impl Fetched {
    /// Renames the tree into its place (replacing what was there) and
    /// returns that place.
    pub fn install(self) -> Result<PathBuf, InputError> {
        let tree = self.tmp.path().join("tree");
        if self.target.exists() {
            // Out of the way first, into the temporary directory, which is
            // removed when dropped.
            std::fs::rename(&self.target, self.tmp.path().join("old"))
                .map_err(|e| cache_error(&self.target, e))?;
        }
        if let Err(error) = std::fs::rename(&tree, &self.target) {
            // Another run put the same commit in place meanwhile.
            if !self.target.is_dir() {
                return Err(cache_error(&self.target, error));
            }
        }
        Ok(self.target)
    }
}

/// Whether the policy loader reads a file of this name from a directory.
fn is_rule_file(name: &str) -> bool {
    Path::new(name).extension().is_some_and(|e| e == "cedar")
        || name == USER_FILE
        || name == RULE_SETTINGS_FILE
}

/// The SHA-256 of the rule files under `root` (a directory, or one file):
/// of the lines `<SHA-256 of the file>  <path relative to root>\n`, sorted
/// by path.
pub fn files_sha256(root: &Path) -> Result<String, String> {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if root.is_file() {
        let name = root.file_name().unwrap_or_default().to_string_lossy();
        files.push((name.into_owned(), root.to_path_buf()));
    } else {
        for entry in walkdir::WalkDir::new(root).follow_links(false) {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = entry.file_name().to_string_lossy();
            if entry.file_type().is_dir() || !is_rule_file(&name) {
                continue;
            }
            let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let relative: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push((relative.join("/"), entry.into_path()));
        }
    }
    files.sort();
    let mut listing = String::new();
    for (relative, path) in files {
        let bytes = crate::read::read_capped(&path, crate::read::Kind::Policy)
            .map_err(|e| format!("`{relative}`: {e}"))?;
        listing.push_str(&hex(&sha2::Sha256::digest(&bytes)));
        listing.push_str("  ");
        listing.push_str(&relative);
        listing.push('\n');
    }
    Ok(hex(&sha2::Sha256::digest(listing.as_bytes())))
}
