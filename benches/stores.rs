//! Live secret-store collection against the moto emulator on loopback:
//! 1,000 secrets across 2 regions (500 each, populated through the Secrets
//! Manager API, every other one changed since its creation), collected with IAM in one `aws snapshot`'s calls. Prints
//! the calls per action and the wall time of each run; the targets are no
//! per-secret call other than GetResourcePolicy and ListSecretVersionIds
//! (asserted) and under 5 s.
//!
//! Run with `cargo bench --bench stores` (needs `moto[server]`, see
//! scripts/test.sh). `STORES_BENCH_SECRETS` changes the number per region.

#[path = "../tests/moto/mod.rs"]
mod moto;

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_iam::config::{Credentials, SharedCredentialsProvider};
use secretary::observe::stores::collect;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

fn main() {
    let per_region: usize = std::env::var("STORES_BENCH_SECRETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let (_guard, moto) = moto::Moto::lock();
    let started = Instant::now();
    moto.populate(serde_json::json!({
        "bulk_secrets": { "count": per_region, "regions": REGIONS }
    }));
    eprintln!(
        "populated {per_region} secrets in each of {} regions in {:.1} s",
        REGIONS.len(),
        started.elapsed().as_secs_f64()
    );
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto.url())
        .region(aws_config::Region::new(REGIONS[0]))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "bench",
        )))
        .http_client(secretary::observe::iam::collect::https_client())
        .build();
    let options = collect::Options {
        iam: Default::default(),
        regions: REGIONS.map(str::to_owned).to_vec(),
    };
    let scope = collect::Scope::default();
    let total = per_region * REGIONS.len();
    for run in 1..=3 {
        let started = Instant::now();
        let collected =
            collect::collect_blocking(&config, &options, &scope, jiff::Timestamp::UNIX_EPOCH)
                .unwrap();
        let elapsed = started.elapsed();
        let secrets: usize = collected
            .stores
            .regions
            .iter()
            .map(|r| r.secrets_manager.as_ref().map_or(0, Vec::len))
            .sum();
        assert_eq!(secrets, total);
        assert!(
            collected.stores.not_collected.is_empty(),
            "{:?}",
            collected.stores.not_collected
        );
        let mut calls: BTreeMap<&str, usize> = BTreeMap::new();
        for call in &collected.calls {
            *calls.entry(call.as_str()).or_default() += 1;
        }
        // Per secret: only the policy and the current version's date.
        for (action, n) in &calls {
            let per_secret = matches!(
                *action,
                "secretsmanager:GetResourcePolicy" | "secretsmanager:ListSecretVersionIds"
            );
            assert!(
                per_secret || *n <= total / 50,
                "{action} called {n} times for {total} secrets"
            );
            assert!(
                !action.contains("Value") && !action.starts_with("ssm:GetParameter"),
                "{action} reads a value"
            );
        }
        assert_eq!(calls["secretsmanager:GetResourcePolicy"], total);
        // Only the secrets changed since their creation need their version's date.
        assert_eq!(calls["secretsmanager:ListSecretVersionIds"], total / 2);
        println!(
            "run {run}: {secrets} secrets in {} regions, {} calls ({}), {:.3} s",
            REGIONS.len(),
            collected.calls.len(),
            calls
                .iter()
                .map(|(a, n)| format!("{a} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            elapsed.as_secs_f64()
        );
    }
}
