//! The one-pass reader against serde_yaml (the reader it replaced, kept
//! here as the reference), on every shipped inventory and on inputs at the
//! edges of YAML: wherever both read a file, they read the same document;
//! where they part, the case says which way and why.

use std::path::Path;
use std::sync::Arc;

use crate::inventory::raw::RawDocument;

/// How the reader must treat a case, against serde_yaml.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Both read the same document, or both refuse the text.
    Same,
    /// The reader refuses it with this code, whatever serde_yaml does.
    Refuse(&'static str),
    /// The reader reads it (YAML 1.2, which yaml-rust2 follows), where
    /// libyaml under serde_yaml, following YAML 1.1, refuses it.
    Accept,
}
use Expect::*;

fn ours(text: &str) -> std::result::Result<RawDocument, Vec<crate::diag::InputError>> {
    let file: Arc<str> = "t.yaml".into();
    let (doc, problems) = super::super::parse::<RawDocument>(&file, &Arc::from(text))?;
    if problems.is_empty() {
        Ok(doc)
    } else {
        Err(problems.into_iter().map(|p| p.error).collect())
    }
}

/// Checks one case.
fn check(text: &str, expect: Expect) {
    let theirs = serde_yaml::from_str::<RawDocument>(text);
    match (expect, ours(text), theirs) {
        (Same, Ok(ours), Ok(theirs)) => {
            assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{text}")
        }
        (Same, Err(_), Err(_)) => {}
        (Refuse(code), Err(errors), _) => assert_eq!(errors[0].code.as_str(), code, "{text}"),
        (Accept, Ok(_), Err(_)) => {}
        (expect, ours, theirs) => panic!(
            "{expect:?} expected, but the reader gave {:?} and serde_yaml {:?}:\n{text}",
            ours.map_err(|e| e[0].code.as_str()).is_ok(),
            theirs.map_err(|e| e.to_string()),
        ),
    }
}

fn yaml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect()
}

#[test]
fn shipped_inventories_take_the_fast_path_and_read_as_serde_yaml_reads_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut fast_files = 0;
    for path in yaml_files(&root.join("examples")) {
        let text = std::fs::read_to_string(&path).unwrap();
        if path.to_string_lossy().contains("compose") {
            continue; // a docker-compose file, not an inventory
        }
        check(&text, Same);
        fast_files += 1;
    }
    assert!(
        fast_files >= 8,
        "only {fast_files} example inventories found"
    );

    // The bad inputs: each reads as serde_yaml reads it, except for tabs
    // in the indentation, which the reader refuses (see `parse`).
    let mut bad = 0;
    for path in yaml_files(&root.join("tests")) {
        let text = std::fs::read_to_string(&path).unwrap();
        bad += 1;
        let tab = text
            .lines()
            .any(|l| l.trim_start_matches(' ').starts_with('\t'));
        check(&text, if tab { Refuse("yaml-syntax") } else { Same });
    }
    assert!(bad >= 20, "{bad}");
}

/// A document whose one env var has `line` in it.
fn env_var(line: &str) -> String {
    format!("version: 1\nenv_vars:\n  PORT:\n{line}\n")
}

#[test]
fn scalars_on_the_edges_read_as_serde_yaml_reads_them() {
    // (entry, whether the fast reader must answer)
    let cases = [
        ("    default: 8080", Same),
        ("    default: \"8080\"", Same),
        ("    default: '8080'", Same),
        ("    default: true", Same),
        ("    default: TRUE", Same),
        ("    default: yes", Same),
        ("    default: no", Same),
        ("    default: plain words, a comma", Same),
        ("    default: 6 hours", Same),
        ("    default: 0.0.0.0", Same),
        ("    default: 50MB", Same),
        ("    default: e5", Same),
        ("    default: infinity", Same),
        ("    default: 1_000", Same),
        ("    default: 'it''s'", Same),
        ("    default: \"tab\\tand \\u00e9\"", Same),
        ("    default: |\n      two\n      lines\n", Same),
        ("    default: >\n      folded\n      text\n", Same),
        ("    default: null", Same),
        ("    default: ~", Same),
        ("    default:", Same),
        ("    default: \"null\"", Same),
        ("    default: http://localhost:3000/x?y=1#z", Same),
        ("    default: 0", Same),
        ("    default: 18446744073709551615", Same),
        ("    default: 18446744073709551616", Same),
        ("    default: 0755", Same),
        ("    default: 0x1F", Same),
        ("    default: -1", Same),
        ("    default: +1", Same),
        ("    default: 1.5", Same),
        ("    default: 1e3", Same),
        ("    default: .inf", Same),
        ("    default: .5", Same),
        ("    default: NaN", Same),
        ("    default: !!str 5", Same),
        ("    default: &a x", Same),
        ("    default: [1]", Same),
        ("    default: {a: 1}", Same),
        ("    required: true", Same),
        ("    required: False", Same),
        ("    required: yes", Same),
        ("    required: 1", Same),
        ("    required: \"true\"", Same),
        ("    required_in: [production, staging]", Same),
        ("    required_in:", Same),
        ("    required_in: []", Same),
        ("    required_in: ~", Same),
        ("    required_in: production", Same),
        ("    purpose: 123", Same),
        ("    purpose: null", Same),
        ("    purpose: Null", Same),
        ("    purpose: a\n      continued line", Same),
        ("    purpose: # a comment\n      x", Same),
        ("    purpose: {}", Same),
        ("    nope: 1", Same),
        ("    secret: [a]", Same),
        // Found by the fuzz target: libyaml refuses `:x` in a flow mapping.
        ("    purpose: {a: :x}", Same),
        ("    purpose: :x", Same),
        ("    purpose: -x", Same),
        ("    purpose: ?x", Same),
        ("    purpose: x:y", Same),
        // Found by the fuzz target: libyaml refuses a tab where
        // yaml-rust2 reads white space. Tabs always take the slow path.
        ("    purpose: x\t", Same),
        ("    purpose: [a,\tb]", Same),
        ("    purpose: 'a\tb'", Same),
        ("    purpose: x\n  \t\n", Same),
        ("    purpose: x # a\tcomment", Same),
    ];
    for (entry, expect) in cases {
        check(&env_var(entry), expect);
    }
}

#[test]
fn documents_on_the_edges_read_as_serde_yaml_reads_them() {
    let cases = [
        ("version: 1\n", Same),
        ("---\nversion: 1\n...\n", Same),
        ("version: 1\r\nsecrets: {}\r\n", Same),
        // yaml-rust2 keeps a byte order mark in the first key.
        ("\u{feff}version: 1\n", Same),
        (
            "{version: 1, environments: {prod: {tier: production}}}\n",
            Same,
        ),
        (
            "version: 1\nenvironments:\n  prod: {tier: \"production\"}\n",
            Same,
        ),
        (
            "version: 1\nenvironments:\n  prod:\n    tier: Production\n",
            Same,
        ),
        ("version: 1\nenvironments:\n  123: {tier: staging}\n", Same),
        ("version: 1\nenvironments:\n  null: {tier: staging}\n", Same),
        (
            "version: 1\nenvironments:\n  ? [a]\n  : {tier: staging}\n",
            Same,
        ),
        ("version: 1\nsecrets:\n", Same),
        ("version: 1\nsecrets: ~\n", Same),
        ("version: 1\nreads:\n", Same),
        (
            "version: 1\nsecrets:\n  A:\n    classification: public\n    instances:\n",
            Same,
        ),
        (
            "version: 1\nsecrets:\n  A:\n    classification: public\n    instances: ~\n",
            Same,
        ),
        ("version: \"1\"\n", Same),
        ("version: 01\n", Same),
        ("version: 1\nversion: 1\n", Same),
        ("version: 1\n---\nversion: 1\n", Same),
        // serde_yaml lets the second win; a repeated key is an error here.
        (
            "version: 1\nsecrets: {A: {classification: public}, A: {classification: public}}\n",
            Refuse("duplicate-key"),
        ),
        ("", Same),
        ("# only a comment\n", Same),
        ("version: 1\nx: *a\n", Same),
        ("version: [1\n", Same),
        // Found by the fuzz target: libyaml refuses control characters
        // anywhere, even in a comment; yaml-rust2 reads them.
        ("# a\u{b}b\nversion: 1\n", Same),
        (
            "version: 1\nenvironments:\n  a\u{7f}: {tier: staging}\n",
            Same,
        ),
        (
            "version: 1\nenvironments:\n  caf\u{e9}: {tier: staging}\n",
            Same,
        ),
        (
            "version: 1\nenvironments:\n  a\u{85}b: {tier: staging}\n",
            Same,
        ),
        // A line separator is a line break to libyaml (YAML 1.1) and a
        // character to YAML 1.2.
        (
            "version: 1\nenvironments:\n  a\u{2028}b: {tier: staging}\n",
            Accept,
        ),
        (
            "version: 1\nenvironments:\n  a\u{2014}b\u{a0}c: {tier: staging}\n",
            Same,
        ),
        (
            "version: 1\nenvironments:\n  a\u{9f}b: {tier: staging}\n",
            Same,
        ),
        (
            "version: 1\nenvironments:\n  a\u{fffe}b: {tier: staging}\n",
            Same,
        ),
        // A byte order mark after the start is invisible, and refused.
        ("# \u{feff}\nversion: 1\n", Refuse("control-character")),
        ("# \u{e000}\u{10348}\nversion: 1\n", Same),
    ];
    for (text, expect) in cases {
        check(text, expect);
    }
}

#[test]
fn aliases_replay_their_node_and_positions_point_at_the_alias() {
    let text = "version: 1\nenvironments:\n  prod: &p {tier: production}\n  live: *p\n";
    check(text, Same);
    let file: Arc<str> = "t.yaml".into();
    let (document, _) = super::super::parse::<RawDocument>(&file, &Arc::from(text)).unwrap();
    assert_eq!(document.environments.len(), 2);
    let live = document.environments.keys().find(|k| k.as_str() == "live");
    assert_eq!(live.unwrap().at(&file).line, 4);
}
