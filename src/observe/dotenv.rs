//! `.env` files: `KEY=value` lines, as docker compose and the common dotenv
//! libraries read them.
//!
//! Supported: comments (`#` at the start of a line, or after whitespace
//! following an unquoted value), an optional `export ` prefix, single-quoted
//! values (taken literally), double-quoted values (with `\n`, `\t`, `\"` and
//! `\\` escapes, and spanning lines), and unquoted values (trimmed). Variable
//! interpolation (`${OTHER}`) is left as written.
//!
//! Values may be secrets: they are held in [`Zeroizing`] strings, wiped when
//! dropped, and no error message ever quotes one. A line that is not
//! `KEY=value` is reported by line number only.

use std::path::Path;

use zeroize::Zeroizing;

/// One `KEY=value` line. Its `Debug` form leaves the value out.
pub struct Entry {
    pub key: String,
    pub value: Zeroizing<String>,
    /// 1-based line of the key.
    pub line: usize,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("key", &self.key)
            .field("value", &format_args!("<{} bytes>", self.value.len()))
            .field("line", &self.line)
            .finish()
    }
}

/// A line that is not `KEY=value` (its text is never kept: it may hold a value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: usize,
    pub problem: &'static str,
}

/// The entries of a `.env` file, in file order, and the lines that could
/// not be read. A key written twice appears twice (the last one wins when
/// a program reads the file; [`Parsed::get`] follows that rule).
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    pub malformed: Vec<Malformed>,
}

impl Parsed {
    /// The value `key` gets when the file is loaded: its last assignment.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

/// Parses the text of a `.env` file.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut index = 0;
    while index < lines.len() {
        let line_number = index + 1;
        let line = lines[index].trim_start();
        index += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else {
            parsed.malformed.push(Malformed {
                line: line_number,
                problem: "expected `KEY=value`",
            });
            continue;
        };
        let key = key.trim();
        if !is_key(key) {
            parsed.malformed.push(Malformed {
                line: line_number,
                problem: "a variable name has only letters, digits and `_`, and does not start with a digit",
            });
            continue;
        }
        let rest = rest.trim_start();
        let value = if let Some(quoted) = rest.strip_prefix('\'') {
            match quoted.find('\'') {
                Some(end) => Zeroizing::new(quoted[..end].to_owned()),
                None => {
                    parsed.malformed.push(Malformed {
                        line: line_number,
                        problem: "a single-quoted value is not closed on its line",
                    });
                    continue;
                }
            }
        } else if let Some(quoted) = rest.strip_prefix('"') {
            // A double-quoted value may continue on the following lines.
            let mut value = Zeroizing::new(String::new());
            let mut chunk = quoted;
            let closed = loop {
                if unescape_until_quote(chunk, &mut value) {
                    break true;
                }
                if index >= lines.len() {
                    break false;
                }
                value.push('\n');
                chunk = lines[index];
                index += 1;
            };
            if !closed {
                parsed.malformed.push(Malformed {
                    line: line_number,
                    problem: "a double-quoted value is never closed",
                });
                continue;
            }
            value
        } else {
            let end = rest
                .char_indices()
                .find(|&(i, c)| c == '#' && i > 0 && rest[..i].ends_with(char::is_whitespace))
                .map_or(rest.len(), |(i, _)| i);
            Zeroizing::new(rest[..end].trim_end().to_owned())
        };
        parsed.entries.push(Entry {
            key: key.to_owned(),
            value,
            line: line_number,
        });
    }
    parsed
}

/// Appends `chunk` to `value` up to an unescaped `"`; true when one was found.
fn unescape_until_quote(chunk: &str, value: &mut String) -> bool {
    let mut chars = chunk.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return true,
            '\\' => match chars.next() {
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some('r') => value.push('\r'),
                Some(other) => value.push(other),
                None => value.push('\\'),
            },
            other => value.push(other),
        }
    }
    false
}

/// Whether `key` is a valid environment variable name.
pub fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Words that mark a file as an example of another (`.env.example`,
/// `example.env`, `.env.sample`, `.env.template`, `.env.dist`).
const EXAMPLE_WORDS: [&str; 5] = ["example", "sample", "template", "dist", "tpl"];

/// A file name without its example words and leading dots, lowercase:
/// `.env.example`, `example.env` and `.env` all give `env`;
/// `.env.production.sample` gives `env.production`.
fn stem(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    lower
        .split('.')
        .filter(|w| !w.is_empty() && !EXAMPLE_WORDS.contains(w))
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether the file name (the last part of `path`) is an example of
/// `env_file` (as a compose file names it, e.g. `./config/.env`).
pub fn is_example_of(example: &Path, env_file: &str) -> bool {
    let example_name = example
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let env_name = env_file.rsplit(['/', '\\']).next().unwrap_or(env_file);
    let is_example = example_name
        .to_ascii_lowercase()
        .split('.')
        .any(|w| EXAMPLE_WORDS.contains(&w));
    is_example && !stem(env_name).is_empty() && stem(example_name) == stem(env_name)
}

/// The example that stands in for `env_file` among `candidates`: one whose
/// name is an example of it ([`is_example_of`]); else, when the project
/// has exactly one env example, that one (`.env.sample` downloaded as
/// `docker.env` is a common upstream pattern); else none.
pub fn example_for<'a>(env_file: &str, candidates: &[&'a Path]) -> Option<&'a Path> {
    if let Some(named) = candidates.iter().find(|c| is_example_of(c, env_file)) {
        return Some(named);
    }
    let mut examples = candidates.iter().filter(|c| is_env_example(c));
    match (examples.next(), examples.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Whether the file name is an env file's example: an example word and an
/// `env` word (`.env.example`, `example.env`, `.env.production.sample`).
fn is_env_example(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let words: Vec<&str> = name.split('.').collect();
    words.iter().any(|w| EXAMPLE_WORDS.contains(w)) && words.contains(&"env")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String, usize)> {
        parse(text)
            .entries
            .into_iter()
            .map(|e| (e.key, e.value.to_string(), e.line))
            .collect()
    }

    #[test]
    fn reads_the_common_forms() {
        let text = "# comment\n\nA=1\nexport B = two words  # trailing\nC='lit#eral $X'\nD=\"x\\ny\"\nE=\nF=a#b\n";
        assert_eq!(
            pairs(text),
            vec![
                ("A".into(), "1".into(), 3),
                ("B".into(), "two words".into(), 4),
                ("C".into(), "lit#eral $X".into(), 5),
                ("D".into(), "x\ny".into(), 6),
                ("E".into(), "".into(), 7),
                ("F".into(), "a#b".into(), 8),
            ]
        );
    }

    #[test]
    fn double_quotes_span_lines() {
        let parsed = parse("KEY=\"-----BEGIN\nabc\n-----END\"\nNEXT=1\n");
        assert_eq!(&*parsed.entries[0].value, "-----BEGIN\nabc\n-----END");
        assert_eq!(parsed.entries[1].line, 4);
        assert!(parsed.malformed.is_empty());
    }

    #[test]
    fn bad_lines_are_reported_by_number_without_their_text() {
        let parsed = parse("GOOD=1\nno equals sign canary-value\n1BAD=x\nQ='open\n");
        assert_eq!(parsed.entries.len(), 1);
        let lines: Vec<usize> = parsed.malformed.iter().map(|m| m.line).collect();
        assert_eq!(lines, vec![2, 3, 4]);
        assert!(!format!("{parsed:?}").contains("canary"));
        assert!(!format!("{:?}", parse("K=canary-value")).contains("canary"));
    }

    #[test]
    fn the_last_assignment_wins() {
        let parsed = parse("A=1\nA=2\n");
        assert_eq!(&*parsed.get("A").map(|e| e.value.clone()).unwrap(), "2");
    }

    #[test]
    fn the_only_env_example_stands_in_when_no_name_matches() {
        let sample = Path::new(".env.sample");
        let prod = Path::new(".env.production.sample");
        let other = Path::new("settings.sample");
        assert_eq!(example_for("docker.env", &[sample, other]), Some(sample));
        assert_eq!(example_for(".env.production", &[sample, prod]), Some(prod));
        assert_eq!(example_for("docker.env", &[sample, prod]), None);
        assert_eq!(example_for("docker.env", &[other]), None);
        assert_eq!(example_for("docker.env", &[]), None);
    }

    #[test]
    fn examples_match_by_stem() {
        for example in [
            ".env.example",
            ".env.sample",
            "example.env",
            ".env.template",
        ] {
            assert!(is_example_of(Path::new(example), ".env"), "{example}");
            assert!(is_example_of(Path::new(example), "./.env"), "{example}");
        }
        assert!(is_example_of(
            Path::new("dir/.env.production.sample"),
            "config/.env.production"
        ));
        assert!(!is_example_of(Path::new(".env.example"), ".env.production"));
        assert!(!is_example_of(Path::new(".env"), ".env"));
        assert!(!is_example_of(Path::new("app.env.example"), ".env"));
    }
}
