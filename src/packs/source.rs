//! The syntax of a pack source: `git+SCHEME://…/repo.git@REF#subdir`.
//!
//! `SCHEME` is `https`, `ssh` or `file`; `@REF` (a tag, or a full commit)
//! is required, `#subdir` is optional. The ref is the part after the last
//! `@` of the URL's path, so `git+ssh://git@host/org/repo.git@v1` reads
//! `v1` and not the user name.

use std::path::{Path, PathBuf};

use crate::diag::{Code, InputError};

/// The prefix that makes a `--policies` argument a pack source.
pub const PREFIX: &str = "git+";

/// The URL schemes a pack may be fetched over.
const SCHEMES: [&str; 3] = ["https", "ssh", "file"];

/// Whether a `--policies` argument names a pack rather than a path.
pub fn is_pack(text: &str) -> bool {
    text.starts_with(PREFIX)
}

/// A parsed pack source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// As given: the key of its lock entry.
    pub text: String,
    /// What git fetches, e.g. `https://host/org/repo.git`.
    pub url: String,
    /// A tag, a branch or a commit, as given.
    pub reference: String,
    /// The directory of rules inside the repository, `/`-separated.
    pub subdir: Option<String>,
}

impl Source {
    pub fn parse(text: &str) -> Result<Source, InputError> {
        let invalid = |problem: &str| {
            InputError::new(
                Code::InvalidPackSource,
                format!("`--policies {text}`: {problem}"),
            )
            .help("write a pack as `git+https://host/org/repo.git@TAG#subdir` (or `git+file:///path/repo.git@COMMIT`); a local directory whose name starts with `git+` is written `./git+…`")
        };
        let rest = text.strip_prefix(PREFIX).unwrap_or(text);
        let (url_ref, subdir) = match rest.split_once('#') {
            Some((url_ref, subdir)) => (url_ref, Some(subdir.trim_matches('/'))),
            None => (rest, None),
        };
        let Some((scheme, after)) = url_ref.split_once("://") else {
            return Err(invalid("the URL has no scheme"));
        };
        if !SCHEMES.contains(&scheme) {
            return Err(invalid(&format!(
                "the scheme `{scheme}` is not one of `https`, `ssh`, `file`"
            )));
        }
        // The path starts at the first `/` after the host; an `@` before it
        // belongs to the user name.
        let authority = &after[..after.find('/').unwrap_or(after.len())];
        // The source is written to the lock and shown in reports.
        if authority
            .rsplit_once('@')
            .is_some_and(|(user, _)| user.contains(':'))
        {
            return Err(invalid(
                "the URL holds a password, which the lock and every report would show: use an ssh key instead",
            ));
        }
        let path_start = scheme.len() + 3 + authority.len();
        let at = url_ref
            .rfind('@')
            .filter(|&at| at > path_start)
            .ok_or_else(|| {
                invalid("it names no ref: pin a tag or a commit with `@REF` after the URL")
            })?;
        let (url, reference) = (&url_ref[..at], &url_ref[at + 1..]);
        if reference.is_empty()
            || reference.starts_with('-')
            || reference
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid(&format!("`{reference}` is not a ref name")));
        }
        let subdir = match subdir.filter(|s| !s.is_empty()) {
            None => None,
            Some(subdir) => {
                if subdir
                    .split('/')
                    .any(|part| matches!(part, "" | "." | "..") || part.contains('\\'))
                {
                    return Err(invalid(&format!(
                        "the directory `#{subdir}` must be a plain relative path inside the repository"
                    )));
                }
                Some(subdir.to_owned())
            }
        };
        Ok(Source {
            text: text.to_owned(),
            url: url.to_owned(),
            reference: reference.to_owned(),
            subdir,
        })
    }

    /// The pack's rules inside a checked-out tree `dir`: the subdirectory
    /// (or file) `#subdir` names, which must exist.
    pub fn within(&self, dir: &Path) -> Result<PathBuf, InputError> {
        let Some(subdir) = &self.subdir else {
            return Ok(dir.to_path_buf());
        };
        let path = dir.join(subdir);
        if path.exists() {
            Ok(path)
        } else {
            Err(InputError::new(
                Code::PackSubdirMissing,
                format!(
                    "`{}`: the repository has no `{subdir}` at `{}`",
                    self.text, self.reference
                ),
            )
            .help("fix the path after `#`: it is relative to the repository's root"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_url_ref_and_subdir() {
        let s = Source::parse("git+ssh://git@host/org/repo.git@v1.2#rules/prod").unwrap();
        assert_eq!(s.url, "ssh://git@host/org/repo.git");
        assert_eq!(s.reference, "v1.2");
        assert_eq!(s.subdir.as_deref(), Some("rules/prod"));
        let s = Source::parse("git+file:///tmp/a@b/repo.git@release/1").unwrap();
        assert_eq!(s.url, "file:///tmp/a@b/repo.git");
        assert_eq!(s.reference, "release/1");
        assert_eq!(s.subdir, None);
    }

    #[test]
    fn refuses_what_is_not_a_pinned_source() {
        for bad in [
            "git+https://host/org/repo.git",
            "git+ssh://git@host/org/repo.git",
            "git+http://host/org/repo.git@v1",
            "git+host/org/repo.git@v1",
            "git+https://host/org/repo.git@v1#../x",
            "git+https://host/org/repo.git@v1#a/./b",
            "git+https://host/org/repo.git@",
            "git+https://host/org/repo.git@-x",
            "git+https://user:token@host/org/repo.git@v1",
        ] {
            let err = Source::parse(bad).unwrap_err();
            assert_eq!(err.code, Code::InvalidPackSource, "{bad}");
        }
    }
}
