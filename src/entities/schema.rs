//! The Cedar schema the entities follow and every policy is validated against.
//! It ships in `policies/secretary.cedarschema` and is embedded in the binary,
//! so the tool and its rules can never disagree about an attribute.

use cedar_policy::{Schema, SchemaFragment};
use std::collections::BTreeSet;
use std::sync::OnceLock;

pub const SCHEMA_PATH: &str = "policies/secretary.cedarschema";
pub const SCHEMA_TEXT: &str = include_str!("../../policies/secretary.cedarschema");

/// The embedded schema, parsed once per process (parsing it costs more
/// than judging a thousand secrets). It is tested to parse, so failure here
/// is a bug.
pub fn schema() -> &'static Schema {
    &parsed().0
}

/// Every attribute name any entity type has, and every context key: the
/// names a rule's `@message` may interpolate.
pub fn attribute_names() -> BTreeSet<String> {
    parsed().1.clone()
}

/// The schema's JSON form: what each entity type and context declares,
/// which Cedar's `Schema` does not tell.
pub fn json() -> &'static serde_json::Value {
    &parsed().2
}

/// The schema, its attribute names and its JSON form, from one parse of
/// the text.
fn parsed() -> &'static (Schema, BTreeSet<String>, serde_json::Value) {
    static PARSED: OnceLock<(Schema, BTreeSet<String>, serde_json::Value)> = OnceLock::new();
    PARSED.get_or_init(|| {
        let fragment = match SchemaFragment::from_cedarschema_str(SCHEMA_TEXT) {
            Ok((fragment, _warnings)) => fragment,
            Err(err) => panic!("the embedded Cedar schema does not parse: {err}"),
        };
        // The JSON form gives the attribute names, and reading it back is
        // far cheaper than parsing the Cedar syntax a second time.
        let json = match fragment.to_json_value() {
            Ok(json) => json,
            Err(err) => panic!("the embedded Cedar schema has no JSON form: {err}"),
        };
        let mut names = BTreeSet::new();
        collect_attribute_names(&json, &mut names);
        match Schema::from_json_value(json.clone()) {
            Ok(schema) => (schema, names, json),
            Err(err) => panic!("the embedded Cedar schema is not valid: {err}"),
        }
    })
}

fn collect_attribute_names(value: &serde_json::Value, names: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                if key == "attributes" {
                    if let Some(attrs) = child.as_object() {
                        names.extend(attrs.keys().cloned());
                    }
                }
                collect_attribute_names(child, names);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_attribute_names(item, names);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_parses() {
        let _ = schema();
    }

    #[test]
    fn attribute_names_include_computed_ones() {
        let names = attribute_names();
        for name in [
            "age_days",
            "shared_with_environments",
            "classification",
            "environment",
        ] {
            assert!(names.contains(name), "missing {name}: {names:?}");
        }
    }
}
