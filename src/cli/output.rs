//! Where output goes: results to stdout, errors and warnings to stderr.
//! A closed pipe (`secretary check | head`) ends the run quietly.

use secretary::diag::Code;
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

/// Writes `bytes` to `path` so that readers see either the old file or the
/// whole new one, never a half-written report: the bytes go to a temporary
/// file in the same directory, which is then renamed over `path`.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), InputError> {
    let fail = |err: &dyn std::fmt::Display| {
        InputError::new(
            Code::CannotWriteOutput,
            format!("cannot write `{}`: {err}", path.display()),
        )
        .help("check that the directory exists and is writable, or choose another `-o` path")
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|err| fail(&err))?;
    file.write_all(bytes).map_err(|err| fail(&err))?;
    file.as_file().sync_all().map_err(|err| fail(&err))?;
    file.persist(path).map_err(|err| fail(&err.error))?;
    Ok(())
}

/// Writes several outputs all or nothing, as far as the file system allows:
/// every file is first written in full to a temporary file beside its
/// target, and only when all of them are written are they renamed over
/// their targets. A failure before that leaves every target untouched.
pub fn write_atomic_all(files: &[(std::path::PathBuf, Vec<u8>)]) -> Result<(), InputError> {
    let fail = |path: &std::path::Path, err: &dyn std::fmt::Display| {
        InputError::new(
            Code::CannotWriteOutput,
            format!("cannot write `{}`: {err}", path.display()),
        )
        .help("check that the directory exists and is writable, or choose another `-o` path")
    };
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => std::path::Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        // A report is an ordinary file: readable as the umask allows, not
        // private like a temporary file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let mut file = builder.tempfile_in(dir).map_err(|err| fail(path, &err))?;
        file.write_all(bytes).map_err(|err| fail(path, &err))?;
        file.as_file().sync_all().map_err(|err| fail(path, &err))?;
        staged.push((file, path));
    }
    for (file, path) in staged {
        file.persist(path).map_err(|err| fail(path, &err.error))?;
    }
    Ok(())
}
