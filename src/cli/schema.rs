//! `secretary schema`: the JSON Schema of inventory files.

use clap::Args;

use super::Outcome;

#[derive(Args, Debug)]
pub struct SchemaArgs {}

pub fn run(_args: SchemaArgs) -> Outcome {
    let schema = secretary::inventory::json_schema();
    match serde_json::to_string_pretty(&schema) {
        Ok(text) => {
            super::output::Printer::new(anstream::ColorChoice::Never)
                .stdout(format!("{text}\n").as_bytes());
            Outcome::Compliant
        }
        Err(err) => {
            eprintln!("error: cannot print the schema: {err}");
            Outcome::BadInput
        }
    }
}
