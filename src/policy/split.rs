//! Where each policy of a Cedar file starts.
//!
//! Cedar's public API does not expose a parsed policy's position, and rules
//! need one for `file:line` in errors and `policies list`. Cedar statements
//! end with `;` outside strings and comments, so finding those is enough.

/// Byte offsets of the first token of each statement in `text`, annotations
/// included.
pub fn statement_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    let mut in_statement = false;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b if b.is_ascii_whitespace() => {}
            b'"' => {
                if !in_statement {
                    starts.push(i);
                    in_statement = true;
                }
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b';' => in_statement = false,
            _ => {
                if !in_statement {
                    starts.push(i);
                    in_statement = true;
                }
            }
        }
        i += 1;
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_statement_starts_past_comments_and_strings() {
        let text = "// a comment; with a semicolon\n@id(\"a;b\")\nforbid(principal, action, resource);\n\n  @id(\"c\") forbid(principal, action, resource);\n";
        let starts = statement_starts(text);
        assert_eq!(starts.len(), 2);
        assert!(text[starts[0]..].starts_with("@id(\"a;b\")"));
        assert!(text[starts[1]..].starts_with("@id(\"c\")"));
    }
}
