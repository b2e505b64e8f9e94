//! Where output goes: results to stdout, errors and warnings to stderr.
//! A closed pipe (`secretary check | head`) ends the run quietly.

use std::io::{self, Write};

use secretary::diag::InputError;
use secretary::source::SourceTexts;

pub struct Printer {
    color: anstream::ColorChoice,
}

impl Printer {
    pub fn new(color: anstream::ColorChoice) -> Self {
        Self { color }
    }

    /// The printer of a command whose output has no colour: any escape
    /// sequence is stripped, whatever the terminal.
    pub fn plain() -> Self {
        Self::new(anstream::ColorChoice::Never)
    }

    /// Writes a finished result to stdout in one go.
    pub fn stdout(&self, bytes: &[u8]) {
        let result = if bytes.contains(&0x1b) {
            let mut stream = anstream::AutoStream::new(io::stdout().lock(), self.color);
            stream.write_all(bytes).and_then(|_| stream.flush())
        } else {
            // No escape sequence to strip (JSON, SARIF, JUnit): scanning a
            // large report byte by byte for one would only cost time.
            let mut stream = io::stdout().lock();
            stream.write_all(bytes).and_then(|_| stream.flush())
        };
        if let Err(err) = result {
            if err.kind() != io::ErrorKind::BrokenPipe {
                let _ = writeln!(io::stderr(), "error: cannot write output: {err}");
            }
        }
    }

    /// Writes input errors (or warnings) to stderr, with snippets.
    pub fn errors(&self, errors: &[InputError], texts: &SourceTexts) {
        let mut stream = anstream::AutoStream::new(io::stderr().lock(), self.color);
        for error in errors {
            let _ = write!(stream, "{}", error.render(texts));
        }
        if errors.len() > 1 {
            let _ = writeln!(stream, "{} problems found", errors.len());
        }
    }

    pub fn warnings(&self, warnings: &[InputError], texts: &SourceTexts) {
        let mut stream = anstream::AutoStream::new(io::stderr().lock(), self.color);
        for warning in warnings {
            let text = warning.render(texts);
            let _ = write!(stream, "{}", text.replacen("error[", "warning[", 1));
        }
    }
}
