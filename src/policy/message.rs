//! `@message` templates: `{resource}`, `{principal.name}`,
//! `{resource.secret.owner}`, `{context.environment}`.
//!
//! A placeholder starts at `principal`, `resource` or `context` and follows
//! attributes, through entity references, in the entity store. Placeholders
//! are checked against the schema's attribute names when rules load, so a
//! typo stops the run instead of printing a broken message. Nothing a
//! placeholder can reach holds a secret value: entities carry no values or
//! fingerprints.

use cedar_policy::{Entities, EntityUid, EvalResult};

/// Splits a template into literal text and placeholder paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Path(Vec<String>),
}

pub const ROOTS: [&str; 3] = ["principal", "resource", "context"];

/// Parses `template`; an error names the bad placeholder.
pub fn parse(
    template: &str,
    known_attributes: &dyn Fn(&str) -> bool,
) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_owned()));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("`{{` at `{}` is never closed", &rest[open..]))?;
        let inner = after[..close].trim();
        let path: Vec<String> = inner.split('.').map(|s| s.trim().to_owned()).collect();
        match path.first().map(String::as_str) {
            Some(root) if ROOTS.contains(&root) => {}
            _ => {
                return Err(format!(
                    "placeholder `{{{inner}}}` must start with `principal`, `resource` or `context`"
                ))
            }
        }
        if let Some(unknown) = path[1..].iter().find(|attr| !known_attributes(attr)) {
            return Err(format!(
                "placeholder `{{{inner}}}` names `{unknown}`, which no entity in the schema has"
            ));
        }
        pieces.push(Piece::Path(path));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    Ok(pieces)
}

/// The values a template's roots stand for in one request.
pub struct Roots<'a> {
    pub principal: &'a EntityUid,
    pub resource: &'a EntityUid,
    pub environment: Option<&'a EntityUid>,
}

/// Renders `pieces` for one request. An attribute that is absent renders as
/// `none`, so optional attributes read naturally ("owner none").
pub fn render(pieces: &[Piece], roots: &Roots<'_>, entities: &Entities) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Path(path) => out.push_str(&resolve(path, roots, entities)),
        }
    }
    out
}

fn resolve(path: &[String], roots: &Roots<'_>, entities: &Entities) -> String {
    // `context.environment` is the only context key; it is an entity too.
    let (start, rest) = match path[0].as_str() {
        "principal" => (Some(roots.principal), &path[1..]),
        "resource" => (Some(roots.resource), &path[1..]),
        _ if path.get(1).map(String::as_str) == Some("environment") => {
            (roots.environment, path.get(2..).unwrap_or_default())
        }
        _ => (None, &path[1..]),
    };
    start
        .and_then(|uid| walk(rest, EvalResult::EntityUid(uid.clone()), entities))
        .map(|value| display(&value))
        .unwrap_or_else(|| "none".to_owned())
}

fn walk(path: &[String], mut current: EvalResult, entities: &Entities) -> Option<EvalResult> {
    for attr in path {
        let EvalResult::EntityUid(uid) = &current else {
            return None;
        };
        let entity = entities.get(uid)?;
        current = entity.attr(attr)?.ok()?;
    }
    Some(current)
}

fn display(value: &EvalResult) -> String {
    match value {
        EvalResult::Bool(b) => b.to_string(),
        EvalResult::Long(n) => n.to_string(),
        EvalResult::String(s) => s.clone(),
        EvalResult::EntityUid(uid) => uid.id().unescaped().to_owned(),
        EvalResult::Set(set) => {
            let mut items: Vec<String> = set.iter().map(display).collect();
            items.sort();
            if items.is_empty() {
                "none".to_owned()
            } else {
                items.join(", ")
            }
        }
        EvalResult::Record(_) | EvalResult::ExtensionValue(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: &str) -> bool {
        true
    }

    #[test]
    fn parses_text_and_paths() {
        let pieces = parse("secret {resource} owned by {resource.owner}", &any).unwrap();
        assert_eq!(
            pieces,
            vec![
                Piece::Text("secret ".into()),
                Piece::Path(vec!["resource".into()]),
                Piece::Text(" owned by ".into()),
                Piece::Path(vec!["resource".into(), "owner".into()]),
            ]
        );
    }

    #[test]
    fn rejects_unknown_roots_and_attributes() {
        assert!(parse("{secret.owner}", &any)
            .unwrap_err()
            .contains("must start with"));
        assert!(parse("{resource.ownr}", &|a| a == "owner")
            .unwrap_err()
            .contains("`ownr`"));
        assert!(parse("{resource", &any)
            .unwrap_err()
            .contains("never closed"));
    }
}
