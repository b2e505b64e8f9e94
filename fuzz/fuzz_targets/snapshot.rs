//! Fuzzes the IAM snapshot reader (`--iam-snapshot` JSON): any text must
//! give a snapshot or one input error, never a panic.

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file: Arc<str> = Arc::from("fuzz/snapshot.json");
    let _ = secretary::observe::iam::snapshot::parse(&file, text);
});
