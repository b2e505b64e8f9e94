//! Where an instance's value can be read (`value:`) and what a secret's
//! value must look like (`format:`).

use super::{ParsedFile, Validator};
use crate::diag::{Code, InputError};
use crate::inventory::model::*;
use crate::inventory::raw::{RawFormat, RawValueSource};
use crate::source::{Location, Spanned};

impl Validator {
    /// An instance's `value:`: exactly one place, a valid variable name, a
    /// path resolved against the inventory file.
    pub(super) fn value_source(
        &mut self,
        file: &ParsedFile,
        id: &str,
        env: &str,
        secret_name: &str,
        instance: &Instance,
        raw: &Spanned<RawValueSource>,
    ) -> Option<ValueSource> {
        let f = &file.path;
        let here = raw.key_at(f);
        let referrer = format!("the value of instance `{id}` in `{env}`");
        if !self.one_value_place(raw, &referrer, here.clone(), f) {
            return None;
        }
        let valid_name = |name: &str| {
            let mut chars = name.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let base = file.dir();
        let bad_name = |v: &mut Self, name: &str, at: Location| {
            v.errors.push(
                InputError::new(
                    Code::InvalidValueSource,
                    format!("{referrer} names variable `{name}`, which is not a variable name"),
                )
                .at(at)
                .help("a variable name has only letters, digits and `_`, and does not start with a digit, e.g. `DB_PASSWORD`"),
            );
        };
        let empty_path = |v: &mut Self, key: &str, at: Location| {
            v.errors.push(
                InputError::new(
                    Code::InvalidValueSource,
                    format!("{referrer} has an empty `{key}` path"),
                )
                .at(at)
                .help("write the path of the file, e.g. `/run/secrets/db_password` or `../.env`"),
            );
        };
        let kind = if let Some(name) = &raw.env {
            if !valid_name(name) {
                bad_name(self, name, name.at(f));
                return None;
            }
            ValueSourceKind::Env(name.value.clone())
        } else if let Some(written) = &raw.file {
            if written.trim().is_empty() {
                empty_path(self, "file", written.at(f));
                return None;
            }
            ValueSourceKind::File {
                written: written.value.clone(),
                path: base.join(&written.value),
            }
        } else {
            let dotenv = raw.dotenv.clone().unwrap_or_default();
            let written = dotenv.value.clone();
            if written.trim().is_empty() {
                empty_path(self, "dotenv", dotenv.at(f));
                return None;
            }
            let key = raw
                .key
                .as_deref()
                .cloned()
                .or_else(|| instance.env_var.clone())
                .unwrap_or_else(|| secret_name.to_owned());
            if !valid_name(&key) {
                let at = raw.key.as_ref().unwrap_or(&dotenv).at(f);
                bad_name(self, &key, at);
                return None;
            }
            ValueSourceKind::Dotenv {
                path: base.join(&written),
                written,
                key,
            }
        };
        Some(ValueSource {
            kind,
            location: here,
        })
    }

    /// Whether a `value:` names exactly one place, and a `key` only with a
    /// `dotenv` file.
    fn one_value_place(
        &mut self,
        raw: &RawValueSource,
        referrer: &str,
        here: Location,
        f: &std::sync::Arc<str>,
    ) -> bool {
        let given: Vec<&str> = [
            ("env", raw.env.is_some()),
            ("file", raw.file.is_some()),
            ("dotenv", raw.dotenv.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect();
        if given.len() != 1 {
            let what = if given.is_empty() {
                "names no place".to_owned()
            } else {
                format!(
                    "names {} places ({})",
                    given.len(),
                    given
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            self.errors.push(
                InputError::new(Code::InvalidValueSource, format!("{referrer} {what}"))
                    .at(here)
                    .help("give exactly one of `env: VAR`, `file: PATH` or `dotenv: PATH` (with an optional `key:`)"),
            );
            return false;
        }
        if let (Some(key), None) = (&raw.key, &raw.dotenv) {
            self.errors.push(
                InputError::new(
                    Code::InvalidValueSource,
                    format!("{referrer} has a `key` but no `dotenv` file"),
                )
                .at(key.key_at(f))
                .help("`key` names the variable in a `.env` file: use it with `dotenv: PATH`, or remove it"),
            );
            return false;
        }
        true
    }

    /// A secret's `format:`: a pattern that compiles, lengths that agree.
    pub(super) fn value_format(
        &mut self,
        file: &ParsedFile,
        id: &str,
        raw: &Spanned<RawFormat>,
    ) -> Option<ValueFormat> {
        let f = &file.path;
        let mut ok = true;
        let pattern = raw.pattern.as_ref().and_then(|text| {
            match regex::bytes::RegexBuilder::new(&format!("^(?:{text})$"))
                .size_limit(1 << 20)
                .build()
            {
                Ok(pattern) => Some(pattern),
                Err(err) => {
                    ok = false;
                    let problem = match err {
                        regex::Error::Syntax(text) => text
                            .lines()
                            .rev()
                            .find(|l| l.starts_with("error:"))
                            .map_or_else(|| "syntax error".to_owned(), |l| l.trim_start_matches("error:").trim().to_owned()),
                        regex::Error::CompiledTooBig(_) => "it compiles too big".to_owned(),
                        _ => "it cannot be compiled".to_owned(),
                    };
                    self.errors.push(
                        InputError::new(
                            Code::InvalidFormatPattern,
                            format!("format pattern `{text}` of secret `{id}` is not a valid regular expression: {problem}"),
                        )
                        .at(text.at(f))
                        .help("write a regular expression the whole value must match, e.g. `pattern: \"[0-9a-f]{64}\"` (quote it in YAML)"),
                    );
                    None
                }
            }
        });
        if let (Some(min), Some(max)) = (&raw.min_length, raw.max_length) {
            if min.value > max {
                ok = false;
                self.errors.push(
                    InputError::new(
                        Code::InvalidFormat,
                        format!("format of secret `{id}` has `min_length` {min} above `max_length` {max}"),
                    )
                    .at(min.at(f))
                    .help("make `min_length` at most `max_length`, or remove one of them"),
                );
            }
        }
        ok.then(|| ValueFormat {
            pattern_text: raw.pattern.as_deref().cloned(),
            pattern,
            min_length: raw.min_length.as_deref().copied(),
            max_length: raw.max_length,
            location: raw.key_at(f),
        })
    }
}
