//! The fast reader against serde_yaml, on every shipped inventory and on
//! inputs at the edges of what it reads.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::inventory::raw::RawDocument;

fn fast(text: &str) -> Option<RawDocument> {
    let file: Arc<str> = "t.yaml".into();
    match read(text, || {
        Locator::new(&file, super::super::locate::Record::Anchors)
    }) {
        Read::Done(doc, _) => Some(doc),
        _ => None,
    }
}

/// Whenever the fast reader answers, serde_yaml gives the same document.
fn assert_agrees(text: &str) -> bool {
    let Some(ours) = fast(text) else {
        return false;
    };
    match serde_yaml::from_str::<RawDocument>(text) {
        Ok(theirs) => assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{text}"),
        Err(error) => {
            panic!("the fast reader accepted what serde_yaml refuses ({error}):\n{text}")
        }
    }
    true
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
        assert!(
            assert_agrees(&text),
            "{} took the slow path",
            path.display()
        );
        fast_files += 1;
    }
    assert!(
        fast_files >= 8,
        "only {fast_files} example inventories found"
    );
    // The bad inputs: wherever the fast reader answers, it agrees.
    let mut answered = 0;
    let mut bad = 0;
    for path in yaml_files(&root.join("tests")) {
        let text = std::fs::read_to_string(&path).unwrap();
        bad += 1;
        answered += usize::from(assert_agrees(&text));
    }
    assert!(bad >= 20 && answered > 0, "{answered} of {bad}");
}

/// A document whose one env var has `line` in it.
fn env_var(line: &str) -> String {
    format!("version: 1\nenv_vars:\n  PORT:\n{line}\n")
}

#[test]
fn scalars_on_the_edges_read_as_serde_yaml_reads_them() {
    // (entry, whether the fast reader must answer)
    let cases = [
        ("    default: 8080", true),
        ("    default: \"8080\"", true),
        ("    default: '8080'", true),
        ("    default: true", true),
        ("    default: TRUE", true),
        ("    default: yes", true),
        ("    default: no", true),
        ("    default: plain words, a comma", true),
        ("    default: 6 hours", true),
        ("    default: 0.0.0.0", true),
        ("    default: 50MB", true),
        ("    default: e5", true),
        ("    default: infinity", false),
        ("    default: 1_000", true),
        ("    default: 'it''s'", true),
        ("    default: \"tab\\tand \\u00e9\"", true),
        ("    default: |\n      two\n      lines\n", true),
        ("    default: >\n      folded\n      text\n", true),
        ("    default: null", true),
        ("    default: ~", true),
        ("    default:", true),
        ("    default: \"null\"", true),
        ("    default: http://localhost:3000/x?y=1#z", true),
        ("    default: 0", true),
        ("    default: 18446744073709551615", true),
        ("    default: 18446744073709551616", false),
        ("    default: 0755", false),
        ("    default: 0x1F", false),
        ("    default: -1", false),
        ("    default: +1", false),
        ("    default: 1.5", false),
        ("    default: 1e3", false),
        ("    default: .inf", false),
        ("    default: .5", false),
        ("    default: NaN", false),
        ("    default: !!str 5", false),
        ("    default: &a x", false),
        ("    default: [1]", false),
        ("    default: {a: 1}", false),
        ("    required: true", true),
        ("    required: False", true),
        ("    required: yes", false),
        ("    required: 1", false),
        ("    required: \"true\"", false),
        ("    required_in: [production, staging]", true),
        ("    required_in:", true),
        ("    required_in: []", true),
        ("    required_in: ~", false),
        ("    required_in: production", false),
        ("    purpose: 123", true),
        ("    purpose: null", true),
        ("    purpose: Null", true),
        ("    purpose: a\n      continued line", true),
        ("    purpose: # a comment\n      x", true),
        ("    purpose: {}", false),
        ("    nope: 1", false),
        ("    secret: [a]", false),
        // Found by the fuzz target: libyaml refuses `:x` in a flow mapping.
        ("    purpose: {a: :x}", false),
        ("    purpose: :x", false),
        ("    purpose: -x", false),
        ("    purpose: ?x", false),
        ("    purpose: x:y", true),
        // Found by the fuzz target: libyaml refuses a tab where
        // yaml-rust2 reads white space. Tabs always take the slow path.
        ("    purpose: x\t", false),
        ("    purpose: [a,\tb]", false),
        ("    purpose: 'a\tb'", false),
        ("    purpose: x\n  \t\n", false),
        ("    purpose: x # a\tcomment", false),
    ];
    for (entry, answers) in cases {
        let text = env_var(entry);
        assert_eq!(assert_agrees(&text), answers, "{text}");
    }
}

#[test]
fn documents_on_the_edges_read_as_serde_yaml_reads_them() {
    let cases = [
        ("version: 1\n", true),
        ("---\nversion: 1\n...\n", true),
        ("version: 1\r\nsecrets: {}\r\n", true),
        // yaml-rust2 keeps a byte order mark in the first key.
        ("\u{feff}version: 1\n", false),
        (
            "{version: 1, environments: {prod: {tier: production}}}\n",
            true,
        ),
        (
            "version: 1\nenvironments:\n  prod: {tier: \"production\"}\n",
            true,
        ),
        (
            "version: 1\nenvironments:\n  prod:\n    tier: Production\n",
            false,
        ),
        ("version: 1\nenvironments:\n  123: {tier: staging}\n", true),
        ("version: 1\nenvironments:\n  null: {tier: staging}\n", true),
        (
            "version: 1\nenvironments:\n  ? [a]\n  : {tier: staging}\n",
            false,
        ),
        ("version: 1\nsecrets:\n", true),
        ("version: 1\nsecrets: ~\n", true),
        ("version: 1\nreads:\n", true),
        (
            "version: 1\nsecrets:\n  A:\n    classification: public\n    instances:\n",
            true,
        ),
        (
            "version: 1\nsecrets:\n  A:\n    classification: public\n    instances: ~\n",
            false,
        ),
        ("version: \"1\"\n", false),
        ("version: 01\n", false),
        ("version: 1\nversion: 1\n", false),
        ("version: 1\n---\nversion: 1\n", false),
        (
            "version: 1\nsecrets: {A: {classification: public}, A: {classification: public}}\n",
            false,
        ),
        ("", false),
        ("# only a comment\n", false),
        ("version: 1\nx: *a\n", false),
        ("version: [1\n", false),
        // Found by the fuzz target: libyaml refuses control characters
        // anywhere, even in a comment; yaml-rust2 reads them.
        ("# a\u{b}b\nversion: 1\n", false),
        (
            "version: 1\nenvironments:\n  a\u{7f}: {tier: staging}\n",
            false,
        ),
        (
            "version: 1\nenvironments:\n  caf\u{e9}: {tier: staging}\n",
            true,
        ),
        (
            "version: 1\nenvironments:\n  a\u{85}b: {tier: staging}\n",
            false,
        ),
        (
            "version: 1\nenvironments:\n  a\u{2028}b: {tier: staging}\n",
            false,
        ),
        (
            "version: 1\nenvironments:\n  a\u{2014}b\u{a0}c: {tier: staging}\n",
            true,
        ),
        (
            "version: 1\nenvironments:\n  a\u{9f}b: {tier: staging}\n",
            false,
        ),
        (
            "version: 1\nenvironments:\n  a\u{fffe}b: {tier: staging}\n",
            false,
        ),
        ("# \u{feff}\nversion: 1\n", false),
        ("# \u{e000}\u{10348}\nversion: 1\n", true),
    ];
    for (text, answers) in cases {
        assert_eq!(assert_agrees(text), answers, "{text:?}");
    }
}

#[test]
fn giving_up_still_reads_what_serde_yaml_reads() {
    // An anchor and alias: the fast reader gives up, `parse` still reads it.
    let text = "version: 1\nenvironments:\n  prod: &p {tier: production}\n  live: *p\n";
    assert!(fast(text).is_none());
    let file: Arc<str> = "t.yaml".into();
    let (document, positions) =
        super::super::parse::<RawDocument>(&file, &Arc::from(text)).unwrap();
    assert_eq!(document.environments.len(), 2);
    assert_eq!(
        positions.key(&crate::ypath!["environments", "live"]).line,
        4
    );
}
