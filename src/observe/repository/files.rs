//! Secret files on this machine: for each instance with a `file:` in an
//! environment selected with `check --env NAME`, whether the file exists,
//! its permission bits and its owner.
//!
//! Only metadata is read (`stat`), never the file's content. A path is
//! absolute, or relative to the inventory file that declares the instance.
//! A file that does not exist is an observation (the rules judge it); one
//! whose metadata cannot be read (a directory without search permission) is
//! a gap, reported as not verified. So is a file on a system without Unix
//! permission bits and owners (Windows): reading it as some mode and owner
//! would pass `secret-file-too-open-on-disk` whatever its ACL allows and
//! fail `secret-file-wrong-owner` whatever the owner, two wrong verdicts.

use std::path::{Path, PathBuf};

use crate::inventory::Inventory;
use crate::source::Location;

/// The secret files of the selected environments.
#[derive(Debug, Default, Clone)]
pub struct Observation {
    /// The environments observed (`--env`), sorted.
    pub environments: Vec<String>,
    /// One entry per instance with a `file:` in those environments, in
    /// (secret, environment) order.
    pub files: Vec<ObservedFile>,
}

#[derive(Debug, Clone)]
pub struct ObservedFile {
    pub secret: String,
    pub environment: String,
    /// The path as the inventory writes it.
    pub written: String,
    /// The instance in the inventory.
    pub location: Location,
    pub state: FileState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    Present {
        /// Permission bits (`0o7777` mask).
        mode: u32,
        uid: u32,
        /// The owner's user name, when this machine knows the uid.
        user: Option<String>,
    },
    /// The file is there, on a system that has no Unix permission bits and
    /// owners (Windows): who may read or change it is not known.
    PresentWithoutModes,
    Missing,
    /// The metadata could not be read (never a value: an OS error text).
    Unreadable(String),
}

impl FileState {
    /// Why the file's mode and owner were not verified, and what to do, for
    /// a state that leaves them unknown; `None` when they were read, or the
    /// file is missing (a fact the rules judge).
    pub fn not_verified(&self) -> Option<(String, &'static str)> {
        match self {
            FileState::Unreadable(problem) => Some((
                problem.clone(),
                "run the check as a user who may read the file's directory, or fix the path",
            )),
            FileState::PresentWithoutModes => Some((
                "this system has no Unix file modes or owners".to_owned(),
                "check the file on the Unix host it is deployed to; on Windows, review its ACL (`icacls`)",
            )),
            FileState::Present { .. } | FileState::Missing => None,
        }
    }
}

/// Where an instance's `path` is on this machine: absolute, or relative to
/// `dir`, the directory of the inventory file (or of a rule test's case).
pub fn resolve(written: &str, dir: &Path) -> PathBuf {
    let path = Path::new(written);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    dir.join(path)
}

/// Stats the secret files of `environments` (names already validated).
pub fn observe(inventory: &Inventory, environments: &[String]) -> Observation {
    let mut selected: Vec<String> = environments.to_vec();
    selected.sort();
    selected.dedup();
    let mut files = Vec::new();
    for secret in inventory.secrets.values() {
        for (env, instance) in &secret.instances {
            let Some(file) = &instance.file else {
                continue;
            };
            if !selected.contains(env) {
                continue;
            }
            let path = resolve(&file.path, &file.dir);
            files.push(ObservedFile {
                secret: secret.id.clone(),
                environment: env.clone(),
                written: file.path.clone(),
                location: instance.location.clone(),
                state: stat(&path),
            });
        }
    }
    Observation {
        environments: selected,
        files,
    }
}

/// The state of the file at `path`, following symbolic links (what a
/// service reading the file gets).
pub fn stat(path: &Path) -> FileState {
    match std::fs::metadata(path) {
        Ok(meta) => present(&meta),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => FileState::Missing,
        Err(error) => FileState::Unreadable(error.kind().to_string()),
    }
}

#[cfg(unix)]
fn present(meta: &std::fs::Metadata) -> FileState {
    use std::os::unix::fs::MetadataExt;
    let uid = meta.uid();
    FileState::Present {
        mode: meta.mode() & 0o7777,
        uid,
        user: uzers::get_user_by_uid(uid).map(|u| u.name().to_string_lossy().into_owned()),
    }
}

#[cfg(not(unix))]
fn present(_meta: &std::fs::Metadata) -> FileState {
    // A read-only flag says nothing of who else may read the file.
    FileState::PresentWithoutModes
}

impl ObservedFile {
    /// Whether the actual owner is the declared one (a user name or a uid).
    pub fn owner_matches(&self, declared: &str) -> Option<bool> {
        match &self.state {
            FileState::Present { uid, user, .. } => {
                Some(user.as_deref() == Some(declared) || declared == uid.to_string())
            }
            _ => None,
        }
    }

    /// The owner as reports show it: `name (uid 1000)` or `uid 1000`.
    pub fn owner_text(&self) -> Option<String> {
        match &self.state {
            FileState::Present { uid, user, .. } => Some(match user {
                Some(user) => format!("{user} (uid {uid})"),
                None => format!("uid {uid}"),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_start_at_the_inventory_file() {
        let at = Path::new("deploy");
        assert_eq!(
            resolve("secrets/db", at),
            PathBuf::from("deploy/secrets/db")
        );
        assert_eq!(
            resolve("/run/secrets/db", at),
            PathBuf::from("/run/secrets/db")
        );
    }

    #[cfg(unix)]
    #[test]
    fn reads_mode_and_owner_but_not_content() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "canary").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let state = stat(&path);
        let FileState::Present { mode, .. } = &state else {
            panic!("{state:?}");
        };
        assert_eq!(*mode, 0o640);
        assert_eq!(stat(&dir.path().join("absent")), FileState::Missing);
    }
}
