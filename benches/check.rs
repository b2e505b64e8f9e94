//! Benchmark: `secretary check` on synthetic inventories of growing size.
//!
//! Run with `cargo build --release && cargo bench --bench check` (see
//! `benches/README.md`). std only: no benchmark framework, no extra crates.
//!
//! For each size N (default 1 000, 10 000 and 50 000 secrets, each in three
//! environments; override with `SECRETARY_BENCH_SIZES=1000,10000`) the bench
//!
//! 1. writes a realistic, varied inventory (files of 1 000 secrets each) to a
//!    temporary directory, built so that every built-in rule fires somewhere;
//! 2. re-executes itself with `SECRETARY_BENCH_CHILD=1`: the child runs the
//!    pipeline in-process step by step (the steps `secretary check` takes),
//!    timing each (wall and CPU) and reporting its resident set after each and
//!    its peak (`VmHWM` in `/proc/self/status`); a fresh process per size
//!    keeps the peak of one size from hiding another;
//! 3. runs the release `secretary` binary end to end (`secretary check DIR
//!    --now 2026-11-23 --format json --fail-on critical`, stdout to a file),
//!    timing its wall clock and, through `/usr/bin/time -f "%M %U %S"` when
//!    present, its peak RSS and CPU time.
//!
//! Each measurement is repeated `SECRETARY_BENCH_RUNS` times (default 3); the
//! table shows medians of times and the largest peak RSS.
//!
//! The child's stages are the public steps every run takes: load
//! (`secretary::load`: the inventory, and the rules in parallel with it),
//! judge (`secretary::judge`: cut the inventory into chunks, build each
//! chunk's entity store and judge its facts, chunks in parallel, each store
//! dropped after use; add the gap findings and apply the waivers) and report
//! (render JSON). Entity and fact counts come from a separate, untimed pass
//! after the timed stages (each chunk built again, counted and dropped),
//! after the peak RSS of the timed run has been read.
//!
//! The bench uses the same global allocator as the binary (mimalloc), so the
//! in-process numbers measure what the binary runs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// The evaluation date passed to every check.
const NOW: jiff::civil::Date = jiff::civil::date(2026, 11, 23);
const ENVIRONMENTS: [&str; 3] = ["development", "staging", "production"];
const DEFAULT_SIZES: [usize; 3] = [1_000, 10_000, 50_000];
const DEFAULT_RUNS: usize = 3;
const SECRETS_PER_FILE: usize = 1_000;

/// Set (to `1`) when the bench re-executes itself to measure one size.
const CHILD_ENV: &str = "SECRETARY_BENCH_CHILD";
const SIZES_ENV: &str = "SECRETARY_BENCH_SIZES";
const RUNS_ENV: &str = "SECRETARY_BENCH_RUNS";
/// Set to keep the generated inventories after the run.
const KEEP_ENV: &str = "SECRETARY_BENCH_KEEP";
/// The child's result line starts with this.
const RESULT_PREFIX: &str = "SECRETARY_BENCH_RESULT";

/// The target: this many secrets (x 3 environments) under these limits.
const TARGET_SECRETS: usize = 10_000;
const TARGET_WALL_SECONDS: f64 = 0.5;
const TARGET_RSS_MB: f64 = 300.0;

// The binary's allocator (see src/main.rs); without it the in-process
// numbers would measure the system allocator instead.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = if std::env::var_os(CHILD_ENV).is_some() {
        child::run()
    } else {
        parent::run()
    };
    std::process::exit(code);
}

// ---------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------

/// What [`generate`] wrote.
struct Generated {
    files: usize,
    bytes: u64,
    took: Duration,
}

/// A small deterministic PRNG (splitmix64): the same inventory on every run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `per_mille` / 1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// name, kind, public_facing
const SERVICES: [(&str, &str, bool); 8] = [
    ("web", "frontend", true),
    ("api", "api", false),
    ("gateway", "gateway", false),
    ("worker", "worker", false),
    ("scheduler", "scheduler", false),
    ("inference", "inference", false),
    ("ci", "ci", false),
    ("log-shipper", "log_sink", false),
];
const WEB: &str = "web";
const LOG_SINK: &str = "log-shipper";
/// Services that normally read secrets (not the public frontend, not the log sink).
const BACKEND_SERVICES: [&str; 6] = ["api", "gateway", "worker", "scheduler", "inference", "ci"];

const TEAMS: [&str; 8] = [
    "PAYMENTS", "SEARCH", "IDENTITY", "BILLING", "ML", "GROWTH", "PLATFORM", "SUPPORT",
];

/// Secret kinds: id fragment, category, description.
const KINDS: [(&str, &str, &str); 8] = [
    ("DB_PASSWORD", "infrastructure", "Database password"),
    ("PROVIDER_API_KEY", "provider", "Model provider API key"),
    ("JWT_SIGNING_KEY", "application", "Signs session tokens"),
    (
        "WEBHOOK_SECRET",
        "integration",
        "Verifies incoming webhooks",
    ),
    ("OAUTH_CLIENT_SECRET", "integration", "OAuth client secret"),
    ("ENCRYPTION_KEY", "infrastructure", "Encrypts data at rest"),
    ("AGENT_TOKEN", "agent_specific", "Per-agent credential"),
    ("ANALYTICS_KEY", "provider", "Analytics write key"),
];

const PERIODS: [(&str, i64); 8] = [
    ("30d", 30),
    ("90d", 90),
    ("quarterly", 90),
    ("180d", 180),
    ("yearly", 365),
    ("12w", 84),
    ("1y", 365),
    ("monthly", 30),
];

const BREAKS: [&str; 5] = [
    "restart_required",
    "invalidates_tokens",
    "invalidates_sessions",
    "reencryption_required",
    "coordinated_deploy",
];

/// Writes an inventory of `secrets` secrets in three environments to `dir`:
/// `00-base.yaml` (environments, services, stores, identities, plain config)
/// and `secrets-NNNN.yaml` files of [`SECRETS_PER_FILE`] secrets, each with
/// the `reads` and `env_vars` of its secrets.
fn generate(dir: &Path, secrets: usize) -> std::io::Result<Generated> {
    let start = Instant::now();
    std::fs::create_dir_all(dir)?;
    let mut files = 0;
    let mut bytes = 0;
    let mut write = |name: &str, text: &str| -> std::io::Result<()> {
        std::fs::write(dir.join(name), text)?;
        files += 1;
        bytes += text.len() as u64;
        Ok(())
    };
    write("00-base.yaml", &base_file())?;
    let mut first = 0;
    while first < secrets {
        let last = (first + SECRETS_PER_FILE).min(secrets);
        write(
            &format!("secrets-{:04}.yaml", first / SECRETS_PER_FILE),
            &secrets_file(first..last),
        )?;
        first = last;
    }
    Ok(Generated {
        files,
        bytes,
        took: start.elapsed(),
    })
}

fn base_file() -> String {
    let mut y = String::new();
    y.push_str(
        "# Generated by benches/check.rs: shared definitions.\nversion: 1\n\nenvironments:\n",
    );
    for env in ENVIRONMENTS {
        let _ = writeln!(
            y,
            "  {env}:\n    tier: {env}\n    description: The {env} deployment"
        );
    }
    y.push_str("\nservices:\n");
    for (name, kind, public) in SERVICES {
        let _ = writeln!(y, "  {name}:\n    kind: {kind}");
        if public {
            y.push_str("    public_facing: true\n");
        }
        let _ = writeln!(y, "    description: The {name} component");
    }
    y.push_str(
        "\nstores:\n  postgres:\n    description: Main database\n    encryption: none\n  \
         redis:\n    description: Session cache\n    encryption: AES-256-GCM\n",
    );
    // Identities hold some of the first file's secrets as credentials.
    let _ = write!(
        y,
        "\nidentities:\n  github-actions:\n    kind: ci\n    access: Push images, deploy\n    scope: CI/CD only\n    \
         allow: [ecr:PutImage, ecr:BatchGetImage, ecs:UpdateService]\n    service: ci\n    rotation: 90d\n    \
         credentials: [{}]\n  \
         api-task-role:\n    kind: aws_iam_role\n    access: Read its own secrets\n    scope: Per-deployment\n    \
         allow: [secretsmanager:GetSecretValue, logs:PutLogEvents]\n    service: api\n    \
         aws: {{ account: \"123456789012\", name: api-task-role }}\n  \
         oncall:\n    kind: human\n    access: Break-glass admin\n    scope: Production\n    credentials: [{}]\n",
        secret_id(0),
        secret_id(1),
    );
    y.push_str(
        "\nenv_vars:\n  PORT:\n    default: 3000\n    purpose: HTTP listen port\n    category: Server\n    services: [api, gateway]\n  \
         LOG_LEVEL:\n    default: info\n    purpose: Log verbosity\n    category: Logging\n  \
         PUBLIC_BASE_URL:\n    required: true\n    purpose: Where users reach the app\n    category: Server\n    services: [web, api]\n",
    );
    y
}

/// The date `age` days before [`NOW`].
fn days_before_now(age: i64) -> jiff::civil::Date {
    NOW - jiff::ToSpan::days(age)
}

/// The fingerprint of secret `i` in environment `env`: unique unless a
/// secret deliberately copies another's.
fn fingerprint(i: usize, env: &str) -> String {
    let mut rng = Rng::new((i as u64) << 8 ^ env.len() as u64 ^ 0xF1F1);
    format!("hmac-sha256:{:016x}{:016x}", rng.next(), rng.next())
}

/// The id of secret `i`: its first two draws are its team and kind.
fn secret_id(i: usize) -> String {
    let mut rng = Rng::new(i as u64);
    let team = *rng.pick(&TEAMS);
    let (kind, _, _) = *rng.pick(&KINDS);
    format!("{team}_{kind}_{i:06}")
}

/// Everything about one generated secret that more than one section needs.
struct SecretPlan {
    id: String,
    readers: Option<Vec<&'static str>>,
}

fn secrets_file(range: std::ops::Range<usize>) -> String {
    let mut y = String::with_capacity(range.len() * 1_300);
    let _ = writeln!(
        y,
        "# Generated by benches/check.rs: secrets {} to {}.\nversion: 1\n\nsecrets:",
        range.start,
        range.end - 1
    );
    // (service, environments restriction) -> secrets it reads
    let mut reads: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    let mut env_vars = String::from("\nenv_vars:\n");
    for i in range.clone() {
        let mut rng = Rng::new(i as u64);
        let plan = write_secret(&mut y, i, &mut rng);
        plan_reads(&plan, &mut rng, &mut reads);
        write_env_var(&mut env_vars, i, &plan, &mut rng);
    }
    y.push_str("\nreads:\n");
    for ((service, environments), secrets) in &reads {
        for chunk in secrets.chunks(50) {
            let _ = writeln!(y, "  - service: {service}");
            if !environments.is_empty() {
                let _ = writeln!(y, "    environments: [{environments}]");
            }
            y.push_str("    secrets:\n");
            for secret in chunk {
                let _ = writeln!(y, "      - {secret}");
            }
        }
    }
    y.push_str(&env_vars);
    y
}

/// Writes secret `i` under `secrets:`.
fn write_secret(y: &mut String, i: usize, rng: &mut Rng) -> SecretPlan {
    let team = *rng.pick(&TEAMS);
    let (kind, category, what) = *rng.pick(&KINDS);
    let id = format!("{team}_{kind}_{i:06}");
    let classification = match rng.below(100) {
        0..=14 => "critical",
        15..=49 => "important",
        50..=84 => "sensitive",
        _ => "public",
    };
    let sensitive = classification != "public";
    let _ = writeln!(y, "  {id}:");
    // A few secrets share a name at different scopes (scope-shadowing).
    match i % 1_000 {
        10 => {
            let _ = writeln!(
                y,
                "    name: SHARED_TOKEN_{i:06}\n    scope: {{ level: organization, name: acme }}"
            );
        }
        11 => {
            let _ = writeln!(
                y,
                "    name: SHARED_TOKEN_{:06}\n    scope: {{ level: team, name: {} }}",
                i - 1,
                team.to_lowercase()
            );
        }
        _ if rng.chance(20) => {
            let _ = writeln!(y, "    scope: {{ level: workspace, name: ws-{} }}", i % 97);
        }
        _ => {}
    }
    let _ = writeln!(
        y,
        "    description: {what} for {} (#{i})",
        team.to_lowercase()
    );
    let _ = writeln!(
        y,
        "    classification: {classification}\n    category: {category}"
    );
    // Critical secrets without an owner: critical-secret-without-owner.
    let unowned = rng.chance(if classification == "critical" { 40 } else { 20 });
    if !unowned {
        let _ = writeln!(y, "    owner: {}-team", team.to_lowercase());
    }
    if classification == "critical" {
        let _ = writeln!(y, "    risk: Full access to {} data", team.to_lowercase());
    }
    // Rotation: a few critical/important secrets without a period.
    let period = if (sensitive && rng.chance(30)) || (!sensitive && rng.chance(500)) {
        if rng.chance(500) {
            y.push_str("    rotation: { method: manual }\n");
        }
        None
    } else {
        let (text, days) = *rng.pick(&PERIODS);
        let method = if rng.chance(400) {
            "automated"
        } else {
            "manual"
        };
        let _ = write!(y, "    rotation: {{ period: {text}, method: {method}");
        if rng.chance(600) {
            let _ = write!(y, ", breaks: [{}", rng.pick(&BREAKS));
            if rng.chance(300) {
                let _ = write!(y, ", {}", rng.pick(&BREAKS));
            }
            y.push(']');
        }
        y.push_str(" }\n");
        Some(days)
    };
    let never_log = match classification {
        "critical" | "important" => rng.chance(900),
        "sensitive" => rng.chance(300),
        _ => false,
    };
    if never_log {
        y.push_str("    never_log: true\n");
    }
    // Allowed readers: usually one or two back-end services; public values
    // may go to the frontend; a few secrets leave readers unrestricted.
    let readers: Option<Vec<&'static str>> = if rng.chance(100) {
        None
    } else if !sensitive {
        Some(vec![WEB, "api"])
    } else {
        let first = *rng.pick(&BACKEND_SERVICES);
        let mut list = vec![first];
        if rng.chance(350) {
            let second = *rng.pick(&BACKEND_SERVICES);
            if second != first {
                list.push(second);
            }
        }
        Some(list)
    };
    if let Some(list) = &readers {
        let _ = writeln!(y, "    readers: [{}]", list.join(", "));
    }

    y.push_str("    instances:\n");
    let lower = id.to_lowercase();
    let share_envs = rng.chance(10); // staging value reused in production
    let share_secret = i > 0 && rng.chance(5); // production value of the previous secret
    for env in ENVIRONMENTS {
        let present = match env {
            "development" => !rng.chance(50),
            "staging" => true,
            _ => !rng.chance(20), // no production instance
        };
        if !present {
            continue;
        }
        let _ = writeln!(y, "      {env}:");
        let roll = rng.below(1000);
        let backend = match env {
            "development" => match roll {
                0..=349 => "dotenv",
                350..=749 => "env_var",
                750..=899 => "docker_secret",
                _ => "local_encrypted",
            },
            "staging" => match roll {
                0..=399 => "env_var",
                400..=799 => "aws_secrets_manager",
                800..=949 => "docker_secret",
                950..=979 => "plaintext_db_column",
                _ => "vault",
            },
            _ => match roll {
                0..=199 => "env_var",
                200..=799 => "aws_secrets_manager",
                800..=929 => "docker_secret",
                930..=959 => "vault",
                960..=974 => "plaintext_db_column",
                975..=984 => "dotenv",
                985..=989 => "build_arg",
                _ => "encrypted_db_column",
            },
        };
        let _ = writeln!(y, "        backend: {backend}");
        match backend {
            "env_var" | "dotenv" | "build_arg" => {
                let _ = writeln!(y, "        env_var: {id}");
            }
            "docker_secret" => {
                let mode = match (env, rng.below(100)) {
                    ("development", 0..=29) => "0644",
                    (_, 0..=69) => "0600",
                    (_, 70..=89) => "0400",
                    (_, 90..=96) => "0640",
                    _ => "0644",
                };
                let _ = writeln!(
                    y,
                    "        file: {{ path: /run/secrets/{lower}, mode: \"{mode}\", owner: app }}"
                );
            }
            "aws_secrets_manager" => {
                let _ = writeln!(
                    y,
                    "        reference: arn:aws:secretsmanager:us-east-1:123456789012:secret:{env}/{lower}"
                );
                if rng.chance(500) {
                    let _ = writeln!(y, "        env_var: {id}");
                }
            }
            "vault" => {
                let _ = writeln!(y, "        reference: secret/data/{env}/{lower}");
            }
            "plaintext_db_column" => {
                let _ = writeln!(
                    y,
                    "        reference: credentials.{lower}\n        store: postgres"
                );
            }
            "encrypted_db_column" => {
                let _ = writeln!(
                    y,
                    "        reference: credentials.{lower}\n        store: postgres\n        encryption: AES-256-GCM"
                );
            }
            _ => {}
        }
        // Production nearly always records its last rotation; about one in
        // seven recorded ages is past the rotation period.
        let recorded = match env {
            "production" => !rng.chance(30),
            "staging" => rng.chance(700),
            _ => rng.chance(300),
        };
        if recorded {
            let age = match period {
                Some(days) if rng.chance(150) => days + 1 + rng.below(days as u64) as i64,
                Some(days) => rng.below(days as u64 + 1) as i64,
                None => rng.below(400) as i64,
            };
            let _ = writeln!(y, "        last_rotated: {}", days_before_now(age));
        }
        if env == "development" && rng.chance(300) {
            continue; // no fingerprint recorded
        }
        let fp = match env {
            "production" if share_envs => fingerprint(i, "staging"),
            "production" if share_secret => fingerprint(i - 1, "production"),
            _ => fingerprint(i, env),
        };
        let _ = writeln!(y, "        fingerprint: \"{fp}\"");
    }
    SecretPlan { id, readers }
}

/// Which services read secret `plan`: its allowed readers, now and then one
/// that is not allowed, the public frontend or the log sink.
fn plan_reads<'a>(
    plan: &SecretPlan,
    rng: &mut Rng,
    reads: &mut BTreeMap<(&'a str, &'a str), Vec<String>>,
) {
    let mut readers: Vec<&'static str> = Vec::new();
    match &plan.readers {
        Some(list) => {
            readers.push(list[0]);
            if list.len() > 1 && rng.chance(700) {
                readers.push(list[1]);
            }
        }
        None => readers.push(*rng.pick(&BACKEND_SERVICES)),
    }
    if rng.chance(20) {
        readers.push(*rng.pick(&BACKEND_SERVICES)); // maybe not an allowed reader
    } else if rng.chance(5) {
        readers.push(WEB); // public frontend reads a secret
    } else if rng.chance(10) {
        readers.push(LOG_SINK);
    }
    readers.dedup();
    readers.truncate(2);
    for service in readers {
        let environments = match rng.below(100) {
            0..=84 => "",
            85..=94 => "production",
            _ => "development, staging",
        };
        reads
            .entry((service, environments))
            .or_default()
            .push(plan.id.clone());
    }
}

/// Writes the env var that delivers secret `i` under `env_vars:`.
fn write_env_var(y: &mut String, i: usize, plan: &SecretPlan, rng: &mut Rng) {
    let id = &plan.id;
    let _ = writeln!(y, "  {id}:");
    // Most entries name their secret; the rest are linked through the
    // instances' `env_var`.
    if rng.chance(800) {
        let _ = writeln!(y, "    secret: {id}");
    }
    match rng.below(100) {
        0..=49 => y.push_str("    required: true\n"),
        50..=79 => y.push_str("    required_in: [production]\n"),
        80..=89 => y.push_str("    required_in: [staging, production]\n"),
        _ => {}
    }
    if rng.chance(20) {
        let _ = writeln!(y, "    default: dev-value-{i}"); // secret-env-var-default
    }
    let _ = writeln!(y, "    purpose: Credential #{i}\n    category: Security");
    if let Some(readers) = &plan.readers {
        let _ = writeln!(y, "    services: [{}]", readers.join(", "));
    }
}

// ---------------------------------------------------------------------------
// The child: one size, in-process, stage by stage
// ---------------------------------------------------------------------------

mod child {
    use std::fmt::Write as _;
    use std::path::PathBuf;
    use std::time::Instant;

    use rayon::prelude::*;
    use secretary::evaluate::plan::EntityPlan;
    use secretary::findings::Severity;
    use secretary::observe::Observations;
    use secretary::source::SourceTexts;
    use secretary::CheckRequest;

    use super::{NOW, RESULT_PREFIX};

    /// Runs the pipeline on the directory given as the first argument and
    /// prints one `SECRETARY_BENCH_RESULT key=value ...` line.
    pub fn run() -> i32 {
        let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
            eprintln!("child mode needs the inventory directory as its argument");
            return 2;
        };
        let request = CheckRequest {
            inventory: secretary::InventorySource::Paths(vec![dir.clone()]),
            policy_paths: Vec::new(),
            builtin_policies: true,
            loaded_rules: None,
            now: NOW,
            packs: Vec::new(),
        };
        let mut texts = SourceTexts::default();
        let mut line = String::from(RESULT_PREFIX);
        let mut record = |key: &str, value: &dyn std::fmt::Display| {
            let _ = write!(line, " {key}={value}");
        };
        let ms = |start: Instant| format!("{:.3}", start.elapsed().as_secs_f64() * 1e3);
        // A stage's time, and the resident set and its peak so far when it ends.
        let mark =
            |record: &mut dyn FnMut(&str, &dyn std::fmt::Display), stage: &str, start: Clock| {
                record(&format!("{stage}_ms"), &ms(start.wall));
                if let (Some(before), Some(after)) = (start.cpu_ms, super::cpu_ms()) {
                    record(&format!("cpu_{stage}_ms"), &(after - before));
                }
                record(
                    &format!("{stage}_rss_kb"),
                    &super::status_kb("VmRSS").unwrap_or(0),
                );
                record(
                    &format!("{stage}_hwm_kb"),
                    &super::status_kb("VmHWM").unwrap_or(0),
                );
            };
        let all = Clock::start();

        // The steps `secretary check` takes, timed one by one.
        let t = Clock::start();
        let loaded = match secretary::load(&request, &mut texts) {
            Ok(loaded) => loaded,
            Err(errors) => return fail(&errors, &texts),
        };
        mark(&mut record, "load", t);

        // Nothing observed: the bench checks the inventory alone, as
        // `secretary check DIR` does.
        let observations = Observations::default();
        let t = Clock::start();
        let checked = secretary::judge(loaded, &observations);
        mark(&mut record, "judge", t);

        let t = Clock::start();
        let mut out = Vec::new();
        if let Err(err) = secretary::render::json::render(
            &mut out,
            &checked.report,
            &checked.not_checked,
            &checked.rules.overrides,
            &secretary::render::json::Run {
                packs: &[],
                now: NOW,
                fail_on: Severity::Critical,
                baseline: None,
            },
        ) {
            eprintln!("rendering failed: {err}");
            return 2;
        }
        mark(&mut record, "report", t);
        mark(&mut record, "total", all);
        // The peak of the timed run, before anything below can raise it.
        record("peak_rss_kb", &super::status_kb("VmHWM").unwrap_or(0));

        let (inventory, rules, report) = (&checked.inventory, &checked.rules, &checked.report);
        record("secrets", &inventory.secrets.len());
        record(
            "instances",
            &inventory
                .secrets
                .values()
                .map(|s| s.instances.len())
                .sum::<usize>(),
        );
        record("reads", &inventory.reads.len());
        record("env_vars", &inventory.env_vars.len());
        record("findings", &report.findings.len());
        record("json_bytes", &out.len());
        let mut by_rule: std::collections::BTreeMap<&str, usize> = Default::default();
        for finding in &report.findings {
            *by_rule.entry(finding.rule.as_str()).or_default() += 1;
        }
        let rules_fired: Vec<String> = by_rule
            .iter()
            .map(|(rule, n)| format!("{rule}:{n}"))
            .collect();
        record("by_rule", &rules_fired.join(","));
        let unfired: Vec<&str> = rules
            .rules
            .keys()
            .map(String::as_str)
            .filter(|id| !by_rule.contains_key(id))
            .collect();
        record("unfired", &unfired.join(","));

        // Entity and fact counts, after the timed stages and untimed: plan
        // again, as `judge` does, and build the chunks one at a time, each
        // dropped once counted. Entities every chunk shares are counted once
        // per chunk.
        let plan =
            secretary::evaluate::plan::plan(inventory, NOW, &rules.entity_literals, &observations);
        let counted = count(&plan);
        drop(plan);
        record("chunks", &counted.chunks);
        record("entities", &counted.entities);
        record("facts", &counted.facts);
        // The peak including the counting pass (not used in the tables).
        record("counted_hwm_kb", &super::status_kb("VmHWM").unwrap_or(0));

        // What the binary also pays before it exits: freeing it all.
        let t = Clock::start();
        drop((checked, out, texts));
        mark(&mut record, "free", t);

        // The floor the YAML crate sets: serde_yaml parsing every file into
        // `IgnoredAny` (no model, no positions, no validation), files in
        // parallel as `inventory::load` does. Untimed for the totals.
        let dir = &dir;
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.filter_map(|e| Some(e.ok()?.path())).collect(),
            Err(err) => {
                eprintln!("cannot list {}: {err}", dir.display());
                return 2;
            }
        };
        files.sort();
        let yaml: Vec<String> = files
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .collect();
        let t = Clock::start();
        let parsed = yaml
            .par_iter()
            .all(|text| serde_yaml::from_str::<serde::de::IgnoredAny>(text).is_ok());
        mark(&mut record, "yaml_floor", t);
        if !parsed {
            eprintln!("serde_yaml could not parse the generated inventory");
            return 2;
        }
        println!("{line}");
        0
    }

    /// Chunks, entities and facts over all the chunks of a plan.
    struct Counted {
        chunks: usize,
        entities: usize,
        facts: usize,
    }

    /// Builds the chunks of `plan` one at a time and counts what each holds,
    /// dropping each store before building the next.
    fn count(plan: &EntityPlan<'_>) -> Counted {
        let mut counted = Counted {
            chunks: plan.chunk_count(),
            entities: 0,
            facts: 0,
        };
        for index in 0..plan.chunk_count() {
            let store = plan.build_chunk(index);
            counted.entities += store.entities.len();
            counted.facts += store.facts.len();
        }
        counted
    }

    /// When a stage started: wall clock and process CPU time.
    #[derive(Clone, Copy)]
    struct Clock {
        wall: Instant,
        cpu_ms: Option<u64>,
    }

    impl Clock {
        fn start() -> Self {
            Clock {
                wall: Instant::now(),
                cpu_ms: super::cpu_ms(),
            }
        }
    }

    fn fail(errors: &[secretary::diag::InputError], texts: &SourceTexts) -> i32 {
        eprintln!(
            "the generated inventory was rejected ({} errors); the first:",
            errors.len()
        );
        for error in errors.iter().take(5) {
            eprint!("{}", error.render(texts));
        }
        2
    }
}

/// CPU time (user + system, all threads) this process has used, in ms, from
/// `/proc/self/stat` (Linux only; assumes the usual 100 clock ticks a second).
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): state is the
    // 3rd field, utime the 14th and stime the 15th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10)
}

/// A `kB` field of `/proc/self/status` (Linux only), e.g. `VmHWM`: peak RSS.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

// ---------------------------------------------------------------------------
// The parent: generate, measure, tabulate
// ---------------------------------------------------------------------------

mod parent {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::Instant;

    use super::*;

    /// A temporary directory, removed when dropped (also on panic).
    struct TempDir(PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            if keep() {
                eprintln!("{KEEP_ENV} is set: keeping {}", self.0.display());
                return;
            }
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// One size's measurements: medians over the runs, largest peaks.
    struct Row {
        secrets: usize,
        generated: Generated,
        /// From the child: the last run's counts, median stage times (ms).
        child: BTreeMap<String, String>,
        stage_ms: BTreeMap<String, f64>,
        child_rss_mb: f64,
        binary_wall_s: f64,
        binary_wall_min_s: f64,
        binary_rss_mb: Option<f64>,
        /// User + system CPU seconds of the binary (from `/usr/bin/time`).
        binary_cpu_s: Option<f64>,
        binary_findings: Option<usize>,
        binary_exit: i32,
    }

    pub fn run() -> i32 {
        let sizes = match sizes() {
            Ok(sizes) => sizes,
            Err(problem) => {
                eprintln!("error: {problem}");
                return 2;
            }
        };
        let runs = std::env::var(RUNS_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_RUNS);
        let Some(binary) = locate_binary() else {
            return 2;
        };
        let time_tool = Path::new("/usr/bin/time");
        let time_tool = time_tool.is_file().then_some(time_tool);
        let me = match std::env::current_exe() {
            Ok(me) => me,
            Err(err) => {
                eprintln!("error: cannot find the bench executable: {err}");
                return 2;
            }
        };
        let root =
            TempDir(std::env::temp_dir().join(format!("secretary-bench-{}", std::process::id())));

        println!("secretary check benchmark");
        println!("  binary:   {}", binary.display());
        println!("  inputs:   {}", root.0.display());
        println!(
            "  sizes:    {} secrets x {} environments ({SIZES_ENV} to change)",
            sizes
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            ENVIRONMENTS.len()
        );
        println!("  runs:     {runs} per size, medians shown ({RUNS_ENV} to change)");
        println!(
            "  cores:    {}",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!(
            "  peak RSS: child VmHWM; binary RSS and CPU via {}",
            time_tool.map_or(
                "(unavailable: install GNU time for /usr/bin/time)".to_string(),
                |t| { format!("{} -f \"%M %U %S\"", t.display()) }
            )
        );
        println!();

        let mut rows = Vec::new();
        let mut failed = false;
        for &secrets in &sizes {
            let dir = root.0.join(format!("n{secrets}"));
            let generated = match generate(&dir, secrets) {
                Ok(generated) => generated,
                Err(err) => {
                    eprintln!(
                        "error: cannot write the inventory to {}: {err}",
                        dir.display()
                    );
                    return 2;
                }
            };
            println!(
                "[{secrets}] generated {} files, {:.1} MB in {:.2} s",
                generated.files,
                generated.bytes as f64 / 1e6,
                generated.took.as_secs_f64()
            );
            match measure(&me, &binary, time_tool, &dir, secrets, generated, runs) {
                Ok(row) => {
                    failed |= row.binary_exit != 1;
                    rows.push(row);
                }
                Err(problem) => {
                    eprintln!("[{secrets}] FAILED: {problem}");
                    failed = true;
                }
            }
            if !keep() {
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
        drop(root);

        if !rows.is_empty() {
            print_results(&rows);
        }
        i32::from(failed)
    }

    /// Whether to keep the generated inventories (to inspect or profile them).
    fn keep() -> bool {
        std::env::var_os(KEEP_ENV).is_some_and(|v| !v.is_empty() && v != "0")
    }

    fn sizes() -> Result<Vec<usize>, String> {
        let Ok(text) = std::env::var(SIZES_ENV) else {
            return Ok(DEFAULT_SIZES.to_vec());
        };
        let sizes: Result<Vec<usize>, _> = text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.replace('_', "").parse::<usize>())
            .collect();
        match sizes {
            Ok(sizes) if !sizes.is_empty() && sizes.iter().all(|&n| n > 0) => Ok(sizes),
            _ => Err(format!("{SIZES_ENV}=`{text}`: expected positive numbers separated by commas, e.g. 1000,10000")),
        }
    }

    /// The release `secretary` binary. Cargo sets `CARGO_BIN_EXE_secretary`
    /// when it builds benches; otherwise it sits next to `deps/`, where the
    /// bench executable runs from (`target/release/deps/check-HASH`).
    fn locate_binary() -> Option<PathBuf> {
        let mut candidates = Vec::new();
        if let Some(path) = option_env!("CARGO_BIN_EXE_secretary") {
            candidates.push(PathBuf::from(path));
        }
        let exe = std::env::current_exe().ok();
        if let Some(release) = exe.as_deref().and_then(Path::parent).and_then(Path::parent) {
            candidates.push(release.join(format!("secretary{}", std::env::consts::EXE_SUFFIX)));
        }
        if let Some(found) = candidates.iter().find(|p| p.is_file()) {
            let found = found.clone();
            warn_if_stale(&found);
            return Some(found);
        }
        eprintln!("error: the release `secretary` binary was not found; looked at:");
        for candidate in &candidates {
            eprintln!("  {}", candidate.display());
        }
        eprintln!("build it first:  cargo build --release && cargo bench --bench check");
        None
    }

    /// Warns when a source file or built-in rule is newer than `binary`:
    /// the in-process child (compiled with the bench) and the binary would
    /// then measure different code.
    fn warn_if_stale(binary: &Path) {
        fn newest(dir: &Path) -> Option<std::time::SystemTime> {
            let mut latest = None;
            for entry in std::fs::read_dir(dir).ok()?.flatten() {
                let path = entry.path();
                let time = if path.is_dir() {
                    newest(&path)
                } else {
                    entry.metadata().and_then(|m| m.modified()).ok()
                };
                latest = latest.max(time);
            }
            latest
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let built = std::fs::metadata(binary).and_then(|m| m.modified()).ok();
        let sources = newest(&root.join("src")).max(newest(&root.join("policies")));
        if let (Some(built), Some(sources)) = (built, sources) {
            if sources > built {
                eprintln!(
                    "warning: {} is older than the sources; run `cargo build --release` so the binary and the in-process numbers measure the same code",
                    binary.display()
                );
            }
        }
    }

    fn median(values: &mut [f64]) -> f64 {
        values.sort_by(|a, b| a.total_cmp(b));
        let n = values.len();
        if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        }
    }

    fn measure(
        me: &Path,
        binary: &Path,
        time_tool: Option<&Path>,
        dir: &Path,
        secrets: usize,
        generated: Generated,
        runs: usize,
    ) -> Result<Row, String> {
        let mut stage_runs: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut child = BTreeMap::new();
        let mut child_rss_kb = 0u64;
        let mut walls = Vec::new();
        let mut binary_rss_kb: Option<u64> = None;
        let mut binary_cpus = Vec::new();
        let mut binary_findings = None;
        let mut binary_exit = 0;
        let stdout_path = dir.with_extension("report.json");
        let rss_path = dir.with_extension("rss.txt");

        for run in 1..=runs {
            // In-process, in a fresh process.
            let output = Command::new(me)
                .arg(dir)
                .env(CHILD_ENV, "1")
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run the bench child: {e}"))?;
            let stdout = String::from_utf8_lossy(&output.stdout);
            let Some(line) = stdout.lines().find_map(|l| l.strip_prefix(RESULT_PREFIX)) else {
                return Err(format!(
                    "the in-process child failed ({}):\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                ));
            };
            child = line
                .split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            for (key, value) in &child {
                if let (Some(stage), Ok(ms)) = (key.strip_suffix("_ms"), value.parse::<f64>()) {
                    stage_runs.entry(stage.to_owned()).or_default().push(ms);
                }
            }
            child_rss_kb = child_rss_kb.max(
                child
                    .get("peak_rss_kb")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            );

            // The real binary, end to end.
            let report = std::fs::File::create(&stdout_path)
                .map_err(|e| format!("cannot create report file: {e}"))?;
            let mut command = match time_tool {
                Some(time) => {
                    let mut c = Command::new(time);
                    c.arg("-f")
                        .arg("%M %U %S")
                        .arg("-o")
                        .arg(&rss_path)
                        .arg(binary);
                    c
                }
                None => Command::new(binary),
            };
            command
                .args(["check"])
                .arg(dir)
                .args([
                    "--now",
                    &NOW.to_string(),
                    "--format",
                    "json",
                    "--fail-on",
                    "critical",
                ])
                .stdin(Stdio::null())
                .stdout(report)
                .stderr(Stdio::piped());
            let start = Instant::now();
            let output = command
                .output()
                .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
            let wall = start.elapsed().as_secs_f64();
            binary_exit = output.status.code().unwrap_or(-1);
            if binary_exit != 0 && binary_exit != 1 {
                return Err(format!(
                    "`secretary check` exited with {} (2 means bad input or a broken rule):\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            if binary_exit == 0 {
                eprintln!(
                    "warning: `secretary check` exited 0; critical findings were expected (exit 1)"
                );
            }
            walls.push(wall);
            if time_tool.is_some() {
                let text = std::fs::read_to_string(&rss_path).unwrap_or_default();
                // `time` may write a note first; the last line is ours.
                let numbers: Vec<f64> = text
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect();
                if let [kb, user, system] = numbers[..] {
                    binary_rss_kb = Some(binary_rss_kb.unwrap_or(0).max(kb as u64));
                    binary_cpus.push(user + system);
                }
            }
            let json = std::fs::read_to_string(&stdout_path).unwrap_or_default();
            binary_findings = summary_total(&json);
            println!(
                "[{secrets}] run {run}/{runs}: in-process {:>9} ms, binary {:>8.1} ms (exit {binary_exit}), peak RSS {:.0} / {} MB",
                child.get("total_ms").map_or("?", String::as_str),
                wall * 1e3,
                child_rss_kb as f64 / 1024.0,
                binary_rss_kb.map_or("?".to_string(), |kb| format!("{:.0}", kb as f64 / 1024.0)),
            );
        }
        let _ = std::fs::remove_file(&stdout_path);
        let _ = std::fs::remove_file(&rss_path);

        let stage_ms = stage_runs
            .into_iter()
            .map(|(stage, mut values)| (stage, median(&mut values)))
            .collect();
        let binary_wall_min_s = walls.iter().copied().fold(f64::INFINITY, f64::min);
        Ok(Row {
            secrets,
            generated,
            child,
            stage_ms,
            child_rss_mb: child_rss_kb as f64 / 1024.0,
            binary_wall_s: median(&mut walls),
            binary_wall_min_s,
            binary_rss_mb: binary_rss_kb.map(|kb| kb as f64 / 1024.0),
            binary_cpu_s: (!binary_cpus.is_empty()).then(|| median(&mut binary_cpus)),
            binary_findings,
            binary_exit,
        })
    }

    /// `summary.total` of a JSON report, without a JSON parser: the summary
    /// is the last object, so the last `"total":` is its.
    fn summary_total(json: &str) -> Option<usize> {
        let at = json.rfind("\"total\"")?;
        let rest = json[at + "\"total\"".len()..]
            .trim_start()
            .strip_prefix(':')?
            .trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }

    fn print_results(rows: &[Row]) {
        let get = |row: &Row, key: &str| row.child.get(key).cloned().unwrap_or_else(|| "?".into());
        let stage = |row: &Row, key: &str| row.stage_ms.get(key).copied().unwrap_or(f64::NAN);
        let secs = |ms: f64| format!("{:.3}", ms / 1e3);

        println!("\nResults (times in seconds; medians of the runs; RSS = peak resident set)\n");
        let header = [
            "secrets x envs",
            "YAML MB",
            "facts",
            "entities",
            "load",
            "judge",
            "report",
            "in-proc",
            "free",
            "binary",
            "RSS in-proc",
            "RSS binary",
            "findings",
        ];
        let mut table: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
        for row in rows {
            table.push(vec![
                format!("{} x {}", row.secrets, ENVIRONMENTS.len()),
                format!("{:.1}", row.generated.bytes as f64 / 1e6),
                get(row, "facts"),
                get(row, "entities"),
                secs(stage(row, "load")),
                secs(stage(row, "judge")),
                secs(stage(row, "report")),
                secs(stage(row, "total")),
                secs(stage(row, "free")),
                format!("{:.3}", row.binary_wall_s),
                format!("{:.0} MB", row.child_rss_mb),
                row.binary_rss_mb
                    .map_or("n/a".into(), |mb| format!("{mb:.0} MB")),
                match row.binary_findings {
                    Some(n) if n.to_string() != get(row, "findings") => {
                        format!("{n} (in-proc {})", get(row, "findings"))
                    }
                    Some(n) => n.to_string(),
                    None => get(row, "findings"),
                },
            ]);
        }
        print_table(&table);
        println!(
            "\n  load = read + parse + validate the YAML, and parse + validate the built-in Cedar rules\n  \
             alongside; judge = derive attributes, cut into chunks, build each chunk's entities and facts,\n  \
             screen the facts, run Cedar on the rest (chunks in parallel), apply waivers; report = render\n  \
             JSON; facts and entities are summed over the chunks (shared entities once per chunk),\n  \
             counted in an untimed pass after the timed stages;\n  \
             in-proc = all of these in one process; free = dropping it all afterwards;\n  \
             binary = `secretary check` wall clock: all of the above plus process start and writing the\n  \
             report (to a file)."
        );

        // CPU by stage: robust to other load on the machine, and shows how
        // much of a stage ran in parallel (CPU above wall).
        println!("\nCPU seconds by stage (user + system, all threads; wall in parentheses)\n");
        let stages = ["load", "judge", "report", "free", "total"];
        let mut table = vec![std::iter::once("secrets".to_string())
            .chain(stages.iter().map(|s| s.to_string()))
            .chain(std::iter::once("binary".to_string()))
            .collect::<Vec<_>>()];
        for row in rows {
            let mut cells = vec![row.secrets.to_string()];
            for name in stages {
                cells.push(format!(
                    "{} ({})",
                    secs(stage(row, &format!("cpu_{name}"))),
                    secs(stage(row, name))
                ));
            }
            cells.push(match row.binary_cpu_s {
                Some(cpu) => format!("{cpu:.3} ({:.3})", row.binary_wall_s),
                None => "n/a".into(),
            });
            table.push(cells);
        }
        print_table(&table);

        // Memory by stage: what each stage leaves resident, and the peak so far.
        println!("\nMemory by stage (MB, in-process child): resident when the stage ends / peak so far\n");
        let stages = ["load", "judge", "report"];
        let mut table = vec![std::iter::once("secrets".to_string())
            .chain(stages.iter().map(|s| s.to_string()))
            .collect::<Vec<_>>()];
        for row in rows {
            let kb = |key: String| {
                row.child
                    .get(&key)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            };
            let mut cells = vec![row.secrets.to_string()];
            for stage in stages {
                cells.push(format!(
                    "{:.0} / {:.0}",
                    kb(format!("{stage}_rss_kb")) / 1024.0,
                    kb(format!("{stage}_hwm_kb")) / 1024.0
                ));
            }
            table.push(cells);
        }
        print_table(&table);

        // Per-secret cost and growth: constant cost per secret means linear growth.
        println!("\nScaling (cost per secret should stay flat if the cost is linear)\n");
        let mut table = vec![vec![
            "secrets".to_string(),
            "in-proc us/secret".into(),
            "binary us/secret".into(),
            "RSS KB/secret".into(),
            "vs previous size".into(),
        ]];
        for (i, row) in rows.iter().enumerate() {
            let n = row.secrets as f64;
            let growth = if i == 0 {
                "-".to_string()
            } else {
                let prev = &rows[i - 1];
                let size = n / prev.secrets as f64;
                let time = stage(row, "total") / stage(prev, "total");
                let wall = row.binary_wall_s / prev.binary_wall_s;
                let rss = row.child_rss_mb / prev.child_rss_mb;
                format!(
                    "size x{size:.1}: in-proc x{time:.2}, binary x{wall:.2}, RSS x{rss:.2} \
                     (time/size {:.2})",
                    time / size
                )
            };
            table.push(vec![
                row.secrets.to_string(),
                format!("{:.1}", stage(row, "total") * 1e3 / n),
                format!("{:.1}", row.binary_wall_s * 1e6 / n),
                format!("{:.1}", row.child_rss_mb * 1024.0 / n),
                growth,
            ]);
        }
        print_table(&table);

        // Which rules fired, for the largest size: every rule should.
        if let Some(row) = rows.last() {
            println!("\nFindings by rule ({} secrets)\n", row.secrets);
            let mut table = vec![vec!["rule".to_string(), "findings".into()]];
            for pair in get(row, "by_rule").split(',').filter(|p| !p.is_empty()) {
                if let Some((rule, n)) = pair.rsplit_once(':') {
                    table.push(vec![rule.to_owned(), n.to_owned()]);
                }
            }
            print_table(&table);
            let unfired = get(row, "unfired");
            if unfired.is_empty() {
                println!("  every built-in rule fired");
            } else {
                println!("  rules that never fired: {unfired}");
            }
        }

        // The target.
        println!();
        match rows.iter().find(|r| r.secrets == TARGET_SECRETS) {
            Some(row) => {
                let rss = row.binary_rss_mb.unwrap_or(row.child_rss_mb);
                let wall_ok = row.binary_wall_s < TARGET_WALL_SECONDS;
                let rss_ok = rss < TARGET_RSS_MB;
                println!(
                    "Target {TARGET_SECRETS} secrets x {} envs under {TARGET_WALL_SECONDS} s wall and {TARGET_RSS_MB} MB: {}",
                    ENVIRONMENTS.len(),
                    if wall_ok && rss_ok { "MET" } else { "NOT MET" }
                );
                println!(
                    "  wall {:.3} s (median; best {:.3} s) {}; peak RSS {rss:.0} MB {}",
                    row.binary_wall_s,
                    row.binary_wall_min_s,
                    if wall_ok { "ok" } else { "too slow" },
                    if rss_ok { "ok" } else { "too much" },
                );
                println!(
                    "  serde_yaml alone, parsing the same files into IgnoredAny (files in parallel): {} s wall, {} CPU-s",
                    secs(stage(row, "yaml_floor")),
                    secs(stage(row, "cpu_yaml_floor")),
                );
            }
            None => println!(
                "Target {TARGET_SECRETS} secrets x {} envs: not measured (add {TARGET_SECRETS} to {SIZES_ENV})",
                ENVIRONMENTS.len()
            ),
        }
    }

    fn print_table(rows: &[Vec<String>]) {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                rows.iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for (i, row) in rows.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    if c == 0
                        || c + 1 == row.len()
                            && i > 0
                            && !cell.chars().all(|ch| ch.is_ascii_digit())
                    {
                        format!("{cell:<w$}", w = widths[c])
                    } else {
                        format!("{cell:>w$}", w = widths[c])
                    }
                })
                .collect();
            println!("  {}", cells.join("  ").trim_end());
            if i == 0 {
                println!(
                    "  {}",
                    widths
                        .iter()
                        .map(|w| "-".repeat(*w))
                        .collect::<Vec<_>>()
                        .join("  ")
                );
            }
        }
    }
}
