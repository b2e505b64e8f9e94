//! Where things come from: a file and a position in it.
//!
//! Every stage that reads user input (inventory YAML, Cedar policies) records
//! positions as [`Location`]s so that errors and findings can say `file:line:col`.
//! Locations carry the file path as the user wrote it (relative paths stay
//! relative), which keeps output stable across machines.
//!
//! The texts of the files read are kept in [`SourceTexts`] with their
//! [`FileKind`], which decides in one place how much of a line an error may
//! quote: nothing, for every file that may hold a value.

use std::fmt;
use std::sync::Arc;

/// A position in an input file. Lines and columns start at 1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: Arc<str>,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn new(file: &Arc<str>, line: usize, column: usize) -> Self {
        Self {
            file: Arc::clone(file),
            line: line.max(1),
            column: column.max(1),
        }
    }

    /// The start of a file, for problems that concern a file as a whole.
    pub fn file_start(file: &Arc<str>) -> Self {
        Self::new(file, 1, 1)
    }

    /// The location of byte `offset` in `text`, which is the content of `file`.
    pub fn from_offset(file: &Arc<str>, text: &str, offset: usize) -> Self {
        let (line, column) = line_and_column(text.as_bytes(), offset);
        Self::new(file, line, column)
    }
}

/// A path as outputs, locations and entity ids spell it: the same on every
/// system, `/` between components. With Windows' `\\` the ids of compose
/// files, code references and `.env.example` variables would differ from
/// Unix's, and waivers, baselines and rule tests written on one system
/// would not match on the other (found running the Windows build under
/// Wine). On Unix a `\\` is part of a file name and stays.
pub fn portable_path(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    }
}

/// The line and column (from 1, in characters) of byte `offset` of
/// `bytes`; the bytes before it are read as UTF-8 (a partial character
/// counts as one).
pub fn line_and_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A value read from a file, and where it was written: the line and column
/// (from 1) where its node starts, and where the key holding it starts.
///
/// The YAML reader fills both in as it reads (as cargo-deny's `Spanned<T>`
/// fields are filled by its TOML reader), so that a check made after
/// reading points at the line without a table of positions. A list item or
/// a mapping key has no key of its own: both places are the node's. Any
/// other deserializer (serde_yaml, in the tests) gives line 0.
///
/// A `Spanned<T>` compares, prints, serializes and has the JSON Schema of
/// its value alone.
#[derive(Clone, Default)]
pub struct Spanned<T> {
    pub value: T,
    /// Line and column of the node.
    pub start: (u32, u32),
    /// Line and column of the key holding the node.
    pub key_start: (u32, u32),
}

impl<T> Spanned<T> {
    /// Where the node starts, in `file`.
    pub fn at(&self, file: &Arc<str>) -> Location {
        Location::new(file, self.start.0 as usize, self.start.1 as usize)
    }

    /// Where the key holding the node starts, in `file`.
    pub fn key_at(&self, file: &Arc<str>) -> Location {
        Location::new(file, self.key_start.0 as usize, self.key_start.1 as usize)
    }
}

/// The name by which [`Spanned`] asks a deserializer for its positions; the
/// YAML reader answers with a sequence of the node's and the key's place
/// (each as `line << 32 | column`) and the value.
#[doc(hidden)]
pub const SPANNED: &str = "$__secretary_private_Spanned";

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Spanned<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value")
            }
            // Another deserializer: no positions.
            fn visit_newtype_struct<D: serde::Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Self::Value, D::Error> {
                let value = T::deserialize(deserializer)?;
                Ok(Spanned {
                    value,
                    start: (0, 0),
                    key_start: (0, 0),
                })
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let missing = || serde::de::Error::custom("a spanned value without its parts");
                let mut place = || -> Result<(u32, u32), A::Error> {
                    let packed: u64 = seq.next_element()?.ok_or_else(missing)?;
                    Ok(((packed >> 32) as u32, packed as u32))
                };
                let (start, key_start) = (place()?, place()?);
                let value = seq.next_element()?.ok_or_else(missing)?;
                Ok(Spanned {
                    value,
                    start,
                    key_start,
                })
            }
        }
        deserializer.deserialize_newtype_struct(SPANNED, Visitor(std::marker::PhantomData))
    }
}

impl<T: serde::Serialize> serde::Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: PartialOrd> PartialOrd for Spanned<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.value.partial_cmp(&other.value)
    }
}

impl<T: Ord> Ord for Spanned<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// What a file the run reads is, as far as errors go: whether an error
/// may quote its lines, and what messages call it.
///
/// Decided here, in one place, because the file given to a flag is not
/// always the file the flag expects: a `.env` passed as `--fingerprints`, a
/// secret file passed as `--iam-snapshot`. Only files known to hold no
/// values are quoted (policies, templates, and inventories with their values
/// hidden); for every other kind an error names `file:line:col` and the
/// problem, never the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// An inventory file: its keys may be quoted, never its values.
    Inventory,
    /// A file of Cedar rules: quoted as it is when named `*.cedar`.
    Policy,
    /// A report template: quoted as it is.
    Template,
    /// A fingerprint file given to `--fingerprints`.
    Fingerprints,
    /// An IAM snapshot given to `--iam-snapshot`.
    IamSnapshot,
    /// A file holding a secret value (`value: {file: …}`).
    ValueFile,
    /// A `.env` file holding secret values (`value: {dotenv: …}`).
    Dotenv,
    /// A secret file on this machine (an instance's `file:`).
    SecretFile,
    /// A compose file (`sources.compose`).
    Compose,
    /// A `.env.example` file (`sources.env_example`).
    EnvExample,
    /// Source code scanned for variable names (`sources.code`).
    Code,
    /// A file `init --from` starts an inventory from.
    InitSource,
    /// The AWS shared config or credentials file.
    AwsConfig,
    /// An earlier JSON report given to `--baseline`.
    Baseline,
}

/// How much of a line an error may quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// The whole line.
    Verbatim,
    /// A YAML line's indentation, list dash and key; its value becomes `…`.
    KeysOnly,
    /// Nothing: the error names the file, line and column only.
    Never,
}

impl FileKind {
    /// How much of the lines of `file`, a file of this kind, an error may
    /// quote. A policy file not named `*.cedar` may be any file given to
    /// `--policies` by mistake, so it is not quoted.
    pub fn quoting(self, file: &str) -> Quoting {
        match self {
            FileKind::Inventory => Quoting::KeysOnly,
            FileKind::Policy if file.ends_with(".cedar") => Quoting::Verbatim,
            FileKind::Template => Quoting::Verbatim,
            _ => Quoting::Never,
        }
    }

    /// What the file is, for messages: `an inventory file`.
    pub const fn noun(self) -> &'static str {
        match self {
            FileKind::Inventory => "an inventory file",
            FileKind::Policy => "a policy file",
            FileKind::Template => "a template",
            FileKind::Fingerprints => "a fingerprint file (`--fingerprints`)",
            FileKind::IamSnapshot => "the IAM snapshot (`--iam-snapshot`)",
            FileKind::ValueFile => "a secret value file (`value: {file: …}`)",
            FileKind::Dotenv => "a `.env` file of secret values (`value: {dotenv: …}`)",
            FileKind::SecretFile => "a secret file (an instance's `file:`)",
            FileKind::Compose => "a compose file (`sources.compose`)",
            FileKind::EnvExample => "a `.env.example` file (`sources.env_example`)",
            FileKind::Code => "source code the run scans (`sources.code`)",
            FileKind::InitSource => "a file given to `--from`",
            FileKind::AwsConfig => "the AWS config or credentials file",
            FileKind::Baseline => "the baseline (`--baseline`)",
        }
    }

    /// What a JSON parser's error says about a file of this kind, without
    /// the position (errors show it apart). A syntax error's message is one
    /// of serde_json's fixed texts (`expected value`); a data error's quotes
    /// the offending token (`invalid type: string "…"`), so it is repeated
    /// only for a kind whose lines may be quoted, and otherwise only said to
    /// not fit the format.
    pub fn json_problem(self, err: &serde_json::Error) -> String {
        use serde_json::error::Category;
        match err.classify() {
            Category::Data if self.quoting("") != Quoting::Verbatim => {
                "a key or value here does not fit the format".to_owned()
            }
            Category::Io => "it cannot be read".to_owned(),
            _ => {
                let text = err.to_string();
                match text.rfind(" at line ") {
                    Some(i) => text[..i].to_owned(),
                    None => text,
                }
            }
        }
    }
}

/// The text of every input file read in this run, with its [`FileKind`]:
/// errors quote a line of it as its kind allows, reports show digests of
/// it, and outputs are checked not to replace it. Files are kept by their
/// display path.
#[derive(Debug, Default, Clone)]
pub struct SourceTexts {
    files: std::collections::BTreeMap<Arc<str>, (Arc<str>, FileKind)>,
}

impl SourceTexts {
    /// Keeps the text of `file`, a file of `kind`.
    pub fn insert(&mut self, file: &Arc<str>, text: impl Into<Arc<str>>, kind: FileKind) {
        self.files.insert(Arc::clone(file), (text.into(), kind));
    }

    /// Takes over the files `other` recorded (from a stage that ran in
    /// parallel with its own record).
    pub fn append(&mut self, other: SourceTexts) {
        self.files.extend(other.files);
    }

    /// Every file recorded, by display path, with its kind.
    pub fn files(&self) -> impl Iterator<Item = (&str, FileKind)> {
        self.files.iter().map(|(file, (_, kind))| (&**file, *kind))
    }

    /// The SHA-256 of a recorded file's text, in lowercase hex: audit
    /// evidence that a report was made from exactly these bytes.
    pub fn sha256(&self, file: &str) -> Option<String> {
        use sha2::Digest;
        let (text, _) = self.files.get(file)?;
        Some(hex(&sha2::Sha256::digest(text.as_bytes())))
    }

    /// The line a location points at, without its line ending, as much of
    /// it as the file's kind lets an error quote; `None` when nothing may be.
    pub fn line(&self, location: &Location) -> Option<String> {
        let (text, kind) = self.files.get(&location.file)?;
        let quoting = kind.quoting(&location.file);
        if quoting == Quoting::Never {
            return None;
        }
        let line = text.lines().nth(location.line.checked_sub(1)?)?;
        Some(match quoting {
            Quoting::KeysOnly => redact_yaml_line(line),
            _ => line.to_owned(),
        })
    }
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Keeps a YAML line's indentation, list dash and key; hides the rest.
fn redact_yaml_line(line: &str) -> String {
    let body = line.trim_start();
    let mut kept = line[..line.len() - body.len()].to_owned();
    let mut rest = body;
    if let Some(after_dash) = rest.strip_prefix("- ") {
        kept.push_str("- ");
        rest = after_dash;
    }
    if rest.starts_with("---") || rest.starts_with("...") {
        return line.to_owned();
    }
    if rest.is_empty() || rest.starts_with('#') {
        return kept + rest.get(..1).unwrap_or("");
    }
    let key_end = rest
        .find(": ")
        .map(|i| i + 2)
        .or_else(|| rest.strip_suffix(':').map(|k| k.len() + 1))
        .filter(|&end| !rest[..end].contains(['"', '\'', '{', '[']));
    match key_end {
        Some(end) if end == rest.len() => kept + rest,
        Some(end) => kept + &rest[..end] + "…",
        None => kept + "…",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Components are joined by `/` on every system; on Unix a `\\` is
    /// part of a name.
    #[test]
    fn portable_paths_join_components_with_slashes() {
        let path = std::path::Path::new("deploy").join("compose.yml");
        assert_eq!(portable_path(&path), "deploy/compose.yml");
        #[cfg(unix)]
        assert_eq!(portable_path(std::path::Path::new("a\\b/c")), "a\\b/c");
        #[cfg(windows)]
        assert_eq!(portable_path(std::path::Path::new("a\\b/c")), "a/b/c");
    }

    #[test]
    fn json_errors_quote_a_token_only_where_lines_may_be_quoted() {
        let data = serde_json::from_str::<u32>("\"hunter2\"").unwrap_err();
        let syntax = serde_json::from_str::<u32>("hunter2").unwrap_err();
        for kind in [
            FileKind::Fingerprints,
            FileKind::IamSnapshot,
            FileKind::Inventory,
        ] {
            assert!(!kind.json_problem(&data).contains("hunter2"));
            assert_eq!(kind.json_problem(&syntax), "expected value");
        }
        assert!(FileKind::Template.json_problem(&data).contains("hunter2"));
    }

    #[test]
    fn only_files_known_to_hold_no_values_are_quoted() {
        assert_eq!(FileKind::Policy.quoting("rules/a.cedar"), Quoting::Verbatim);
        assert_eq!(FileKind::Policy.quoting(".env"), Quoting::Never);
        assert_eq!(FileKind::Inventory.quoting(".env"), Quoting::KeysOnly);
        assert_eq!(FileKind::Fingerprints.quoting("fp.json"), Quoting::Never);
    }

    #[test]
    fn redacted_lines_keep_keys_only() {
        assert_eq!(
            redact_yaml_line("    default: \"hunter2\""),
            "    default: …"
        );
        assert_eq!(redact_yaml_line("  JWT_SECRET:"), "  JWT_SECRET:");
        assert_eq!(redact_yaml_line("  - service: api"), "  - service: …");
        assert_eq!(redact_yaml_line("    - hunter2"), "    - …");
        assert_eq!(
            redact_yaml_line("  prod: { backend: env_var, fingerprint: x }"),
            "  prod: …"
        );
        assert_eq!(redact_yaml_line("\"quoted: key\": v"), "…");
    }
}
