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
    static PARSED: OnceLock<Schema> = OnceLock::new();
    PARSED.get_or_init(|| match Schema::from_cedarschema_str(SCHEMA_TEXT) {
        Ok((schema, _warnings)) => schema,
        Err(err) => panic!("the embedded Cedar schema does not parse: {err}"),
    })
}

/// Every attribute name any entity type has, and every context key: the
/// names a rule's `@message` may interpolate.
pub fn attribute_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let Ok((fragment, _)) = SchemaFragment::from_cedarschema_str(SCHEMA_TEXT) else {
        return names;
    };
    let Ok(json) = fragment.to_json_value() else {
        return names;
    };
    collect_attribute_names(&json, &mut names);
    names
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
