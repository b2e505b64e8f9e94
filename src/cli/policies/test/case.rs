//! Running one case: its workspace (a fresh temporary directory, a git
//! repository when asked), its inventory, and the ONE pipeline
//! (`secretary::load`, `cli::observe::gather`, `secretary::judge`, through
//! [`crate::cli::pipeline::judge`]) with the flags `check` would be given.
//!
//! A case runs with its workspace, or else its test file's directory, as
//! the current directory, as `check` run there with the inventory beside
//! it would: its inventory's relative paths resolve there, and entity ids
//! that hold a path (repository files, compose files, `.env.example`
//! variables) are the same wherever `policies test` is run from. The
//! previous directory is restored after the case, whatever happened.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Parser;
use jiff::civil::Date;

use super::file::{Case, CaseInventory, TestFile, Workspace};
use crate::cli::observe::ObserveArgs;
use secretary::diag::{Code, InputError};
use secretary::findings::Finding;
use secretary::inventory::validate::ParsedFile;
use secretary::source::SourceTexts;
use secretary::{CheckRequest, InventorySource};

/// The author and committer of a workspace's commit, and its date: fixed,
/// so that a case runs the same on every machine.
const GIT_IDENTITY: [&str; 4] = [
    "user.name=secretary policies test",
    "user.email=policies-test@secretary.invalid",
    "commit.gpgsign=false",
    "init.defaultBranch=main",
];
const GIT_DATE: &str = "2026-01-01T00:00:00Z";

/// The case's flags, parsed as `check` parses its own: the same defaults.
#[derive(Parser)]
struct CaseFlags {
    #[command(flatten)]
    observe: ObserveArgs,
}

/// Why `case` cannot be set up on this system, if it cannot: a workspace
/// that gives a file a mode needs Unix permission bits (Windows has none).
/// Such a case is reported as skipped with this reason, never run with the
/// mode left out: it would judge a file other than the one it describes.
pub fn cannot_run_here(case: &Case) -> Option<&'static str> {
    needs_missing_unix_modes(case.workspace.as_ref(), cfg!(unix))
}

fn needs_missing_unix_modes(
    workspace: Option<&Workspace>,
    has_unix_modes: bool,
) -> Option<&'static str> {
    let sets_modes = workspace.is_some_and(|w| w.files.iter().any(|f| f.mode.is_some()));
    (sets_modes && !has_unix_modes)
        .then_some("its workspace sets file modes, which this system does not have")
}

/// Runs `case` of `file` against `rules` (loaded from `policies`) and
/// returns the findings of the file's rules, waived or not.
pub fn run(
    file: &TestFile,
    case: &Case,
    policies: &[PathBuf],
    rules: &std::sync::Arc<secretary::policy::RuleSet>,
    default_now: Date,
    texts: &mut SourceTexts,
) -> Result<Vec<Finding>, Vec<InputError>> {
    let workspace = match &case.workspace {
        Some(workspace) => Some(create(workspace, case)?),
        None => None,
    };
    let test_dir = Path::new(&*file.path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // The case runs in its workspace, or else in the test file's directory:
    // paths written relative to the test file then resolve from there,
    // except in a workspace, where they are made absolute.
    let anchored = |written: &Path| match &workspace {
        Some(_) => {
            std::path::absolute(test_dir.join(written)).unwrap_or_else(|_| test_dir.join(written))
        }
        None => written.to_path_buf(),
    };
    let files = match &case.inventory {
        CaseInventory::Inline(document) => vec![ParsedFile {
            path: file.path.clone(),
            base: Some(PathBuf::new()),
            document: (**document).clone(),
            problems: Vec::new(),
        }],
        CaseInventory::Path(written) => {
            // Read before the case's directory is entered, so that errors
            // name the file as the user does.
            let mut files = secretary::inventory::parse_files(&[test_dir.join(written)], texts)
                .map_err(|errors| in_case(errors, case))?;
            for parsed in &mut files {
                parsed.base = Some(match &workspace {
                    Some(_) => PathBuf::new(),
                    None => {
                        let own = Path::new(&*parsed.path)
                            .strip_prefix(&test_dir)
                            .unwrap_or(Path::new(&*parsed.path));
                        own.parent().map(Path::to_path_buf).unwrap_or_default()
                    }
                });
            }
            files
        }
    };
    let mut argv = vec!["case".to_owned()];
    for (flag, path) in [
        ("--iam-snapshot", &case.iam_snapshot),
        ("--aws-snapshot", &case.aws_snapshot),
    ] {
        if let Some(path) = path {
            argv.push(flag.to_owned());
            argv.push(anchored(path).to_string_lossy().into_owned());
        }
    }
    for env in &case.env {
        argv.push("--env".to_owned());
        argv.push(env.clone());
    }
    let mut flags = CaseFlags::try_parse_from(&argv).map_err(|error| {
        vec![InputError::new(
            Code::InvalidRuleTest,
            format!(
                "case `{}` asks for flags `check` refuses: {}",
                case.name,
                error.kind()
            ),
        )
        .at(case.location.clone())
        .help("give `iam_snapshot` or `aws_snapshot`, not both (an AWS snapshot holds IAM too)")]
    })?;
    flags.observe.values.quiet = true;
    let request = CheckRequest {
        inventory: InventorySource::Parsed(files),
        policy_paths: policies.to_vec(),
        builtin_policies: false,
        loaded_rules: Some(std::sync::Arc::clone(rules)),
        now: case.now.unwrap_or(default_now),
        packs: Vec::new(),
    };
    let judged = {
        let dir = match &workspace {
            Some(dir) => dir.path(),
            None if test_dir.as_os_str().is_empty() => Path::new("."),
            None => test_dir.as_path(),
        };
        let _inside = Inside::enter(dir).map_err(|error| {
            vec![InputError::new(
                Code::InvalidRuleTest,
                format!(
                    "cannot enter the directory of case `{}`: {error}",
                    case.name
                ),
            )
            .at(case.location.clone())]
        })?;
        crate::cli::pipeline::judge(&request, &flags.observe, texts)
    };
    let judged = judged.map_err(|errors| in_case(errors, case))?;
    Ok(judged
        .checked
        .report
        .findings
        .into_iter()
        .filter(|f| file.rules.contains(&f.rule))
        .collect())
}

/// Errors of a case's run, each told which case it is about.
fn in_case(errors: Vec<InputError>, case: &Case) -> Vec<InputError> {
    let note = format!("in case `{}`", case.name);
    errors
        .into_iter()
        .map(|error| match &error.related {
            Some(_) => error,
            None => error.related(case.location.clone(), note.clone()),
        })
        .collect()
}

/// The current directory, changed for the time of a case.
struct Inside {
    previous: PathBuf,
}

impl Inside {
    fn enter(dir: &Path) -> std::io::Result<Inside> {
        let previous = std::env::current_dir()?;
        std::env::set_current_dir(dir)?;
        Ok(Inside { previous })
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        let _ = std::env::set_current_dir(&self.previous);
    }
}

/// Writes the workspace of `case` into a fresh temporary directory,
/// removed when the returned value is dropped.
fn create(workspace: &Workspace, case: &Case) -> Result<tempfile::TempDir, Vec<InputError>> {
    let failed = |what: String| {
        vec![InputError::new(
            Code::InvalidRuleTest,
            format!(
                "cannot set up the workspace of case `{}`: {what}",
                case.name
            ),
        )
        .at(case.location.clone())]
    };
    let dir = tempfile::Builder::new()
        .prefix("secretary-case-")
        .tempdir()
        .map_err(|e| failed(format!("no temporary directory: {e}")))?;
    for file in &workspace.files {
        let path = dir.path().join(&file.path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &file.content));
        if let Err(error) = written {
            return Err(vec![InputError::new(
                Code::InvalidRuleTest,
                format!(
                    "cannot write workspace file `{}`: {error}",
                    file.path.display()
                ),
            )
            .at(file.location.clone())]);
        }
        #[cfg(unix)]
        if let Some(mode) = file.mode {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).map_err(
                |e| {
                    failed(format!(
                        "cannot set the mode of `{}`: {e}",
                        file.path.display()
                    ))
                },
            )?;
        }
    }
    if workspace.git {
        git(dir.path(), &["init", "-q", "."]).map_err(&failed)?;
        let committed: Vec<&Path> = workspace
            .files
            .iter()
            .filter(|f| f.commit)
            .map(|f| f.path.as_path())
            .collect();
        if !committed.is_empty() {
            let mut add: Vec<&std::ffi::OsStr> = ["add", "-f", "--"]
                .iter()
                .map(std::ffi::OsStr::new)
                .collect();
            add.extend(committed.iter().map(|p| p.as_os_str()));
            git(dir.path(), &add).map_err(&failed)?;
            git(dir.path(), &["commit", "-q", "--no-verify", "-m", "case"]).map_err(&failed)?;
        }
    }
    Ok(dir)
}

/// Runs git in `dir` with no user or system configuration and a fixed
/// identity.
fn git<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Result<(), String> {
    let mut command = Command::new("git");
    command
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_CONFIG_GLOBAL", null_device())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", GIT_DATE)
        .env("GIT_COMMITTER_DATE", GIT_DATE)
        .arg("-C")
        .arg(dir);
    for setting in GIT_IDENTITY {
        command.args(["-c", setting]);
    }
    let output = command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => "`git` was not found on PATH".to_owned(),
            _ => format!("`git` could not be started: {error}"),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        let first = args
            .first()
            .map(|a| a.as_ref().to_string_lossy().into_owned());
        Err(format!(
            "`git {}` failed ({})",
            first.unwrap_or_default(),
            output.status
        ))
    }
}

fn null_device() -> &'static str {
    if cfg!(windows) {
        "NUL"
    } else {
        "/dev/null"
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::cli::policies::test::file::WorkspaceFile;
    use secretary::source::Location;

    fn workspace(mode: Option<u32>) -> Workspace {
        Workspace {
            git: false,
            files: vec![WorkspaceFile {
                path: PathBuf::from("secrets/db"),
                content: String::new(),
                mode,
                commit: false,
                location: Location::new(&Arc::from("t.test.yaml"), 1, 1),
            }],
        }
    }

    /// Only a case that sets a mode needs one, and only a system without
    /// modes skips it.
    #[test]
    fn only_cases_setting_modes_need_unix_modes() {
        let with_mode = workspace(Some(0o644));
        assert!(needs_missing_unix_modes(Some(&with_mode), false).is_some());
        assert_eq!(needs_missing_unix_modes(Some(&with_mode), true), None);
        assert_eq!(
            needs_missing_unix_modes(Some(&workspace(None)), false),
            None
        );
        assert_eq!(needs_missing_unix_modes(None, false), None);
    }
}
