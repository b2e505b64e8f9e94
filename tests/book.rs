//! The book under `docs/` and the README: the generated pages are what
//! secretary prints now, `SUMMARY.md` lists every page and only pages that
//! exist, every relative link (and every link into this repository on
//! GitHub) resolves, the README stays short and keeps its quickstart, and
//! the rule-writing tutorial ends with the rule the example ships.
//!
//! mdBook itself is not run here (it is not a dependency); these checks are
//! what a broken build or a stale page would show.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use common::*;
use regex::Regex;

/// Links into this repository on GitHub, which must name a path that
/// exists here.
const REPOSITORY_LINK: &str = "https://github.com/secretary-rs/secretary/";

/// The generated pages: the file and the arguments of the command that
/// prints it.
const GENERATED: &[(&str, &[&str])] = &[
    (
        "docs/src/rules-reference.md",
        &["policies", "list", "--format", "markdown"],
    ),
    (
        "docs/src/inventory-fields.md",
        &["schema", "--format", "markdown"],
    ),
];

fn read(path: &str) -> String {
    fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every markdown file under `docs/src`, relative to the repository root.
fn book_pages() -> Vec<String> {
    let mut pages = Vec::new();
    let mut dirs = vec![repo_root().join("docs/src")];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let relative = path.strip_prefix(repo_root()).unwrap();
                pages.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    pages.sort();
    pages
}

/// The text of a markdown file outside fenced code blocks, line by line,
/// with inline code removed (links in code are examples, not links).
fn prose_lines(text: &str) -> Vec<(usize, String)> {
    let code = Regex::new(r"`+[^`]*`+").unwrap();
    let mut fenced = false;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            lines.push((index + 1, code.replace_all(line, "").into_owned()));
        }
    }
    lines
}

/// The link targets of a markdown file, with their line numbers.
fn links(text: &str) -> Vec<(usize, String)> {
    let link = Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    prose_lines(text)
        .into_iter()
        .flat_map(|(line, prose)| {
            link.captures_iter(&prose)
                .map(|c| (line, c[1].to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The anchors of a markdown file's headings, as mdBook (and GitHub) make
/// them: the heading's text without markup, lowercased, letters, digits,
/// `-` and `_` kept, spaces as `-`; a repeated one gets `-1`, `-2`, ...
fn anchors(text: &str) -> BTreeSet<String> {
    let link = Regex::new(r"\[([^\]]*)\]\([^)]*\)").unwrap();
    let mut seen = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let heading = line.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let heading = link.replace_all(heading.trim(), "$1");
        let id: String = heading
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    Some(c.to_ascii_lowercase())
                } else if c.is_whitespace() {
                    Some('-')
                } else {
                    None
                }
            })
            .collect();
        let mut unique = id.clone();
        let mut n = 0;
        while !seen.insert(unique.clone()) {
            n += 1;
            unique = format!("{id}-{n}");
        }
    }
    seen
}

/// `base` joined with a relative link path, `..` resolved.
fn join(base: &Path, relative: &str) -> PathBuf {
    let mut path = base.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::ParentDir => {
                path.pop();
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    path
}

/// The problem with one link of `file`, if it does not resolve.
fn broken(file: &str, target: &str) -> Option<String> {
    let root = repo_root();
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let resolved = if let Some(rest) = path.strip_prefix(REPOSITORY_LINK) {
        // blob/<ref>/<path> or tree/<ref>/<path>
        let mut parts = rest.splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("blob" | "tree"), Some(_), Some(inner)) => root.join(inner),
            _ => return None,
        }
    } else if path.contains("://") || path.starts_with("mailto:") {
        return None;
    } else if path.is_empty() {
        root.join(file)
    } else {
        join(root.join(file).parent().unwrap(), path)
    };
    if !resolved.exists() {
        return Some(format!(
            "`{target}`: `{}` does not exist",
            resolved.display()
        ));
    }
    let anchor = anchor.filter(|a| !a.is_empty())?;
    if resolved.extension().is_some_and(|e| e == "md") {
        let text = fs::read_to_string(&resolved).unwrap();
        if !anchors(&text).contains(anchor) {
            return Some(format!(
                "`{target}`: no heading of `{}` has the anchor `{anchor}`",
                resolved.display()
            ));
        }
    }
    None
}

#[test]
fn the_generated_pages_are_current() {
    for (page, args) in GENERATED {
        let r = run(secretary(&repo_root()).args(*args));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let command = format!("cargo run --all-features -- {} > {page}", args.join(" "));
        assert!(
            read(page) == r.stdout,
            "{page} is stale; refresh it with `{command}`"
        );
    }
}

/// A stale page is caught: the check compares whole pages, so a page that
/// lost a rule differs from what secretary prints.
#[test]
fn a_stale_generated_page_differs() {
    let r = run(secretary(&repo_root()).args(["policies", "list", "--format", "markdown"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = read("docs/src/rules-reference.md");
    let stale = page.replacen("## rotation-overdue\n", "## rotation-overdue-old\n", 1);
    assert_ne!(stale, page, "the reference documents rotation-overdue");
    assert_ne!(stale, r.stdout);
}

#[test]
fn the_generated_pages_cover_every_rule_and_section() {
    let rules = read("docs/src/rules-reference.md");
    let r = run(secretary(&repo_root()).args(["policies", "list", "--format", "json"]));
    let listed = json(&r.stdout);
    for rule in listed["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        assert_contains(&rules, &format!("\n## {id}\n"));
        assert_contains(
            &rules,
            &format!("- severity: `{}`", rule["severity"].as_str().unwrap()),
        );
    }
    let fields = read("docs/src/inventory-fields.md");
    for section in [
        "`environments.<name>`",
        "`secrets.<name>`",
        "`secrets.<name>.instances.<name>`",
        "`reads[]`",
        "`env_vars.<name>`",
        "`waivers[]`",
        "`system`",
    ] {
        assert_contains(&fields, &format!("\n## {section}\n"));
    }
    // A doc comment of the inventory types is the schema's description.
    // (The type column follows the schema, which may tighten.)
    let version = fields
        .lines()
        .find(|l| l.starts_with("| `version` |"))
        .expect("the top level documents `version`");
    assert_contains(version, "| yes | Format version of this file.");
}

#[test]
fn the_summary_lists_every_page_and_only_pages_that_exist() {
    let summary = read("docs/src/SUMMARY.md");
    let listed: BTreeSet<String> = links(&summary)
        .into_iter()
        .map(|(_, target)| format!("docs/src/{target}"))
        .collect();
    assert!(!listed.is_empty(), "SUMMARY.md lists no page");
    for page in &listed {
        assert!(
            repo_root().join(page).is_file(),
            "SUMMARY.md lists `{page}`, which does not exist"
        );
    }
    for page in book_pages() {
        if page != "docs/src/SUMMARY.md" {
            assert!(
                listed.contains(&page),
                "`{page}` is not in docs/src/SUMMARY.md"
            );
        }
    }
    for page in [
        "docs/src/install-and-ci.md",
        "docs/src/building.md",
        "docs/src/writing-rules.md",
        "docs/src/architecture.md",
        "docs/src/troubleshooting.md",
    ] {
        assert!(listed.contains(page), "{page}");
    }
    let book = read("docs/book.toml");
    assert_contains(&book, "src = \"src\"");
}

#[test]
fn every_link_in_the_readme_and_the_book_resolves() {
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut files = vec!["README.md".to_owned()];
    files.extend(book_pages());
    for file in &files {
        for (line, target) in links(&read(file)) {
            checked += 1;
            if let Some(problem) = broken(file, &target) {
                problems.push(format!("{file}:{line}: {problem}"));
            }
        }
    }
    assert!(checked > 100, "only {checked} links found");
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_broken_link_is_found() {
    assert!(broken("README.md", "docs/src/introduction.md").is_none());
    assert!(broken("README.md", "docs/src/no-such-page.md").is_some());
    assert!(broken("docs/src/rules.md", "writing-rules.md#testing-rules").is_none());
    assert!(broken("docs/src/rules.md", "writing-rules.md#no-such-heading").is_some());
    assert!(broken(
        "docs/src/rules.md",
        &format!("{REPOSITORY_LINK}blob/main/src/lib.rs")
    )
    .is_none());
    assert!(broken(
        "docs/src/rules.md",
        &format!("{REPOSITORY_LINK}blob/main/src/nothing.rs")
    )
    .is_some());
    assert!(broken("docs/src/getting-started/ci.md", "../waivers.md").is_none());
}

#[test]
fn the_readme_is_short_and_keeps_the_quickstart_and_install() {
    let readme = read("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 250,
        "README.md has {lines} lines; at most 250 (move detail into docs/src)"
    );
    // `.ci/run` and new users rely on these two commands, exactly.
    for line in [
        "cargo run --release -- check examples/supabase-gateway/inventory.yaml --policies examples/supabase-gateway/policies --now 2026-11-23",
        "./scripts/test.sh",
        "cargo install --locked --path .",
        "cargo install --locked --git https://github.com/secretary-rs/secretary --tag v0.1.0",
        "ghcr.io/secretary-rs/secretary:v0.1.0",
        "secretary-rs/secretary@v0.1.0",
        "cargo install mdbook --locked",
        "mdbook build docs",
    ] {
        assert!(
            readme.lines().any(|l| l.contains(line)),
            "README.md lacks `{line}`"
        );
    }
    // A newcomer finds the one test command under its own heading.
    let tests = readme
        .split("\n## ")
        .find(|section| section.starts_with("Running the tests"))
        .expect("README.md has a `## Running the tests` section");
    assert_contains(tests, "```sh\n./scripts/test.sh\n```");
    // The version in the README is the crate's.
    let manifest = read("Cargo.toml");
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap();
    assert_contains(&readme, &format!("--tag v{version}"));
    assert!(Path::new(&repo_root().join("scripts/test.sh")).is_file());
}

/// The rule the example ships with the id `service-key-gateway-only`: from
/// its first annotation to the `;` that ends it.
fn example_rule() -> String {
    let text = read("examples/supabase-gateway/policies/gateway.cedar");
    let start = text
        .find("@id(\"service-key-gateway-only\")")
        .expect("the example has the rule");
    let end = start + text[start..].find(";\n").expect("the rule ends") + 2;
    text[start..end].to_owned()
}

/// The last fenced block of `language` in `text`.
fn last_block(text: &str, language: &str) -> String {
    let fence = format!("```{language}\n");
    let start = text.rfind(&fence).expect("a fenced block") + fence.len();
    let end = start + text[start..].find("```\n").expect("the block ends");
    text[start..end].to_owned()
}

#[test]
fn the_tutorial_ends_with_the_example_rule_and_its_tests() {
    let tutorial = read("docs/src/writing-rules.md");
    assert_eq!(
        last_block(&tutorial, "cedar"),
        example_rule(),
        "the tutorial's final rule is not examples/supabase-gateway/policies/gateway.cedar's"
    );
    let tests = read("examples/supabase-gateway/policies/tests/gateway.test.yaml");
    assert_contains(&tutorial, &format!("```yaml\n{tests}```\n"));
    let r = run(secretary(&repo_root()).args([
        "policies",
        "test",
        "examples/supabase-gateway/policies",
    ]));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, "3 cases, 0 failed");
    // The tests can fail: a rule that lets every service of kind gateway
    // read the key fails the third case, as the tutorial shows.
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    fs::create_dir_all(dir.join("tests")).unwrap();
    fs::write(
        dir.join("gateway.cedar"),
        example_rule().replace(
            "principal == Service::\"gateway\"",
            "principal.kind == \"gateway\"",
        ),
    )
    .unwrap();
    fs::write(dir.join("tests/gateway.test.yaml"), tests).unwrap();
    let r = run(secretary(dir).args(["policies", "test", "."]));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, "another service of kind gateway may not either");
}

#[test]
fn every_error_code_is_documented() {
    let page = read("docs/src/troubleshooting.md");
    let row = Regex::new(r"(?m)^\| `([a-z0-9-]+)` \|").unwrap();
    let documented: BTreeSet<&str> = row
        .captures_iter(&page)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let codes: BTreeSet<&str> = secretary::diag::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let missing: Vec<_> = codes.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&codes).collect();
    assert!(
        missing.is_empty(),
        "codes not in docs/src/troubleshooting.md: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/src/troubleshooting.md documents no such codes: {unknown:?}"
    );
}
