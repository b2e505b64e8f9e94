//! `secretary.lock` (or `--lock FILE`): for each pack source, the commit
//! its ref resolved to and the hash of its rule files when it was first
//! used. A YAML file written by secretary and committed with the inventory:
//!
//! ```yaml
//! version: 1
//! packs:
//!   - source: "git+https://host/org/rules.git@v1.2#cedar"
//!     commit: "4f1c…"
//!     files_sha256: "9a0b…"
//! ```
//!
//! Entries are sorted by source; entries of sources a run does not use are
//! kept (another command may use them). The file is replaced whole
//! (written next to it, then renamed), never left half written. It is read
//! with the cap of a policy file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use crate::diag::{Code, InputError};
use crate::inventory::yaml::tree::{parse_tree, Node};

/// What a source was locked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub commit: String,
    pub files_sha256: String,
}

/// The lock's entries, by source.
#[derive(Debug, Default)]
pub struct Lock {
    entries: BTreeMap<String, Entry>,
    changed: bool,
}

fn invalid(file: &Arc<str>, node: Option<&Node>, problem: String) -> InputError {
    InputError::new(Code::InvalidLock, format!("`{file}`: {problem}"))
        .at_opt(node.map(|n| n.location(file)))
        .help("secretary writes this file: restore it from version control, or delete it and run again to record the packs afresh")
}

impl Lock {
    /// Reads the lock at `path`; a missing file is an empty lock.
    pub fn read(path: &Path) -> Result<Lock, InputError> {
        let file: Arc<str> = Arc::from(crate::source::portable_path(path));
        if !path.exists() && path.symlink_metadata().is_err() {
            return Ok(Lock::default());
        }
        let text = crate::read::read_text(path, crate::read::Kind::Policy).map_err(|e| {
            InputError::new(
                Code::UnreadableFile,
                format!("cannot read the lock `{file}`: {e}"),
            )
            .help("check the path given to `--lock`, its permissions and that it is UTF-8 text")
        })?;
        let root = parse_tree(&file, &text, "lock file").map_err(|mut errors| errors.remove(0))?;
        let Some(root) = root else {
            return Ok(Lock::default());
        };
        let mut lock = Lock::default();
        for (key, value) in root.entries() {
            match key {
                "version" if value.as_str() == Some("1") => {}
                "version" => {
                    return Err(invalid(
                        &file,
                        Some(value),
                        "`version` must be 1".to_owned(),
                    ))
                }
                "packs" => {
                    for item in value.items() {
                        let (source, entry) = read_entry(&file, item)?;
                        if lock.entries.insert(source.clone(), entry).is_some() {
                            return Err(invalid(
                                &file,
                                Some(item),
                                format!("`{source}` is locked twice"),
                            ));
                        }
                    }
                }
                other => {
                    return Err(invalid(
                        &file,
                        Some(&root),
                        format!("unknown key `{other}`"),
                    ))
                }
            }
        }
        if root.get("version").is_none() {
            return Err(invalid(
                &file,
                Some(&root),
                "`version: 1` is missing".to_owned(),
            ));
        }
        Ok(lock)
    }

    pub fn get(&self, source: &str) -> Option<&Entry> {
        self.entries.get(source)
    }

    pub fn set(&mut self, source: &str, commit: String, files_sha256: String) {
        let entry = Entry {
            commit,
            files_sha256,
        };
        if self.entries.get(source) != Some(&entry) {
            self.entries.insert(source.to_owned(), entry);
            self.changed = true;
        }
    }

    /// Writes the lock to `path` if an entry was added or changed.
    pub fn write_if_changed(&self, path: &Path) -> Result<(), InputError> {
        if !self.changed {
            return Ok(());
        }
        let mut text = String::from(
            "# The rule packs `--policies git+…` resolved to: the commit and the SHA-256\n\
             # of the rule files of each, checked on every run. Written by secretary;\n\
             # review a change to it as code (`--update-lock` accepts a moved ref).\n\
             version: 1\npacks:\n",
        );
        for (source, entry) in &self.entries {
            let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
            let _ = write!(
                text,
                "  - source: {}\n    commit: {}\n    files_sha256: {}\n",
                quote(source),
                quote(&entry.commit),
                quote(&entry.files_sha256)
            );
        }
        let fail = |e: &dyn std::fmt::Display| {
            InputError::new(
                Code::CannotWriteOutput,
                format!("cannot write the lock `{}`: {e}", path.display()),
            )
            .help("check that its directory exists and is writable, or give another place with `--lock FILE`")
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".secretary.lock.")
            .tempfile_in(dir)
            .map_err(|e| fail(&e))?;
        tmp.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
        tmp.persist(path).map_err(|e| fail(&e.error))?;
        Ok(())
    }
}

fn read_entry(file: &Arc<str>, item: &Node) -> Result<(String, Entry), InputError> {
    let mut fields: BTreeMap<&str, String> = BTreeMap::new();
    for (key, value) in item.entries() {
        if !matches!(key, "source" | "commit" | "files_sha256") {
            return Err(invalid(
                file,
                Some(value),
                format!("unknown key `{key}` in a pack entry"),
            ));
        }
        let Some(text) = value.as_str() else {
            return Err(invalid(
                file,
                Some(value),
                format!("`{key}` must be a string"),
            ));
        };
        fields.insert(key, text.to_owned());
    }
    let mut take = |key: &str| {
        fields
            .remove(key)
            .ok_or_else(|| invalid(file, Some(item), format!("a pack entry has no `{key}`")))
    };
    let (source, commit, files_sha256) = (take("source")?, take("commit")?, take("files_sha256")?);
    if !super::git::is_commit_id(&commit) {
        return Err(invalid(
            file,
            Some(item),
            format!("`{commit}` is not a full commit id"),
        ));
    }
    if files_sha256.len() != 64 || !files_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(
            file,
            Some(item),
            format!("`{files_sha256}` is not a SHA-256"),
        ));
    }
    Ok((
        source,
        Entry {
            commit: commit.to_ascii_lowercase(),
            files_sha256: files_sha256.to_ascii_lowercase(),
        },
    ))
}
