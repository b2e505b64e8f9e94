//! Source code (`sources.code`): which environment variables the code
//! reads, found by pattern in the common languages.
//!
//! Each directory is walked with the `ignore` crate, honouring `.gitignore`
//! (also outside a git repository), `.ignore` and global git excludes, and
//! skipping hidden files. Recognised references, by file type:
//!
//! - Rust (`.rs`): `env::var("X")`, `env::var_os("X")`, `env!("X")`, `option_env!("X")`
//! - JavaScript/TypeScript (`.js .jsx .mjs .cjs .ts .tsx .mts .cts .vue .svelte`):
//!   `process.env.X`, `process.env["X"]`, `import.meta.env.X`, `Deno.env.get("X")`
//! - Python (`.py`): `os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`
//! - Go (`.go`): `os.Getenv("X")`, `os.LookupEnv("X")`
//! - Ruby (`.rb`): `ENV["X"]`, `ENV.fetch("X")`
//! - shell (`.sh .bash .zsh`) and Dockerfiles (`Dockerfile`, `Dockerfile.*`,
//!   `*.dockerfile`): `$X` and `${X}` outside comment lines
//!
//! Only names are kept, never a line's text. Files over 1 MiB
//! ([`read::CODE_CAP`]) and files that are not UTF-8 are skipped (generated
//! or binary). A symbolic link to a file is read as that file; one to
//! nothing, or a FIFO or device with a source file's name, is a gap
//! (`code-not-verified`), never skipped. A link to a directory is not
//! walked into, as git and ripgrep do not: it may lead out of the tree
//! (to `/`) or back into it (a loop); name its target in `sources.code`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use regex::Regex;

use crate::inventory::model::Inventory;
use crate::read::{self, read_capped, ReadError};
use crate::source::Location;

/// Every reference found, in path order.
#[derive(Debug, Default, Clone)]
pub struct Code {
    pub references: Vec<Reference>,
    /// Directories or files that could not be read.
    pub gaps: Vec<super::Gap>,
    /// How many files were scanned.
    pub files_scanned: usize,
}

#[derive(Debug, Clone)]
pub struct Reference {
    pub variable: String,
    pub language: &'static str,
    pub location: Location,
}

/// Scans every `sources.code` directory of `inventory`.
pub fn observe(inventory: &Inventory) -> Code {
    let mut code = Code::default();
    for source in &inventory.sources.code {
        scan_dir(&source.path, &source.location, &mut code);
    }
    code
}

/// Scans one directory (or file) into `code`.
pub fn scan_dir(root: &Path, named_at: &Location, code: &mut Code) {
    let walker = ignore::WalkBuilder::new(root)
        .require_git(false)
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                code.gaps.push(super::Gap {
                    location: named_at.clone(),
                    problem: format!("cannot scan `{}`: {error}", root.display()),
                });
                continue;
            }
        };
        if entry.file_type().is_none_or(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        let Some(language) = language_of(path) else {
            continue;
        };
        // A link is read as the file it points to; a link to a directory
        // is not walked into.
        if entry.path_is_symlink() && std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        let bytes = match read_capped(path, read::Kind::Code) {
            Ok(bytes) => bytes,
            Err(ReadError::TooLarge(_)) => continue,
            Err(error) => {
                code.gaps.push(super::Gap {
                    location: named_at.clone(),
                    problem: format!("cannot read `{}`: {error}", path.display()),
                });
                continue;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        code.files_scanned += 1;
        let file: Arc<str> = Arc::from(crate::source::portable_path(path));
        scan_text(&file, &text, language, &mut code.references);
    }
}

/// The language of a file, by name; `None` for files not scanned.
pub fn language_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    if name == "Dockerfile" || name.starts_with("Dockerfile.") || name.ends_with(".dockerfile") {
        return Some("dockerfile");
    }
    let ext = path.extension()?.to_str()?;
    Some(match ext {
        "rs" => "rust",
        "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts" | "vue" | "svelte" => {
            "javascript"
        }
        "py" => "python",
        "go" => "go",
        "rb" => "ruby",
        "sh" | "bash" | "zsh" => "shell",
        _ => return None,
    })
}

const NAME: &str = r"([A-Za-z_][A-Za-z0-9_]*)";

fn patterns(language: &str) -> &'static [Regex] {
    static RUST: OnceLock<Vec<Regex>> = OnceLock::new();
    static JS: OnceLock<Vec<Regex>> = OnceLock::new();
    static PYTHON: OnceLock<Vec<Regex>> = OnceLock::new();
    static GO: OnceLock<Vec<Regex>> = OnceLock::new();
    static RUBY: OnceLock<Vec<Regex>> = OnceLock::new();
    static SHELL: OnceLock<Vec<Regex>> = OnceLock::new();
    let compile = |sources: &[&str]| -> Vec<Regex> {
        sources
            .iter()
            .filter_map(|s| Regex::new(&s.replace("NAME", NAME)).ok())
            .collect()
    };
    match language {
        "rust" => RUST.get_or_init(|| {
            compile(&[
                r#"\benv::var(?:_os)?\(\s*"NAME""#,
                r#"\b(?:option_)?env!\(\s*"NAME""#,
            ])
        }),
        "javascript" => JS.get_or_init(|| {
            compile(&[
                r"\bprocess\.env\.NAME",
                r#"\bprocess\.env\[\s*["'`]NAME["'`]\s*\]"#,
                r"\bimport\.meta\.env\.NAME",
                r#"\bDeno\.env\.get\(\s*["'`]NAME["'`]"#,
            ])
        }),
        "python" => PYTHON.get_or_init(|| {
            compile(&[
                r#"\benviron(?:\.get\(|\[)\s*["']NAME["']"#,
                r#"\bgetenv\(\s*["']NAME["']"#,
            ])
        }),
        "go" => GO.get_or_init(|| compile(&[r#"\bos\.(?:Getenv|LookupEnv)\(\s*"NAME""#])),
        "ruby" => RUBY.get_or_init(|| compile(&[r#"\bENV(?:\[\s*|\.fetch\(\s*)["']NAME["']"#])),
        _ => SHELL.get_or_init(|| compile(&[r"\$\{NAME", r"\$NAME"])),
    }
}

/// Finds the references in one file's text.
pub fn scan_text(file: &Arc<str>, text: &str, language: &'static str, out: &mut Vec<Reference>) {
    let shell_like = matches!(language, "shell" | "dockerfile");
    let patterns = patterns(language);
    for (index, line) in text.lines().enumerate() {
        if shell_like && line.trim_start().starts_with('#') {
            continue;
        }
        if !(line.contains("env")
            || line.contains("Env")
            || line.contains("ENV")
            || line.contains('$'))
        {
            continue;
        }
        let mut found: Vec<(usize, String)> = Vec::new();
        for pattern in patterns {
            for captures in pattern.captures_iter(line) {
                if let Some(name) = captures.get(1) {
                    let start = captures.get(0).map_or(name.start(), |m| m.start());
                    // `$$X` is an escaped dollar in Dockerfiles and Makefiles.
                    if shell_like && start > 0 && line.as_bytes()[start - 1] == b'$' {
                        continue;
                    }
                    if !found.iter().any(|(s, n)| *s == start && n == name.as_str()) {
                        found.push((start, name.as_str().to_owned()));
                    }
                }
            }
        }
        found.sort();
        // `${X}` and `$X`-style patterns may both match a name at one place.
        found.dedup_by(|a, b| a.1 == b.1 && a.0.abs_diff(b.0) <= 1);
        for (start, name) in found {
            out.push(Reference {
                variable: name,
                language,
                location: Location::new(file, index + 1, line[..start].chars().count() + 1),
            });
        }
    }
}

/// The names code refers to, for "referenced nowhere" (compose files count
/// as references too, see [`super::facts`]).
pub fn names(code: &Code) -> std::collections::BTreeSet<&str> {
    code.references
        .iter()
        .map(|r| r.variable.as_str())
        .collect()
}

/// Whether `inventory` knows `name`: an `env_vars` entry, an instance's
/// `env_var`, or a secret's name.
pub fn declared(inventory: &Inventory, name: &str) -> bool {
    inventory.env_vars.contains_key(name)
        || inventory.secrets.values().any(|s| {
            s.name == name
                || s.instances
                    .values()
                    .any(|i| i.env_var.as_deref() == Some(name))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(language: &'static str, text: &str) -> Vec<(String, usize)> {
        let file: Arc<str> = "x".into();
        let mut out = Vec::new();
        scan_text(&file, text, language, &mut out);
        out.into_iter()
            .map(|r| (r.variable, r.location.line))
            .collect()
    }

    #[test]
    fn each_language_finds_its_forms() {
        assert_eq!(
            scan(
                "rust",
                "let a = std::env::var(\"A\");\nenv::var_os(\"B\"); env!(\"C\"); option_env!(\"D\");\n"
            ),
            vec![("A".into(), 1), ("B".into(), 2), ("C".into(), 2), ("D".into(), 2)]
        );
        assert_eq!(
            scan(
                "javascript",
                "process.env.A; process.env['B']\nimport.meta.env.C + Deno.env.get(\"D\")\n"
            ),
            vec![
                ("A".into(), 1),
                ("B".into(), 1),
                ("C".into(), 2),
                ("D".into(), 2)
            ]
        );
        assert_eq!(
            scan(
                "python",
                "os.environ[\"A\"]\nos.environ.get('B')\nos.getenv(\"C\", \"x\")\n"
            ),
            vec![("A".into(), 1), ("B".into(), 2), ("C".into(), 3)]
        );
        assert_eq!(
            scan("go", "os.Getenv(\"A\")\nv, ok := os.LookupEnv(\"B\")\n"),
            vec![("A".into(), 1), ("B".into(), 2)]
        );
        assert_eq!(
            scan("ruby", "ENV[\"A\"]\nENV.fetch('B')\n"),
            vec![("A".into(), 1), ("B".into(), 2)]
        );
        assert_eq!(
            scan("shell", "# $NOT_ME\necho \"$A ${B}\" $$C\n"),
            vec![("A".into(), 2), ("B".into(), 2)]
        );
    }
}
