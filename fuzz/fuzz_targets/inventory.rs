//! Fuzzes the inventory loader: arbitrary text through the YAML parser, the
//! position locator, validation and entity building. Every input must give an inventory or a
//! list of input errors, never a panic. Its line reader, where it answers, must give
//! yaml-rust2's events at yaml-rust2's places (yaml-rust2 is the reference parser). And where
//! both the loader and serde_yaml (the reader it replaced) read a text, they must read the same
//! document, except where YAML 1.1 and 1.2 part (NEL, LS and PS are line breaks to libyaml
//! only).

#![no_main]

use std::sync::Arc;

use jiff::civil::date;
use libfuzzer_sys::fuzz_target;
use secretary::inventory::{parse_text, validate::validate};

fuzz_target!(|data: &[u8]| {
    // `load` rejects non-UTF-8 files before parsing, so only text gets this far.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(Err(problem)) = secretary::inventory::yaml::line_reader_agrees(text) {
        panic!("the line reader and yaml-rust2 read this text differently: {problem}");
    }
    let path: Arc<str> = Arc::from("fuzz.yaml");
    let parsed = match parse_text(&path, text) {
        Ok(parsed) => {
            let yaml_1_1_breaks = text.contains(['\u{85}', '\u{2028}', '\u{2029}']);
            if let (Ok(theirs), false) = (
                serde_yaml::from_str::<secretary::inventory::raw::RawDocument>(text),
                yaml_1_1_breaks,
            ) {
                assert_eq!(
                    format!("{:?}", parsed.document),
                    format!("{theirs:?}"),
                    "the loader and serde_yaml read this text differently"
                );
            }
            parsed
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "parse_text failed without saying why");
            return;
        }
    };
    let now = date(2026, 11, 23);
    match validate(vec![parsed], now) {
        // A valid inventory must always become entities that fit the schema;
        // an error here is a bug in secretary, not bad input.
        Ok(inventory) => {
            let schema = secretary::entities::schema::schema();
            if let Err(problem) = secretary::evaluate::plan::build_all(&inventory, now, schema) {
                panic!("a valid inventory did not build: {problem}");
            }
        }
        Err(errors) => assert!(!errors.is_empty(), "validate failed without saying why"),
    }
});
