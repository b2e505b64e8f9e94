//! What crosses the wire, seen by an SDK interceptor on every Secrets
//! Manager and SSM request: the action each request calls (so tests hold
//! the client to the read-only policy and count its calls), and two checks
//! of each answer before its data is used, as IAM's `wire` does for XML.
//!
//! These services speak the awsJson protocol: the action is the
//! `X-Amz-Target` header (`secretsmanager.ListSecrets`,
//! `AmazonSSM.DescribeParameters`), recorded as the IAM action it needs
//! (`secretsmanager:ListSecrets`, `ssm:DescribeParameters`).
//!
//! - An answer declaring more than [`MAX_ANSWER_BYTES`] (64 MiB, IAM's
//!   bound) in its `Content-Length` is refused before its body is read.
//! - A successful answer must be one whole JSON object. A body cut short
//!   must never pass as a shorter listing.
//!
//! A refused answer fails its call with IAM's `BadAnswer`, so the same
//! [`problem`] describes it for the `not_collected` gap.

use std::sync::{Arc, Mutex};

use aws_sdk_secretsmanager::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeDeserializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef,
};
use aws_sdk_secretsmanager::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_secretsmanager::error::BoxError;

pub use crate::observe::iam::wire::{problem, BadAnswer, MAX_ANSWER_BYTES};

/// The interceptor: records each request's action, checks each answer.
#[derive(Debug, Clone, Default)]
pub struct Wire(Arc<Mutex<Vec<String>>>);

impl Wire {
    /// The actions called, in order (one per HTTP request, retries included).
    pub fn calls(&self) -> Vec<String> {
        self.0.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// `secretsmanager.ListSecrets` → `secretsmanager:ListSecrets`,
/// `AmazonSSM.DescribeParameters` → `ssm:DescribeParameters`.
fn action(target: Option<&str>) -> String {
    let Some((service, action)) = target.and_then(|t| t.split_once('.')) else {
        return "unknown".to_owned();
    };
    let service = match service {
        "AmazonSSM" => "ssm".to_owned(),
        other => other.to_ascii_lowercase(),
    };
    format!("{service}:{action}")
}

impl Intercept for Wire {
    fn name(&self) -> &'static str {
        "secretary-stores-wire"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let action = action(context.request().headers().get("x-amz-target"));
        if let Ok(mut calls) = self.0.lock() {
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
        json_object(body).map_err(|problem| Box::new(BadAnswer(problem)) as BoxError)
    }
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
    serde_json::from_slice::<serde::de::IgnoredAny>(body).map_err(|e| {
        if e.is_eof() {
            "the answer was cut short: its JSON ends early".to_owned()
        } else {
            format!(
                "the answer is not well-formed JSON (line {}, column {})",
                e.line(),
                e.column()
            )
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_objects_pass() {
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
    fn actions_are_named_as_permissions() {
        assert_eq!(
            action(Some("secretsmanager.ListSecrets")),
            "secretsmanager:ListSecrets"
        );
        assert_eq!(
            action(Some("AmazonSSM.DescribeParameters")),
            "ssm:DescribeParameters"
        );
        assert_eq!(action(None), "unknown");
    }
}
