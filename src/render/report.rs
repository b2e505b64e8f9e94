//! Reports for people: the markdown and HTML audit report, and the compact
//! markdown summary of `check --format markdown`, all rendered from the
//! [`View`] with the [`Templates`].

use std::io::{self, Write};

use minijinja::Value;

use super::templates::Templates;
use super::view::View;
use crate::diag::InputError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Markdown,
    Html,
}

impl ReportFormat {
    /// The template that renders the whole report.
    pub fn template(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "report.md",
            ReportFormat::Html => "report.html",
        }
    }
}

/// The context templates see.
pub fn context(view: &View) -> Value {
    Value::from_serialize(view)
}

/// The full report.
pub fn report(
    templates: &Templates,
    view: &View,
    format: ReportFormat,
) -> Result<String, InputError> {
    let text = templates.render(format.template(), &context(view))?;
    Ok(match format {
        ReportFormat::Markdown => tidy_markdown(&text),
        ReportFormat::Html => text,
    })
}

/// Collapses runs of blank lines that template loops leave behind, and ends
/// the text with exactly one newline.
pub fn tidy_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(line);
            out.push('\n');
            blank = false;
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The summary for a pull-request comment or a CI step summary, from the
/// built-in `check.md`.
pub fn check_summary(out: &mut dyn Write, view: &View) -> io::Result<()> {
    let text = Templates::builtin()
        .render("check.md", &context(view))
        .map_err(|err| io::Error::other(err.message))?;
    out.write_all(tidy_markdown(&text).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{AppliedWaiver, Finding, Report, Severity, WaiverState, WaiverStatus};
    use crate::inventory::Inventory;
    use crate::source::{Location, SourceTexts};
    use std::sync::Arc;

    /// A report with one waived and one open finding, and a ledger with one
    /// waiver of each state: what the waiver feature will produce.
    fn waived_view() -> View {
        let file: Arc<str> = Arc::from("inventory.yaml");
        let waivers_file: Arc<str> = Arc::from("waivers.yaml");
        let secret = |id: &str| crate::entities::uid("Secret", id);
        let finding = |rule: &str, entity: &str, waiver: Option<AppliedWaiver>| Finding {
            waiver,
            ..Finding::new(
                rule,
                Severity::High,
                format!("{rule} on {}", secret(entity)),
                Location::new(&file, 12, 3),
            )
            .entity(secret(entity))
            .environment("production".to_owned())
            .controls(vec!["NIST SP 800-53r5 IA-5".into()])
        };
        let mut report = Report::new(vec![
            finding(
                "rotation-overdue",
                "OLD_KEY",
                Some(AppliedWaiver {
                    reason: "vendor <rotates> in Q1 | tracked".into(),
                    owner: "platform-team".into(),
                    expires: "2027-01-31".parse().unwrap(),
                    location: Location::new(&waivers_file, 4, 3),
                }),
            ),
            finding("unencrypted-at-rest", "DB", None),
        ]);
        let status = |entity: &str, state, matched| WaiverStatus {
            rule: "rotation-overdue".into(),
            entity: secret(entity),
            environment: None,
            principal: None,
            reason: "accepted".into(),
            owner: "sec-team".into(),
            expires: "2027-01-31".parse().unwrap(),
            location: Location::new(&waivers_file, 9, 3),
            state,
            matched,
        };
        report.waivers = vec![
            status("OLD_KEY", WaiverState::Active, 1),
            status("GONE", WaiverState::Unmatched, 0),
            status("LATE", WaiverState::Expired, 0),
        ];
        let mut texts = SourceTexts::default();
        let schema = crate::entities::schema::schema();
        let rules = crate::policy::load(
            &crate::policy::RuleSources {
                builtin: true,
                user_paths: &[],
                pack_names: &[],
            },
            schema,
            &mut texts,
        )
        .unwrap();
        super::super::view::build(
            &Inventory::default(),
            &report,
            &rules,
            &texts,
            &super::super::view::ViewContext {
                now: "2026-11-23".parse().unwrap(),
                generated_at: Some(jiff::Timestamp::UNIX_EPOCH),
                fail_on: Severity::Low,
                iam: None,
                observed: Default::default(),
                values: None,
                stores: None,
                packs: Vec::new(),
                limit: Default::default(),
                iam_snapshot: None,
            },
        )
    }

    #[test]
    fn waived_findings_are_marked_with_owner_reason_and_expiry() {
        let view = waived_view();
        assert_eq!(view.summary.waived, 1);
        assert_eq!(view.summary.failing, 1);
        let templates = Templates::builtin();
        let md = report(&templates, &view, ReportFormat::Markdown).unwrap();
        assert!(
            md.contains("high (waived)"),
            "waived finding not marked:\n{md}"
        );
        assert!(
            md.contains("Waived by platform-team until 2027-01-31: vendor &lt;rotates&gt; in Q1 \\| tracked (waivers.yaml:4:3)"),
            "{md}"
        );
        // The ledger lists every waiver with its state.
        for row in [
            "| `rotation-overdue` | `Secret::\"OLD_KEY\"` | sec-team | 2027-01-31 | active (1 matched) |",
            "| `rotation-overdue` | `Secret::\"GONE\"` | sec-team | 2027-01-31 | unmatched |",
            "| `rotation-overdue` | `Secret::\"LATE\"` | sec-team | 2027-01-31 | expired |",
        ] {
            assert!(md.contains(row), "missing ledger row {row}:\n{md}");
        }
        // The rotation item is ticked (its only finding is waived); the
        // encryption item is not.
        assert!(
            md.contains("- [x] Rotation schedule documented and followed — **pass with waivers**"),
            "{md}"
        );
        assert!(
            md.contains("- [ ] Secrets encrypted at rest — **fail**")
                && md.contains("— **1 open**: [unencrypted-at-rest](#finding-2)"),
            "{md}"
        );

        let html = report(&templates, &view, ReportFormat::Html).unwrap();
        assert!(html.contains("<span class=\"tag\">waived</span>"), "{html}");
        assert!(
            html.contains("vendor &lt;rotates&gt; in Q1 | tracked"),
            "HTML escapes the reason: {html}"
        );
        assert!(html.contains("<tr class=\"waiver-expired\">"), "{html}");
        assert!(html.contains("<tr class=\"waiver-unmatched\">"), "{html}");

        let mut summary = Vec::new();
        check_summary(&mut summary, &view).unwrap();
        let summary = String::from_utf8(summary).unwrap();
        assert!(
            summary.contains("high (waived by platform-team until 2027-01-31)"),
            "{summary}"
        );
    }
}
