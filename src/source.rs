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
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
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
#[derive(Debug, Default, Clone)]
pub struct SourceTexts {
    files: std::collections::BTreeMap<Arc<str>, Arc<str>>,
}

impl SourceTexts {
    pub fn insert(&mut self, file: &Arc<str>, text: &str) {
        self.files.insert(Arc::clone(file), Arc::from(text));
    }

    /// The line a location points at, without its line ending.
    pub fn line(&self, location: &Location) -> Option<&str> {
        let text = self.files.get(&location.file)?;
        text.lines().nth(location.line.checked_sub(1)?)
    }
}
