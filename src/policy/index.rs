//! The validated rules indexed by the kind of fact they can apply to, so
//! the evaluator asks Cedar only about the rules that matter for a fact,
//! and the entities the rules name literally, which every entity store
//! must hold.
//!
//! Both read each policy's JSON form, made once per policy by [`read`] and
//! dropped as soon as it is read (5,000 of them held at once cost 30 MB): a
//! rule's scope says which actions and resource types it can apply to, and
//! its leading tests become a [`Screen`](super::screen::Screen).

use cedar_policy::{Policy, PolicySet, ResourceConstraint, Schema};

use super::rule::applies_to_action;
use super::screen::Screen;
use super::{ApplicableSet, NamedPolicy, ScreenedPolicy};
use crate::entities::{Action, EntityLiterals};

/// What the index reads from each policy's JSON form.
pub(super) struct Read {
    screens: Vec<Screen>,
    entity_literals: EntityLiterals,
}

/// Reads each policy's JSON form once, handing it to `also` (the `has`
/// check) too.
pub(super) fn read(
    policies: &[NamedPolicy],
    mut also: impl FnMut(&NamedPolicy, &serde_json::Value),
) -> Read {
    let mut entity_literals = EntityLiterals::new();
    let screens = policies
        .iter()
        .map(|named| {
            let json = named.policy.to_json().ok();
            if let Some(json) = &json {
                collect_entity_literals(json, &mut entity_literals);
                also(named, json);
            }
            Screen::of(&named.policy, json.as_ref())
        })
        .collect();
    Read {
        screens,
        entity_literals,
    }
}

/// One [`ApplicableSet`] per action and resource type, and the entity
/// literals of all `policies` (as [`read`] read them).
pub(super) fn index(
    policies: &[NamedPolicy],
    read: Read,
    schema: &Schema,
) -> (Vec<ApplicableSet>, EntityLiterals) {
    let Read {
        screens,
        entity_literals,
    } = read;
    let mut sets = Vec::new();
    for action in Action::ALL {
        // The principal's type, when the schema allows only one.
        let principal_type = schema
            .principals_for_action(&action.uid())
            .and_then(|mut types| {
                let only = types.next()?;
                types.next().is_none().then(|| only.to_string())
            });
        for resource_type in crate::entities::resource_types(action) {
            sets.push(applicable_set(
                action,
                resource_type,
                policies,
                &screens,
                principal_type.as_deref(),
            ));
        }
    }
    (sets, entity_literals)
}

/// The rules for facts of `action` on a `resource_type`.
fn applicable_set(
    action: Action,
    resource_type: &'static str,
    policies: &[NamedPolicy],
    screens: &[Screen],
    principal_type: Option<&str>,
) -> ApplicableSet {
    // No blanket permit: with only forbids, every response is a deny
    // whose reasons are exactly the forbids that matched (none for a
    // clean fact), and a permit would cost one evaluation per fact.
    let mut set = PolicySet::new();
    let mut screened = Vec::new();
    let mut has_rules = false;
    for (named, screen) in policies.iter().zip(screens) {
        let policy = &named.policy;
        if applies_to_action(policy, action) && applies_to_resource_type(policy, resource_type) {
            let Some(screen) = screen.for_types(principal_type, resource_type) else {
                continue; // its scope never matches these facts
            };
            if screen.is_empty() {
                has_rules |= set.add(policy.clone()).is_ok();
            } else {
                let mut own = PolicySet::new();
                if own.add(policy.clone()).is_ok() {
                    has_rules = true;
                    screened.push(ScreenedPolicy {
                        subject: screen.subject(),
                        screen,
                        policies: own,
                    });
                }
            }
        }
    }
    ApplicableSet {
        action,
        resource_type,
        policies: set,
        screened,
        has_rules,
    }
}

/// Finds `{"__entity": {"type": T, "id": I}}` in a policy's JSON form.
fn collect_entity_literals(value: &serde_json::Value, out: &mut EntityLiterals) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(entity) = map.get("__entity") {
                if let (Some(ty), Some(id)) = (entity["type"].as_str(), entity["id"].as_str()) {
                    out.insert((ty.to_owned(), id.to_owned()));
                }
            }
            map.values().for_each(|v| collect_entity_literals(v, out));
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|v| collect_entity_literals(v, out))
        }
        _ => {}
    }
}

fn applies_to_resource_type(policy: &Policy, resource_type: &str) -> bool {
    match policy.resource_constraint() {
        ResourceConstraint::Is(ty) | ResourceConstraint::IsIn(ty, _) => {
            ty.to_string() == resource_type
        }
        ResourceConstraint::Eq(uid) => uid.type_name().to_string() == resource_type,
        ResourceConstraint::Any | ResourceConstraint::In(_) => true,
    }
}
