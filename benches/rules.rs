//! Rule loading at scale: the release `secretary check` of a one-secret
//! inventory with N trivial user rules, in one file and in a directory of
//! one file per rule, reporting the wall time and the peak RSS of each run
//! (from `wait4`'s resource usage of exactly that child; Unix only).
//!
//! Memory once grew with the square of the rule count (every policy kept a
//! copy of its whole file: 1,000 rules took 432 MB, 2,000 took 1.7 GB,
//! 5,000 ran out of memory), and so did time (each policy's line was
//! counted from the file's start). The target: 5,000 rules under 300 MB,
//! with cost linear in the rule count (`per rule` flat across sizes).
//!
//! ```sh
//! cargo build --release && cargo bench --bench rules
//! SECRETARY_BENCH_RULES=1000,5000,10000 SECRETARY_BENCH_RUNS=5 cargo bench --bench rules
//! ```

use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::process::{Command, Stdio};
#[cfg(unix)]
use std::time::Instant;

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

/// Rule `i`: trivial, valid, and never matching the inventory.
fn rule(i: usize) -> String {
    format!(
        "@id(\"rule-{i}\")\n@severity(\"low\")\n@message(\"{{resource}} is rule {i}\")\nforbid (principal, action == Action::\"define\", resource is Secret)\nwhen {{ resource.name == \"no-such-secret-{i}\" }};\n\n"
    )
}

fn main() {
    // `cargo bench` passes `--bench`; a test run (`cargo test --benches`)
    // passes nothing, and only checks that the bench builds.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Some(binary) = locate_binary() else {
        std::process::exit(2);
    };
    let sizes: Vec<usize> = std::env::var("SECRETARY_BENCH_RULES")
        .unwrap_or_else(|_| "1000,2000,5000".to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("SECRETARY_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let root = std::env::temp_dir().join(format!("secretary-rules-bench-{}", std::process::id()));
    println!("binary: {}", binary.display());
    println!("{runs} runs per size; time is the median, RSS the largest\n");
    println!(
        "| layout | rules | policy bytes | wall s | peak RSS MB | µs per rule | KB RSS per rule |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut failed = false;
    for layout in ["one file", "one file per rule"] {
        for &n in &sizes {
            let dir = root.join(format!("{}-{n}", layout.replace(' ', "-")));
            let bytes = match generate(&dir, n, layout == "one file") {
                Ok(bytes) => bytes,
                Err(err) => {
                    eprintln!("error: cannot write {}: {err}", dir.display());
                    std::process::exit(2);
                }
            };
            let mut walls = Vec::new();
            let mut peak_kb = 0;
            for _ in 0..runs {
                match measure(&binary, &dir, layout == "one file") {
                    Ok((wall, rss_kb)) => {
                        walls.push(wall);
                        peak_kb = peak_kb.max(rss_kb);
                    }
                    Err(err) => {
                        eprintln!("error: {layout}, {n} rules: {err}");
                        failed = true;
                    }
                }
            }
            let _ = std::fs::remove_dir_all(&dir);
            if walls.is_empty() {
                continue;
            }
            walls.sort_by(f64::total_cmp);
            let wall = walls[walls.len() / 2];
            println!(
                "| {layout} | {n} | {bytes} | {wall:.2} | {:.0} | {:.0} | {:.1} |",
                peak_kb as f64 / 1024.0,
                wall * 1e6 / n as f64,
                peak_kb as f64 / n as f64
            );
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    if failed {
        std::process::exit(1);
    }
}

/// Writes the inventory and `n` rules under `dir`; the rules' total size.
fn generate(dir: &Path, n: usize, one_file: bool) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir.join("rules"))?;
    std::fs::write(dir.join("inventory.yaml"), INVENTORY)?;
    let mut total = 0;
    if one_file {
        let text: String = (0..n).map(rule).collect();
        total = text.len();
        std::fs::write(dir.join("rules.cedar"), text)?;
    } else {
        for i in 0..n {
            let text = rule(i);
            total += text.len();
            std::fs::write(dir.join("rules").join(format!("rule-{i:05}.cedar")), text)?;
        }
    }
    Ok(total)
}

/// Without Unix there is no `wait4` to read the child's peak RSS: the bench
/// says so instead of failing to compile (the release builds Windows).
#[cfg(not(unix))]
fn measure(_binary: &Path, _dir: &Path, _one_file: bool) -> Result<(f64, u64), String> {
    Err("this bench needs Unix (`wait4` gives the child's peak RSS)".to_owned())
}

/// One `secretary check` run: its wall time in seconds and peak RSS in KiB.
#[cfg(unix)]
fn measure(binary: &Path, dir: &Path, one_file: bool) -> Result<(f64, u64), String> {
    let policies = if one_file { "rules.cedar" } else { "rules" };
    let start = Instant::now();
    let child = Command::new(binary)
        .current_dir(dir)
        .args(["check", "inventory.yaml", "--policies", policies])
        .args(["--now", "2026-11-23", "--format", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills in; `pid` is our
    // child, which nothing else waits for (`child` is never waited on).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    if waited != pid {
        return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()));
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    if code != Some(0) {
        let mut stderr = String::new();
        if let Some(mut err) = child.stderr {
            let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
        }
        return Err(format!(
            "exit {code:?} (0 expected: no rule matches):\n{stderr}"
        ));
    }
    // Linux reports `ru_maxrss` in KiB.
    Ok((wall, usage.ru_maxrss as u64))
}

/// The release binary: Cargo's `CARGO_BIN_EXE_secretary`, or the one next
/// to the bench executable's `deps/` directory.
fn locate_binary() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(path) = option_env!("CARGO_BIN_EXE_secretary") {
        candidates.push(PathBuf::from(path));
    }
    let exe = std::env::current_exe().ok();
    if let Some(release) = exe.as_deref().and_then(Path::parent).and_then(Path::parent) {
        candidates.push(release.join(format!("secretary{}", std::env::consts::EXE_SUFFIX)));
    }
    if let Some(found) = candidates.into_iter().find(|p| p.is_file()) {
        return Some(found);
    }
    eprintln!("error: the release `secretary` binary was not found; build it first:");
    eprintln!("  cargo build --release && cargo bench --bench rules");
    None
}
