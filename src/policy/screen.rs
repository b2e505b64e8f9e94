//! Screens: the simple tests a rule starts with, checked without Cedar, so
//! that a fact which fails one skips the rule.
//!
//! Cedar evaluates every rule of a request, at a cost of microseconds each,
//! and at 10,000 secrets there are about 80,000 requests. Most rules begin
//! with a test of one attribute (`principal.tier == "production"`, `resource
//! has days_overdue`, `["image", "build_arg"].contains(resource.backend)`)
//! that most facts fail, so most of that work decides nothing.
//!
//! Cedar evaluates a policy as its scope, then each condition in order, and
//! `&&` from left to right, stopping at the first false operand. So when the
//! scope or the leading operands of the first `when` are tests evaluated
//! here exactly as Cedar would, and one of them is false while the ones
//! before it were true, the rule can neither match nor fail: skipping it
//! gives exactly Cedar's answer. Everything else is left to Cedar. A test
//! this module cannot evaluate exactly (an expression it does not know, an
//! attribute that is missing, values of different types, an entity that is
//! not in the chunk) ends the screen there, and Cedar decides and reports
//! any error. Scope constraints are the exception: they can never fail, so
//! one this module cannot evaluate (`in`) is simply left out.
//!
//! The request's context is screened too (`context.observed`): a rule about
//! observed reads would otherwise be asked of every read of the inventory.
//!
//! `evaluate`'s tests check that screened and unscreened evaluation give the
//! same findings and errors.

use std::str::FromStr;

use std::borrow::Cow;

use cedar_policy::{
    EntityId, EntityTypeName, EntityUid, Policy, PrincipalConstraint, ResourceConstraint,
};
use serde_json::Value as Json;

use crate::entities::data::{AttrValue, EntityData, EntityIndex};

/// The tests a rule starts with, in Cedar's order of evaluation. Empty when
/// the rule starts with nothing this module can evaluate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Screen {
    tests: Vec<Test>,
}

/// A request variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    Principal,
    Resource,
}

/// An expression whose value a test compares.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    Var(Var),
    /// `term.attr`
    Attr(Box<Term>, String),
    /// `context.attr`
    Context(String),
    /// A bool, long, string or entity literal.
    Literal(AttrValue),
    /// A set of literals: `["a", "b"]`.
    Set(Vec<AttrValue>),
}

/// A boolean expression.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    /// A term whose value is a bool: `resource.never_log`.
    Bool(Term),
    Not(Box<Test>),
    /// `term has attr`
    Has(Term, String),
    /// `context has attr`
    ContextHas(String),
    /// `var is Type` (scope)
    Is(Var, EntityTypeName),
    Compare(Comparison, Term, Term),
    /// `set.contains(element)`
    Contains(Term, Term),
    /// `set.isEmpty()`
    IsEmpty(Term),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
}

/// The principal and resource of one request, each with its entity when the
/// chunk holds it, the request's context, and the chunk's entities for the
/// ones they refer to.
pub struct Subject<'a> {
    pub principal: (&'a EntityUid, Option<&'a EntityData>),
    pub resource: (&'a EntityUid, Option<&'a EntityData>),
    /// The context the request is made with, key by key.
    pub context: &'a [(&'static str, AttrValue)],
    pub entities: &'a EntityIndex<'a>,
}

impl Screen {
    /// The screen of `policy`: its scope tests, then the leading operands of
    /// its first condition when that is a `when`.
    pub fn of(policy: &Policy, json: Option<&Json>) -> Screen {
        let mut tests = Vec::new();
        match policy.principal_constraint() {
            PrincipalConstraint::Eq(uid) => tests.push(equals_entity(Var::Principal, uid)),
            PrincipalConstraint::Is(ty) | PrincipalConstraint::IsIn(ty, _) => {
                tests.push(Test::Is(Var::Principal, ty))
            }
            PrincipalConstraint::Any | PrincipalConstraint::In(_) => {}
        }
        match policy.resource_constraint() {
            ResourceConstraint::Eq(uid) => tests.push(equals_entity(Var::Resource, uid)),
            ResourceConstraint::Is(ty) | ResourceConstraint::IsIn(ty, _) => {
                tests.push(Test::Is(Var::Resource, ty))
            }
            ResourceConstraint::Any | ResourceConstraint::In(_) => {}
        }
        if let Some(body) = json.and_then(first_when) {
            let mut operands = Vec::new();
            flatten_and(body, &mut operands);
            tests.extend(operands.into_iter().map_while(test));
        }
        Screen { tests }
    }

    /// The screen for facts whose principal is of type `principal` (when
    /// the action allows only one) and whose resource is of type
    /// `resource`. For such facts a test of a variable's type is known in
    /// advance: a true one is dropped, and a false one means the rule's
    /// scope never matches them, so `None`. `is` tests come only from the
    /// scope, which Cedar evaluates first and which cannot fail, so this
    /// gives exactly the answers [`Screen::admits`] would. Nearly every rule
    /// starts with `resource is ...`, which otherwise every fact would test.
    pub fn for_types(&self, principal: Option<&str>, resource: &str) -> Option<Screen> {
        let mut tests = Vec::with_capacity(self.tests.len());
        for test in &self.tests {
            if let Test::Is(var, ty) = test {
                let known = match var {
                    Var::Principal => principal,
                    Var::Resource => Some(resource),
                };
                if let Some(known) = known {
                    if ty.to_string() != known {
                        return None;
                    }
                    continue;
                }
            }
            tests.push(test.clone());
        }
        Some(Screen { tests })
    }

    /// The rule's subject: the `has` tests its screen starts with (after
    /// the scope), the attributes a fact must carry for the rule to say
    /// anything about it at all. `resource has file_mode_wider_than_0600 &&
    /// resource.file_mode_wider_than_0600` is about instances held in a
    /// file, and an instance held elsewhere is not a fact the rule judged.
    /// Empty (every fact of the rule's scope) when the rule starts otherwise.
    pub fn subject(&self) -> Screen {
        let tests = self
            .tests
            .iter()
            .take_while(|test| matches!(test, Test::Is(..) | Test::Has(..) | Test::ContextHas(_)))
            .cloned()
            .collect();
        Screen { tests }
    }

    /// Whether the screen has any test at all.
    pub fn is_empty(&self) -> bool {
        self.tests.is_empty()
    }

    /// False only when a test is known to be false after every test before
    /// it was known to be true: then Cedar would find the rule neither
    /// matching nor failing.
    pub fn admits(&self, subject: &Subject<'_>) -> bool {
        for test in &self.tests {
            match subject.test(test) {
                Some(true) => continue,
                Some(false) => return false,
                None => return true,
            }
        }
        true
    }
}

fn equals_entity(var: Var, uid: EntityUid) -> Test {
    Test::Compare(
        Comparison::Equal,
        Term::Var(var),
        Term::Literal(AttrValue::Entity(uid)),
    )
}

/// The body of the policy's first condition, if it is a `when`.
fn first_when(json: &Json) -> Option<&Json> {
    let first = json.get("conditions")?.as_array()?.first()?;
    (first.get("kind")?.as_str()? == "when").then_some(())?;
    first.get("body")
}

/// The operands of a chain of `&&`, in evaluation order.
fn flatten_and<'a>(expr: &'a Json, out: &mut Vec<&'a Json>) {
    match expr
        .get("&&")
        .and_then(|and| Some((and.get("left")?, and.get("right")?)))
    {
        Some((left, right)) => {
            flatten_and(left, out);
            flatten_and(right, out);
        }
        None => out.push(expr),
    }
}

/// One operand in the JSON form of a policy (Cedar's EST), as a test.
fn test(expr: &Json) -> Option<Test> {
    let (op, args) = single_entry(expr)?;
    let binary = || Some((term(args.get("left")?)?, term(args.get("right")?)?));
    let comparison = |kind| binary().map(|(left, right)| Test::Compare(kind, left, right));
    match op {
        "!" => Some(Test::Not(Box::new(test(args.get("arg")?)?))),
        "has" => {
            let attr = args.get("attr")?.as_str()?.to_owned();
            let left = args.get("left")?;
            if is_context(left) {
                return Some(Test::ContextHas(attr));
            }
            Some(Test::Has(term(left)?, attr))
        }
        "==" => comparison(Comparison::Equal),
        "!=" => comparison(Comparison::NotEqual),
        "<" => comparison(Comparison::Less),
        "<=" => comparison(Comparison::LessEqual),
        ">" => comparison(Comparison::Greater),
        ">=" => comparison(Comparison::GreaterEqual),
        "contains" => binary().map(|(set, element)| Test::Contains(set, element)),
        "isEmpty" => Some(Test::IsEmpty(term(args.get("arg")?)?)),
        "." => Some(Test::Bool(term(expr)?)),
        _ => None,
    }
}

fn term(expr: &Json) -> Option<Term> {
    let (op, args) = single_entry(expr)?;
    match op {
        "Var" => match args.as_str()? {
            "principal" => Some(Term::Var(Var::Principal)),
            "resource" => Some(Term::Var(Var::Resource)),
            _ => None,
        },
        "." => {
            let attr = args.get("attr")?.as_str()?.to_owned();
            let left = args.get("left")?;
            if is_context(left) {
                return Some(Term::Context(attr));
            }
            Some(Term::Attr(Box::new(term(left)?), attr))
        }
        "Value" => literal(args).map(Term::Literal),
        "Set" => args
            .as_array()?
            .iter()
            .map(|element| match single_entry(element)? {
                ("Value", value) => literal(value),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Term::Set),
        _ => None,
    }
}

fn literal(value: &Json) -> Option<AttrValue> {
    match value {
        Json::Bool(b) => Some(AttrValue::Bool(*b)),
        Json::Number(n) => n.as_i64().map(AttrValue::Long),
        Json::String(s) => Some(AttrValue::String(s.clone())),
        Json::Object(map) => {
            let entity = map.get("__entity")?;
            let ty = EntityTypeName::from_str(entity.get("type")?.as_str()?).ok()?;
            let id = EntityId::new(entity.get("id")?.as_str()?);
            Some(AttrValue::Entity(EntityUid::from_type_name_and_id(ty, id)))
        }
        _ => None,
    }
}

/// Whether `expr` is the variable `context`.
fn is_context(expr: &Json) -> bool {
    single_entry(expr).is_some_and(|(op, var)| op == "Var" && var == "context")
}

/// The only key of a JSON object and its value.
fn single_entry(expr: &Json) -> Option<(&str, &Json)> {
    let map = expr.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.iter().next().map(|(k, v)| (k.as_str(), v))
}

impl<'a> Subject<'a> {
    fn var(&self, var: Var) -> (&'a EntityUid, Option<&'a EntityData>) {
        match var {
            Var::Principal => self.principal,
            Var::Resource => self.resource,
        }
    }

    /// The entity a term names, if it is in the chunk.
    fn entity(&self, term: &Term) -> Option<&'a EntityData> {
        match term {
            Term::Var(var) => self.var(*var).1,
            _ => match self.value(term)? {
                Cow::Borrowed(AttrValue::Entity(uid)) => self.entities.get(uid),
                Cow::Owned(AttrValue::Entity(uid)) => self.entities.get(&uid),
                _ => None,
            },
        }
    }

    /// A term's value, or `None` where Cedar's evaluation would fail or
    /// where this module does not know the expression.
    fn value<'t>(&self, term: &'t Term) -> Option<Cow<'t, AttrValue>>
    where
        'a: 't,
    {
        match term {
            Term::Var(var) => Some(Cow::Owned(AttrValue::Entity(self.var(*var).0.clone()))),
            Term::Literal(value) => Some(Cow::Borrowed(value)),
            Term::Set(_) => None,
            // A key the context lacks is an error in Cedar: left to it.
            Term::Context(attr) => self
                .context
                .iter()
                .find(|(key, _)| key == attr)
                .map(|(_, value)| Cow::Borrowed(value)),
            Term::Attr(base, attr) => {
                let entity = match base.as_ref() {
                    Term::Var(var) => self.var(*var).1?,
                    other => self.entity(other)?,
                };
                entity.attr(attr).map(Cow::Borrowed)
            }
        }
    }

    fn test(&self, test: &Test) -> Option<bool> {
        match test {
            Test::Bool(term) => match self.value(term)?.as_ref() {
                AttrValue::Bool(b) => Some(*b),
                _ => None,
            },
            Test::Not(inner) => self.test(inner).map(|b| !b),
            Test::Has(term, attr) => match term {
                Term::Var(var) => Some(self.var(*var).1?.attr(attr).is_some()),
                other => Some(self.entity(other)?.attr(attr).is_some()),
            },
            Test::ContextHas(attr) => Some(self.context.iter().any(|(key, _)| key == attr)),
            Test::Is(var, ty) => Some(self.var(*var).0.type_name() == ty),
            Test::Compare(kind, left, right) => {
                compare(*kind, &*self.value(left)?, &*self.value(right)?)
            }
            Test::Contains(set, element) => {
                let element = self.value(element)?;
                if !is_primitive(&element) {
                    return None;
                }
                match set {
                    Term::Set(members) => Some(members.contains(&element)),
                    other => match self.value(other)?.as_ref() {
                        AttrValue::Set(members) => Some(members.contains(&element)),
                        _ => None,
                    },
                }
            }
            Test::IsEmpty(term) => match self.value(term)?.as_ref() {
                AttrValue::Set(members) => Some(members.is_empty()),
                _ => None,
            },
        }
    }
}

/// Bools, longs, strings and entities compare by value; anything else
/// (sets) is left to Cedar.
fn is_primitive(value: &AttrValue) -> bool {
    !matches!(value, AttrValue::Set(_))
}

/// A comparison of two values of the same primitive type. Values of
/// different types are left to Cedar (equal to false, an error for `<`).
fn compare(kind: Comparison, left: &AttrValue, right: &AttrValue) -> Option<bool> {
    if !is_primitive(left) || std::mem::discriminant(left) != std::mem::discriminant(right) {
        return None;
    }
    match kind {
        Comparison::Equal => Some(left == right),
        Comparison::NotEqual => Some(left != right),
        _ => {
            let (AttrValue::Long(l), AttrValue::Long(r)) = (left, right) else {
                return None;
            };
            Some(match kind {
                Comparison::Less => l < r,
                Comparison::LessEqual => l <= r,
                Comparison::Greater => l > r,
                _ => l >= r,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(text: &str) -> Screen {
        let policy = Policy::parse(None, text).expect("policy parses");
        let json = policy.to_json().ok();
        Screen::of(&policy, json.as_ref())
    }

    fn count(text: &str) -> usize {
        screen(text).tests.len()
    }

    #[test]
    fn leading_operands_of_the_first_when_are_screened() {
        assert_eq!(
            count("forbid(principal, action, resource) when { resource has a && principal.b == \"x\" && [\"p\", \"q\"].contains(resource.c) && !resource.d.isEmpty() && resource.e > 1 && resource.f };"),
            6
        );
        // Screening stops at the first operand it does not know.
        assert_eq!(
            count("forbid(principal, action, resource) when { resource has a && (resource.b || resource.c) && resource has d };"),
            1
        );
    }

    #[test]
    fn type_tests_known_from_the_kind_of_fact_are_settled_in_advance() {
        let rule = screen(
            "forbid(principal is Service, action, resource is Secret) when { resource.never_log };",
        );
        assert_eq!(rule.tests.len(), 3);
        // Both types known and right: only the attribute test is left.
        let settled = rule.for_types(Some("Service"), "Secret").unwrap();
        assert_eq!(settled.tests.len(), 1);
        assert!(matches!(settled.tests[0], Test::Bool(_)));
        // A principal of several possible types keeps its test.
        assert_eq!(rule.for_types(None, "Secret").unwrap().tests.len(), 2);
        // A type known to differ: the rule never matches such facts.
        assert!(rule.for_types(Some("Service"), "EnvVar").is_none());
        assert!(rule.for_types(Some("Environment"), "Secret").is_none());
    }

    #[test]
    fn only_a_first_when_condition_is_screened() {
        assert!(
            screen("forbid(principal, action, resource) unless { resource has a };").is_empty()
        );
        assert!(screen(
            "forbid(principal, action, resource) when { resource has a || resource has b };"
        )
        .is_empty());
        assert!(screen("forbid(principal, action, resource);").is_empty());
    }

    #[test]
    fn context_attributes_are_screened() {
        let rule = screen(
            "forbid(principal, action, resource) when { context.observed && !context.declared && context has environment && context.environment == Environment::\"prod\" };",
        );
        assert_eq!(rule.tests.len(), 4);
        let (principal, resource) = (
            crate::entities::uid("Service", "api"),
            crate::entities::uid("Secret", "S"),
        );
        let prod = AttrValue::Entity(crate::entities::uid("Environment", "prod"));
        let entities = [];
        let index = EntityIndex::new(&entities);
        let admits = |context: &[(&'static str, AttrValue)]| {
            rule.admits(&Subject {
                principal: (&principal, None),
                resource: (&resource, None),
                context,
                entities: &index,
            })
        };
        let read = |observed, declared| {
            vec![
                ("environment", prod.clone()),
                ("observed", AttrValue::Bool(observed)),
                ("declared", AttrValue::Bool(declared)),
            ]
        };
        assert!(admits(&read(true, false)));
        assert!(!admits(&read(false, true)));
        assert!(!admits(&read(true, true)));
        let mut without_environment = read(true, false);
        without_environment.remove(0);
        assert!(!admits(&without_environment));
    }

    #[test]
    fn scope_constraints_are_screened_except_in() {
        assert_eq!(
            count("forbid(principal == Service::\"gateway\", action, resource is Secret);"),
            2
        );
        assert_eq!(
            count("forbid(principal in Service::\"gateway\", action, resource) when { resource has a };"),
            1
        );
    }

    #[test]
    fn values_of_different_types_are_left_to_cedar() {
        let long = AttrValue::Long(1);
        let string = AttrValue::String("1".into());
        assert_eq!(compare(Comparison::Equal, &long, &string), None);
        assert_eq!(compare(Comparison::Less, &string, &string), None);
        assert_eq!(
            compare(Comparison::Less, &long, &AttrValue::Long(2)),
            Some(true)
        );
        assert_eq!(compare(Comparison::NotEqual, &string, &string), Some(false));
    }

    /// A built-in rule whose condition the screen cannot start on is asked
    /// of every fact its scope admits: `inventory-review-pending`, written
    /// as a disjunction, once sent every `define` fact to Cedar and cost
    /// 4x the authorizer calls at 1,000 secrets. Each built-in rule's
    /// `when` must give the screen a test beyond its scope.
    #[test]
    fn every_builtin_rule_condition_is_screened() {
        let mut unscreened = Vec::new();
        for (file, text) in crate::policy::BUILTIN_FILES {
            let set: cedar_policy::PolicySet = text.parse().expect("built-in rules parse");
            for policy in set.policies() {
                let json = policy.to_json().expect("a policy has a JSON form");
                let mut scope_only = json.clone();
                scope_only["conditions"] = Json::Array(Vec::new());
                let bare = Policy::from_json(None, scope_only.clone()).expect("scope parses");
                let id = policy.annotation("id").unwrap_or_default();
                // One fact per value written in a compose file, or per
                // principal that may read a secret with declared readers,
                // never one per inventory entry: Cedar may as well decide.
                if id == "compose-literal-secret" || id == "store-reader-not-allowed" {
                    continue;
                }
                if Screen::of(policy, Some(&json)).tests.len()
                    <= Screen::of(&bare, Some(&scope_only)).tests.len()
                {
                    unscreened.push(format!("{file}: {id}"));
                }
            }
        }
        assert!(
            unscreened.is_empty(),
            "rules that start their `when` with nothing the screen evaluates: {unscreened:?}"
        );
    }
}
