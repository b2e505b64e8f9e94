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
use crate::heuristics::defaults::{PublishedDefaults, HASH_PREFIX, USER_FILE};
use crate::inventory::model::RuleSetting;
use crate::source::Location;

/// A policy file's text and the name it is shown under.
pub(super) struct PolicyFile {
    pub display: Arc<str>,
    pub text: Cow<'static, str>,
    pub builtin: bool,
}

/// The files `sources` name, built-in first, and a problem for each path
/// that could not be read. A user path with a problem contributes no file.
/// A directory's `published-defaults.txt` is read into the list of
/// published defaults ([`crate::heuristics::defaults`]), and its
/// `secretary-rules.yaml` into `settings` ([`SETTINGS_FILE`]).
pub(super) fn read(
    sources: &RuleSources<'_>,
    defaults: &mut PublishedDefaults,
    settings: &mut PackSettings,
) -> (Vec<PolicyFile>, Vec<InputError>) {
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
        let pack = sources.pack_names.iter().find(|(p, _)| p == path);
        match read_policy_dir(
            path,
            pack.map(|(_, name)| name.as_str()),
            defaults,
            settings,
        ) {
            Ok(mut found) => files.append(&mut found),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    (files, errors)
}

/// The name a file of a `--policies` path is shown under: its path, or in
/// a rule pack named `pack`, that name and the file's path in the pack.
fn shown_name(file: &Path, root: &Path, pack: Option<&str>) -> Arc<str> {
    match (pack, file.strip_prefix(root)) {
        (Some(name), Ok(inner)) if !inner.as_os_str().is_empty() => {
            let inner: Vec<_> = inner
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            Arc::from(format!("{name}{}", inner.join("/")))
        }
        (Some(name), _) => Arc::from(name.trim_end_matches(['/', '#'])),
        (None, _) => Arc::from(crate::source::portable_path(file)),
    }
}

/// The `.cedar` files of `path` (a directory, walked in name order, or one
/// file); `pack` names a rule pack's files ([`shown_name`]).
fn read_policy_dir(
    path: &Path,
    pack: Option<&str>,
    defaults: &mut PublishedDefaults,
    settings: &mut PackSettings,
) -> Result<Vec<PolicyFile>, Vec<InputError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut lists = 0;
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
                Ok(entry) if !entry.file_type().is_dir() && entry.file_name() == USER_FILE => {
                    lists += 1;
                    let display = shown_name(entry.path(), path, pack);
                    read_defaults(entry.path(), display, defaults, &mut errors);
                }
                Ok(entry) if !entry.file_type().is_dir() && entry.file_name() == SETTINGS_FILE => {
                    lists += 1;
                    let display = shown_name(entry.path(), path, pack);
                    read_settings(entry.path(), display, settings, &mut errors);
                }
                Ok(_) => {}
                Err(err) => errors.push(InputError::new(
                    Code::UnreadablePath,
                    format!("cannot read `{}`: {err}", path.display()),
                )),
            }
        }
        if found.is_empty() && lists == 0 {
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
        let display = shown_name(&file, path, pack);
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

/// The name of a rule pack's settings file: `settings.rules` of an
/// inventory, shipped next to the rules (the inventory's own win).
pub const SETTINGS_FILE: &str = "secretary-rules.yaml";

/// The rule settings of the packs' [`SETTINGS_FILE`]s, and the files'
/// texts (for snippets and the report's digests).
#[derive(Default)]
pub(super) struct PackSettings {
    pub settings: Vec<RuleSetting>,
    pub files: Vec<(Arc<str>, String)>,
}

/// Adds the rule settings of a pack's [`SETTINGS_FILE`] to `settings`.
fn read_settings(
    path: &Path,
    display: Arc<str>,
    settings: &mut PackSettings,
    errors: &mut Vec<InputError>,
) {
    let Some(text) = read_list(path, &display, errors) else {
        return;
    };
    match crate::inventory::rule_settings(&display, &text) {
        Ok(mut read) => settings.settings.append(&mut read),
        Err(mut problems) => errors.append(&mut problems),
    }
    settings.files.push((display, text));
}

/// The text of a list that sits next to the rules (settings, published
/// defaults), or an error naming it.
fn read_list(path: &Path, display: &str, errors: &mut Vec<InputError>) -> Option<String> {
    match crate::read::read_text(path, crate::read::Kind::Policy) {
        Ok(text) => Some(text),
        Err(err) => {
            errors.push(
                InputError::new(
                    Code::UnreadableFile,
                    format!("cannot read `{display}`: {err}"),
                )
                .help("check the path, its permissions and that it is UTF-8 text"),
            );
            None
        }
    }
}

/// Adds the entries of a user's `published-defaults.txt` to `defaults`; each
/// line that is not an entry is an error at its line, never quoted (it may
/// hold a value).
fn read_defaults(
    path: &Path,
    display: Arc<str>,
    defaults: &mut PublishedDefaults,
    errors: &mut Vec<InputError>,
) {
    let Some(text) = read_list(path, &display, errors) else {
        return;
    };
    let text = zeroize::Zeroizing::new(text);
    for bad in defaults.add(&text) {
        errors.push(
            InputError::new(
                Code::PublishedDefaultsInvalid,
                format!("line {} of `{display}` is not an entry: {}", bad.line, bad.problem),
            )
            .at(Location::new(&display, bad.line, 1))
            .help(format!(
                "write a trivial value as is, or `{HASH_PREFIX}HEX` from `openssl dgst -sha256 -hmac secretary-published-defaults-v1 < value.txt`"
            )),
        );
    }
}
