//! An action's parameters as the legacy API sends them: flat `name=value`
//! pairs (lowerCamelCase names, every value a string), taken one by one;
//! what is left at the end is unknown to the action.

use crate::{
    action::fields::{self, NotAnInteger},
    domain::{ApiError, ErrorCode},
};

pub struct Params {
    action: String,
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn new(action: &str, pairs: Vec<(String, String)>) -> Self {
        Params {
            action: action.to_owned(),
            pairs,
        }
    }

    /// An optional parameter's value; an empty one counts as absent, as
    /// the legacy API read them.
    pub fn string(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        Ok(self.take(name)?.filter(|v| !v.is_empty()))
    }

    /// The value of a parameter given at most once.
    fn take(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        let mut found = None;
        let mut count = 0;
        self.pairs.retain(|(k, v)| {
            if k == name {
                count += 1;
                found = Some(v.clone());
                false
            } else {
                true
            }
        });
        if count > 1 {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                format!("parameter {name} is given {count} times"),
            ));
        }
        Ok(found)
    }

    /// A parameter that must be there; present but empty, it is the empty
    /// value, for the field's own check to judge.
    pub fn required(&mut self, name: &str) -> Result<String, ApiError> {
        self.take(name)?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::MissingParameter,
                format!("parameter {name} is required"),
            )
        })
    }

    /// An integer parameter, in `range`.
    pub fn integer(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<Option<i64>, ApiError> {
        let Some(text) = self.string(name)? else {
            return Ok(None);
        };
        let value = fields::integer(&text).map_err(|why| match why {
            NotAnInteger::OutOfRange => fields::integer_out_of_range(name, &text),
            NotAnInteger::Malformed => ApiError::new(
                ErrorCode::InvalidParameterValueMalformed,
                format!("parameter {name} must be an integer, not {text:?}"),
            ),
        })?;
        if !range.contains(&value) {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterValueRange,
                format!(
                    "parameter {name} {value} must be from {} to {}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(Some(value))
    }

    /// Refuses what the action does not take.
    pub fn finish(&mut self) -> Result<(), ApiError> {
        match self.pairs.first() {
            None => Ok(()),
            Some((name, _)) => Err(ApiError::new(
                ErrorCode::InvalidParameter,
                format!("{} takes no parameter {name}", self.action),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_taken_once_and_the_unknown_refused() {
        let pairs = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let mut p = Params::new(
            "X",
            pairs(&[
                ("offset", "5"),
                ("vpcId", ""),
                ("limit", "500"),
                ("extra", "1"),
            ]),
        );
        assert_eq!(p.integer("offset", 0..=10).unwrap(), Some(5));
        assert_eq!(p.string("vpcId").unwrap(), None);
        assert_eq!(
            p.integer("limit", 1..=50).unwrap_err().code,
            ErrorCode::InvalidParameterValueRange
        );
        assert_eq!(
            p.required("peerUin").unwrap_err().code,
            ErrorCode::MissingParameter
        );
        assert!(p.finish().unwrap_err().message.contains("extra"));
        let mut twice = Params::new("X", pairs(&[("a", "1"), ("a", "2")]));
        assert_eq!(
            twice.string("a").unwrap_err().code,
            ErrorCode::InvalidParameter
        );
    }
}
