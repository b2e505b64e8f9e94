//! Reading the user's files: the one door every file the tool reads goes
//! through ([`read_capped`], [`read_text`]), and the walk of the
//! directories it reads them from ([`walk`]).
//!
//! A file must be a regular file once symbolic links are followed: a
//! device (`/dev/zero` reads forever), a FIFO (opening one for reading
//! blocks until a writer comes), a socket or a directory is refused before
//! it is opened, from its metadata. The file is then opened non-blocking
//! and checked again, so one swapped for a FIFO in between cannot hang the
//! run either.
//!
//! Every kind of file has a size cap ([`Kind::cap`], listed in the book,
//! `docs/src/limits.md`): a file whose size is over it is refused unread, and every
//! read stops one byte past it, so a file that reports a wrong size (as
//! those of `/proc` do) is bounded too. Larger files than these are not
//! plausible inputs, and the parsers behind them hold the whole text.
//!
//! Errors name no path (callers say which file and what it is for) and
//! never quote content: a file may hold secret values.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

const MIB: u64 = 1 << 20;

/// What a file is read as; each kind has its own size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An inventory YAML file (`-i`, or in a directory given to it).
    Inventory,
    /// A Cedar rule file (`--policies`).
    Policy,
    /// A report or docs template (`--templates`).
    Template,
    /// A file holding one secret value (`value: {file: …}`).
    Value,
    /// A `.env` file read for values (`value: {dotenv: …}`), a compose
    /// `env_file`, or one given to `init --from`.
    Dotenv,
    /// A `.env.example` file (`sources.env_example`).
    EnvExample,
    /// A compose file (`sources.compose`, `init --from`).
    Compose,
    /// A source file scanned for the variables it reads (`sources.code`):
    /// over its cap it is skipped, as generated code.
    Code,
    /// An IAM snapshot (`--iam-snapshot`).
    Snapshot,
    /// A fingerprint file (`--fingerprints`).
    Fingerprints,
    /// A markdown file `secretary docs` updates.
    Docs,
    /// An earlier `check --format json` output (`--baseline`).
    Baseline,
}

/// The cap of an inventory file: 64 MiB (the benchmark's 50k secrets × 3
/// environments are about 30 MiB, split across files or not).
pub const INVENTORY_CAP: u64 = 64 * MIB;
/// The cap of a rule file: 16 MiB (5,000 rules are well under 1 MiB).
pub const POLICY_CAP: u64 = 16 * MIB;
/// The cap of a template: 4 MiB.
pub const TEMPLATE_CAP: u64 = 4 * MIB;
/// The cap of one secret value file: 1 MiB (keys and certificate chains
/// are kilobytes).
pub const VALUE_CAP: u64 = MIB;
/// The cap of a `.env` file: 4 MiB.
pub const DOTENV_CAP: u64 = 4 * MIB;
/// The cap of a `.env.example` file: 4 MiB.
pub const ENV_EXAMPLE_CAP: u64 = 4 * MIB;
/// The cap of a compose file: 16 MiB.
pub const COMPOSE_CAP: u64 = 16 * MIB;
/// The cap of a scanned source file: 1 MiB; larger ones are skipped.
pub const CODE_CAP: u64 = MIB;
/// The cap of an IAM snapshot: 64 MiB (an account at IAM's quotas, 5,000
/// users and 1,000 roles with their policies, is a few megabytes).
pub const SNAPSHOT_CAP: u64 = 64 * MIB;
/// The cap of a fingerprint file: 64 MiB (one line per instance, like the
/// inventory it comes from).
pub const FINGERPRINTS_CAP: u64 = 64 * MIB;
/// The cap of a markdown file `secretary docs` updates: 16 MiB.
pub const DOCS_CAP: u64 = 16 * MIB;
/// The cap of a baseline: 128 MiB (a JSON report takes about 500 bytes a
/// finding, so some 250,000 findings).
pub const BASELINE_CAP: u64 = 128 * MIB;

impl Kind {
    /// The largest file of this kind that is read, in bytes.
    pub const fn cap(self) -> u64 {
        match self {
            Kind::Inventory => INVENTORY_CAP,
            Kind::Policy => POLICY_CAP,
            Kind::Template => TEMPLATE_CAP,
            Kind::Value => VALUE_CAP,
            Kind::Dotenv => DOTENV_CAP,
            Kind::EnvExample => ENV_EXAMPLE_CAP,
            Kind::Compose => COMPOSE_CAP,
            Kind::Code => CODE_CAP,
            Kind::Snapshot => SNAPSHOT_CAP,
            Kind::Fingerprints => FINGERPRINTS_CAP,
            Kind::Docs => DOCS_CAP,
            Kind::Baseline => BASELINE_CAP,
        }
    }

    /// The kind as messages name it.
    pub const fn noun(self) -> &'static str {
        match self {
            Kind::Inventory => "an inventory file",
            Kind::Policy => "a policy file",
            Kind::Template => "a template",
            Kind::Value => "a secret value file",
            Kind::Dotenv => "a `.env` file",
            Kind::EnvExample => "a `.env.example` file",
            Kind::Compose => "a compose file",
            Kind::Code => "a scanned source file",
            Kind::Snapshot => "an IAM snapshot",
            Kind::Fingerprints => "a fingerprint file",
            Kind::Docs => "a markdown file",
            Kind::Baseline => "a baseline",
        }
    }
}

/// Why a file was not read. Its text names no path and no content.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file: what it is instead (`a FIFO`, ...).
    NotRegular(&'static str),
    /// A symbolic link (maybe through others) to nothing.
    DanglingLink,
    /// Larger than the kind's cap.
    TooLarge(Kind),
    /// Not UTF-8 ([`read_text`]): the 1-based line and column of the
    /// first invalid byte.
    NotUtf8 { line: usize, column: usize },
    /// The system refused (missing, permissions, ...).
    Io(std::io::Error),
}

impl ReadError {
    /// Whether the file does not exist (a dangling link counts: it names
    /// a file that does not exist).
    pub fn is_not_found(&self) -> bool {
        match self {
            ReadError::Io(err) => err.kind() == std::io::ErrorKind::NotFound,
            ReadError::DanglingLink => true,
            _ => false,
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(what) => write!(
                f,
                "it is {what}, not a regular file; only regular files are read (point the path at one)"
            ),
            ReadError::DanglingLink => write!(
                f,
                "it is a symbolic link to a file that does not exist; fix or remove the link"
            ),
            ReadError::TooLarge(kind) => write!(
                f,
                "it is larger than {} MiB, the limit for {} (see docs/src/limits.md)",
                kind.cap() / MIB,
                kind.noun()
            ),
            ReadError::NotUtf8 { line, column } => {
                write!(f, "it is not UTF-8 text (first invalid byte at line {line}, column {column})")
            }
            ReadError::Io(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for ReadError {}

impl From<std::io::Error> for ReadError {
    fn from(err: std::io::Error) -> Self {
        ReadError::Io(err)
    }
}

/// What a file that is not a regular one is, for messages; `None` for a
/// regular file.
fn not_regular(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
    }
    Some("not a file")
}

/// Checks the metadata of an open or about-to-be-opened file.
fn check(meta: &std::fs::Metadata, kind: Kind) -> Result<(), ReadError> {
    if let Some(what) = not_regular(meta.file_type()) {
        return Err(ReadError::NotRegular(what));
    }
    if meta.len() > kind.cap() {
        return Err(ReadError::TooLarge(kind));
    }
    Ok(())
}

/// Reads the regular file at `path` (symbolic links followed), at most
/// [`Kind::cap`] bytes of it; anything else is refused without blocking.
pub fn read_capped(path: &Path, kind: Kind) -> Result<Vec<u8>, ReadError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(match std::fs::symlink_metadata(path) {
                Ok(link) if link.file_type().is_symlink() => ReadError::DanglingLink,
                _ => ReadError::Io(err),
            })
        }
        Err(err) => return Err(err.into()),
    };
    check(&meta, kind)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Opening a FIFO for reading blocks until a writer opens it; one
        // put in the file's place after the check above must not hang.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    check(&meta, kind)?;
    let cap = kind.cap();
    // The size is known to be at most the cap here.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge(kind));
    }
    Ok(bytes)
}

/// [`read_capped`] for a text file: its bytes must be UTF-8. Invalid bytes
/// are wiped before they are dropped (the file may hold a value).
pub fn read_text(path: &Path, kind: Kind) -> Result<String, ReadError> {
    let bytes = read_capped(path, kind)?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let mut bytes = err.into_bytes();
        let error = not_utf8(&bytes, valid);
        zeroize::Zeroize::zeroize(&mut bytes);
        error
    })
}

/// The error for the invalid byte at `offset` of `bytes` (all valid
/// before it), located by line and column.
pub fn not_utf8(bytes: &[u8], offset: usize) -> ReadError {
    let (line, column) = crate::source::line_and_column(bytes, offset);
    ReadError::NotUtf8 { line, column }
}

/// A problem met while walking a directory.
#[derive(Debug)]
pub struct WalkError {
    /// The path it concerns.
    pub path: PathBuf,
    /// What went wrong, naming no path.
    pub problem: String,
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.path.display(), self.problem)
    }
}

/// The files under `root` whose path `wanted` accepts, in name order
/// (depth first), so "defined first" means the same on every machine.
///
/// Symbolic links are followed, to files and to directories. A link to an
/// ancestor (a loop) and a link to nothing are errors naming the link,
/// never skipped. A file reached twice (through a link and directly, say)
/// is returned once, at its first path. Every entry but a directory is
/// returned when wanted, whatever its kind: reading it ([`read_capped`])
/// refuses a FIFO or a device with a message naming it, where skipping it
/// would hide it.
pub fn walk(root: &Path, wanted: impl Fn(&Path) -> bool) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for entry in walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry) => {
                if wanted(entry.path())
                    && std::fs::canonicalize(entry.path()).map_or(true, |real| seen.insert(real))
                {
                    files.push(entry.into_path());
                }
            }
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                let problem = if let Some(ancestor) = err.loop_ancestor() {
                    format!(
                        "it is a symbolic link to `{}`, a directory that contains it (a loop); remove the link",
                        ancestor.display()
                    )
                } else if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
                    && std::fs::metadata(&path)
                        .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                {
                    ReadError::DanglingLink.to_string()
                } else {
                    match err.io_error() {
                        Some(io) => io.to_string(),
                        None => err.to_string(),
                    }
                };
                errors.push(WalkError { path, problem });
            }
        }
    }
    (files, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_its_cap_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(VALUE_CAP + 1).unwrap();
        assert!(matches!(
            read_capped(&path, Kind::Value),
            Err(ReadError::TooLarge(Kind::Value))
        ));
        file.set_len(VALUE_CAP).unwrap();
        assert_eq!(
            read_capped(&path, Kind::Value).unwrap().len() as u64,
            VALUE_CAP
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused() {
        let err = read_capped(Path::new("/dev/zero"), Kind::Value).unwrap_err();
        assert!(
            matches!(err, ReadError::NotRegular("a character device")),
            "{err}"
        );
        let err = read_capped(Path::new("/"), Kind::Value).unwrap_err();
        assert!(matches!(err, ReadError::NotRegular("a directory")), "{err}");
    }

    #[test]
    fn invalid_utf8_is_located_and_not_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        std::fs::write(&path, b"a\nbc\xff\n").unwrap();
        let err = read_text(&path, Kind::Policy).unwrap_err();
        assert!(
            matches!(err, ReadError::NotUtf8 { line: 2, column: 3 }),
            "{err}"
        );
    }
}
