//! Output files: written whole or not at all, never over a file the run
//! reads, and with the permissions a user expects.
//!
//! Every command that writes files (`check -o`, `report -o`, `docs FILE`,
//! `fingerprint -o`, `iam snapshot -o`, `init`) goes through [`write`]. It
//! first checks every output against the run's [`Inputs`] and the other
//! outputs ([`targets`]): an output that is an input of the run (the
//! inventory, a policy, a template, a snapshot, a value file, …) or another
//! output, however spelled (`./inventory.yaml`, a symlink, a hard link), is
//! a usage error, and nothing is written. Paths are compared canonically
//! (symlinks followed), and by device and inode where the file exists.
//!
//! Each file is written in full to a temporary file beside its target; only
//! when every one is written are they renamed over their targets, so readers
//! see the old file or the new one, and a failure leaves every target
//! untouched. A symlinked target is written through: the link stays.
//!
//! A target that exists and is not a regular file is never renamed over:
//! that would replace `/dev/null` for every program on the machine with a
//! file. A character device or a named pipe (`-o /dev/stdout`, `-o
//! /dev/null`, a FIFO) is a stream, written in place after every file is in
//! place; a directory, a socket or a block device is refused.
//!
//! Permissions: a file replaced keeps its mode (`docs` rewriting a 0644
//! README leaves it 0644); a new file gets what the umask allows, like any
//! file a shell redirection makes; an [`Access::Private`] output is 0600.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::output::Printer;
use secretary::diag::{Code, InputError};
use secretary::inventory::model::ValueSourceKind;
use secretary::inventory::Inventory;
use secretary::observe::compose::code::language_of;
use secretary::source::{FileKind, SourceTexts};

/// The files a run reads, which no output may replace.
#[derive(Debug, Default)]
pub struct Inputs {
    files: Vec<(PathBuf, FileKind)>,
    /// Directories of source code: the files in them the scan reads.
    code_dirs: Vec<PathBuf>,
}

impl Inputs {
    /// The inputs every run has: the AWS config and credentials files, which
    /// the AWS SDK reads for live IAM and no output may ever replace.
    pub fn new() -> Self {
        let mut inputs = Inputs::default();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        for (var, name) in [
            ("AWS_CONFIG_FILE", "config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        ] {
            let path = match std::env::var_os(var) {
                Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
                _ => home.as_ref().map(|home| home.join(".aws").join(name)),
            };
            inputs.files.extend(path.map(|p| (p, FileKind::AwsConfig)));
        }
        inputs
    }

    /// The inputs of a run that loaded `inventory` and recorded `texts`.
    pub fn of_run(texts: &SourceTexts, inventory: &Inventory) -> Self {
        let mut inputs = Inputs::new();
        inputs.add_texts(texts);
        inputs.add_inventory(inventory);
        inputs
    }

    /// Adds one file.
    pub fn add(&mut self, path: impl Into<PathBuf>, kind: FileKind) {
        self.files.push((path.into(), kind));
    }

    /// Adds every file whose text the run recorded: inventory files,
    /// policies, templates, the IAM snapshot, fingerprint files.
    pub fn add_texts(&mut self, texts: &SourceTexts) {
        for (file, kind) in texts.files() {
            self.add(file, kind);
        }
    }

    /// Adds the files the inventory says where to find: value files and
    /// `.env` files, secret files, compose files, `.env.example` files and
    /// source code. All of them, whichever environment the run observes: no
    /// output belongs in their place.
    pub fn add_inventory(&mut self, inventory: &Inventory) {
        for instance in inventory
            .secrets
            .values()
            .flat_map(|s| s.instances.values())
        {
            match instance.value.as_ref().map(|v| &v.kind) {
                Some(ValueSourceKind::File { path, .. }) => self.add(path, FileKind::ValueFile),
                Some(ValueSourceKind::Dotenv { path, .. }) => self.add(path, FileKind::Dotenv),
                _ => {}
            }
            if let Some(file) = &instance.file {
                self.add(&file.path, FileKind::SecretFile);
            }
        }
        let sources = &inventory.sources;
        for source in &sources.env_example {
            self.add(&source.path, FileKind::EnvExample);
        }
        for compose in &sources.compose {
            self.add(&compose.file.path, FileKind::Compose);
        }
        for source in &sources.code {
            if source.path.is_dir() {
                self.code_dirs
                    .extend(std::fs::canonicalize(&source.path).ok());
            } else {
                self.add(&source.path, FileKind::Code);
            }
        }
    }

    /// Each input with its identity, to compare outputs with.
    fn identified(&self) -> Vec<(Identity, &Path, FileKind)> {
        self.files
            .iter()
            .map(|(path, kind)| (Identity::of(path), path.as_path(), *kind))
            .collect()
    }

    /// Whether `target`, an existing file, is source code the scan reads.
    fn scanned(&self, target: &Identity) -> bool {
        target.exists
            && language_of(&target.path).is_some()
            && self
                .code_dirs
                .iter()
                .any(|dir| target.path.starts_with(dir))
    }
}

/// A file as the file system knows it: its canonical path (symlinks
/// followed; for a file not there yet, its canonical directory and name),
/// whether it exists and, where it exists on Unix, its device and inode.
#[derive(Debug)]
struct Identity {
    path: PathBuf,
    exists: bool,
    inode: Option<(u64, u64)>,
}

impl Identity {
    fn of(path: &Path) -> Identity {
        if let Ok(path) = std::fs::canonicalize(path) {
            let metadata = std::fs::metadata(&path).ok();
            let inode = metadata.as_ref().and_then(dev_ino);
            return Identity {
                path,
                exists: metadata.is_some(),
                inode,
            };
        }
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let path = match (std::fs::canonicalize(dir), path.file_name()) {
            (Ok(dir), Some(name)) => dir.join(name),
            _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
        };
        Identity {
            path,
            exists: false,
            inode: None,
        }
    }

    fn is_same(&self, other: &Identity) -> bool {
        self.path == other.path || (self.inode.is_some() && self.inode == other.inode)
    }
}

#[cfg(unix)]
fn dev_ino(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

/// Stable Rust has no file id on Windows: files compare by path only. (A
/// made-up id, the same for every file, once made every `-o` there look like
/// it would replace the inventory; found running the build under Wine.)
#[cfg(not(unix))]
fn dev_ino(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Who may read an output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A report: a new file as the umask allows, a replaced one keeps its
    /// mode.
    Shared,
    /// An output that can hold value fingerprints (`secretary fingerprint
    /// -o`): always 0600. A fingerprint of a weak value can be checked
    /// against guesses by anyone holding the fingerprint key, so such files
    /// are kept from other users like the values' own files.
    Private,
}

/// One file to write.
#[derive(Debug)]
pub struct Output {
    /// The path as given, which messages show.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub access: Access,
    /// Whether an existing file may be replaced (`init` never does).
    pub replace: bool,
}

/// Where an output goes once [`targets`] let it through.
struct Target {
    /// The file written: the output's path with symlinks followed.
    path: PathBuf,
    /// The file there now, if any.
    existing: Option<std::fs::Metadata>,
}

impl Target {
    /// Whether it is a character device or a named pipe, written in place.
    fn stream(&self) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            self.existing
                .as_ref()
                .is_some_and(|m| m.file_type().is_char_device() || m.file_type().is_fifo())
        }
        #[cfg(not(unix))]
        {
            false
        }
    }
}

/// Why an existing `metadata` cannot be an output, if it cannot: anything but
/// a regular file, a character device or a named pipe.
fn not_writable(metadata: &std::fs::Metadata) -> Option<&'static str> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() || kind.is_fifo() {
            return None;
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
    }
    Some("not a regular file")
}

/// Refuses every output path that would replace an input of the run or
/// another output of it: for a command that checks its outputs before it
/// knows which it will write (`docs`). [`write`] checks again.
pub fn guard(outputs: &[&Path], inputs: &Inputs) -> Result<(), Vec<InputError>> {
    let asked: Vec<(&Path, bool)> = outputs.iter().map(|&path| (path, true)).collect();
    targets(&asked, inputs).map(drop)
}

/// Refuses every output that would replace an input of the run or another
/// output of it, or an existing file where `replace` is false. Returns
/// where each output is written.
fn targets(outputs: &[(&Path, bool)], inputs: &Inputs) -> Result<Vec<Target>, Vec<InputError>> {
    let mut errors = Vec::new();
    let known = inputs.identified();
    let mut targets: Vec<(Identity, &Path)> = Vec::with_capacity(outputs.len());
    for &(path, replace) in outputs {
        let identity = Identity::of(path);
        let shown = path.display();
        let clash = known
            .iter()
            .find(|(input, ..)| input.is_same(&identity))
            .map(|&(_, input, kind)| (input, kind))
            .or_else(|| inputs.scanned(&identity).then_some((path, FileKind::Code)));
        if let Some((input, kind)) = clash {
            errors.push(
                InputError::new(
                    Code::OutputIsInput,
                    format!(
                        "output `{shown}` would replace `{}`, {}",
                        input.display(),
                        kind.noun()
                    ),
                )
                .help("write the output to another path; nothing was written"),
            );
        } else if let Some((_, first)) = targets.iter().find(|(t, _)| t.is_same(&identity)) {
            errors.push(
                InputError::new(
                    Code::DuplicateOutput,
                    format!(
                        "outputs `{}` and `{shown}` are the same file",
                        first.display()
                    ),
                )
                .help("give each output its own file; nothing was written"),
            );
        } else if let Some(what) = std::fs::metadata(path).ok().as_ref().and_then(not_writable) {
            errors.push(
                InputError::new(Code::OutputNotAFile, format!("output `{shown}` is {what}"))
                    .help("give a file path (a new file, or one to replace); nothing was written"),
            );
        } else if !replace && std::fs::symlink_metadata(path).is_ok() {
            errors.push(
                InputError::new(Code::FileExists, format!("`{shown}` already exists"))
                    .help("choose another path or remove the file; nothing was written"),
            );
        }
        targets.push((identity, path));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(targets
        .into_iter()
        .map(|(identity, _)| Target {
            existing: std::fs::metadata(&identity.path).ok(),
            path: identity.path,
        })
        .collect())
}

/// The output of a command with one `-o FILE`: written to `path` (see
/// [`write`]) and named on stderr in one line, `wrote PATH (what)`, or,
/// without `-o`, printed on stdout. False when it could not be written; the
/// errors are printed.
pub fn emit(
    printer: &Printer,
    path: Option<&Path>,
    text: String,
    (inputs, texts): (&Inputs, &SourceTexts),
    what: impl FnOnce() -> String,
) -> bool {
    let Some(path) = path else {
        printer.stdout(text.as_bytes());
        return true;
    };
    let output = Output {
        path: path.to_path_buf(),
        bytes: text.into_bytes(),
        access: Access::Shared,
        replace: true,
    };
    if let Err(errors) = write(&[output], inputs) {
        printer.errors(&errors, texts);
        return false;
    }
    eprintln!("wrote {} ({})", path.display(), what());
    true
}

/// Writes `outputs`, all or nothing as far as the file system allows, once
/// [`targets`] found none that would replace an input or another output.
pub fn write(outputs: &[Output], inputs: &Inputs) -> Result<(), Vec<InputError>> {
    let asked: Vec<(&Path, bool)> = outputs
        .iter()
        .map(|o| (o.path.as_path(), o.replace))
        .collect();
    let targets = targets(&asked, inputs)?;
    let fail = |output: &Output, err: &dyn std::fmt::Display| {
        vec![InputError::new(
            Code::CannotWriteOutput,
            format!("cannot write `{}`: {err}", output.path.display()),
        )
        .help("check that the directory exists and is writable, or choose another path")]
    };
    let mut staged = Vec::with_capacity(outputs.len());
    let mut streams = Vec::new();
    for (output, target) in outputs.iter().zip(&targets) {
        if target.stream() {
            streams.push((output, target));
            continue;
        }
        let file = stage(output, target).map_err(|err| fail(output, &err))?;
        staged.push((file, output, target));
    }
    for (file, output, target) in staged {
        let persisted = if output.replace {
            file.persist(&target.path).map(drop)
        } else {
            file.persist_noclobber(&target.path).map(drop)
        };
        persisted.map_err(|err| match err.error.kind() {
            std::io::ErrorKind::AlreadyExists => vec![InputError::new(
                Code::FileExists,
                format!("`{}` already exists", output.path.display()),
            )
            .help("choose another path or remove the file")],
            _ => fail(output, &err.error),
        })?;
    }
    // Streams last: what they receive cannot be taken back.
    for (output, target) in streams {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&target.path)
            .and_then(|mut stream| stream.write_all(&output.bytes))
            .map_err(|err| fail(output, &err))?;
    }
    Ok(())
}

/// Writes one output in full to a temporary file beside its target, with
/// the permissions it will keep.
fn stage(output: &Output, target: &Target) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match target.path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".secretary-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created private; a new shared file is created as the umask allows
        // (the mode given to open(2) is masked by it). A replaced file's
        // mode is set below, after the bytes, since the umask must not
        // narrow it.
        let created = match (output.access, &target.existing) {
            (Access::Shared, None) => 0o666,
            _ => 0o600,
        };
        builder.permissions(std::fs::Permissions::from_mode(created));
    }
    let mut file = builder.tempfile_in(dir)?;
    file.write_all(&output.bytes)?;
    match (output.access, &target.existing) {
        (Access::Shared, Some(existing)) => {
            file.as_file().set_permissions(existing.permissions())?;
        }
        #[cfg(unix)]
        (Access::Private, _) => {
            use std::os::unix::fs::PermissionsExt;
            file.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        _ => {}
    }
    file.as_file().sync_all()?;
    Ok(file)
}
