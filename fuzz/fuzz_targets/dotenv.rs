//! Fuzzes the `.env` reader (also used for `.env.example` files and
//! `value: {dotenv: …}` sources): any text must parse into entries and
//! malformed lines, never panic, and a malformed line is reported by its
//! number, never by its text.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = secretary::observe::dotenv::parse(text);
    let lines = text.split('\n').count();
    for entry in &parsed.entries {
        assert!(
            entry.line >= 1 && entry.line <= lines,
            "entry line out of range"
        );
    }
});
