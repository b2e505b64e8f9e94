//! The moto IAM, Secrets Manager and SSM emulator for tests: one server per test binary, on a free
//! loopback port, started from `tests/moto/server.py` (which documents its
//! controls). Tests that use it hold [`Moto::lock`], reset it, populate the
//! account they need and may back-date keys or inject faults.
//!
//! The server exits when its stdin closes, that is when the test process
//! ends, however it ends: no orphan servers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};

use serde_json::Value;

pub struct Moto {
    pub port: u16,
    _child: Mutex<(Child, ChildStdin)>,
}

static SERVER: OnceLock<Moto> = OnceLock::new();
static LOCK: Mutex<()> = Mutex::new(());

impl Moto {
    /// The test binary's server, started on first use.
    pub fn get() -> &'static Moto {
        SERVER.get_or_init(Moto::start)
    }

    /// Serializes the tests that use the server; resets it.
    pub fn lock() -> (MutexGuard<'static, ()>, &'static Moto) {
        let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let moto = Moto::get();
        moto.post("reset", &Value::Null);
        (guard, moto)
    }

    fn start() -> Moto {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/moto/server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs tests/moto/server.py (install moto: `python3 -m pip install 'moto[server]'`)");
        let stdin = child.stdin.take().expect("stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("moto prints its port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("moto did not start (is `moto[server]` installed?): {line:?}")
            });
        Moto {
            port,
            _child: Mutex::new((child, stdin)),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Posts `body` to control `name`; panics unless it succeeds.
    pub fn post(&self, name: &str, body: &Value) -> Value {
        let body = body.to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("moto listens");
        write!(
            stream,
            "POST /_secretary/{name} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, payload) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        assert!(
            head.contains(" 200 "),
            "moto control `{name}` failed: {response}"
        );
        serde_json::from_str(payload).unwrap_or(Value::Null)
    }

    /// Creates an account; returns the secrets made (canaries).
    pub fn populate(&self, spec: Value) -> Vec<String> {
        let result = self.post("populate", &spec);
        result["secrets"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn backdate(&self, spec: Value) {
        self.post("backdate", &spec);
    }

    pub fn fault(&self, action: &str, fault: &str) {
        self.post(
            "fault",
            &serde_json::json!({ "action": action, "fault": fault }),
        );
    }

    /// Makes `action` fail with `fault` for the one secret `item` only.
    pub fn fault_item(&self, action: &str, fault: &str, item: &str) {
        self.post(
            "fault",
            &serde_json::json!({ "action": action, "fault": fault, "item": item }),
        );
    }

    /// The actions the server received since the last reset: IAM's by
    /// name, the others as permissions (`secretsmanager:ListSecrets`).
    pub fn calls(&self) -> Vec<String> {
        self.post("calls", &Value::Null)
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}
