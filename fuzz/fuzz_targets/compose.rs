//! Fuzzes the compose reader: arbitrary text through the YAML event stream
//! (aliases replayed, depth and replay limits), the generic tree and the
//! compose model. Every input must give a compose file or input errors,
//! never a panic, and an error must never quote a scalar of the file.

#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use secretary::inventory::model::{ComposeSource, SourcePath};
use secretary::source::Location;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file: Arc<str> = Arc::from("fuzz/compose.yaml");
    let source = ComposeSource {
        file: SourcePath {
            written: "compose.yaml".to_owned(),
            path: "fuzz/compose.yaml".into(),
            location: Location::file_start(&file),
        },
        environment: None,
        services: BTreeMap::new(),
    };
    let mut gaps = Vec::new();
    if let Err(errors) = secretary::observe::compose::read_file(
        &file,
        text,
        &source,
        secretary::heuristics::defaults::PublishedDefaults::builtin(),
        &mut gaps,
    ) {
        assert!(!errors.is_empty(), "read_file failed without saying why");
    }
});
