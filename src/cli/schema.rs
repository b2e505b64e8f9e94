//! `secretary schema`: the JSON Schema of inventory files, on stdout or,
//! with `-o FILE`, written atomically like every other output
//! ([`super::write`]). The repository keeps a copy at
//! `docs/src/inventory.schema.json`, the file `init`'s modeline points at
//! ([`secretary::inventory::SCHEMA_URL`]); a test keeps it equal to this
//! output.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::output::Printer;
use super::write::{emit, Inputs};
use super::Outcome;
use secretary::source::SourceTexts;

#[derive(Args, Debug)]
#[command(
    after_help = "Editors with the YAML language server validate an inventory whose \
first line is `# yaml-language-server: $schema=URL-or-path` (what `secretary init` writes).\n\n\
Exit codes: 0 the schema was written, 2 it could not be (nothing is written)."
)]
pub struct SchemaArgs {
    /// `json`: the JSON Schema; `markdown`: its fields as tables (the
    /// book's `docs/src/inventory-fields.md`)
    #[arg(long, value_enum, default_value_t = SchemaFormat::Json)]
    format: SchemaFormat,
    /// Write the schema to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum SchemaFormat {
    Json,
    Markdown,
}

pub fn run(args: SchemaArgs) -> Outcome {
    let printer = Printer::plain();
    let schema = secretary::inventory::json_schema();
    let text = match args.format {
        SchemaFormat::Json => serde_json::to_string_pretty(&schema),
        SchemaFormat::Markdown => Ok(secretary::render::reference::schema_markdown(&schema)
            .trim_end()
            .to_owned()),
    };
    let text = match text {
        Ok(text) => format!("{text}\n"),
        Err(err) => {
            eprintln!("error: cannot print the schema: {err}");
            return Outcome::BadInput;
        }
    };
    let written = emit(
        &printer,
        args.output.as_deref(),
        text,
        (&Inputs::new(), &SourceTexts::default()),
        || match args.format {
            SchemaFormat::Json => "JSON Schema of inventory files".to_owned(),
            SchemaFormat::Markdown => "inventory field tables".to_owned(),
        },
    );
    if !written {
        return Outcome::BadInput;
    }
    Outcome::Compliant
}
