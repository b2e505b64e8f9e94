//! Live IAM collection against the moto emulator on loopback: an account of
//! 1,000 users with 2 access keys each (populated through the IAM API), read
//! with the bulk calls. Prints the number of IAM calls and the wall time of
//! each run; the target is at most 6 calls and under 1 s.
//!
//! Run with `cargo bench --bench iam` (needs `moto[server]`, see
//! scripts/test.sh). The per-user alternative (ListUsers, then ListAccessKeys
//! and GetAccessKeyLastUsed per user and key) costs 3,001 calls here.

#[path = "../tests/moto/mod.rs"]
mod moto;

use std::time::Instant;

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
use secretary::observe::iam::collect;

fn main() {
    let users: usize = std::env::var("IAM_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let (_guard, moto) = moto::Moto::lock();
    let started = Instant::now();
    moto.populate(serde_json::json!({ "bulk": { "users": users, "keys": 2 } }));
    eprintln!(
        "populated {users} users x 2 keys in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "bench"))
        .http_client(collect::https_client())
        .build();
    let client = aws_sdk_iam::Client::from_conf(config);
    let options = collect::Options::default();
    for run in 1..=5 {
        let started = Instant::now();
        let collected =
            collect::collect_blocking(&client, &options, jiff::Timestamp::UNIX_EPOCH).unwrap();
        let elapsed = started.elapsed();
        let keys: usize = collected
            .snapshot
            .users
            .iter()
            .map(|u| u.access_keys.as_ref().map_or(0, Vec::len))
            .sum();
        assert_eq!(collected.snapshot.users.len(), users);
        assert_eq!(keys, users * 2);
        assert!(collected.snapshot.not_collected.is_empty());
        println!(
            "run {run}: {} users, {keys} keys, {} IAM calls ({}), {:.3} s",
            collected.snapshot.users.len(),
            collected.calls.len(),
            collected.calls.join(", "),
            elapsed.as_secs_f64()
        );
    }
}
