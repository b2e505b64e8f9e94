//! The compliance checklist: rules grouped into items by `@checklist`,
//! each in exactly one state (see [`ChecklistStatus`]), with how many facts
//! its rules judged and how many failed. Only `pass` and `waived` items are
//! ticked.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::FindingView;
use crate::observe::ObservationKind;
use crate::policy::{Rule, RuleSet};

/// The checklist item of rules that name none with `@checklist`.
pub const OTHER_RULES_ITEM: &str = "Other rules";

#[derive(Debug, Serialize)]
pub struct ChecklistItem {
    pub title: String,
    /// `anchor`-safe id, e.g. `check-secrets-differ-per-environment`.
    pub anchor: String,
    pub ticked: bool,
    pub status: ChecklistStatus,
    /// The state in words, e.g. "not applicable" (see [`ChecklistStatus::label`]).
    pub label: &'static str,
    pub rules: Vec<ChecklistRule>,
    pub open: usize,
    pub waived: usize,
    /// Facts its rules were asked about, summed over its rules (a fact
    /// judged by two of its rules counts twice; see
    /// `evaluate::Evaluation::facts`).
    pub facts: usize,
    /// Of those, the ones that failed: its findings, open or waived.
    pub failed: usize,
    /// Facts its rules could not judge for an `unknown` value, with what is
    /// unknown: non-empty makes the item `incomplete`.
    pub unknown: Vec<Unknown>,
    pub findings: Vec<FindingRef>,
    /// For a `not-checked` item: the observations that would check it.
    pub needs: Vec<ObservationKind>,
    /// For an item judged on some of its rules only: the rules the run did
    /// not evaluate, for want of their observation. Shown next to the
    /// state, so a pass says what it did not look at.
    pub unchecked: Vec<String>,
}

/// What is known of a group of rules (a checklist item, or a framework's
/// control), from which its one state follows, in [`ChecklistStatus`]'s
/// order.
pub(super) struct Judgement {
    pub open: usize,
    pub waived: usize,
    pub disabled: bool,
    /// Every rule judges observations the run did not make.
    pub not_checked: bool,
    pub facts: usize,
    pub unknown: bool,
}

impl Judgement {
    pub fn status(&self) -> ChecklistStatus {
        if self.open > 0 {
            ChecklistStatus::Fail
        } else if self.disabled {
            ChecklistStatus::Disabled
        } else if self.not_checked {
            ChecklistStatus::NotChecked
        } else if self.facts == 0 && self.waived == 0 {
            ChecklistStatus::NotApplicable
        } else if self.unknown {
            ChecklistStatus::Incomplete
        } else if self.waived > 0 {
            ChecklistStatus::Waived
        } else {
            ChecklistStatus::Pass
        }
    }
}

/// The rules of `ids` the run did not evaluate for want of an observation,
/// with the observations they need.
pub(super) fn unobserved<'a>(
    ids: impl IntoIterator<Item = &'a str>,
    rules: &RuleSet,
    observed: &BTreeSet<ObservationKind>,
) -> (Vec<String>, Vec<ObservationKind>) {
    let mut unchecked = Vec::new();
    let mut needs = Vec::new();
    for id in ids {
        let kinds = rules.rule(id).map(Rule::needs).unwrap_or_default();
        if !kinds.is_empty() && !kinds.iter().any(|kind| observed.contains(kind)) {
            unchecked.push(id.to_owned());
            needs.extend(kinds);
        }
    }
    needs.sort();
    needs.dedup();
    (unchecked, needs)
}

/// Where a checklist item stands, as templates see it (`item.status`):
/// exactly one state, decided in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChecklistStatus {
    /// Some finding of its rules open.
    Fail,
    /// A rule of the item is switched off by a setting, and no finding is
    /// open: what the item claims was not all judged, so it is not ticked.
    Disabled,
    /// Every rule of the item judges observations the run did not make.
    NotChecked,
    /// Its rules were asked about no fact: nothing to judge, never ticked,
    /// and left out of the score.
    NotApplicable,
    /// Some facts hold a value the inventory leaves `unknown` (e.g.
    /// `encryption: unknown`), so what the item claims is not known: never
    /// ticked.
    Incomplete,
    /// Facts judged, every finding of its rules waived: ticked, and counted
    /// as passing ("pass with waivers").
    Waived,
    /// Facts judged, no finding.
    Pass,
}

impl ChecklistStatus {
    /// The state as printed: state is always written as text, never only
    /// as a colour or a tick.
    pub fn label(self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::Disabled => "disabled",
            Self::NotChecked => "not checked",
            Self::NotApplicable => "not applicable",
            Self::Incomplete => "incomplete",
            Self::Waived => "pass with waivers",
            Self::Pass => "pass",
        }
    }
}

/// Facts a rule cannot judge because the inventory does not know a value.
#[derive(Debug, Clone, Serialize)]
pub struct Unknown {
    /// How many facts (instances).
    pub count: usize,
    /// What is unknown, e.g. "encryption `unknown`".
    pub what: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ChecklistRule {
    pub id: String,
    pub title: Option<String>,
    pub builtin: bool,
    /// Switched off by a setting (`settings.rules`): not judged.
    pub disabled: bool,
}

#[derive(Debug, Serialize)]
pub struct FindingRef {
    pub anchor: String,
    pub rule: String,
    pub entity: String,
    pub waived: bool,
}

/// Checklist items a run could not check: it made none of the observations
/// their rules judge.
#[derive(Debug, Serialize)]
pub struct NotCheckedGroup {
    /// What was not observed, e.g. "IAM data".
    pub what: &'static str,
    /// The flags or inventory keys that would observe it.
    pub enabled_by: &'static [&'static str],
    /// The items' titles.
    pub items: Vec<String>,
}

/// A stable position for ordering rules: built-in files in their shipped
/// order, then user files by name, then line.
fn rule_order(rule: &Rule) -> (usize, std::sync::Arc<str>, usize) {
    let builtin_index = rule
        .location
        .file
        .strip_prefix(crate::policy::BUILTIN_PREFIX)
        .and_then(|name| {
            crate::policy::BUILTIN_FILES
                .iter()
                .position(|(file, _)| *file == name)
        });
    (
        builtin_index.unwrap_or(usize::MAX),
        rule.location.file.clone(),
        rule.location.line,
    )
}

pub fn anchor_slug(prefix: &str, text: &str) -> String {
    let mut slug = String::from(prefix);
    let mut dash = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
            dash = false;
        } else if !dash {
            slug.push('-');
            dash = true;
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// The checklist items, in rule order. `observed` names the observations
/// the run made: an item whose rules all judge only observations the run did
/// not make is "not checked" rather than ticked, since nothing was verified.
pub(super) fn checklist(
    rules: &RuleSet,
    findings: &[FindingView],
    observed: &BTreeSet<ObservationKind>,
    facts: &BTreeMap<String, usize>,
    unknown: &BTreeMap<&'static str, Unknown>,
    keep: impl Fn(&Rule) -> bool,
) -> Vec<ChecklistItem> {
    let mut ordered: Vec<&Rule> = rules.rules.values().filter(|r| keep(r)).collect();
    ordered.sort_by_key(|r| rule_order(r));
    let mut items: Vec<ChecklistItem> = Vec::new();
    let mut other: Vec<&Rule> = Vec::new();
    for rule in ordered {
        if rule.checklist.is_empty() {
            other.push(rule);
        }
        for title in &rule.checklist {
            let index = match items.iter().position(|i| &i.title == title) {
                Some(index) => index,
                None => {
                    items.push(new_item(title));
                    items.len() - 1
                }
            };
            items[index].rules.push(checklist_rule(rule, rules));
        }
    }
    if !other.is_empty() {
        let mut item = new_item(OTHER_RULES_ITEM);
        item.rules = other
            .into_iter()
            .map(|rule| checklist_rule(rule, rules))
            .collect();
        items.push(item);
    }
    let mut used = BTreeSet::new();
    for item in &mut items {
        // Two titles can slug alike; keep anchors unique.
        let mut anchor = item.anchor.clone();
        let mut n = 2;
        while !used.insert(anchor.clone()) {
            anchor = format!("{}-{n}", item.anchor);
            n += 1;
        }
        item.anchor = anchor;
        let ids: BTreeSet<&str> = item.rules.iter().map(|r| r.id.as_str()).collect();
        for finding in findings.iter().filter(|f| ids.contains(f.rule.as_str())) {
            if finding.waived {
                item.waived += 1;
            } else {
                item.open += 1;
            }
            item.findings.push(FindingRef {
                anchor: finding.anchor.clone(),
                rule: finding.rule.clone(),
                entity: finding.entity.clone(),
                waived: finding.waived,
            });
        }
        let (unchecked, needs) =
            unobserved(item.rules.iter().map(|r| r.id.as_str()), rules, observed);
        let not_checked = !item.rules.is_empty()
            && unchecked.len() == item.rules.len()
            && item.findings.is_empty();
        if not_checked {
            item.needs = needs;
        } else {
            item.unchecked = unchecked;
        }
        item.facts = item
            .rules
            .iter()
            .map(|r| facts.get(&r.id).copied().unwrap_or(0))
            .sum();
        item.failed = item.open + item.waived;
        item.unknown = item
            .rules
            .iter()
            .filter_map(|r| unknown.get(r.id.as_str()).cloned())
            .collect();
        item.status = Judgement {
            open: item.open,
            waived: item.waived,
            disabled: item.rules.iter().any(|r| r.disabled),
            not_checked,
            facts: item.facts,
            unknown: !item.unknown.is_empty(),
        }
        .status();
        item.label = item.status.label();
        item.ticked = matches!(item.status, ChecklistStatus::Pass | ChecklistStatus::Waived);
    }
    items
}

/// Groups the "not checked" items by the first observation each needs.
pub(super) fn not_checked_groups(items: &[ChecklistItem]) -> Vec<NotCheckedGroup> {
    let mut groups: Vec<NotCheckedGroup> = Vec::new();
    for kind in ObservationKind::ALL {
        let titles: Vec<String> = items
            .iter()
            .filter(|item| {
                item.status == ChecklistStatus::NotChecked && item.needs.first() == Some(&kind)
            })
            .map(|item| item.title.clone())
            .collect();
        if !titles.is_empty() {
            groups.push(NotCheckedGroup {
                what: kind.what(),
                enabled_by: kind.enabled_by(),
                items: titles,
            });
        }
    }
    groups
}

fn new_item(title: &str) -> ChecklistItem {
    ChecklistItem {
        title: title.to_owned(),
        anchor: anchor_slug("check-", title),
        ticked: true,
        status: ChecklistStatus::Pass,
        label: "pass",
        rules: Vec::new(),
        open: 0,
        waived: 0,
        facts: 0,
        failed: 0,
        unknown: Vec::new(),
        findings: Vec::new(),
        needs: Vec::new(),
        unchecked: Vec::new(),
    }
}

fn checklist_rule(rule: &Rule, rules: &RuleSet) -> ChecklistRule {
    ChecklistRule {
        id: rule.id.clone(),
        title: rule.title.clone(),
        builtin: rule.builtin,
        disabled: rules.disabled(&rule.id).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceTexts;

    fn all_observed() -> BTreeSet<ObservationKind> {
        ObservationKind::ALL.into_iter().collect()
    }

    #[test]
    fn every_builtin_rule_belongs_to_a_checklist_item() {
        let mut texts = SourceTexts::default();
        let rules = crate::policy::load(
            &crate::policy::RuleSources {
                builtin: true,
                user_paths: &[],
                pack_names: &[],
            },
            crate::entities::schema::schema(),
            &mut texts,
        )
        .unwrap();
        for rule in rules.rules.values() {
            assert!(!rule.checklist.is_empty(), "{} has no @checklist", rule.id);
        }
        let items = checklist(
            &rules,
            &[],
            &all_observed(),
            &BTreeMap::new(),
            &BTreeMap::new(),
            |_| true,
        );
        // Asked about no fact: nothing is ticked.
        assert!(items
            .iter()
            .all(|i| i.status == ChecklistStatus::NotApplicable
                && !i.ticked
                && i.title != OTHER_RULES_ITEM));
        let covered: usize = items.iter().map(|i| i.rules.len()).sum();
        assert_eq!(covered, rules.rules.len());
    }

    #[test]
    fn user_rules_join_items_by_title_or_fall_under_other_rules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("team.cedar"),
            "@id(\"team-a\")\n@severity(\"low\")\n@message(\"m\")\n@checklist(\"Secrets never reach logs; Team item\")\nforbid(principal, action == Action::\"define\", resource is Secret) when { resource.never_log };\n\n@id(\"team-b\")\n@severity(\"low\")\n@message(\"m\")\nforbid(principal, action == Action::\"define\", resource is Secret) when { resource.never_log };\n",
        )
        .unwrap();
        let mut texts = SourceTexts::default();
        let paths = [dir.path().to_path_buf()];
        let rules = crate::policy::load(
            &crate::policy::RuleSources {
                builtin: true,
                user_paths: &paths,
                pack_names: &[],
            },
            crate::entities::schema::schema(),
            &mut texts,
        )
        .unwrap();
        let items = checklist(
            &rules,
            &[],
            &all_observed(),
            &BTreeMap::new(),
            &BTreeMap::new(),
            |_| true,
        );
        let rules_of = |title: &str| -> Vec<String> {
            items
                .iter()
                .find(|i| i.title == title)
                .unwrap()
                .rules
                .iter()
                .map(|r| r.id.clone())
                .collect()
        };
        assert_eq!(
            rules_of("Secrets never reach logs"),
            ["never-log-read-by-log-sink", "team-a"]
        );
        assert_eq!(rules_of("Team item"), ["team-a"]);
        assert_eq!(rules_of(OTHER_RULES_ITEM), ["team-b"]);
        assert_eq!(items.last().unwrap().title, OTHER_RULES_ITEM);
    }

    #[test]
    fn slugs_are_anchor_safe() {
        assert_eq!(
            anchor_slug("check-", "Defaults and .env.example hold no real values"),
            "check-defaults-and-env-example-hold-no-real-values"
        );
    }
}
