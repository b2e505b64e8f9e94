//! Stage 4b: ask Cedar about every fact.
//!
//! One request per fact, evaluated against only the policies that can apply
//! to its action and resource type, less those whose screen already rejects
//! the fact (see [`crate::policy::screen`]). Chunks of the inventory and
//! of the observations ([`plan`]) are built and judged in parallel. Each
//! chunk's facts are screened on its entities as plain data first; only the
//! entities the remaining facts can reach become a Cedar store (see
//! [`crate::entities::data`]), dropped as soon as its facts are judged. A forbid that
//! decides a Deny is a finding. Cedar skips a policy whose evaluation errors
//! and carries on; here that becomes an `error` finding instead, so a broken
//! rule can never look like a pass. A fact that names an entity missing from
//! the store is an error for the same reason.
//!
//! The [`plan`] is the one place that gathers every source's entities and
//! facts: the inventory's ([`crate::entities`]) and each observed source's
//! (under [`crate::observe`]). A new observed source adds its chunk there.

pub mod plan;

use std::collections::{BTreeMap, HashMap};

use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, Request, Schema};
use rayon::prelude::*;

use crate::entities::data::{AttrValue, EntityIndex};
use crate::entities::{cedar_store, EntityStore, Fact};
use crate::findings::{Finding, Severity};
use crate::policy::message::{self, Roots};
use crate::policy::screen::Subject;
use crate::policy::RuleSet;
use plan::EntityPlan;

/// Evaluates every fact of every chunk of `plan` against `rules`.
pub fn evaluate(plan: &EntityPlan<'_>, rules: &RuleSet, schema: &Schema) -> Vec<Finding> {
    evaluate_counted(plan, rules, schema).findings
}

/// The findings of an evaluation, and how many facts each rule was asked
/// about.
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// Facts judged, by rule id: the facts of the rule's action and
    /// resource type (e.g. every secret instance for a `store` rule on
    /// `SecretInstance`) that carry the attributes the rule starts by
    /// testing with `has` (its subject, [`crate::policy::screen::Screen::subject`]),
    /// whether the rule's screen let them through to Cedar or rejected
    /// them as plain data, since both are a verdict on the fact. A rule on
    /// secret files counts the instances held in files, not every
    /// instance. Rules with no such fact are absent: "not applicable".
    pub facts: BTreeMap<String, usize>,
}

/// Facts asked, by the address of the policy set asked (stable while the
/// rules are borrowed).
type SetCounts<'r> = HashMap<usize, (&'r PolicySet, usize)>;

/// [`evaluate`], counting the facts each rule was asked about.
pub fn evaluate_counted(plan: &EntityPlan<'_>, rules: &RuleSet, schema: &Schema) -> Evaluation {
    // Entities the rules name can be read by any request.
    let literals: Vec<EntityUid> = rules
        .entity_literals
        .iter()
        .map(|(type_name, id)| crate::entities::uid(type_name, id))
        .collect();
    // `rayon::scope` puts the work on the pool however many chunks there
    // are: a parallel iterator of one item runs on the calling thread, whose
    // stack is 1 MiB on Windows (every rule at the bound failed there with
    // "recursion limit reached", found under Wine). No pool of its own: two
    // more threads cost the 10k bench 24 MB of malloc arenas.
    let (findings, counts) = rayon::scope(|_| {
        (0..plan.chunk_count())
            .into_par_iter()
            .map(|index| {
                let mut counts = SetCounts::new();
                let findings = evaluate_chunk(
                    plan.build_chunk(index),
                    rules,
                    schema,
                    &literals,
                    &mut counts,
                )
                .unwrap_or_else(|problem| {
                    vec![Finding::new(
                        "internal-error",
                        Severity::Error,
                        format!("{problem}; please report this"),
                        plan.chunk_location(index),
                    )]
                });
                (findings, counts)
            })
            .reduce(
                || (Vec::new(), SetCounts::new()),
                |(mut findings, mut counts), (more, more_counts)| {
                    findings.extend(more);
                    for (key, (set, n)) in more_counts {
                        counts.entry(key).or_insert((set, 0)).1 += n;
                    }
                    (findings, counts)
                },
            )
    });
    let mut facts = BTreeMap::new();
    for (set, n) in counts.into_values() {
        for policy in set.policies() {
            *facts.entry(policy.id().to_string()).or_insert(0) += n;
        }
    }
    Evaluation { findings, facts }
}

/// The stack each thread rules are evaluated on needs (8 MiB, a Linux main
/// thread's): Cedar's evaluator recurses once or more per level of a rule,
/// and `policy::bounds` counts on this much. The binary gives it to rayon's
/// global pool (`cli::run`); rayon's default, 2 MiB, is too little for every
/// kind of rule at the nesting bound in a debug build, and a rule that runs
/// out is reported as an error, never as passing.
pub const EVALUATION_STACK_BYTES: usize = 8 << 20;

/// What a fact still needs after its screens.
enum Verdict<'r> {
    /// Nothing: its findings (none, or an internal error) are known.
    Done(Vec<Finding>),
    /// Cedar's answer, from these sets of rules.
    Ask(Vec<&'r PolicySet>),
}

/// Screens every fact of one chunk, then asks Cedar about the facts some
/// rule may match, with a Cedar store of only the entities those facts
/// can reach (see [`crate::entities::data`]).
fn evaluate_chunk<'r>(
    store: EntityStore,
    rules: &'r RuleSet,
    schema: &Schema,
    literals: &[EntityUid],
    counts: &mut SetCounts<'r>,
) -> Result<Vec<Finding>, String> {
    if cfg!(debug_assertions) {
        // Debug builds, and so the tests, check every entity against the
        // schema, not only those a rule reads; release builds trust them.
        store.cedar(Some(schema))?;
    }
    let EntityStore { entities, facts } = store;
    let index = EntityIndex::new(&entities);
    let verdicts: Vec<Verdict> = facts
        .iter()
        .map(|fact| screen_fact(fact, &index, rules, counts))
        .collect();
    let asked = || {
        facts
            .iter()
            .zip(&verdicts)
            .filter(|(_, verdict)| matches!(verdict, Verdict::Ask(_)))
            .map(|(fact, _)| fact)
    };
    let entities = match asked().next() {
        Some(_) => {
            let roots = asked()
                .flat_map(|fact| {
                    [&fact.principal, &fact.resource]
                        .into_iter()
                        .chain(&fact.environment)
                })
                .chain(literals);
            let reached = index.reachable(roots);
            drop(index);
            let needed = entities
                .into_iter()
                .zip(reached)
                .filter_map(|(entity, reached)| reached.then_some(entity));
            cedar_store(needed, None)?
        }
        None => Entities::empty(),
    };
    let authorizer = Authorizer::new();
    let mut findings = Vec::new();
    for (fact, verdict) in facts.iter().zip(verdicts) {
        match verdict {
            Verdict::Done(mut done) => findings.append(&mut done),
            Verdict::Ask(sets) => ask_cedar(
                &authorizer,
                fact,
                &sets,
                &entities,
                rules,
                schema,
                &mut findings,
            ),
        }
    }
    Ok(findings)
}

/// Counts `fact` for the rules of `set`.
fn count<'r>(counts: &mut SetCounts<'r>, set: &'r PolicySet) {
    let key = std::ptr::from_ref::<PolicySet>(set) as usize;
    counts.entry(key).or_insert((set, 0)).1 += 1;
}

/// The rules that may match `fact`: those that apply to its action and
/// resource type, less the screened ones whose screen rejects it. The fact
/// is counted for each rule it is the subject of.
fn screen_fact<'r>(
    fact: &Fact,
    index: &EntityIndex<'_>,
    rules: &'r RuleSet,
    counts: &mut SetCounts<'r>,
) -> Verdict<'r> {
    let resource_type = fact.resource.type_name().basename();
    let Some(policies) = rules.policies_for(fact.action, resource_type) else {
        return Verdict::Done(vec![internal_error(
            fact,
            format!(
                "no policy set for `{}` on `{resource_type}`",
                fact.action.name()
            ),
        )]);
    };
    let Some(policies) = policies else {
        // No rule applies: nothing can deny.
        return Verdict::Done(Vec::new());
    };
    let principal = index.get(&fact.principal);
    let resource = index.get(&fact.resource);
    let missing = [
        (&fact.principal, principal.is_some()),
        (&fact.resource, resource.is_some()),
    ]
    .into_iter()
    .chain(
        fact.environment
            .as_ref()
            .map(|env| (env, index.get(env).is_some())),
    )
    .find(|(_, present)| !present);
    if let Some(set) = policies.unscreened {
        count(counts, set);
    }
    if let Some((missing, _)) = missing {
        for screened in policies.screened {
            count(counts, &screened.policies);
        }
        return Verdict::Done(vec![internal_error(
            fact,
            format!("entity {missing} is not in the entity store"),
        )]);
    }
    // Screened rules whose screen rejects the fact cannot match (see
    // `policy::screen`).
    let context = context_attrs(fact);
    let subject = Subject {
        principal: (&fact.principal, principal),
        resource: (&fact.resource, resource),
        context: &context,
        entities: index,
    };
    for screened in policies.screened {
        if screened.subject.admits(&subject) {
            count(counts, &screened.policies);
        }
    }
    let sets: Vec<&PolicySet> = policies
        .unscreened
        .into_iter()
        .chain(
            policies
                .screened
                .iter()
                .filter(|s| s.screen.admits(&subject))
                .map(|s| &s.policies),
        )
        .collect();
    if sets.is_empty() {
        Verdict::Done(Vec::new())
    } else {
        Verdict::Ask(sets)
    }
}

/// Asks Cedar whether `sets` deny `fact`, adding a finding per matching
/// forbid and per rule that failed to evaluate.
fn ask_cedar(
    authorizer: &Authorizer,
    fact: &Fact,
    sets: &[&PolicySet],
    entities: &Entities,
    rules: &RuleSet,
    schema: &Schema,
    findings: &mut Vec<Finding>,
) {
    let request = fact_context(fact)
        .map_err(|e| e.to_string())
        .and_then(|context| {
            Request::new(
                fact.principal.clone(),
                fact.action.uid(),
                fact.resource.clone(),
                context,
                // Facts are built to fit the schema (debug builds, and so the
                // tests, check every request; release builds trust them).
                cfg!(debug_assertions).then_some(schema),
            )
            .map_err(|e| e.to_string())
        });
    let request = match request {
        Ok(request) => request,
        Err(problem) => {
            findings.push(internal_error(fact, format!("invalid request: {problem}")));
            return;
        }
    };
    for set in sets {
        let response = authorizer.is_authorized(&request, set, entities);
        judge(fact, &response, entities, rules, findings);
    }
}

/// The context of a fact's request: its environment, and for `read` facts
/// whether the read was observed (compose files) and whether `reads:` lists it.
/// Screens read these values, and Cedar gets them as the [`Context`].
fn context_attrs(fact: &Fact) -> Vec<(&'static str, AttrValue)> {
    let mut attrs = Vec::with_capacity(4);
    if let Some(env) = &fact.environment {
        attrs.push(("environment", AttrValue::Entity(env.clone())));
    }
    if fact.action == crate::entities::Action::Read {
        // Observed reads (compose files) say so, and whether `reads:` lists them.
        attrs.push(("observed", AttrValue::Bool(fact.observed.is_some())));
        attrs.push((
            "declared",
            AttrValue::Bool(fact.observed.is_none_or(|o| o.declared)),
        ));
        if let Some(observed) = fact.observed {
            attrs.push((
                "source",
                AttrValue::String(observed.source.name().to_owned()),
            ));
        }
    }
    attrs
}

fn fact_context(fact: &Fact) -> Result<Context, String> {
    Context::from_pairs(
        context_attrs(fact)
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.into_restricted())),
    )
    .map_err(|e| e.to_string())
}

/// The findings of one Cedar response: a finding per matching forbid, an
/// error finding per rule that failed to evaluate.
fn judge(
    fact: &Fact,
    response: &cedar_policy::Response,
    entities: &Entities,
    rules: &RuleSet,
    findings: &mut Vec<Finding>,
) {
    let diagnostics = response.diagnostics();
    for policy_id in diagnostics.reason() {
        let Some(rule) = rules.rule(policy_id.as_ref()) else {
            continue; // not a rule of ours (cannot happen: every policy is one)
        };
        let roots = Roots {
            principal: &fact.principal,
            resource: &fact.resource,
            environment: fact.environment.as_ref(),
        };
        findings.push(
            about(
                fact,
                Finding::new(
                    rule.id.clone(),
                    rule.severity,
                    message::render(&rule.message, &roots, entities),
                    fact.location.clone(),
                ),
            )
            .controls(rule.controls.clone())
            .remediation(rule.remediation.clone()),
        );
    }
    for error in diagnostics.errors() {
        let cedar_policy::AuthorizationError::PolicyEvaluationError(e) = error;
        let (rule_id, problem) = (e.policy_id().to_string(), e.inner().to_string());
        let controls = rules
            .rule(&rule_id)
            .map(|r| r.controls.clone())
            .unwrap_or_default();
        let message = format!("rule `{rule_id}` could not be evaluated: {problem}");
        findings.push(
            about(fact, Finding::new(rule_id, Severity::Error, message, fact.location.clone()))
                .controls(controls)
                .remediation("fix the rule so it cannot fail at run time (guard optional attributes with `has`, avoid overflow, refer only to entities that exist)".to_owned()),
        );
    }
}

fn internal_error(fact: &Fact, problem: String) -> Finding {
    let message = format!("internal error: {problem}; please report this");
    about(
        fact,
        Finding::new(
            "internal-error",
            Severity::Error,
            message,
            fact.location.clone(),
        ),
    )
}

/// `finding`, about `fact`'s subject, environment and other party.
fn about(fact: &Fact, finding: Finding) -> Finding {
    finding
        .entity(fact.subject.clone())
        .environment(fact.environment_name.clone())
        .principal(fact.counterpart.clone())
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::sync::Arc;

    use super::plan::plan_in_chunks;
    use super::*;
    use crate::entities::schema::schema;
    use crate::inventory::{parse_text, validate::validate};
    use crate::policy::{load, RuleSources};

    /// An inventory whose cross-references (shared fingerprints, shadowed
    /// names, env vars, reads) span many chunks when chunks are tiny.
    fn inventory_text() -> String {
        let mut text = String::from(
            "version: 1\nenvironments:\n  dev: { tier: development }\n  prod: { tier: production }\nservices:\n  api: { kind: api }\n  web: { kind: frontend, public_facing: true }\n  logs: { kind: log_sink }\nsecrets:\n",
        );
        for i in 0..40 {
            let classification = ["critical", "important", "sensitive", "public"][i % 4];
            let owner = if i % 5 == 0 { "" } else { "owner: team\n    " };
            let scope = ["organization", "team", "workspace"][i % 3];
            // S00/S20, S01/S21, ... share a value; every fourth shares dev and prod.
            let prod_fp = format!("fp-{}", i % 20);
            let dev_fp = if i % 4 == 0 {
                prod_fp.clone()
            } else {
                format!("dev-{i}")
            };
            let _ = write!(
                text,
                "  S{i:02}:\n    name: N{}\n    classification: {classification}\n    {owner}scope: {{ level: {scope} }}\n    never_log: {}\n    readers: [api]\n    rotation: {{ period: 90d }}\n    instances:\n      dev: {{ backend: dotenv, fingerprint: {dev_fp} }}\n      prod: {{ backend: vault, last_rotated: 2026-0{}-01, fingerprint: {prod_fp} }}\n",
                i % 7,
                i % 2 == 0,
                1 + i % 9,
            );
        }
        text.push_str("reads:\n");
        for i in 0..40 {
            let service = ["api", "web", "logs"][i % 3];
            // Some reads are limited to one environment.
            let environments = ["", ", environments: [prod]", ", environments: [dev]"][(i / 3) % 3];
            let _ = writeln!(
                text,
                "  - {{ service: {service}, secrets: [S{i:02}]{environments} }}"
            );
        }
        text.push_str("env_vars:\n");
        for i in 0..40 {
            let _ = writeln!(
                text,
                "  V{i:02}: {{ secret: S{:02}, default: x, required_in: [prod] }}",
                (i * 7) % 40
            );
        }
        text.push_str("  PLAIN: { default: 1 }\n");
        text
    }

    /// The test inventory, and the built-in rules plus `user_rules` (the
    /// text of one user policy file).
    fn inventory_and_rules(user_rules: &str) -> (crate::inventory::Inventory, RuleSet) {
        inventory_and_rules_with(user_rules, true)
    }

    /// [`inventory_and_rules`], with or without the built-in rules.
    fn inventory_and_rules_with(
        user_rules: &str,
        builtin: bool,
    ) -> (crate::inventory::Inventory, RuleSet) {
        let file: Arc<str> = Arc::from("chunks.yaml");
        let parsed = parse_text(&file, &inventory_text()).expect("parses");
        let inventory = validate(vec![parsed], "2026-11-23".parse().unwrap()).expect("valid");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("user.cedar"), user_rules).unwrap();
        let user_paths = vec![dir.path().to_path_buf()];
        let rules = load(
            &RuleSources {
                builtin,
                user_paths: &user_paths,
                pack_names: &[],
            },
            schema(),
            &mut Default::default(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        (inventory, rules)
    }

    fn findings(chunk_secrets: usize) -> Vec<Finding> {
        let now = "2026-11-23".parse().unwrap();
        // A rule that dereferences an entity by name: every chunk must hold it.
        let (inventory, rules) = inventory_and_rules(
            "@id(\"literal-deref\")\n@severity(\"low\")\n@message(\"{resource.secret} stored while S05 is never-log\")\nforbid(principal, action == Action::\"store\", resource)\nwhen { Secret::\"S05\".never_log == false && resource.secret != Secret::\"S05\" };\n",
        );
        let schema = schema();
        let plan = plan_in_chunks(
            &inventory,
            now,
            &rules.entity_literals,
            &Default::default(),
            chunk_secrets,
        );
        let mut findings = evaluate(&plan, &rules, schema);
        findings.sort_by(|a, b| {
            (&a.rule, &a.entity, &a.environment, &a.principal).cmp(&(
                &b.rule,
                &b.entity,
                &b.environment,
                &b.principal,
            ))
        });
        findings
    }

    #[test]
    fn chunked_evaluation_equals_one_store() {
        let whole = findings(usize::MAX);
        assert!(
            whole.iter().all(|f| f.severity != Severity::Error),
            "{whole:#?}"
        );
        for rule in [
            "fingerprint-reused-across-secrets",
            "fingerprint-reused-across-environments",
            "scope-shadowing",
            "secret-env-var-default",
            "literal-deref",
            "reader-not-allowed",
        ] {
            assert!(whole.iter().any(|f| f.rule == rule), "no {rule} finding");
        }
        for size in [1, 3, 7] {
            assert_eq!(
                findings(size),
                whole,
                "chunks of {size} secrets disagree with one store"
            );
        }
    }

    /// Every fact asked of all its rules in one set, as Cedar alone would:
    /// (rule, entity, environment, is-error) per reason or error.
    fn answers_without_screens(
        plan: &EntityPlan<'_>,
        rules: &RuleSet,
        schema: &Schema,
    ) -> Vec<(String, String, Option<String>, bool)> {
        // Every rule, parsed again from its text, for every fact: neither
        // the screens nor the sorting of rules by kind of fact (see
        // `policy::load`) has a say in these answers.
        let mut all = PolicySet::new();
        for rule in rules.rules.values() {
            let id = cedar_policy::PolicyId::new(&rule.id);
            all.add(cedar_policy::Policy::parse(Some(id), &rule.text).unwrap())
                .unwrap();
        }
        let authorizer = Authorizer::new();
        let mut answers = Vec::new();
        for index in 0..plan.chunk_count() {
            let store = plan.build_chunk(index);
            let entities = store.cedar(Some(schema)).unwrap();
            for fact in &store.facts {
                let context = fact_context(fact).unwrap();
                let request = Request::new(
                    fact.principal.clone(),
                    fact.action.uid(),
                    fact.resource.clone(),
                    context,
                    Some(schema),
                )
                .unwrap();
                let response = authorizer.is_authorized(&request, &all, &entities);
                let key = |rule: String, error: bool| {
                    (
                        rule,
                        fact.subject.to_string(),
                        fact.environment_name.clone(),
                        error,
                    )
                };
                for id in response.diagnostics().reason() {
                    answers.push(key(id.to_string(), false));
                }
                for error in response.diagnostics().errors() {
                    let cedar_policy::AuthorizationError::PolicyEvaluationError(e) = error;
                    answers.push(key(e.policy_id().to_string(), true));
                }
            }
        }
        answers.sort();
        answers
    }

    /// A user rule in the policy syntax, with the annotations every rule needs.
    fn rule(id: &str, text: &str) -> String {
        format!("@id(\"{id}\")\n@severity(\"low\")\n@message(\"m\")\n{text}\n\n")
    }

    #[test]
    fn screened_rules_answer_as_cedar_does() {
        let now = "2026-11-23".parse().unwrap();
        // Rules that start with every kind of test a screen knows, each of
        // which matches some facts and is skipped for others; and two that
        // fail to evaluate (an overflow) only after their screens held: the
        // errors must be reported all the same.
        let screened = [
            (
                "screen-scope",
                "forbid(principal == Environment::\"prod\", action == Action::\"store\", resource) when { resource.backend == \"vault\" };",
            ),
            (
                "screen-deref-set",
                "forbid(principal, action == Action::\"store\", resource) when { [\"critical\", \"sensitive\"].contains(resource.secret.classification) && resource.secret.never_log };",
            ),
            (
                "screen-compare",
                "forbid(principal, action == Action::\"store\", resource) when { resource has age_days && resource.age_days >= 100 && resource.age_days < 250 && principal.tier != \"development\" };",
            ),
            (
                "screen-set-attribute",
                "forbid(principal, action == Action::\"read\", resource is Secret) when { resource has readers && resource.readers.contains(principal) && !resource.environments.isEmpty() };",
            ),
            (
                "screen-not-bool",
                "forbid(principal, action == Action::\"define\", resource is Secret) when { !resource.never_log && resource.classification == \"important\" };",
            ),
            (
                // Cedar reads the secret through the env var: the store built
                // for the facts that pass the screen must hold it.
                "screen-deref-chain",
                "forbid(principal, action == Action::\"define\", resource is EnvVar) when { resource has secret && resource.secret.never_log && resource.secret.environments.contains(Environment::\"prod\") && resource.secret.shadows.isEmpty() };",
            ),
            (
                "screen-resource-literal",
                "forbid(principal, action == Action::\"read\", resource == Secret::\"S05\") unless { principal == Service::\"api\" };",
            ),
            (
                "screen-context",
                "forbid(principal, action == Action::\"read\", resource) when { !context.observed && context.declared && resource.never_log };",
            ),
            (
                "screen-context-entity",
                "forbid(principal, action == Action::\"read\", resource is Secret) when { context has environment && context.environment == Environment::\"prod\" && context.environment.tier == \"production\" && resource.classification == \"critical\" };",
            ),
            (
                "screen-has-overflow",
                "forbid(principal, action == Action::\"store\", resource) when { resource has days_overdue && resource.days_overdue * 9223372036854775807 > 1 };",
            ),
            (
                "screen-tier-overflow",
                "forbid(principal, action == Action::\"store\", resource) when { principal.tier == \"production\" && resource has age_days && resource.age_days * 9223372036854775807 > 1 };",
            ),
        ];
        let text: String = screened.iter().map(|(id, text)| rule(id, text)).collect();
        // With the built-in rules, most entities are read by some rule; the
        // user rules alone leave entities that only a screened rule reaches
        // through an attribute (the env var's secret), which the store built
        // for it must hold all the same.
        for builtin in [true, false] {
            let (inventory, rules) = inventory_and_rules_with(&text, builtin);
            // Every one of them is screened, so this test exercises screens.
            let rule_set = &rules;
            let screened_ids: Vec<String> = crate::entities::Action::ALL
                .into_iter()
                .flat_map(|action| {
                    crate::entities::resource_types(action)
                        .iter()
                        .filter_map(move |ty| rule_set.policies_for(action, ty).flatten())
                })
                .flat_map(|applicable| applicable.screened.iter())
                .flat_map(|s| s.policies.policies().map(|p| p.id().to_string()))
                .collect();
            for (id, _) in screened {
                assert!(screened_ids.iter().any(|s| s == id), "{id} has no screen");
            }
            let schema = schema();
            let plan = plan_in_chunks(
                &inventory,
                now,
                &rules.entity_literals,
                &Default::default(),
                7,
            );
            let mut ours: Vec<_> = evaluate(&plan, &rules, schema)
                .into_iter()
                .map(|f| {
                    let (error, entity) = (f.severity == Severity::Error, f.entity_text());
                    (f.rule, entity, f.environment, error)
                })
                .collect();
            ours.sort();
            let cedar = answers_without_screens(&plan, &rules, schema);
            for (id, _) in screened {
                let error = id.ends_with("-overflow");
                assert!(
                    cedar.iter().any(|a| a.0 == id && a.3 == error),
                    "{id} never {}",
                    if error { "failed" } else { "matched" }
                );
            }
            assert_eq!(builtin, cedar.iter().any(|a| a.0 == "rotation-overdue"));
            assert_eq!(ours, cedar, "with the built-in rules: {builtin}");
        }
    }
}
