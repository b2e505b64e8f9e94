//! The rule files: the built-in ones embedded in the binary and the user's
//! `--policies` paths read from disk, each with the name messages show.
//!
//! Reading is apart from parsing so that every unreadable path is reported
//! in the same run as every bad rule. A file's text is read once and shared:
//! built-in texts stay `'static`, and each policy points into its file's
//! text instead of carrying a copy of it.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use super::{RuleSources, BUILTIN_FILES, BUILTIN_PREFIX};
use crate::diag::{Code, InputError};

/// A policy file's text and the name it is shown under.
pub(super) struct PolicyFile {
    pub display: Arc<str>,
    pub text: Cow<'static, str>,
    pub builtin: bool,
}

/// The files `sources` name, built-in first, and a problem for each path
/// that could not be read. A user path with a problem contributes no file.
pub(super) fn read(sources: &RuleSources<'_>) -> (Vec<PolicyFile>, Vec<InputError>) {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    if sources.builtin {
        for (name, text) in BUILTIN_FILES {
            files.push(PolicyFile {
                display: Arc::from(format!("{BUILTIN_PREFIX}{name}")),
                text: Cow::Borrowed(text),
                builtin: true,
            });
        }
    }
    for path in sources.user_paths {
        match read_policy_dir(path) {
            Ok(mut found) => files.append(&mut found),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    (files, errors)
}

/// The `.cedar` files of `path` (a directory, walked in name order, or one
/// file).
fn read_policy_dir(path: &Path) -> Result<Vec<PolicyFile>, Vec<InputError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if !path.exists() {
        return Err(vec![InputError::new(
            Code::MissingPath,
            format!("policy path `{}` does not exist", path.display()),
        )
        .help(
            "pass a directory of `.cedar` files (or one file) to `--policies`",
        )]);
    }
    let mut found = Vec::new();
    if path.is_file() {
        found.push(path.to_path_buf());
    } else {
        for entry in walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
        {
            match entry {
                Ok(entry)
                    if !entry.file_type().is_dir()
                        && entry.path().extension().is_some_and(|e| e == "cedar") =>
                {
                    found.push(entry.into_path())
                }
                Ok(_) => {}
                Err(err) => errors.push(InputError::new(
                    Code::UnreadablePath,
                    format!("cannot read `{}`: {err}", path.display()),
                )),
            }
        }
        if found.is_empty() {
            errors.push(
                InputError::new(
                    Code::EmptyPolicyDirectory,
                    format!("`{}` contains no `.cedar` files", path.display()),
                )
                .help("put rules in files ending in `.cedar`"),
            );
        }
    }
    for file in found {
        let display: Arc<str> = Arc::from(file.display().to_string());
        match crate::read::read_text(&file, crate::read::Kind::Policy) {
            Ok(text) => files.push(PolicyFile {
                display,
                text: Cow::Owned(text),
                builtin: false,
            }),
            Err(err) => errors.push(
                InputError::new(
                    Code::UnreadableFile,
                    format!("cannot read policy file `{display}`: {err}"),
                )
                .help("check the path, its permissions and that it is UTF-8 text"),
            ),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}
