//! The shape of `src/`: no file over 800 lines, and no two sibling modules
//! that import each other, directly or around a loop. Siblings are the
//! crate's top-level modules (the pipeline's stages), and the modules inside
//! any one directory. A cycle means two modules are one concern split in
//! two, or that a shared type wants a leaf module of its own.
//!
//! Imports are read from the text: every `crate::` and `super::` path
//! (use trees included) outside comments, string literals and
//! `#[cfg(test)]` modules, as rustc resolves them. Paths through a parent
//! module or into a child are not sibling imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

#[test]
fn no_file_in_src_is_over_800_lines() {
    let too_long: Vec<String> = sources()
        .into_iter()
        .filter_map(|(rel, text)| {
            let lines = text.lines().count();
            (lines > MAX_LINES).then(|| format!("src/{rel}: {lines} lines"))
        })
        .collect();
    assert!(
        too_long.is_empty(),
        "split these files along their concerns (at most {MAX_LINES} lines each):\n{}",
        too_long.join("\n")
    );
}

#[test]
fn no_import_cycle_between_sibling_modules() {
    let files: Vec<(Vec<String>, String)> = sources()
        .into_iter()
        .map(|(rel, text)| (module_path(&rel), code_only(&text)))
        .collect();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
    // Per parent module, the imports among its children.
    let mut edges: BTreeMap<Vec<String>, BTreeSet<(String, String)>> = BTreeMap::new();
    for (module, text) in &files {
        for target in imported_paths(module, text) {
            let shared = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if shared >= module.len() || shared >= target.len() {
                continue; // into a child, or through an ancestor
            }
            let parent = module[..shared].to_vec();
            let mut sibling = parent.clone();
            sibling.push(target[shared].clone());
            if modules.contains(&sibling) {
                edges
                    .entry(parent)
                    .or_default()
                    .insert((module[shared].clone(), target[shared].clone()));
            }
        }
    }
    let mut cycles = Vec::new();
    for (parent, edges) in &edges {
        let parent = if parent.is_empty() {
            "crate".to_owned()
        } else {
            parent.join("::")
        };
        for (from, to) in edges {
            if let Some(path) = route(edges, to, from) {
                cycles.push(format!("in `{parent}`: {from} -> {}", path.join(" -> ")));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "sibling modules import each other (move what both need into a leaf module):\n{}",
        cycles.join("\n")
    );
}

/// Every `.rs` file under `src/`, by path relative to it (with `/`).
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path: PathBuf = entry.expect("src/ is readable").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&root).expect("under src/");
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = std::fs::read_to_string(&path).expect("source files are UTF-8");
                files.push((rel, text));
            }
        }
    }
    files.sort();
    files
}

/// `entities/data.rs` is `entities::data`, `observe/iam/mod.rs` is
/// `observe::iam`, `lib.rs` is the crate root. The binary's `main.rs` is a
/// root too, whose only module is `cli`.
fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The source with comments and string and character literals blanked and
/// `#[cfg(test)]` modules removed; lines are kept.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let is_ident = |k: usize| chars[k].is_alphanumeric() || chars[k] == '_';
        // An identifier character before, a byte string's `b` aside.
        let ident_before =
            i > 0 && is_ident(i - 1) && !(chars[i - 1] == 'b' && (i < 2 || !is_ident(i - 2)));
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && !ident_before && matches!(next, Some('"' | '#')) {
            // A raw string: r"..", r#".."#, and so on.
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let hashes = j - i - 1;
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (1..=hashes).all(|h| chars.get(j + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                out.push(blank(chars[j]));
                j += 1;
            }
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&c) = chars.get(i) {
                    out.push(blank(c));
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), not a lifetime.
            let end = if next == Some('\\') {
                (i + 3..chars.len()).find(|&j| chars[j] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => i = end + 1,
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    strip_test_modules(&out)
}

/// Removes every `#[cfg(test)] mod NAME { .. }` (the text has no comments
/// or literals left, so braces match).
fn strip_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "#[cfg(test)]".len()..];
        let item = after.trim_start();
        let is_module = item
            .strip_prefix("mod ")
            .map(|m| {
                m.trim_start()
                    .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_')
            })
            .is_some_and(|m| m.trim_start().starts_with('{'));
        if !is_module {
            out.push_str("#[cfg(test)]");
            rest = after;
            continue;
        }
        let open = after.find('{').expect("a module body");
        let mut depth = 0;
        let mut end = after.len();
        for (j, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The absolute module paths that `crate::` and `super::` paths in the
/// code of `module` name (each as far as it is written: items included).
fn imported_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if !starts_word || !(chars[i].is_alphabetic() || chars[i] == '_') {
            i += 1;
            continue;
        }
        let (word, after) = ident(&chars, i);
        let base = match word.as_str() {
            "crate" => Some(Vec::new()),
            "super" => Some(module[..module.len().saturating_sub(1)].to_vec()),
            _ => None,
        };
        i = after;
        let Some(mut base) = base else { continue };
        if !starts_with(&chars, skip_space(&chars, i), "::") {
            continue;
        }
        // `super::super::` climbs further.
        let mut j = skip_space(&chars, skip_space(&chars, i) + 2);
        loop {
            let (next, after) = ident(&chars, j);
            let sep = skip_space(&chars, after);
            if word != "super" || next != "super" || !starts_with(&chars, sep, "::") {
                break;
            }
            base.pop();
            j = skip_space(&chars, sep + 2);
        }
        i = use_tree(&chars, j, base, &mut paths);
    }
    paths
}

/// Reads a path or use tree at `i` below `prefix` into `paths`; returns
/// where it ends.
fn use_tree(chars: &[char], i: usize, prefix: Vec<String>, paths: &mut Vec<Vec<String>>) -> usize {
    let mut i = skip_space(chars, i);
    let mut path = prefix;
    loop {
        if chars.get(i) == Some(&'{') {
            i += 1;
            loop {
                i = skip_space(chars, i);
                match chars.get(i) {
                    Some('}') | None => return i + 1,
                    Some(',') => i += 1,
                    _ => {
                        let before = i;
                        i = use_tree(chars, i, path.clone(), paths);
                        if i == before {
                            i += 1;
                        }
                    }
                }
            }
        }
        let (segment, after) = ident(chars, i);
        if segment.is_empty() {
            break;
        }
        if segment != "self" {
            path.push(segment);
        }
        i = after;
        let sep = skip_space(chars, i);
        if starts_with(chars, sep, "::") {
            i = skip_space(chars, sep + 2);
        } else {
            break;
        }
    }
    paths.push(path);
    i
}

fn ident(chars: &[char], start: usize) -> (String, usize) {
    let mut end = start;
    while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
        end += 1;
    }
    (chars[start..end].iter().collect(), end)
}

fn skip_space(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

fn starts_with(chars: &[char], i: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

/// A path from `from` to `to` along `edges`, ending in `to`, if any.
fn route(edges: &BTreeSet<(String, String)>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.to_owned()]];
    while let Some(path) = stack.pop() {
        let last = path.last().expect("a path is never empty");
        if last == to {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for (a, b) in edges {
            if a == last {
                let mut longer = path.clone();
                longer.push(b.clone());
                stack.push(longer);
            }
        }
    }
    None
}
