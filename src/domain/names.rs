//! Names of peerings, VPCs and accounts: 1 to 60 characters (not bytes), no
//! control characters, not blank, and no whitespace at either end.
//!
//! Names are compared exactly (Describe filters, scenario references), so
//! `"web "` and `"web"` would be two names that print alike; a padded name is
//! nearly always a slip of the caller's, so it is refused rather than trimmed
//! behind the caller's back.

use super::error::{ApiError, ErrorCode};

pub const MAX_NAME_CHARS: usize = 60;

/// Checks a name, reporting `code` against `field` when it is bad.
pub fn validate_name(value: &str, field: &'static str, code: ErrorCode) -> Result<(), ApiError> {
    if value.is_empty() {
        return Err(ApiError::field(
            code,
            field,
            format!("{field} must not be empty"),
        ));
    }
    // Count characters, not bytes: 60 CJK characters are a valid name.
    let chars = value.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(ApiError::field(
            code,
            field,
            format!("{field} has {chars} characters, at most {MAX_NAME_CHARS} are allowed"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::field(
            code,
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    if value.chars().all(char::is_whitespace) {
        return Err(ApiError::field(
            code,
            field,
            format!("{field} must not be only whitespace"),
        ));
    }
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Err(ApiError::field(
            code,
            field,
            format!("{field} must not start or end with whitespace"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: ErrorCode = ErrorCode::InvalidPeeringConnectionName;

    #[test]
    fn sixty_cjk_characters_pass_and_sixty_one_fail() {
        let sixty = "对".repeat(60);
        assert!(sixty.len() > 60, "the test needs a name longer in bytes");
        assert!(validate_name(&sixty, "name", CODE).is_ok());
        let err = validate_name(&"对".repeat(61), "name", CODE).unwrap_err();
        assert_eq!(err.code, CODE);
        assert_eq!(err.field, Some("name"));
    }

    #[test]
    fn empty_and_control_characters_fail() {
        assert!(validate_name("", "name", CODE).is_err());
        assert!(validate_name("a\nb", "name", CODE).is_err());
        assert!(validate_name("a\u{0}b", "name", CODE).is_err());
        assert!(validate_name("web-to-db ✓", "name", CODE).is_ok());
    }

    #[test]
    fn blank_and_padded_names_fail_and_inner_spaces_pass() {
        for name in [
            " ",
            "   ",
            "\u{3000}",
            "\u{a0}",
            " web",
            "web ",
            "web\u{3000}",
        ] {
            let err = validate_name(name, "name", CODE).unwrap_err();
            assert_eq!(err.code, CODE, "{name:?}");
            assert!(
                err.message.contains("whitespace"),
                "{name:?}: {}",
                err.message
            );
        }
        assert!(validate_name("web to db", "name", CODE).is_ok());
        assert!(validate_name("对 等", "name", CODE).is_ok());
    }
}
