//! Stage 4b: ask Cedar about every fact.
//!
//! One request per fact, evaluated against only the policies that can apply
//! to its action and resource type, spread over the cores. A forbid that
//! decides a Deny is a finding. Cedar skips a policy whose evaluation errors
//! and carries on; here that becomes an `error` finding instead, so a broken
//! rule can never look like a pass. A fact that names an entity missing from
//! the store is an error for the same reason.

use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, Request, RestrictedExpression, Schema,
};
use rayon::prelude::*;

use crate::entities::{EntityStore, Fact};
use crate::findings::{Finding, Severity};
use crate::policy::message::{self, Roots};
use crate::policy::RuleSet;

/// Evaluates every fact in `store` against `rules`.
pub fn evaluate(store: &EntityStore, rules: &RuleSet, schema: &Schema) -> Vec<Finding> {
    // Chunks amortize rayon's per-task cost; requests are microseconds each.
    store
        .facts
        .par_chunks(256)
        .flat_map_iter(|chunk| {
            let authorizer = Authorizer::new();
            chunk
                .iter()
                .flat_map(|fact| evaluate_fact(&authorizer, fact, &store.entities, rules, schema))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn evaluate_fact(
    authorizer: &Authorizer,
    fact: &Fact,
    entities: &Entities,
    rules: &RuleSet,
    schema: &Schema,
) -> Vec<Finding> {
    let resource_type = fact.resource.type_name().to_string();
    let Some(policies) = rules.policies_for(fact.action, &resource_type) else {
        return vec![internal_error(
            fact,
            format!(
                "no policy set for `{}` on `{resource_type}`",
                fact.action.name()
            ),
        )];
    };
    if policies.policies().count() <= 1 {
        // Only the blanket permit: nothing can deny.
        return Vec::new();
    }
    let mentioned = [
        Some(&fact.principal),
        Some(&fact.resource),
        fact.environment.as_ref(),
    ];
    if let Some(missing) = mentioned
        .into_iter()
        .flatten()
        .find(|uid| entities.get(uid).is_none())
    {
        return vec![internal_error(
            fact,
            format!("entity {missing} is not in the entity store"),
        )];
    }
    let context = match &fact.environment {
        Some(env) => Context::from_pairs([(
            "environment".to_owned(),
            RestrictedExpression::new_entity_uid(env.clone()),
        )]),
        None => Ok(Context::empty()),
    };
    let request = context.map_err(|e| e.to_string()).and_then(|context| {
        Request::new(
            fact.principal.clone(),
            fact.action.uid(),
            fact.resource.clone(),
            context,
            Some(schema),
        )
        .map_err(|e| e.to_string())
    });
    let request = match request {
        Ok(request) => request,
        Err(problem) => return vec![internal_error(fact, format!("invalid request: {problem}"))],
    };
    let response = authorizer.is_authorized(&request, policies, entities);
    let diagnostics = response.diagnostics();
    let mut findings = Vec::new();
    for policy_id in diagnostics.reason() {
        let Some(rule) = rules.rule(policy_id.as_ref()) else {
            continue; // the blanket permit
        };
        let roots = Roots {
            principal: &fact.principal,
            resource: &fact.resource,
            environment: fact.environment.as_ref(),
        };
        findings.push(Finding {
            rule: rule.id.clone(),
            severity: rule.severity,
            entity: fact.subject.to_string(),
            environment: fact.environment_name.clone(),
            principal: fact.counterpart.as_ref().map(EntityUid::to_string),
            message: message::render(&rule.message, &roots, entities),
            controls: rule.controls.clone(),
            remediation: rule.remediation.clone(),
            location: fact.location.clone(),
        });
    }
    for error in diagnostics.errors() {
        let cedar_policy::AuthorizationError::PolicyEvaluationError(e) = error;
        let (rule_id, problem) = (e.policy_id().to_string(), e.inner().to_string());
        let controls = rules
            .rule(&rule_id)
            .map(|r| r.controls.clone())
            .unwrap_or_default();
        findings.push(Finding {
            rule: rule_id.clone(),
            severity: Severity::Error,
            entity: fact.subject.to_string(),
            environment: fact.environment_name.clone(),
            principal: fact.counterpart.as_ref().map(EntityUid::to_string),
            message: format!("rule `{rule_id}` could not be evaluated: {problem}"),
            controls,
            remediation: Some("fix the rule so it cannot fail at run time (guard optional attributes with `has`, avoid overflow, refer only to entities that exist)".into()),
            location: fact.location.clone(),
        });
    }
    findings
}

fn internal_error(fact: &Fact, problem: String) -> Finding {
    Finding {
        rule: "internal-error".into(),
        severity: Severity::Error,
        entity: fact.subject.to_string(),
        environment: fact.environment_name.clone(),
        principal: fact.counterpart.as_ref().map(EntityUid::to_string),
        message: format!("internal error: {problem}; please report this"),
        controls: Vec::new(),
        remediation: None,
        location: fact.location.clone(),
    }
}
