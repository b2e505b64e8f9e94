//! Entities as plain data, made Cedar entities only when a rule may read them.
//!
//! Making a Cedar [`Entity`] through its public constructor evaluates every
//! attribute, and putting it in an [`Entities`](cedar_policy::Entities)
//! store hashes it and computes the transitive closure of the hierarchy:
//! together about a third of a large check, spent mostly on entities no
//! rule ever reads, because most facts fail a screen of every rule that
//! applies to them (see [`crate::policy::screen`]). So a chunk's entities
//! are built as [`EntityData`] first; screens read those directly, and only
//! the entities a surviving fact can reach through its attributes become
//! Cedar entities.
//!
//! Those are built from values with `cedar-policy-core`, the crate under
//! `cedar-policy`, instead of from restricted expressions that Cedar would
//! evaluate again (5% of the instructions of a check at 10,000 secrets).
//! The conversions between the two crates' types are public but hidden from
//! Cedar's documentation, so both crates are pinned to one exact version in
//! `Cargo.toml`: an upgrade is a deliberate change, made with the tests
//! that compare these entities with the schema (debug builds check every
//! chunk's store through the public constructor) and the findings of every
//! example.

use std::collections::HashSet;

use cedar_policy::{Entity, EntityUid, RestrictedExpression};
use cedar_policy_core::ast;
use smol_str::SmolStr;

/// An attribute value, in the few shapes the schema uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    Bool(bool),
    Long(i64),
    String(String),
    Entity(EntityUid),
    Set(Vec<AttrValue>),
}

impl AttrValue {
    pub fn into_restricted(self) -> RestrictedExpression {
        match self {
            AttrValue::Bool(b) => RestrictedExpression::new_bool(b),
            AttrValue::Long(n) => RestrictedExpression::new_long(n),
            AttrValue::String(s) => RestrictedExpression::new_string(s),
            AttrValue::Entity(uid) => RestrictedExpression::new_entity_uid(uid),
            AttrValue::Set(members) => {
                RestrictedExpression::new_set(members.into_iter().map(AttrValue::into_restricted))
            }
        }
    }

    /// The value as Cedar holds it in an entity.
    fn into_value(self) -> ast::Value {
        match self {
            AttrValue::Bool(b) => ast::Value::from(b),
            AttrValue::Long(n) => ast::Value::from(n),
            AttrValue::String(s) => ast::Value::from(s),
            AttrValue::Entity(uid) => ast::Value::from(ast::EntityUID::from(uid)),
            AttrValue::Set(members) => {
                ast::Value::set(members.into_iter().map(AttrValue::into_value), None)
            }
        }
    }

    /// The entities this value names, for [`EntityIndex::reachable`].
    fn entities<'a>(&'a self, out: &mut Vec<&'a EntityUid>) {
        match self {
            AttrValue::Entity(uid) => out.push(uid),
            AttrValue::Set(members) => members.iter().for_each(|m| m.entities(out)),
            _ => {}
        }
    }
}

/// An entity with no parents (the schema has no hierarchy): its uid and
/// attributes, in the order they were set.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityData {
    pub uid: EntityUid,
    /// Attribute names are the schema's, so they are never built at run time.
    attrs: Vec<(&'static str, AttrValue)>,
}

impl EntityData {
    pub fn new(uid: EntityUid, attrs: Vec<(&'static str, AttrValue)>) -> Self {
        EntityData { uid, attrs }
    }

    /// The attribute's value; the last one set, as in the Cedar entity.
    pub fn attr(&self, name: &str) -> Option<&AttrValue> {
        self.attrs
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// Sets `name`, replacing any value it had.
    pub fn set(&mut self, name: &'static str, value: AttrValue) {
        match self.attrs.iter_mut().rev().find(|(k, _)| *k == name) {
            Some((_, old)) => *old = value,
            None => self.attrs.push((name, value)),
        }
    }

    /// The Cedar entity. It has no parents: the schema has no hierarchy.
    pub fn into_cedar(self) -> Entity {
        Entity::from(self.into_core())
    }

    /// The entity as Cedar's core crate holds it, built from values, not
    /// from restricted expressions: Cedar evaluates each of those again,
    /// which cost more than everything else done to make a store.
    pub fn into_core(self) -> ast::Entity {
        let attrs = self.attrs.into_iter().map(|(k, v)| {
            (
                SmolStr::new_static(k),
                ast::PartialValue::from(v.into_value()),
            )
        });
        ast::Entity::new_with_attr_partial_value(
            self.uid.into(),
            attrs,
            HashSet::new(),
            HashSet::new(),
            std::iter::empty(),
        )
    }
}

/// Collects attributes; optional ones are left out when absent, as the
/// schema's `?` attributes expect. Building cannot fail: the attributes are
/// plain data until [`EntityData::into_cedar`] or a store checks them.
pub struct AttrsBuilder(Vec<(&'static str, AttrValue)>);

impl Default for AttrsBuilder {
    /// Room for the largest entity's attributes (a secret instance has about
    /// 25), so building one never grows the list.
    fn default() -> Self {
        AttrsBuilder(Vec::with_capacity(32))
    }
}

impl AttrsBuilder {
    pub fn set(&mut self, key: &'static str, value: AttrValue) -> &mut Self {
        self.0.push((key, value));
        self
    }

    pub fn opt(&mut self, key: &'static str, value: Option<AttrValue>) -> &mut Self {
        if let Some(value) = value {
            self.0.push((key, value));
        }
        self
    }

    pub fn entity(&mut self, uid: EntityUid) -> EntityData {
        // Not shrunk to fit: that copied every entity's attributes, and a
        // chunk's entities live only until the chunk is judged.
        EntityData::new(uid, std::mem::take(&mut self.0))
    }
}

pub fn string(value: impl Into<String>) -> AttrValue {
    AttrValue::String(value.into())
}

pub fn long(value: i64) -> AttrValue {
    AttrValue::Long(value)
}

pub fn boolean(value: bool) -> AttrValue {
    AttrValue::Bool(value)
}

pub fn entity_ref(type_name: &str, id: &str) -> AttrValue {
    AttrValue::Entity(super::uid(type_name, id))
}

pub fn set(members: impl IntoIterator<Item = AttrValue>) -> AttrValue {
    AttrValue::Set(members.into_iter().collect())
}

pub fn entity_set<'a>(type_name: &str, ids: impl IntoIterator<Item = &'a str>) -> AttrValue {
    set(ids.into_iter().map(|id| entity_ref(type_name, id)))
}

/// A chunk's entities by uid.
pub struct EntityIndex<'a> {
    entities: &'a [EntityData],
    at: foldhash::HashMap<&'a EntityUid, usize>,
}

impl<'a> EntityIndex<'a> {
    pub fn new(entities: &'a [EntityData]) -> Self {
        let at = entities
            .iter()
            .enumerate()
            .map(|(i, e)| (&e.uid, i))
            .collect();
        EntityIndex { entities, at }
    }

    pub fn get(&self, uid: &EntityUid) -> Option<&'a EntityData> {
        self.at.get(uid).map(|&i| &self.entities[i])
    }

    /// Which of the chunk's entities (by position) are reachable from
    /// `roots` through entity-valued attributes: all that Cedar can read
    /// while judging requests about the roots (the schema has no hierarchy,
    /// so attributes are the only way from one entity to another). Roots not
    /// in the chunk are left out.
    pub fn reachable<'r>(&self, roots: impl IntoIterator<Item = &'r EntityUid>) -> Vec<bool>
    where
        'a: 'r,
    {
        let mut seen = vec![false; self.entities.len()];
        let mut stack: Vec<&EntityUid> = roots.into_iter().collect();
        let mut refs = Vec::new();
        while let Some(uid) = stack.pop() {
            let Some(&at) = self.at.get(uid) else {
                continue;
            };
            if std::mem::replace(&mut seen[at], true) {
                continue;
            }
            for (_, value) in &self.entities[at].attrs {
                value.entities(&mut refs);
            }
            stack.append(&mut refs);
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::uid;

    #[test]
    fn reachable_follows_entity_attributes_and_sets() {
        let a = EntityData::new(
            uid("Secret", "A"),
            vec![
                (
                    "readers",
                    AttrValue::Set(vec![AttrValue::Entity(uid("Service", "s"))]),
                ),
                ("shadows", AttrValue::Entity(uid("Secret", "B"))),
            ],
        );
        let s = EntityData::new(
            uid("Service", "s"),
            vec![("name", AttrValue::String("s".into()))],
        );
        let b = EntityData::new(
            uid("Secret", "B"),
            vec![("shadows", AttrValue::Entity(uid("Secret", "A")))],
        );
        let alone = EntityData::new(uid("Secret", "C"), Vec::new());
        let entities = vec![a, s, b, alone];
        let index = EntityIndex::new(&entities);
        let root = uid("Secret", "B");
        let ids: Vec<String> = entities
            .iter()
            .zip(index.reachable([&root]))
            .filter(|(_, reached)| *reached)
            .map(|(e, _)| e.uid.to_string())
            .collect();
        assert_eq!(ids, [r#"Secret::"A""#, r#"Service::"s""#, r#"Secret::"B""#]);
        // A cycle ends, and a missing root is skipped.
        let missing = uid("Secret", "Z");
        assert!(!index.reachable([&missing]).contains(&true));
    }

    /// Entities built from values (see the module notes) are the entities
    /// Cedar's public constructor makes from the same attributes.
    #[test]
    fn entities_built_from_values_equal_those_cedar_evaluates() {
        let data = EntityData::new(
            uid("SecretInstance", "A@prod"),
            vec![
                ("secret", AttrValue::Entity(uid("Secret", "A"))),
                ("has_fingerprint", AttrValue::Bool(true)),
                ("age_days", AttrValue::Long(-3)),
                (
                    "backend",
                    AttrValue::String("a name longer than twenty-three bytes".into()),
                ),
                ("encryption", AttrValue::String(String::new())),
                (
                    "shared_with_environments",
                    AttrValue::Set(vec![
                        AttrValue::Entity(uid("Environment", "staging")),
                        AttrValue::Entity(uid("Environment", "dev")),
                    ]),
                ),
                ("rotation_breaks", AttrValue::Set(Vec::new())),
                (
                    "nested",
                    AttrValue::Set(vec![AttrValue::Set(vec![AttrValue::String("x".into())])]),
                ),
            ],
        );
        let public = Entity::new(
            data.uid.clone(),
            data.attrs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone().into_restricted()))
                .collect(),
            HashSet::new(),
        )
        .unwrap();
        let built = data.into_cedar();
        assert!(
            built.as_ref().deep_eq(public.as_ref()),
            "{built:?}\n{public:?}"
        );
    }

    #[test]
    fn set_replaces_and_into_cedar_keeps_every_attribute() {
        let mut e = EntityData::new(
            uid("Secret", "A"),
            vec![("never_log", AttrValue::Bool(false))],
        );
        e.set("never_log", AttrValue::Bool(true));
        e.set("rotation_days", AttrValue::Long(90));
        assert_eq!(e.attr("never_log"), Some(&AttrValue::Bool(true)));
        let cedar = e.into_cedar();
        assert_eq!(
            cedar.attr("rotation_days").unwrap().unwrap(),
            cedar_policy::EvalResult::Long(90)
        );
        assert_eq!(
            cedar.attr("never_log").unwrap().unwrap(),
            cedar_policy::EvalResult::Bool(true)
        );
    }
}
