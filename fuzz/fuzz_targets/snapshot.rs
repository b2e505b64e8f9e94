//! Fuzzes the AWS snapshot readers (`--iam-snapshot`, `--aws-snapshot`
//! JSON): any text must give a snapshot or one input error, never a panic.
//! A version 2 snapshot that reads is then matched with a small inventory
//! and its readers computed, as `check --aws-snapshot` does: policy
//! documents there are the snapshot's, so attacker-shaped.

#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use secretary::observe::stores::{file, readers};

const INVENTORY: &str = r#"version: 1
settings:
  stores: { prefixes: ["prod/"] }
environments:
  prod: { tier: production }
services:
  api: { kind: api }
identities:
  api-role: { kind: aws_iam_role, service: api, aws: { name: api } }
secrets:
  DB:
    classification: critical
    readers: [api]
    instances:
      prod: { backend: aws_secrets_manager, reference: prod/db }
  TOKEN:
    classification: important
    instances:
      prod: { backend: aws_ssm_parameter, reference: /prod/token, region: eu-west-1 }
"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file_name: Arc<str> = Arc::from("fuzz/snapshot.json");
    let _ = secretary::observe::iam::snapshot::parse(&file_name, text);
    let Ok((iam, Some(stores))) = file::parse(&file_name, text, &file::AWS) else {
        return;
    };
    static LOADED: OnceLock<secretary::Loaded> = OnceLock::new();
    let loaded = LOADED.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("secretary-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let path = dir.join("inventory.yaml");
        std::fs::write(&path, INVENTORY).expect("the inventory is written");
        let request = secretary::CheckRequest {
            inventory: secretary::InventorySource::Paths(vec![path]),
            policy_paths: Vec::new(),
            builtin_policies: true,
            loaded_rules: None,
            now: "2026-11-23".parse().expect("a date"),
            packs: Vec::new(),
        };
        let mut texts = secretary::source::SourceTexts::default();
        secretary::load(&request, &mut texts).unwrap_or_else(|e| panic!("{e:?}"))
    });
    let readers = readers::analyse(Some(&iam), &stores);
    let _ = secretary::observe::stores::facts::build(
        &loaded.inventory,
        &stores,
        Some(&iam),
        &readers,
        loaded.now,
    );
});
