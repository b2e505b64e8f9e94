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
    let read = read_file(
        &file,
        text,
        &source,
        crate::heuristics::defaults::PublishedDefaults::builtin(),
        &mut gaps,
    );
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

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn env_names(service: &ComposeService) -> Vec<&str> {
    service
        .receives
        .iter()
        .filter_map(|r| match &r.channel {
            Channel::Env(name) => Some(name.as_str()),
            Channel::File(_) => None,
        })
        .collect()
}

#[test]
fn include_short_and_long_forms_relative_to_the_including_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sub/db.yml",
        "include: [../more/cache.yml]\nservices:\n  db:\n    env_file: db.env\n    environment: [DB_PASSWORD]\n    secrets: [db_key]\nsecrets:\n  db_key: { file: ./db.key }\n",
    );
    write(dir.path(), "sub/db.env", "DB_USER=x\n");
    write(
        dir.path(),
        "more/cache.yml",
        "services:\n  cache:\n    environment: [CACHE_TOKEN]\n",
    );
    write(
        dir.path(),
        "base.yml",
        "services:\n  worker:\n    environment: [A]\n",
    );
    write(
        dir.path(),
        "override.yml",
        "services:\n  worker:\n    environment: [B]\n",
    );
    let (read, gaps) = read_in(
        dir.path(),
        "include:\n  - sub/db.yml\n  - path: [base.yml, override.yml]\n    project_directory: .\n  - path: sub/db.yml\nservices:\n  api:\n    environment: [API_KEY]\n",
    );
    let file = read.unwrap();
    assert!(gaps.is_empty(), "{gaps:?}");
    let names: Vec<&str> = file.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["cache", "db", "worker", "api"]);
    let db = service(&file, "db");
    assert!(db.location.file.ends_with("db.yml"), "{}", db.location.file);
    assert_eq!(db.location.line, 3);
    assert_eq!(env_names(db), vec!["DB_USER", "DB_PASSWORD"]);
    assert_eq!(db.env_files[0].path, "sub/db.env");
    let key = received(db, &Channel::File("/run/secrets/db_key".into()));
    assert_eq!(key.host_path.as_deref(), Some("./db.key"));
    let worker = service(&file, "worker");
    assert_eq!(env_names(worker), vec!["B", "A"]);
}

#[test]
fn a_missing_include_is_a_gap_and_a_cycle_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (read, gaps) = read_in(
        dir.path(),
        "include:\n  - nothere.yml\nservices:\n  api:\n    image: x\n",
    );
    assert_eq!(read.unwrap().services.len(), 1);
    assert_eq!(gaps.len(), 1);
    assert!(
        gaps[0].problem.contains("nothere.yml"),
        "{}",
        gaps[0].problem
    );
    assert!(gaps[0].problem.contains("not found"));
    assert_eq!(gaps[0].location.line, 2);

    write(dir.path(), "a.yml", "include: [b.yml]\n");
    write(dir.path(), "b.yml", "include:\n  - a.yml\n");
    let (read, _) = read_in(dir.path(), "include: [a.yml]\n");
    let errors = read.unwrap_err();
    assert!(
        errors[0].message.contains("includes itself"),
        "{}",
        errors[0].message
    );
    let at = errors[0].location.as_ref().unwrap();
    assert!(at.file.ends_with("b.yml"));
    assert_eq!(at.line, 2);
}

#[test]
fn an_include_bomb_stops_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // 2^20 paths through 20 levels of two files each; 40 files in all
    // would pass, so each level has 4 files: 80 > MAX_COMPOSE_FILES.
    for level in 0..20 {
        for i in 0..4 {
            let next: Vec<String> = (0..4).map(|j| format!("f{}_{j}.yml", level + 1)).collect();
            let text = if level == 19 {
                "services: {}\n".to_owned()
            } else {
                format!("include: [{}]\n", next.join(", "))
            };
            write(dir.path(), &format!("f{level}_{i}.yml"), &text);
        }
    }
    let (read, _) = read_in(dir.path(), "include: [f0_0.yml, f0_1.yml]\n");
    let errors = read.unwrap_err();
    assert!(
        errors[0].message.contains(&MAX_COMPOSE_FILES.to_string()),
        "{}",
        errors[0].message
    );
}

#[test]
fn extends_merges_as_compose_does() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "common/base.yml",
        "services:\n  base:\n    env_file: base.env\n    environment:\n      SHARED: from-base\n      BASE_ONLY: \"CANARY-base\"\n    volumes: [./tls.key:/etc/tls.key]\n  root:\n    extends: base\n    environment: [ROOT_VAR]\n",
    );
    write(dir.path(), "common/base.env", "BASE_FILE_VAR=1\n");
    let (read, gaps) = read_in(
        dir.path(),
        "services:
  api:
    extends: { file: common/base.yml, service: root }
    environment:
      SHARED: from-api
  web:
    extends: api
    secrets: [web_key]
",
    );
    let file = read.unwrap();
    assert!(gaps.is_empty(), "{gaps:?}");
    let api = service(&file, "api");
    assert_eq!(
        env_names(api),
        vec!["SHARED", "ROOT_VAR", "BASE_FILE_VAR", "BASE_ONLY"]
    );
    // The extending service's own receive wins: its location is api's.
    let shared = received(api, &Channel::Env("SHARED".into()));
    assert_eq!(shared.location.line, 5);
    assert!(shared.location.file.ends_with("compose.yml"));
    received(api, &Channel::File("/etc/tls.key".into()));
    assert_eq!(api.env_files[0].path, "common/base.env");
    let web = service(&file, "web");
    received(web, &Channel::Env("BASE_FILE_VAR".into()));
    received(web, &Channel::File("/run/secrets/web_key".into()));
    // The base's `SHARED` value is overridden, its other value is kept,
    // as a value of each service that extends it (written in the base's
    // file: judged once there, but each service gets it).
    let values: Vec<(&str, &str)> = file
        .assignments
        .iter()
        .map(|a| (a.service.as_str(), a.variable.as_str()))
        .collect();
    assert_eq!(
        values,
        vec![
            ("api", "SHARED"),
            ("api", "BASE_ONLY"),
            ("web", "SHARED"),
            ("web", "BASE_ONLY")
        ]
    );
    let base_only = file.assignments.iter().find(|a| a.variable == "BASE_ONLY");
    assert!(base_only.unwrap().location.file.ends_with("base.yml"));
}

#[test]
fn extends_cycles_and_unknown_services_are_errors_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (read, _) = read_in(
        dir.path(),
        "services:\n  a:\n    extends: b\n  b:\n    extends:\n      service: a\n",
    );
    let errors = read.unwrap_err();
    assert!(
        errors[0].message.contains("extends itself"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0].message.contains("a -> b -> a"),
        "{}",
        errors[0].message
    );
    let (read, _) = read_in(dir.path(), "services:\n  a:\n    extends: a\n");
    assert!(read.unwrap_err()[0].message.contains("extends itself"));
    let (read, _) = read_in(dir.path(), "services:\n  a:\n    extends: nope\n");
    let errors = read.unwrap_err();
    assert!(
        errors[0].message.contains("no service `nope`"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].location.as_ref().unwrap().line, 3);
    // A missing extended file is a gap.
    let (read, gaps) = read_in(
        dir.path(),
        "services:\n  a:\n    extends: { file: gone.yml, service: x }\n",
    );
    assert_eq!(read.unwrap().services.len(), 1);
    assert!(gaps[0].problem.contains("gone.yml"));
    // A long chain stops at the limit.
    let mut text = String::from("services:\n");
    for i in 0..MAX_EXTENDS_CHAIN + 2 {
        text.push_str(&format!("  s{i}:\n    extends: s{}\n", i + 1));
    }
    text.push_str(&format!("  s{}:\n    image: x\n", MAX_EXTENDS_CHAIN + 2));
    let (read, _) = read_in(dir.path(), &text);
    let errors = read.unwrap_err();
    assert!(
        errors[0].message.contains("the limit"),
        "{}",
        errors[0].message
    );
}

#[test]
fn compose_files_are_told_by_content() {
    for text in [
        "services:\n  api:\n    image: x\n",
        "services: {}\n",
        "services:\n",
        "version: '3.8'\nservices:\n  db:\n    image: postgres\nvolumes:\n  data:\n",
        "include:\n  - other.yml\n",
        "name: shop\nx-common: &c {A: 1}\nservices:\n  api:\n    <<: *c\nsecrets:\n  k: {file: k.txt}\n",
        "services:\n  api:\n    command: [\n    x]\n",
    ] {
        assert!(looks_like_compose(text), "{text}");
    }
    for text in [
        "",
        "# only a comment\n",
        "services: [a, b]\n",
        "version: 1\nenvironments:\n  production: {tier: production}\nservices:\n  api: {kind: api}\n",
        "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n",
        "networks:\n  front: {}\n",
        "- services\n",
        "services: {\n",
        "KEY=value\n",
        "{\"services\": {\"api\": {}}, \"other\": 1}",
    ] {
        assert!(!looks_like_compose(text), "{text}");
    }
    // JSON is YAML: a compose file written as JSON is one.
    assert!(looks_like_compose(
        "{\"services\": {\"api\": {\"image\": \"x\"}}}"
    ));
}

#[test]
fn a_service_both_included_and_defined_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "other.yml", "services:\n  api:\n    image: x\n");
    write(dir.path(), "third.yml", "services:\n  api:\n    image: y\n");
    for text in [
        "include: [other.yml]\nservices:\n  api:\n    image: z\n",
        "include:\n  - other.yml\n  - third.yml\n",
    ] {
        let (read, _) = read_in(dir.path(), text);
        let errors = read.unwrap_err();
        assert!(
            errors[0].message.contains("defined twice"),
            "{}",
            errors[0].message
        );
        let (first, _) = errors[0].related.as_deref().unwrap();
        assert!(first.file.ends_with("other.yml"), "{first:?}");
        assert_eq!(first.line, 2);
    }
    // Files of one path list override each other.
    let (read, _) = read_in(dir.path(), "include:\n  - path: [other.yml, third.yml]\n");
    assert_eq!(read.unwrap().services.len(), 1);
}
