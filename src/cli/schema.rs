//! `secretary schema`: the JSON Schema of inventory files.

use clap::{Args, ValueEnum};

use super::Outcome;

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// `json`: the JSON Schema; `markdown`: its fields as tables (the
    /// book's `docs/src/inventory-fields.md`)
    #[arg(long, value_enum, default_value_t = SchemaFormat::Json)]
    format: SchemaFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum SchemaFormat {
    Json,
    Markdown,
}

pub fn run(args: SchemaArgs) -> Outcome {
    let schema = secretary::inventory::json_schema();
    let text = match args.format {
        SchemaFormat::Json => serde_json::to_string_pretty(&schema),
        SchemaFormat::Markdown => Ok(secretary::render::reference::schema_markdown(&schema)
            .trim_end()
            .to_owned()),
    };
    match text {
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
