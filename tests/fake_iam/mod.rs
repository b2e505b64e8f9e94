//! The fake IAM endpoint for fault tests: `tests/fake_iam/server.py`
//! (Python's standard library only; it documents its scenarios), one server
//! per test binary on a free loopback port. It keeps no state, so tests
//! share it without a lock: each names its scenario in the endpoint's path.
//!
//! The server exits when its stdin closes, that is when the test process
//! ends, however it ends: no orphan servers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub struct FakeIam {
    pub port: u16,
    _child: Mutex<(Child, ChildStdin)>,
}

static SERVER: OnceLock<FakeIam> = OnceLock::new();

impl FakeIam {
    /// The test binary's server, started on first use.
    pub fn get() -> &'static FakeIam {
        SERVER.get_or_init(FakeIam::start)
    }

    fn start() -> FakeIam {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fake_iam/server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs tests/fake_iam/server.py");
        let stdin = child.stdin.take().expect("stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the fake IAM server prints its port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the fake IAM server did not start: {line:?}"));
        FakeIam {
            port,
            _child: Mutex::new((child, stdin)),
        }
    }

    /// The endpoint URL of `scenario`.
    pub fn url(&self, scenario: &str) -> String {
        format!("http://127.0.0.1:{}/{scenario}", self.port)
    }
}

/// The binary, with credentials for a local endpoint and nothing from this
/// machine's AWS configuration.
pub fn aws(dir: &Path) -> assert_cmd::Command {
    let mut cmd = crate::common::secretary(dir);
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL");
    cmd
}
