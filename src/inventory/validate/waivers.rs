//! `waivers:`: accepted risks, each naming a declared entity and a date.

use jiff::civil::Date;

use super::names::Names;
use super::{ParsedFile, Validator};
use crate::diag::{did_you_mean, Code, InputError};
use crate::inventory::model::*;
use crate::source::Location;

impl Validator {
    /// Waivers: every field present and well-formed, every name declared.
    /// Whether the rule exists is only known once rules are loaded
    /// (`crate::waivers::check_rules`).
    pub(super) fn waivers(&mut self, file: &ParsedFile, names: &Names, inventory: &mut Inventory) {
        let f = &file.path;
        for raw in &file.document.waivers {
            let at = raw.rule.key_at(f);
            let referrer = format!("waiver of `{}`", raw.rule.trim());
            let mut ok = true;
            for (key, value) in [
                ("rule", &raw.rule),
                ("reason", &raw.reason),
                ("owner", &raw.owner),
            ] {
                if value.trim().is_empty() {
                    ok = false;
                    self.errors.push(
                        InputError::new(Code::EmptyField, format!("waiver has an empty `{key}`"))
                            .at(value.at(f))
                            .help(match key {
                                "rule" => "name the rule whose finding is accepted, as findings print it",
                                "reason" => "say why the risk is accepted: a waiver without a reason hides it",
                                _ => "name the team or person who accepted the risk and answers for it",
                            }),
                    );
                }
            }
            let entity = self.entity_ref(&raw.entity, &referrer, names, || raw.entity.at(f));
            let principal = raw
                .principal
                .as_ref()
                .and_then(|text| self.entity_ref(text, &referrer, names, || text.at(f)));
            if raw.principal.is_some() && principal.is_none() {
                ok = false;
            }
            if let Some(env) = &raw.environment {
                ok &= self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || env.at(f),
                );
            }
            let text = raw.expires.trim();
            let expires = match text.parse::<Date>() {
                Ok(date) if text.len() == 10 && date < super::EARLIEST_DATE => {
                    self.errors.push(
                        super::too_early("waiver expiry", text, "fix the year: write the last day the waiver applies, e.g. `expires: 2027-03-31`")
                            .at(raw.expires.at(f)),
                    );
                    None
                }
                Ok(date) if text.len() == 10 => Some(date),
                _ => {
                    self.errors.push(
                        InputError::new(Code::InvalidDate, format!("waiver expiry `{text}` is not a date"))
                            .at(raw.expires.at(f))
                            .help("write the last day the waiver applies as `YYYY-MM-DD`, e.g. `expires: 2027-03-31`"),
                    );
                    None
                }
            };
            if let (true, Some(entity), Some(expires)) = (ok, entity, expires) {
                inventory.waivers.push(Waiver {
                    rule: raw.rule.trim().to_owned(),
                    entity,
                    environment: raw.environment.as_deref().cloned(),
                    principal,
                    reason: raw.reason.trim().to_owned(),
                    owner: raw.owner.trim().to_owned(),
                    expires,
                    location: at,
                });
            }
        }
    }

    /// Parses an entity uid a waiver names and checks the item is declared.
    fn entity_ref(
        &mut self,
        text: &str,
        referrer: &str,
        names: &Names,
        at: impl Fn() -> Location,
    ) -> Option<EntityRef> {
        let Some(entity) = EntityRef::parse(text) else {
            self.errors.push(
                InputError::new(Code::InvalidEntity, format!("{referrer} names `{text}`, which is not an entity"))
                    .at(at())
                    .help("write it as findings print it, `Type::\"id\"`, e.g. `Secret::\"JWT_SECRET\"` (the quotes may be left out)"),
            );
            return None;
        };
        let Some((_, section)) = EntityRef::KINDS
            .iter()
            .find(|(kind, _)| *kind == entity.kind)
        else {
            let kinds = EntityRef::KINDS.map(|(kind, _)| kind);
            let help = match did_you_mean(&entity.kind, kinds) {
                Some(close) => format!("did you mean `{close}::\"{}\"`?", entity.id),
                None => format!(
                    "use one of the types {}",
                    kinds.map(|k| format!("`{k}`")).join(", ")
                ),
            };
            self.errors.push(
                InputError::new(
                    Code::InvalidEntity,
                    format!(
                        "{referrer} names entity type `{}`, which does not exist",
                        entity.kind
                    ),
                )
                .at(at())
                .help(help),
            );
            return None;
        };
        let (defined, what) = match *section {
            "secrets" => (&names.secrets, "secret"),
            "env_vars" => (&names.env_vars, "env var"),
            "services" => (&names.services, "service"),
            "identities" => (&names.identities, "identity"),
            _ => (&names.environments, "environment"),
        };
        self.reference(defined, &entity.id, what, section, referrer, at)
            .then_some(entity)
    }
}
