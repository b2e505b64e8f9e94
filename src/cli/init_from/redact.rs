//! Credentials taken out of the defaults `init --from` copies from env
//! files: the user information of a URL of any scheme, anywhere in the value
//! (`postgres://app:<redacted>@db:5432/app`), and the value of a parameter
//! with a secret-like name (`?sslpassword=`, `;Password=`). A value that
//! still hides one once percent-decoded gets no default at all.

use secretary::heuristics;

/// What stands for a credential taken out of a default.
pub const REDACTED: &str = "<redacted>";

/// `value` with every credential in it replaced by [`REDACTED`] (see
/// [`redact`]), or `None` when its percent-decoded text still holds one
/// (`?next=postgres%3A%2F%2Fu%3Apw%40db`): such a value is not written.
pub(super) fn safe_default(value: &str) -> Option<String> {
    let redacted = redact(value);
    let decoded = percent_encoding::percent_decode_str(&redacted).decode_utf8_lossy();
    (redact(&decoded) == decoded).then_some(redacted)
}

/// Replaces the credentials in `value`:
///
/// - in every URL (`scheme://`, any scheme, anywhere in the value, several
///   in a list), the password of its user information
///   (`postgres://app:<redacted>@db`), and a user name alone when it looks
///   like a token (`https://<redacted>@sentry.io/1`). The user information
///   ends at the last `@` of the authority; when the authority has none but
///   a later `@` follows a `:` (a password with a raw `/` in it), everything
///   from the `:` to that `@` is taken for the password: it is better to
///   hide a port than to show a password;
/// - the value of every `name=value` whose name looks like a secret's
///   (`?sslpassword=`, `;Password=`, `-Ddb.password=`), up to the next `&`,
///   `;`, `,` or space.
pub fn redact(value: &str) -> String {
    redact_parameters(&redact_urls(value))
}

/// Characters of a URL scheme (RFC 3986: a letter, then letters, digits,
/// `+`, `-` and `.`).
fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')
}

/// The start of the scheme ending at byte `end` of `text`, if one does.
fn scheme_start(text: &str, end: usize) -> Option<usize> {
    let start = text[..end]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_scheme_char(c))
        .last()
        .map(|(i, _)| i)?;
    // The scheme starts with a letter: skip leading digits and signs.
    let offset = text[start..end].find(|c: char| c.is_ascii_alphabetic())?;
    Some(start + offset)
}

fn redact_urls(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(sep) = rest.find("://") {
        let after_at = sep + 3;
        out.push_str(&rest[..after_at]);
        let after = &rest[after_at..];
        if scheme_start(rest, sep).is_none() {
            rest = after;
            continue;
        }
        // The URL runs to a space or to the scheme of the next URL.
        let mut end = after.find(char::is_whitespace).unwrap_or(after.len());
        if let Some(next) = after[..end].find("://") {
            end = scheme_start(after, next).unwrap_or(next);
        }
        let url = &after[..end];
        match userinfo_end(url) {
            Some(at) => {
                let userinfo = &url[..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(REDACTED);
                    }
                    None if heuristics::real_looking_value(userinfo) => out.push_str(REDACTED),
                    None => out.push_str(userinfo),
                }
                out.push_str(&url[at..]);
            }
            None => out.push_str(url),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Where the user information of `url` (the text after `scheme://`) ends:
/// the byte of its `@`.
fn userinfo_end(url: &str) -> Option<usize> {
    let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    if let Some(at) = url[..authority_end].rfind('@') {
        return Some(at);
    }
    url.rfind('@').filter(|&at| url[..at].contains(':'))
}

fn redact_parameters(value: &str) -> String {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(eq) = rest.find('=') {
        let name_start = rest[..eq]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_name_char(c))
            .last()
            .map_or(eq, |(i, _)| i);
        let name = &rest[name_start..eq];
        out.push_str(&rest[..=eq]);
        let after = &rest[eq + 1..];
        let end = after
            .find(|c: char| matches!(c, '&' | ';' | ',') || c.is_whitespace())
            .unwrap_or(after.len());
        if secret_parameter(name) && end > 0 && &after[..end] != REDACTED {
            out.push_str(REDACTED);
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Whether a parameter's name says its value is a credential: a secret-like
/// variable name, or a signature or auth parameter of a signed URL.
fn secret_parameter(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    heuristics::secret_like_name(name)
        || upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| matches!(w, "SIGNATURE" | "SIG" | "AUTH"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_defaults_are_redacted_and_the_rest_kept() {
        for (value, redacted) in [
            (
                "postgres://app:pw@db:5432/app",
                "postgres://app:<redacted>@db:5432/app",
            ),
            (
                "postgres://app:p@ss@db/app",
                "postgres://app:<redacted>@db/app",
            ),
            (
                "postgres://app:p%40ss%3A1@db/app",
                "postgres://app:<redacted>@db/app",
            ),
            ("redis://:pw@cache:6379", "redis://:<redacted>@cache:6379"),
            ("redis://:pw/x@cache", "redis://:<redacted>@cache"),
            ("x=amqp://u:pw@mq//;y=1", "x=amqp://u:<redacted>@mq//;y=1"),
            (
                "a://u:1@h b://v:2@i",
                "a://u:<redacted>@h b://v:<redacted>@i",
            ),
            (
                "https://ghp_0123456789abcdefABCDEF@github.com/o/r",
                "https://<redacted>@github.com/o/r",
            ),
            ("ssh://git@github.com/o/r", "ssh://git@github.com/o/r"),
            ("https://h/?email=me@x.org", "https://h/?email=me@x.org"),
            ("https://h:8443/path", "https://h:8443/path"),
            (
                "https://h/cb?code=1&client_secret=s3&x=2",
                "https://h/cb?code=1&client_secret=<redacted>&x=2",
            ),
            (
                "-Ddb.password=pw -Dport=1",
                "-Ddb.password=<redacted> -Dport=1",
            ),
            ("token=", "token="),
            ("no url here", "no url here"),
            ("://odd", "://odd"),
        ] {
            assert_eq!(redact(value), redacted, "{value}");
        }
        assert_eq!(
            safe_default("https://a/?next=redis%3A%2F%2F%3Apw%40h"),
            None
        );
        assert_eq!(safe_default("a%20b").as_deref(), Some("a%20b"));
    }
}
