//! Where things come from: a file and a position in it.
//!
//! Every stage that reads user input (inventory YAML, Cedar policies) records
//! positions as [`Location`]s so that errors and findings can say `file:line:col`.
//! Locations carry the file path as the user wrote it (relative paths stay
//! relative), which keeps output stable across machines.

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
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Self::new(file, line, column)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The text of every input file read in this run, so errors can quote the
/// offending line. Files are kept by their display path.
///
/// Inventory files are kept with their values hidden: an inventory is not
/// meant to hold secret values, but a default or a mistyped field might, and
/// an error message must never repeat one. Only keys survive in snippets.
#[derive(Debug, Default, Clone)]
pub struct SourceTexts {
    files: std::collections::BTreeMap<Arc<str>, (Arc<str>, bool)>,
}

impl SourceTexts {
    /// Keeps a file whose lines may be quoted as they are (policies).
    pub fn insert(&mut self, file: &Arc<str>, text: &str) {
        self.files
            .insert(Arc::clone(file), (Arc::from(text), false));
    }

    /// Keeps a YAML file whose values must not be quoted (inventories).
    pub fn insert_redacted(&mut self, file: &Arc<str>, text: &str) {
        self.files.insert(Arc::clone(file), (Arc::from(text), true));
    }

    /// [`Self::insert_redacted`] for a text already shared with others.
    pub fn insert_redacted_shared(&mut self, file: &Arc<str>, text: Arc<str>) {
        self.files.insert(Arc::clone(file), (text, true));
    }

    /// Takes over the files `other` recorded (from a stage that ran in
    /// parallel with its own record).
    pub fn append(&mut self, other: SourceTexts) {
        self.files.extend(other.files);
    }

    /// The SHA-256 of a recorded file's text, in lowercase hex: audit
    /// evidence that a report was made from exactly these bytes.
    pub fn sha256(&self, file: &str) -> Option<String> {
        use sha2::Digest;
        let (text, _) = self.files.get(file)?;
        Some(hex(&sha2::Sha256::digest(text.as_bytes())))
    }

    /// The line a location points at, without its line ending; values are
    /// replaced by `…` in redacted files.
    pub fn line(&self, location: &Location) -> Option<String> {
        let (text, redacted) = self.files.get(&location.file)?;
        let line = text.lines().nth(location.line.checked_sub(1)?)?;
        Some(if *redacted {
            redact_yaml_line(line)
        } else {
            line.to_owned()
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
