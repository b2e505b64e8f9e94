//! Guards: the `principal has a` / `resource has a` tests a rule's condition
//! starts with, so a fact whose entity lacks the attribute skips the rule
//! without asking Cedar.
//!
//! Many rules judge an attribute only some entities carry (an overdue
//! rotation, an observed value, a file mode): `when { resource has x &&
//! ... }`. Cedar evaluates every rule of a request, at a cost of a few
//! microseconds each, and most facts fail such a test at once. Cedar
//! evaluates `&&` left to right and stops at the first false operand, so
//! when the leading operands of a rule's first condition are `has` tests on
//! `principal` or `resource` and one of them is false, the rule cannot
//! match and cannot fail: skipping it gives exactly Cedar's answer. Only
//! that leading run counts; a `has` after any other test could be preceded
//! by an evaluation error that must be reported.

use cedar_policy::{Entities, EntityUid, Policy};

/// Which entity of a request a guard tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    Principal,
    Resource,
}

/// `var has attr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    pub var: Var,
    pub attr: String,
}

/// The guards `policy`'s first condition starts with (empty when it starts
/// otherwise, or with `unless`).
pub fn of(policy: &Policy) -> Vec<Guard> {
    let Ok(json) = policy.to_json() else {
        return Vec::new();
    };
    let Some(first) = json
        .get("conditions")
        .and_then(|c| c.as_array())
        .and_then(|c| c.first())
    else {
        return Vec::new();
    };
    if first.get("kind").and_then(|k| k.as_str()) != Some("when") {
        return Vec::new();
    }
    let Some(body) = first.get("body") else {
        return Vec::new();
    };
    let mut operands = Vec::new();
    flatten_and(body, &mut operands);
    operands
        .iter()
        .map_while(|operand| has_test(operand))
        .collect()
}

/// The operands of a chain of `&&`, in evaluation order.
fn flatten_and<'a>(expr: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
    match expr.get("&&") {
        Some(and) => {
            if let (Some(left), Some(right)) = (and.get("left"), and.get("right")) {
                flatten_and(left, out);
                flatten_and(right, out);
            } else {
                out.push(expr);
            }
        }
        None => out.push(expr),
    }
}

/// `principal has a` or `resource has a`, as a guard.
fn has_test(expr: &serde_json::Value) -> Option<Guard> {
    let has = expr.get("has")?;
    let var = match has.get("left")?.get("Var")?.as_str()? {
        "principal" => Var::Principal,
        "resource" => Var::Resource,
        _ => return None,
    };
    let attr = has.get("attr")?.as_str()?.to_owned();
    Some(Guard { var, attr })
}

/// Whether every guard holds for a request on `principal` and `resource`.
/// An entity missing from the store fails its guards (the caller reports
/// missing entities before asking).
pub fn hold(
    guards: &[Guard],
    principal: &EntityUid,
    resource: &EntityUid,
    entities: &Entities,
) -> bool {
    guards.iter().all(|guard| {
        let uid = match guard.var {
            Var::Principal => principal,
            Var::Resource => resource,
        };
        entities
            .get(uid)
            .is_some_and(|entity| entity.attr(&guard.attr).is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guards(text: &str) -> Vec<Guard> {
        of(&Policy::parse(None, text).expect("policy parses"))
    }

    fn guard(var: Var, attr: &str) -> Guard {
        Guard {
            var,
            attr: attr.to_owned(),
        }
    }

    #[test]
    fn leading_has_tests_are_guards() {
        assert_eq!(
            guards("forbid(principal, action, resource) when { resource has a && principal has b && resource.a > 1 && resource has c };"),
            vec![guard(Var::Resource, "a"), guard(Var::Principal, "b")]
        );
        assert_eq!(
            guards("forbid(principal, action, resource) when { resource has a };"),
            vec![guard(Var::Resource, "a")]
        );
    }

    #[test]
    fn a_has_test_after_anything_else_is_not_a_guard() {
        assert!(guards(
            "forbid(principal, action, resource) when { resource.x && resource has a };"
        )
        .is_empty());
        assert!(guards(
            "forbid(principal, action, resource) when { resource has a || resource has b };"
        )
        .is_empty());
        assert!(
            guards("forbid(principal, action, resource) unless { resource has a };").is_empty()
        );
        assert!(
            guards("forbid(principal, action, resource) when { resource.secret has a };")
                .is_empty()
        );
        assert!(guards("forbid(principal, action, resource);").is_empty());
    }
}
