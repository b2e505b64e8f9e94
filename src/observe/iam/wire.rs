//! What crosses the wire, seen by an SDK interceptor on every AWS request:
//! the action each request calls (so tests hold the client to the read-only
//! policy and count its calls), and two checks of each answer before its
//! data is used. IAM speaks the query protocol (the action in the form
//! body, XML answers); Secrets Manager and SSM, read with it by
//! `observe::stores`, speak awsJson (the action in the `X-Amz-Target`
//! header, `secretsmanager.ListSecrets`, JSON answers). Both are recorded as
//! the permission they need (`iam:GetAccountSummary`,
//! `secretsmanager:ListSecrets`, `ssm:DescribeParameters`).
//!
//! - An answer declaring more than [`MAX_ANSWER_BYTES`] (64 MiB) in its
//!   `Content-Length` is refused before its body is read.
//! - A successful IAM answer must be well-formed XML with one root element,
//!   an IAM `<...Response>` (not, say, a proxy's HTML page). The SDK's XML
//!   reader recovers from a truncated document silently (it reads what is
//!   there, and a cut-short listing looks like a short one), so an answer
//!   cut anywhere would pass as a smaller, cleaner account. Each element
//!   must be closed by its own end tag before the document ends.
//! - A successful JSON answer must be one whole JSON object, for the same
//!   reason.
//!
//! A refused answer fails its call with a [`BadAnswer`]; [`problem`]
//! describes any failed call for the `not_collected` gap that names it.

use std::sync::{Arc, Mutex};

use aws_sdk_iam::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeDeserializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef,
};
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_iam::error::{BoxError, ProvideErrorMetadata, SdkError};

/// Largest answer read, by its declared `Content-Length`.
pub const MAX_ANSWER_BYTES: u64 = 64 << 20;

/// An answer that is not one: cut short, not XML or JSON, or too large.
#[derive(Debug)]
pub struct BadAnswer(pub String);

impl std::fmt::Display for BadAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadAnswer {}

/// How a service names its actions and writes its answers.
#[derive(Debug, Clone, Copy, Default)]
enum Protocol {
    /// IAM: `Action=` in the form body, XML answers.
    #[default]
    Query,
    /// Secrets Manager, SSM: the `X-Amz-Target` header, JSON answers.
    Json,
}

/// The interceptor: records each request's action, checks each answer.
#[derive(Debug, Clone, Default)]
pub struct Wire {
    protocol: Protocol,
    calls: Arc<Mutex<Vec<String>>>,
}

impl Wire {
    /// The interceptor of an awsJson service (Secrets Manager, SSM); the
    /// default is IAM's.
    pub fn json() -> Self {
        Wire {
            protocol: Protocol::Json,
            calls: Arc::default(),
        }
    }

    /// The actions called, in order (one per HTTP request, retries
    /// included), as the permission each needs: `iam:GetAccountSummary`.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl Intercept for Wire {
    fn name(&self) -> &'static str {
        "secretary-aws-wire"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let action = match self.protocol {
            Protocol::Query => format!(
                "iam:{}",
                query_action(request.body().bytes().unwrap_or_default())
            ),
            Protocol::Json => json_action(request.headers().get("x-amz-target")),
        };
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(action);
        }
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let declared = context
            .response()
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        match declared {
            Some(length) if length > MAX_ANSWER_BYTES => Err(Box::new(BadAnswer(format!(
                "the answer is {length} bytes, over the limit of {MAX_ANSWER_BYTES}"
            )))),
            _ => Ok(()),
        }
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        // Error answers are the SDK's to read: their code decides retries.
        if !response.status().is_success() {
            return Ok(());
        }
        let body = response.body().bytes().unwrap_or_default();
        let bad = |problem: String| Box::new(BadAnswer(problem)) as BoxError;
        if let Protocol::Json = self.protocol {
            return json_object(body).map_err(bad);
        }
        let root = well_formed(body).map_err(bad)?;
        // IAM answers `<{Action}Response>` (the SDK checks which action).
        if !root.ends_with("Response") {
            return Err(Box::new(BadAnswer(format!(
                "the answer is not IAM's: its root element is `<{}>`",
                root.escape_debug()
            ))));
        }
        Ok(())
    }
}

/// Describes a failed call: a refused answer, the AWS error code and
/// message, a timeout, or the transport problem; never a raw answer.
pub fn problem<
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
>(
    err: &SdkError<E, R>,
) -> String {
    let mut chain: Vec<String> = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = source {
        if let Some(bad) = error.downcast_ref::<BadAnswer>() {
            return bad.0.clone();
        }
        let text = error.to_string();
        if !chain.last().is_some_and(|last| last.contains(&text)) {
            chain.push(text);
        }
        source = error.source();
    }
    let text = match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            match (e.code(), e.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_owned(),
                _ => format!("the answer could not be read: {}", chain.join(": ")),
            }
        }
        SdkError::TimeoutError(_) => "the call timed out".to_owned(),
        _ => chain.join(": "),
    };
    // What a server says reaches the terminal without its control characters.
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// `secretsmanager.ListSecrets` → `secretsmanager:ListSecrets`,
/// `AmazonSSM.DescribeParameters` → `ssm:DescribeParameters`.
fn json_action(target: Option<&str>) -> String {
    let Some((service, action)) = target.and_then(|t| t.split_once('.')) else {
        return "unknown".to_owned();
    };
    let service = match service {
        "AmazonSSM" => "ssm".to_owned(),
        other => other.to_ascii_lowercase(),
    };
    format!("{service}:{action}")
}

/// Checks that `body` is one whole JSON object.
fn json_object(body: &[u8]) -> Result<(), String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(match first {
            None => "the answer is empty: it holds no JSON object".to_owned(),
            Some(_) => "the answer is not a JSON object".to_owned(),
        });
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(body)
        .map(drop)
        .map_err(|e| {
            if e.is_eof() {
                "the answer was cut short: its JSON ends early".to_owned()
            } else {
                format!(
                    "the answer is not well-formed JSON (line {}, column {})",
                    e.line(),
                    e.column()
                )
            }
        })
}

/// The IAM action of a request's form body (`Action=GetAccountSummary&...`).
fn query_action(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action=").map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Checks that `body` is one well-formed XML document; returns the local
/// name of its root element.
fn well_formed(body: &[u8]) -> Result<&str, String> {
    use xmlparser::{ElementEnd, Token, Tokenizer};

    let text = std::str::from_utf8(body)
        .map_err(|e| format!("the answer is not UTF-8 text (at byte {})", e.valid_up_to()))?;
    let mut open: Vec<(&str, &str)> = Vec::new();
    let mut root = None;
    for token in Tokenizer::from(text) {
        match token.map_err(|e| format!("the answer is not well-formed XML: {e}"))? {
            Token::ElementStart { prefix, local, .. } => {
                // The tokenizer refuses a second root element.
                root = root.or(Some(local.as_str()));
                open.push((prefix.as_str(), local.as_str()));
            }
            Token::ElementEnd {
                end: ElementEnd::Close(prefix, local),
                ..
            } => {
                let closed = (prefix.as_str(), local.as_str());
                if open.pop() != Some(closed) {
                    return Err(format!(
                        "the answer is not well-formed XML: `</{}>` closes no open element",
                        closed.1
                    ));
                }
            }
            Token::ElementEnd {
                end: ElementEnd::Empty,
                ..
            } => {
                open.pop();
            }
            _ => {}
        }
    }
    match (open.last(), root) {
        (Some((_, local)), _) => Err(format!(
            "the answer was cut short: it ends inside `<{local}>`"
        )),
        (None, None) => Err("the answer is empty: it holds no XML element".to_owned()),
        (None, Some(root)) => Ok(root),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_documents_are_well_formed() {
        let whole = r#"<?xml version="1.0"?><A xmlns="x"><B>1</B><C/><!-- c --></A>"#;
        assert_eq!(well_formed(whole.as_bytes()), Ok("A"));
        for (cut, expected) in [
            ("<A><B>1</B>", "ends inside `<A>`"),
            ("<A><B>1</B><", "not well-formed"),
            ("<A><B>1</A></B>", "closes no open element"),
            ("<A/><B/>", "not well-formed"),
            ("", "holds no XML element"),
            ("not xml", "not well-formed"),
        ] {
            let err = well_formed(cut.as_bytes()).unwrap_err();
            assert!(err.contains(expected), "{cut:?}: {err}");
        }
        // Every cut of a whole answer is refused.
        for end in 1..whole.len() {
            assert!(
                well_formed(&whole.as_bytes()[..end]).is_err(),
                "cut at {end}"
            );
        }
    }

    #[test]
    fn only_whole_json_objects_pass() {
        let whole = br#"{"SecretList": [{"Name": "a"}, {"Name": "b"}], "NextToken": null}"#;
        assert_eq!(json_object(whole), Ok(()));
        for end in 0..whole.len() {
            assert!(json_object(&whole[..end]).is_err(), "cut at {end}");
        }
        assert!(json_object(b"[1]").is_err());
        assert!(json_object(b"<html></html>").is_err());
        assert!(json_object(b"{} {}").is_err());
    }

    #[test]
    fn json_actions_are_named_as_permissions() {
        assert_eq!(
            json_action(Some("secretsmanager.ListSecrets")),
            "secretsmanager:ListSecrets"
        );
        assert_eq!(
            json_action(Some("AmazonSSM.DescribeParameters")),
            "ssm:DescribeParameters"
        );
        assert_eq!(json_action(None), "unknown");
    }
}
