//! The seam fields of a read compose file, on real files in a temporary
//! directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::inventory::model::SourcePath;

/// Reads `compose.yml` written into `dir` with `text`.
pub(super) fn read_in(dir: &Path, text: &str) -> (Result<ComposeFile, Vec<InputError>>, Vec<Gap>) {
    let path = dir.join("compose.yml");
    fs::write(&path, text).unwrap();
    let file: Arc<str> = Arc::from(path.display().to_string());
    let source = ComposeSource {
        file: SourcePath {
            written: "compose.yml".into(),
            path: path.clone(),
            location: Location::file_start(&file),
        },
        environment: None,
        services: BTreeMap::new(),
    };
    let mut gaps = Vec::new();
    let read = read_file(&file, text, &source, &mut gaps);
    (read, gaps)
}

fn service<'a>(file: &'a ComposeFile, name: &str) -> &'a ComposeService {
    file.services.iter().find(|s| s.name == name).unwrap()
}

fn received<'a>(service: &'a ComposeService, channel: &Channel) -> &'a Received {
    service
        .receives
        .iter()
        .find(|r| &r.channel == channel)
        .unwrap_or_else(|| panic!("{channel:?} not in {:?}", service.receives))
}

#[test]
fn secrets_name_their_source_target_and_host_file() {
    let dir = tempfile::tempdir().unwrap();
    let (read, gaps) = read_in(
        dir.path(),
        "services:
  api:
    secrets:
      - short
      - source: long
        target: db_pass
        uid: '103'
        gid: '103'
        mode: 0440
      - source: abs
        target: /etc/app/key.pem
      - source: from_env
secrets:
  short: { file: ./secrets/short.txt }
  long: { file: /srv/long.txt }
  abs: { external: true }
  from_env: { environment: HOST_TOKEN }
",
    );
    let file = read.unwrap();
    assert!(gaps.is_empty());
    let api = service(&file, "api");
    let short = received(api, &Channel::File("/run/secrets/short".into()));
    assert_eq!(short.secret.as_deref(), Some("short"));
    assert_eq!(short.host_path.as_deref(), Some("./secrets/short.txt"));
    let long = received(api, &Channel::File("/run/secrets/db_pass".into()));
    assert_eq!(long.secret.as_deref(), Some("long"));
    assert_eq!(long.host_path.as_deref(), Some("/srv/long.txt"));
    let abs = received(api, &Channel::File("/etc/app/key.pem".into()));
    assert_eq!(abs.secret.as_deref(), Some("abs"));
    assert_eq!(abs.host_path, None);
    let env = received(api, &Channel::Env("HOST_TOKEN".into()));
    assert_eq!(env.via, "secrets");
    assert_eq!(env.secret.as_deref(), Some("from_env"));
    received(api, &Channel::File("/run/secrets/from_env".into()));
}

#[test]
fn volumes_keep_the_bind_source_only() {
    let dir = tempfile::tempdir().unwrap();
    let (read, _) = read_in(
        dir.path(),
        "services:
  api:
    volumes:
      - ./certs/tls.key:/etc/tls.key:ro
      - ~/keys/id_rsa:/root/.ssh/id_rsa
      - data:/var/lib/data
      - /anonymous
      - type: bind
        source: ./conf/app.pem
        target: /etc/app.pem
      - type: volume
        source: cache
        target: /cache
",
    );
    let file = read.unwrap();
    let api = service(&file, "api");
    let host = |target: &str| {
        received(api, &Channel::File(target.into()))
            .host_path
            .clone()
    };
    assert_eq!(host("/etc/tls.key").as_deref(), Some("./certs/tls.key"));
    assert_eq!(host("/root/.ssh/id_rsa").as_deref(), Some("~/keys/id_rsa"));
    assert_eq!(host("/var/lib/data"), None);
    assert_eq!(host("/etc/app.pem").as_deref(), Some("./conf/app.pem"));
    assert_eq!(host("/cache"), None);
    assert!(api.receives.iter().all(|r| r.secret.is_none()));
    assert!(!api
        .receives
        .iter()
        .any(|r| r.channel == Channel::File("/anonymous".into())));
}

#[test]
fn env_files_are_recorded_found_or_not() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.env"), "FROM_FILE=1\n").unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/extra.env"), "EXTRA=1\n").unwrap();
    let (read, gaps) = read_in(
        dir.path(),
        "services:
  api:
    env_file:
      - app.env
      - path: sub/extra.env
      - path: optional.env
        required: false
      - path: needed.env
        required: true
  web:
    env_file: app.env
",
    );
    let file = read.unwrap();
    let api = service(&file, "api");
    let refs: Vec<(&str, bool, bool)> = api
        .env_files
        .iter()
        .map(|e| (e.path.as_str(), e.required, e.found))
        .collect();
    assert_eq!(
        refs,
        vec![
            ("app.env", true, true),
            ("sub/extra.env", true, true),
            ("optional.env", false, false),
            ("needed.env", true, false),
        ]
    );
    assert_eq!(service(&file, "web").env_files.len(), 1);
    received(api, &Channel::Env("FROM_FILE".into()));
    received(api, &Channel::Env("EXTRA".into()));
    // Only the missing required one is a gap, worded as Docker refuses.
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(
        gaps[0].problem.contains("needed.env"),
        "{}",
        gaps[0].problem
    );
    assert!(gaps[0].problem.contains("not found"), "{}", gaps[0].problem);
    assert_eq!(gaps[0].location.line, 8);
}

#[test]
fn profiles_are_kept_and_such_services_read() {
    let dir = tempfile::tempdir().unwrap();
    let (read, _) = read_in(
        dir.path(),
        "services:
  debug:
    profiles: [debug, tools]
    environment: [DEBUG_TOKEN]
  api:
    image: x
",
    );
    let file = read.unwrap();
    assert_eq!(service(&file, "debug").profiles, vec!["debug", "tools"]);
    assert!(service(&file, "api").profiles.is_empty());
    received(service(&file, "debug"), &Channel::Env("DEBUG_TOKEN".into()));
    let (read, _) = read_in(dir.path(), "services:\n  a:\n    profiles: debug\n");
    let errors = read.unwrap_err();
    assert!(
        errors[0].message.contains("profiles"),
        "{}",
        errors[0].message
    );
}

#[test]
fn assignments_say_which_host_variable_they_deliver() {
    let dir = tempfile::tempdir().unwrap();
    let (read, _) = read_in(
        dir.path(),
        "services:
  api:
    environment:
      DATABASE_PASSWORD: ${DB_PASSWORD}
      TOKEN: $HOST_TOKEN
      REQUIRED: ${MUST:?set MUST}
      ALT: ${FLAG:+on}
      URL: postgres://u:${DB_PASSWORD}@db/x
      PLAIN: hello
    command: [\"--x\", \"${N:-3}\"]
  list:
    environment:
      - KEY=${HOST_KEY:-}
",
    );
    let file = read.unwrap();
    let delivers: BTreeMap<&str, Option<&str>> = file
        .assignments
        .iter()
        .map(|a| (a.variable.as_str(), a.delivers.as_deref()))
        .collect();
    assert_eq!(delivers["DATABASE_PASSWORD"], Some("DB_PASSWORD"));
    assert_eq!(delivers["TOKEN"], Some("HOST_TOKEN"));
    assert_eq!(delivers["REQUIRED"], Some("MUST"));
    assert_eq!(delivers["ALT"], None);
    assert_eq!(delivers["URL"], None);
    assert_eq!(delivers["PLAIN"], None);
    assert_eq!(delivers["KEY"], Some("HOST_KEY"));
    // The default of `${N:-3}` is an assignment of `N`, a literal.
    let n = file.assignments.iter().find(|a| a.variable == "N").unwrap();
    assert!(n.literal && n.delivers.is_none());
}

#[test]
fn an_invalid_interpolation_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (read, _) = read_in(
        dir.path(),
        "services:\n  api:\n    environment:\n      A: \"CANARY-${}\"\n",
    );
    let errors = read.unwrap_err();
    assert_eq!(errors[0].code.as_str(), "compose-invalid");
    assert!(errors[0].message.contains("interpolation"));
    assert!(!errors[0].message.contains("CANARY"));
    assert_eq!(errors[0].location.as_ref().unwrap().line, 4);
}
