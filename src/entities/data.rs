//! Entities as plain data, made Cedar entities only when a rule may read them.
//!
//! Making a Cedar [`Entity`] evaluates every attribute, and putting it in an
//! [`Entities`](cedar_policy::Entities) store hashes it and computes the
//! transitive closure of the hierarchy: together about a third of a large
//! check, spent mostly on entities no rule ever reads, because most facts
//! fail a screen of every rule that applies to them (see
//! [`crate::policy::screen`]). So a chunk's entities are built as
//! [`EntityData`] first; screens read those directly, and only the entities
//! a surviving fact can reach through its attributes become Cedar entities.

use std::collections::{HashMap, HashSet};

use cedar_policy::{Entity, EntityUid, RestrictedExpression};

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

    /// The Cedar entity. Fails only when an attribute cannot be evaluated,
    /// which the values built here cannot cause.
    pub fn into_cedar(self) -> Result<Entity, String> {
        let attrs: HashMap<String, RestrictedExpression> = self
            .attrs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_restricted()))
            .collect();
        Entity::new(self.uid, attrs, HashSet::new()).map_err(|e| e.to_string())
    }
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

    #[test]
    fn set_replaces_and_into_cedar_keeps_every_attribute() {
        let mut e = EntityData::new(
            uid("Secret", "A"),
            vec![("never_log", AttrValue::Bool(false))],
        );
        e.set("never_log", AttrValue::Bool(true));
        e.set("rotation_days", AttrValue::Long(90));
        assert_eq!(e.attr("never_log"), Some(&AttrValue::Bool(true)));
        let cedar = e.into_cedar().unwrap();
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
