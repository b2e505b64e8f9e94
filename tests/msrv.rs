//! `rust-version` in Cargo.toml is the true minimum: the highest
//! `rust-version` any locked dependency declares (issue 18). The resolve
//! comes from `cargo metadata --locked --offline` for this host: offline,
//! cargo reads only crates it has, and a crate for another platform is not
//! downloaded on this one.

use std::process::Command;

use crate::common::repo_root;
use serde_json::Value;

/// `1.94.1` as `[1, 94, 1]`, `1.94` as `[1, 94, 0]`.
fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text
        .split('.')
        .map(|p| {
            p.parse()
                .unwrap_or_else(|_| panic!("not a version: {text}"))
        })
        .collect();
    parts.resize(3, 0);
    parts
}

fn host() -> String {
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_owned()
}

#[test]
fn rust_version_is_the_highest_any_locked_dependency_declares() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(repo_root())
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .args(["--filter-platform", &host()])
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let ours = packages
        .iter()
        .find(|p| p["name"] == "secretary")
        .and_then(|p| p["rust_version"].as_str())
        .expect("Cargo.toml sets rust-version");
    let (needed, by) = packages
        .iter()
        .filter(|p| p["name"] != "secretary")
        .filter_map(|p| Some((version(p["rust_version"].as_str()?), p["name"].as_str()?)))
        .max()
        .expect("dependencies declare rust-version");
    assert!(
        packages.len() > 100,
        "the whole resolve, not only secretary"
    );
    assert_eq!(
        version(ours),
        needed,
        "Cargo.toml says rust-version = {ours:?}; the highest a locked dependency declares is {needed:?} ({by})"
    );
}
