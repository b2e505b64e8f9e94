//! The repository (`sources.repository`): which secret files and `.env`
//! files git tracks, and which it would let someone commit.
//!
//! Everything is asked of the `git` command line, run in the repository
//! (`git -C ROOT ...`), so the answers are git's own: `.gitignore` files at
//! every level, `.git/info/exclude` and the user's global excludes all count.
//! Only file names are read, never a file's content.
//!
//! - `git ls-files -z`: the tracked files;
//! - `git ls-files -z --others --exclude-standard`: the untracked files git
//!   does not ignore (a `git add .` away from being committed);
//! - `git check-ignore -z --stdin --no-index`: whether each declared secret
//!   file's path is ignored (also for a file that is not there yet).
//!
//! `git` missing, or a repository that is not a git work tree, is a gap: the
//! run reports it as not verified and never passes.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use crate::inventory::Inventory;
use crate::source::Location;

/// What was seen of the repository.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The repository as reports show it (the path resolved against the
    /// inventory file, normalised): the id of the `Repository` entity.
    pub root: String,
    /// Where `sources.repository` is written.
    pub location: Location,
    /// The files judged, or why git could not be asked.
    pub scan: Result<Vec<RepoFile>, String>,
}

/// A file that matters in the repository.
#[derive(Debug, Clone)]
pub struct RepoFile {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    /// The path as reports show it (the root joined with `path`).
    pub display: String,
    pub kind: FileKind,
    pub tracked: bool,
    pub ignored: bool,
    /// Whether the file exists in the work tree.
    pub present: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// An instance's `file:` that lies inside the repository.
    SecretFile {
        secret: String,
        environment: String,
        location: Location,
    },
    /// A `.env` file (`.env`, `.env.local`, `prod.env`, ...).
    EnvFile,
    /// A backup or editor copy of one (`.env.bak`, `.env.local~`, `.env.swp`).
    EnvBackup,
}

impl FileKind {
    pub fn name(&self) -> &'static str {
        match self {
            FileKind::SecretFile { .. } => "secret_file",
            FileKind::EnvFile => "env_file",
            FileKind::EnvBackup => "env_backup",
        }
    }
}

/// Words that mark a `.env`-like name as a template meant to be committed.
const TEMPLATE_WORDS: [&str; 5] = ["example", "sample", "template", "tpl", "dist"];

/// Name endings of backups and editor copies.
const BACKUP_SUFFIXES: [&str; 10] = [
    "~", ".bak", ".backup", ".old", ".orig", ".save", ".swp", ".swo", ".swx", ".tmp",
];

/// Whether a file name (no directory) is a `.env` file or a copy of one, and
/// which: `.env`, `.env.local`, `.env.production`, `prod.env`, `.env.bak`,
/// `.env.local~`, `prod.env.bak`, `.env.swp` and vim's `..env.swp` are;
/// `.env.example`, `.env.sample`, `.env.template`, `.env.dist`, `.envrc`
/// and `env.ts` are not.
pub fn env_file_kind(name: &str) -> Option<FileKind> {
    // vim writes the swap file of `.env` as `..env.swp`.
    let name = match name.strip_prefix('.') {
        Some(rest) if rest.starts_with(".env") => rest,
        _ => name,
    };
    let env_like = match name.strip_prefix(".env") {
        Some(rest) => rest.is_empty() || rest.starts_with(['.', '~', '-', '_']),
        None => name.ends_with(".env") || name.contains(".env.") || name.contains(".env~"),
    };
    if !env_like {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    if lower
        .split(['.', '-', '_', '~'])
        .any(|word| TEMPLATE_WORDS.contains(&word))
    {
        return None;
    }
    if BACKUP_SUFFIXES.iter().any(|suffix| lower.ends_with(suffix)) {
        Some(FileKind::EnvBackup)
    } else {
        Some(FileKind::EnvFile)
    }
}

/// Removes `.` and `dir/..` from a path without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The absolute form of `path`, following links of the part that exists
/// (the rest need not exist yet).
fn absolute(path: &Path) -> Option<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Some(normalize(&out));
        }
        let name = existing.file_name()?.to_os_string();
        rest.push(name);
        if !existing.pop() {
            return None;
        }
        if existing.as_os_str().is_empty() {
            existing.push(".");
        }
    }
}

fn display_path(path: &Path) -> String {
    crate::source::portable_path(path)
}

/// Runs `git -C root args...`; the error says what went wrong, never more
/// than git's first line of complaint.
fn git(root: &Path, args: &[&str], stdin: Option<&[u8]>) -> Result<(i32, Vec<u8>), String> {
    let mut command = Command::new("git");
    // Inside a git hook, GIT_DIR and GIT_WORK_TREE name the repository the
    // hook runs for; the inventory names its own.
    command
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            "`git` was not found on PATH".to_owned()
        } else {
            format!("`git` could not be started: {error}")
        }
    })?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input)
            .map_err(|error| format!("`git {}` could not be fed: {error}", args[0]))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|error| format!("`git {}` failed: {error}", args[0]))?;
    let code = output.status.code().unwrap_or(-1);
    if code != 0 && code != 1 {
        let complaint = String::from_utf8_lossy(&output.stderr);
        let first = complaint.lines().next().unwrap_or("").trim();
        return Err(format!("`git {}` failed: {first}", args.join(" ")));
    }
    Ok((code, output.stdout))
}

fn split_z(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// Observes the repository the inventory names, if it names one.
pub fn observe(inventory: &Inventory) -> Option<Observation> {
    let source = inventory.sources.repository.as_ref()?;
    let root = normalize(&source.path);
    Some(Observation {
        root: display_path(&root),
        location: source.location.clone(),
        scan: scan(inventory, &root),
    })
}

fn scan(inventory: &Inventory, root: &Path) -> Result<Vec<RepoFile>, String> {
    let root_display = display_path(root);
    let (code, inside) = git(root, &["rev-parse", "--is-inside-work-tree"], None).map_err(|e| {
        match e.contains("not a git repository") {
            true => format!("`{root_display}` is not inside a git work tree"),
            false => e,
        }
    })?;
    if code != 0 || String::from_utf8_lossy(&inside).trim() != "true" {
        return Err(format!("`{root_display}` is not inside a git work tree"));
    }
    let (_, tracked) = git(root, &["ls-files", "-z"], None)?;
    let tracked: BTreeSet<String> = split_z(&tracked).into_iter().collect();
    let (_, others) = git(
        root,
        &["ls-files", "-z", "--others", "--exclude-standard"],
        None,
    )?;
    let others: BTreeSet<String> = split_z(&others).into_iter().collect();
    let join = |relative: &str| display_path(&normalize(&root.join(relative)));

    let mut files = Vec::new();
    // Declared secret files inside the repository.
    let root_abs = absolute(root).ok_or_else(|| format!("`{root_display}` cannot be resolved"))?;
    let mut declared = Vec::new();
    for secret in inventory.secrets.values() {
        for (env, instance) in &secret.instances {
            let Some(file) = &instance.file else { continue };
            let path = super::files::resolve(&file.path, &file.dir);
            let Some(abs) = absolute(&path) else { continue };
            let Ok(relative) = abs.strip_prefix(&root_abs) else {
                continue;
            };
            let relative = display_path(relative);
            if relative.is_empty() {
                continue;
            }
            declared.push((
                relative,
                path.exists(),
                FileKind::SecretFile {
                    secret: secret.id.clone(),
                    environment: env.clone(),
                    location: instance.location.clone(),
                },
            ));
        }
    }
    let ask: Vec<&str> = declared
        .iter()
        .map(|(p, _, _)| p.as_str())
        .filter(|p| !tracked.contains(*p))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let ignored: BTreeSet<String> = if ask.is_empty() {
        BTreeSet::new()
    } else {
        let mut input = Vec::new();
        for path in &ask {
            input.extend_from_slice(path.as_bytes());
            input.push(0);
        }
        let (_, out) = git(
            root,
            &["check-ignore", "-z", "--stdin", "--no-index"],
            Some(&input),
        )?;
        split_z(&out).into_iter().collect()
    };
    for (relative, present, kind) in declared {
        let is_tracked = tracked.contains(&relative);
        files.push(RepoFile {
            display: join(&relative),
            ignored: !is_tracked && ignored.contains(&relative),
            tracked: is_tracked,
            present,
            path: relative,
            kind,
        });
    }
    // `.env` files and their copies that git tracks or would let in.
    for (path, is_tracked) in tracked
        .iter()
        .map(|p| (p, true))
        .chain(others.iter().map(|p| (p, false)))
    {
        let name = path.rsplit('/').next().unwrap_or(path);
        let Some(kind) = env_file_kind(name) else {
            continue;
        };
        files.push(RepoFile {
            path: path.clone(),
            display: join(path),
            kind,
            tracked: is_tracked,
            ignored: false,
            present: root.join(path).exists(),
        });
    }
    files.sort_by(|a, b| (&a.path, a.kind.name()).cmp(&(&b.path, b.kind.name())));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_names() {
        for name in [
            ".env",
            ".env.local",
            ".env.production",
            "prod.env",
            ".env-prod",
        ] {
            assert_eq!(env_file_kind(name), Some(FileKind::EnvFile), "{name}");
        }
        for name in [
            ".env.bak",
            ".env.local~",
            "prod.env.bak",
            ".env.swp",
            "..env.swp",
            ".env.production.orig",
        ] {
            assert_eq!(env_file_kind(name), Some(FileKind::EnvBackup), "{name}");
        }
        for name in [
            ".env.example",
            ".env.sample",
            ".env.template",
            ".env.dist",
            "prod.env.example",
            ".env.example.bak",
            ".envrc",
            "env.ts",
            "environment.py",
            "README.md",
        ] {
            assert_eq!(env_file_kind(name), None, "{name}");
        }
    }

    #[test]
    fn normalize_removes_dots() {
        assert_eq!(normalize(Path::new("a/b/../c/./d")), PathBuf::from("a/c/d"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(normalize(Path::new("a/..")), PathBuf::from("."));
    }
}
