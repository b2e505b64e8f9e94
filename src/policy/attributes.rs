//! `has` tests on attributes the schema does not declare: load errors, like
//! the unguarded accesses Cedar's strict validation finds.
//!
//! Cedar types `resource has ownr` as plain `false` when no type the
//! resource can be declares `ownr`, so `resource has ownr && resource.ownr
//! == "x"` validates, loads and never fires: a typo that looks like a pass.
//! This module reads each policy's JSON form, works out the entity types
//! (or context and record shapes) the left side of each `has` can be, from
//! the schema's actions, the policy's scope and the attributes on the way,
//! and reports a `has` whose attribute none of them declares, with the
//! closest declared name. Where it cannot tell the types (any other
//! expression), it says nothing: Cedar's validation still applies.

use std::collections::BTreeSet;

use cedar_policy::{Policy, PrincipalConstraint, ResourceConstraint};
use serde_json::{Map, Value as Json};

use super::rule::{annotation, applies_to_action};
use crate::diag::{did_you_mean, Code, InputError};
use crate::entities::Action;
use crate::source::Location;

/// What an expression can be: entities of some types, or records of some
/// shapes (the request's context, a record attribute).
#[derive(Default)]
struct Kinds<'s> {
    entity_types: BTreeSet<&'s str>,
    records: Vec<&'s Map<String, Json>>,
    /// Whether the records are the request's context.
    context: bool,
}

impl<'s> Kinds<'s> {
    fn is_empty(&self) -> bool {
        self.entity_types.is_empty() && self.records.is_empty()
    }

    /// Every shape these kinds have: the attributes of each entity type and
    /// each record.
    fn shapes(&self, schema: &'s Json) -> Vec<&'s Map<String, Json>> {
        let mut shapes: Vec<&Map<String, Json>> = self
            .entity_types
            .iter()
            .filter_map(|name| entity_shape(schema, name))
            .collect();
        shapes.extend(self.records.iter().copied());
        shapes
    }
}

/// The `has` tests of `policy` (whose JSON form is `json`) that no possible
/// type declares, each attribute once, located by `locate`. `schema` is the
/// schema's namespace in its JSON form.
pub(super) fn undeclared_has<'s>(
    policy: &Policy,
    json: &Json,
    schema: &'s Json,
    locate: &dyn Fn(&str) -> Option<Location>,
) -> Vec<InputError> {
    let actions: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|action| applies_to_action(policy, *action))
        .collect();
    let vars = Vars {
        principal: principal_types(policy, &actions, schema),
        resource: resource_types(policy, &actions, schema),
        // An action without a context declares none.
        context: actions
            .iter()
            .map(|action| {
                schema
                    .pointer(&format!(
                        "/actions/{}/appliesTo/context/attributes",
                        action.name()
                    ))
                    .and_then(Json::as_object)
                    .unwrap_or_else(|| empty_map())
            })
            .collect(),
    };
    let mut errors = Vec::new();
    let mut reported = BTreeSet::new();
    let mut stack = vec![json];
    while let Some(node) = stack.pop() {
        match node {
            Json::Object(map) => {
                if let Some(has) = map.get("has") {
                    let attr = has.get("attr").and_then(Json::as_str);
                    if attr.is_some_and(|attr| !reported.contains(attr)) {
                        if let Some(error) = check_has(policy, has, &vars, schema, locate) {
                            reported.extend(attr);
                            errors.push(error);
                        }
                    }
                }
                stack.extend(map.values());
            }
            Json::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    errors.sort_by(|a, b| a.location.cmp(&b.location));
    errors
}

/// The types of the request variables for a policy's facts.
struct Vars<'s> {
    principal: BTreeSet<&'s str>,
    resource: BTreeSet<&'s str>,
    context: Vec<&'s Map<String, Json>>,
}

fn check_has<'s>(
    policy: &Policy,
    has: &Json,
    vars: &Vars<'s>,
    schema: &'s Json,
    locate: &dyn Fn(&str) -> Option<Location>,
) -> Option<InputError> {
    let attr = has.get("attr")?.as_str()?;
    let kinds = kinds_of(has.get("left")?, vars, schema)?;
    if kinds.is_empty() {
        return None;
    }
    let shapes = kinds.shapes(schema);
    if shapes.iter().any(|shape| shape.contains_key(attr)) {
        return None;
    }
    let declared: BTreeSet<&str> = shapes
        .iter()
        .flat_map(|shape| shape.keys().map(String::as_str))
        .collect();
    let what = match (kinds.entity_types.len(), kinds.records.is_empty()) {
        (1, true) => format!(
            "entity type `{}` does not declare",
            kinds.entity_types.first().copied().unwrap_or_default()
        ),
        (0, false) if kinds.context => "the context does not declare".to_owned(),
        (0, false) => "the record does not declare".to_owned(),
        _ => format!(
            "none of {} declares",
            kinds
                .entity_types
                .iter()
                .map(|t| format!("`{t}`"))
                .chain((!kinds.records.is_empty()).then(|| {
                    if kinds.context {
                        "the context"
                    } else {
                        "the record"
                    }
                    .to_owned()
                }))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let name = annotation(policy, "id").unwrap_or("(no @id)");
    let help = match did_you_mean(attr, declared.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "a `has` test on an undeclared attribute is always false, so the rule can never fire; `secretary policies schema` lists the attributes".to_owned(),
    };
    Some(
        InputError::new(
            Code::PolicyInvalid,
            format!(
                "rule `{name}` does not match the schema: `has {attr}` tests an attribute that {what}"
            ),
        )
        .at_opt(locate(attr))
        .help(help),
    )
}

/// What the expression `expr` can be; `None` when this module cannot tell.
fn kinds_of<'s>(expr: &Json, vars: &Vars<'s>, schema: &'s Json) -> Option<Kinds<'s>> {
    let map = expr.as_object().filter(|map| map.len() == 1)?;
    let (op, args) = map.iter().next()?;
    match op.as_str() {
        "Var" => match args.as_str()? {
            "principal" => Some(Kinds {
                entity_types: vars.principal.clone(),
                ..Kinds::default()
            }),
            "resource" => Some(Kinds {
                entity_types: vars.resource.clone(),
                ..Kinds::default()
            }),
            "context" => Some(Kinds {
                records: vars.context.clone(),
                context: true,
                ..Kinds::default()
            }),
            _ => None,
        },
        "." => {
            let attr = args.get("attr")?.as_str()?;
            let base = kinds_of(args.get("left")?, vars, schema)?;
            let mut kinds = Kinds::default();
            for shape in base.shapes(schema) {
                let Some(ty) = shape.get(attr) else { continue };
                match type_kind(ty, schema)? {
                    TypeKind::Entity(name) => {
                        kinds.entity_types.insert(name);
                    }
                    TypeKind::Record(attributes) => kinds.records.push(attributes),
                    TypeKind::Other => {}
                }
            }
            Some(kinds)
        }
        _ => None,
    }
}

enum TypeKind<'s> {
    Entity(&'s str),
    Record(&'s Map<String, Json>),
    Other,
}

/// What an attribute's type in the schema's JSON form is; `None` for a type
/// this module does not know (a common type, say).
fn type_kind<'s>(ty: &'s Json, schema: &'s Json) -> Option<TypeKind<'s>> {
    match ty.get("type")?.as_str()? {
        "Record" => Some(TypeKind::Record(ty.get("attributes")?.as_object()?)),
        "Entity" => Some(TypeKind::Entity(ty.get("name")?.as_str()?)),
        "EntityOrCommon" => {
            let name = ty.get("name")?.as_str()?;
            if entity_shape(schema, name).is_some() || entity_exists(schema, name) {
                Some(TypeKind::Entity(name))
            } else if matches!(name, "String" | "Long" | "Bool") {
                Some(TypeKind::Other)
            } else {
                None
            }
        }
        _ => Some(TypeKind::Other),
    }
}

fn entity_exists(schema: &Json, name: &str) -> bool {
    schema.pointer(&format!("/entityTypes/{name}")).is_some()
}

/// The attributes entity type `name` declares.
fn entity_shape<'s>(schema: &'s Json, name: &str) -> Option<&'s Map<String, Json>> {
    match schema.pointer(&format!("/entityTypes/{name}/shape/attributes")) {
        Some(attributes) => attributes.as_object(),
        // A type without a shape declares no attribute.
        None => entity_exists(schema, name).then(empty_map),
    }
}

fn empty_map() -> &'static Map<String, Json> {
    static EMPTY: std::sync::OnceLock<Map<String, Json>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Map::new)
}

/// The types the principal of the policy's facts can be: those of its
/// actions in the schema, narrowed by its scope.
fn principal_types<'s>(policy: &Policy, actions: &[Action], schema: &'s Json) -> BTreeSet<&'s str> {
    let scoped = match policy.principal_constraint() {
        PrincipalConstraint::Is(ty) | PrincipalConstraint::IsIn(ty, _) => Some(ty.to_string()),
        PrincipalConstraint::Eq(uid) => Some(uid.type_name().to_string()),
        PrincipalConstraint::Any | PrincipalConstraint::In(_) => None,
    };
    applies_to(actions, "principalTypes", scoped.as_deref(), schema)
}

/// The types the resource of the policy's facts can be.
fn resource_types<'s>(policy: &Policy, actions: &[Action], schema: &'s Json) -> BTreeSet<&'s str> {
    let scoped = match policy.resource_constraint() {
        ResourceConstraint::Is(ty) | ResourceConstraint::IsIn(ty, _) => Some(ty.to_string()),
        ResourceConstraint::Eq(uid) => Some(uid.type_name().to_string()),
        ResourceConstraint::Any | ResourceConstraint::In(_) => None,
    };
    applies_to(actions, "resourceTypes", scoped.as_deref(), schema)
}

fn applies_to<'s>(
    actions: &[Action],
    key: &str,
    scoped: Option<&str>,
    schema: &'s Json,
) -> BTreeSet<&'s str> {
    actions
        .iter()
        .filter_map(|action| {
            schema
                .pointer(&format!("/actions/{}/appliesTo/{key}", action.name()))?
                .as_array()
        })
        .flatten()
        .filter_map(Json::as_str)
        .filter(|ty| scoped.is_none_or(|scoped| scoped == *ty))
        .collect()
}
