//! Names of peerings, VPCs and accounts: 1 to 60 characters (not bytes), no
//! control characters.

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
}
