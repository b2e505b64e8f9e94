//! Input errors: what went wrong, where, and what to do about it.
//!
//! Every problem with the user's input (inventory, policies, flags) becomes an
//! [`InputError`]. Loaders collect all the problems they find rather than
//! stopping at the first, so a user fixes a file in one pass. The wording
//! follows Cedar's style guide: lowercase, user input in backticks, advice in a
//! separate `help`.
//!
//! An input error never contains a secret value: loaders only ever quote names,
//! keys, paths and the serde/YAML parser messages, and the YAML parser is never
//! asked to quote a scalar in a position where a secret value could stand (see
//! `inventory::yaml`). A rendered error quotes a line, and a JSON parser's
//! message its token, only of a file whose kind says it holds no values
//! (`source::FileKind`).

use std::fmt::Write as _;

use crate::source::{Location, SourceTexts};

/// Declares [`Code`]: each variant with the kebab-case text users see.
macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// The stable code of an input error: public API, printed as
        /// `error[code]` and in machine outputs, so a variant is never renamed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in the order declared.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The kebab-case text, e.g. `unknown-field`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }
        }
    };
}

codes! {
    CannotReadBaseline => "cannot-read-baseline",
    CannotReadFingerprintFile => "cannot-read-fingerprint-file",
    CannotReadIamSnapshot => "cannot-read-iam-snapshot",
    CannotWriteOutput => "cannot-write-output",
    OutputNotAFile => "output-not-a-file",
    CodeNotVerified => "code-not-verified",
    ComposeInvalid => "compose-invalid",
    ComposeNotVerified => "compose-not-verified",
    ContradictoryEncryption => "contradictory-encryption",
    ControlCharacter => "control-character",
    DateInFuture => "date-in-future",
    DuplicateFingerprintEnvironment => "duplicate-fingerprint-environment",
    DuplicateKey => "duplicate-key",
    DuplicateName => "duplicate-name",
    DuplicateOutput => "duplicate-output",
    DuplicateRuleId => "duplicate-rule-id",
    DuplicateSettings => "duplicate-settings",
    DuplicateSourcesRepository => "duplicate-sources-repository",
    DuplicateSystem => "duplicate-system",
    EmptyField => "empty-field",
    EmptyFile => "empty-file",
    EmptyInventoryDirectory => "empty-inventory-directory",
    EmptyName => "empty-name",
    EmptyPolicyFile => "empty-policy-file",
    EmptyPolicyDirectory => "empty-policy-directory",
    EmptyRead => "empty-read",
    FileExists => "file-exists",
    FilesNotVerified => "files-not-verified",
    FingerprintKeyMismatch => "fingerprint-key-mismatch",
    IamCollectionFailed => "iam-collection-failed",
    IamLiveUnavailable => "iam-live-unavailable",
    IamNotVerified => "iam-not-verified",
    StoresNotVerified => "stores-not-verified",
    Internal => "internal",
    InvalidAnnotation => "invalid-annotation",
    InvalidAwsAccount => "invalid-aws-account",
    PrivilegedWithoutReason => "privileged-without-reason",
    InvalidAwsRegion => "invalid-aws-region",
    InvalidBaseline => "invalid-baseline",
    InvalidDate => "invalid-date",
    InvalidEntity => "invalid-entity",
    InvalidFileMode => "invalid-file-mode",
    InvalidFingerprintFile => "invalid-fingerprint-file",
    InvalidFormat => "invalid-format",
    InvalidFormatPattern => "invalid-format-pattern",
    InvalidIamSnapshot => "invalid-iam-snapshot",
    InvalidMessage => "invalid-message",
    InvalidName => "invalid-name",
    InvalidNow => "invalid-now",
    InvalidLock => "invalid-lock",
    InvalidPackSource => "invalid-pack-source",
    InvalidPeriod => "invalid-period",
    InvalidRuleSetting => "invalid-rule-setting",
    InvalidRuleId => "invalid-rule-id",
    InvalidRuleTest => "invalid-rule-test",
    InvalidSeverity => "invalid-severity",
    InvalidSourceDateEpoch => "invalid-source-date-epoch",
    InvalidValueSource => "invalid-value-source",
    MalformedEnvExample => "malformed-env-example",
    MissingAnnotation => "missing-annotation",
    MissingField => "missing-field",
    MissingFile => "missing-file",
    MissingFingerprintKey => "missing-fingerprint-key",
    MissingPath => "missing-path",
    MissingSource => "missing-source",
    MissingTemplate => "missing-template",
    MultipleDocuments => "multiple-documents",
    NestedDocsMarker => "nested-docs-marker",
    NoDocsMarkers => "no-docs-markers",
    NoRandomKey => "no-random-key",
    NoValueSources => "no-value-sources",
    NotUtf8 => "not-utf8",
    OutputIsInput => "output-is-input",
    PackBranchRef => "pack-branch-ref",
    PackCacheFailed => "pack-cache-failed",
    PackFetchFailed => "pack-fetch-failed",
    PackLockMismatch => "pack-lock-mismatch",
    PackNotCached => "pack-not-cached",
    PackRefNotFound => "pack-ref-not-found",
    PackSubdirMissing => "pack-subdir-missing",
    PermitRule => "permit-rule",
    PolicyInvalid => "policy-invalid",
    PolicySet => "policy-set",
    PolicySyntax => "policy-syntax",
    PolicyTemplate => "policy-template",
    PolicyTooDeep => "policy-too-deep",
    PolicyTooLarge => "policy-too-large",
    PolicyWarning => "policy-warning",
    PublishedDefaultsInvalid => "published-defaults-invalid",
    RandomFingerprintKey => "random-fingerprint-key",
    RepositoryNotVerified => "repository-not-verified",
    RuleEvaluationError => "rule-evaluation-error",
    TemplateError => "template-error",
    TemplateSyntax => "template-syntax",
    TemplateTooDeep => "template-too-deep",
    TemplateTooLarge => "template-too-large",
    UnbalancedDocsMarker => "unbalanced-docs-marker",
    UnknownAnnotation => "unknown-annotation",
    UnknownDocsMarker => "unknown-docs-marker",
    UnknownInputKind => "unknown-input-kind",
    NotAnInventory => "not-an-inventory",
    UnknownDocsTable => "unknown-docs-table",
    UnknownEnvironment => "unknown-environment",
    UnknownField => "unknown-field",
    UnknownFramework => "unknown-framework",
    UnknownFingerprintSecret => "unknown-fingerprint-secret",
    UnknownReference => "unknown-reference",
    UnknownRule => "unknown-rule",
    UnknownTemplate => "unknown-template",
    UnknownValue => "unknown-value",
    UnreadableDocsFile => "unreadable-docs-file",
    UnreadableEnvExample => "unreadable-env-example",
    UnreadableFile => "unreadable-file",
    UnreadablePath => "unreadable-path",
    UnreadableTemplate => "unreadable-template",
    UnreadableTemplates => "unreadable-templates",
    UnsupportedIamSnapshotVersion => "unsupported-iam-snapshot-version",
    UnsupportedVersion => "unsupported-version",
    ValueEmpty => "value-empty",
    ValueMissing => "value-missing",
    ValueNotVerified => "value-not-verified",
    WrongType => "wrong-type",
    YamlLimit => "yaml-limit",
    YamlSyntax => "yaml-syntax",
    YamlTag => "yaml-tag",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with the user's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// A stable code, e.g. `unknown-field`.
    pub code: Code,
    pub message: String,
    pub location: Option<Location>,
    /// Another place that matters, e.g. where a duplicate was first defined.
    pub related: Option<Box<(Location, String)>>,
    pub help: Option<String>,
}

impl InputError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            location: None,
            related: None,
            help: None,
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn at_opt(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, location: Location, note: impl Into<String>) -> Self {
        self.related = Some(Box::new((location, note.into())));
        self
    }

    /// Renders the error for a terminal or a log, quoting the offending line
    /// when its text is known.
    pub fn render(&self, texts: &SourceTexts) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "error[{}]: {}", self.code, self.message);
        if let Some(location) = &self.location {
            let _ = writeln!(out, "  --> {location}");
            if let Some(line) = texts.line(location) {
                let gutter = location.line.to_string();
                let pad = " ".repeat(gutter.len());
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{gutter} | {line}");
                // In a redacted line the column may point into hidden text:
                // the caret then stops at the `…`.
                let width = line.chars().count().max(1);
                let caret_pad: String = line
                    .chars()
                    .take(location.column.saturating_sub(1).min(width - 1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(out, "{pad} | {caret_pad}^");
            }
        }
        if let Some((location, note)) = self.related.as_deref() {
            let _ = writeln!(out, "  = note: {note} at {location}");
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }
}

/// Suggests the closest of `candidates` to `input`, if one is close enough to
/// be a plausible typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(input, c), c))
        .filter(|(distance, c)| *distance <= 3.min(c.len().max(input.len()) / 2 + 1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileKind;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "`{text}` is declared twice");
            assert!(
                !text.is_empty()
                    && text.split('-').all(|w| !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "`{text}` is not kebab-case"
            );
        }
    }

    #[test]
    fn suggests_close_names_only() {
        let fields = ["severity", "message", "control", "id"];
        assert_eq!(did_you_mean("severty", fields), Some("severity"));
        assert_eq!(did_you_mean("controls", fields), Some("control"));
        assert_eq!(did_you_mean("zzzzzzzz", fields), None);
    }

    #[test]
    fn renders_location_snippet_and_help() {
        let file: std::sync::Arc<str> = "inv.yaml".into();
        let text = "version: 1\nsecrets:\n  X: {clasification: critical}\n";
        let texts_of = |kind| {
            let mut texts = SourceTexts::default();
            texts.insert(&file, text, kind);
            texts
        };
        let err = InputError::new(Code::UnknownField, "unknown field `clasification`")
            .at(Location::new(&file, 3, 7))
            .help("did you mean `classification`?");
        let text = err.render(&texts_of(FileKind::Template));
        assert!(text.contains("--> inv.yaml:3:7"), "{text}");
        assert!(
            text.contains("3 |   X: {clasification: critical}"),
            "{text}"
        );
        assert!(
            text.contains("= help: did you mean `classification`?"),
            "{text}"
        );
        let text = err.render(&texts_of(FileKind::Inventory));
        assert!(text.contains("3 |   X: …"), "{text}");
        // A file that may hold values: the place, never the text.
        let text = err.render(&texts_of(FileKind::Fingerprints));
        assert!(text.contains("--> inv.yaml:3:7"), "{text}");
        assert!(!text.contains("clasification: critical"), "{text}");
        assert!(!text.contains(" | "), "{text}");
    }
}
