//! Fuzzes rule loading: arbitrary text through the bounds check, Cedar's
//! parser, the annotation checks, the `has` check, strict validation and
//! the index (`secretary::policy::load_text`, what `--policies` runs after
//! reading a file), and the rules that load judge a small inventory. Every
//! input must give rules or input errors, never a panic or an abort (a rule
//! nested too deep for the stack must be refused before Cedar parses it),
//! and no rule that loads may fail to evaluate for want of stack.

#![no_main]

use std::sync::Arc;

use jiff::civil::date;
use libfuzzer_sys::fuzz_target;
use secretary::inventory::{parse_text, validate::validate};
use secretary::observe::Observations;

/// An inventory with a fact of most kinds, for the rules that load.
const INVENTORY: &str = "version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
secrets:
  JWT_SECRET:
    classification: critical
    owner: platform-team
    never_log: true
    readers: [api]
    rotation: { period: 90d }
    instances:
      production: { backend: aws_secrets_manager, env_var: JWT_SECRET, last_rotated: 2026-10-01 }
reads:
  - service: api
    secrets: [JWT_SECRET]
env_vars:
  JWT_SECRET: { required: true, secret: JWT_SECRET }
";

fuzz_target!(|data: &[u8]| {
    // Files are read as UTF-8 text; anything else is refused before this.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let schema = secretary::entities::schema::schema();
    let rules = match secretary::policy::load_text("fuzz/rules.cedar", text, schema) {
        Ok(rules) => rules,
        Err(errors) => {
            assert!(!errors.is_empty(), "load failed without saying why");
            return;
        }
    };
    let now = date(2026, 11, 23);
    let path: Arc<str> = Arc::from("fuzz/inventory.yaml");
    let parsed = parse_text(&path, INVENTORY).expect("the fuzz inventory parses");
    let inventory = validate(vec![parsed], now).expect("the fuzz inventory is valid");
    let loaded = secretary::Loaded {
        inventory,
        rules,
        now,
    };
    let checked = secretary::judge(loaded, &Observations::default());
    for finding in &checked.report.findings {
        assert!(
            !finding.message.contains("recursion limit"),
            "a rule that loads ran out of stack: {}",
            finding.message
        );
    }
});
