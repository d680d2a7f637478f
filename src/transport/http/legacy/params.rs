//! An action's parameters as the legacy API sends them: flat `name=value`
//! pairs (lowerCamelCase names, every value a string), taken one by one;
//! what is left at the end is unknown to the action. Arrays are numbered
//! names: `subnetId.0`, `subnetId.1` for a list of values, and
//! `routeSet.0.nextHub` for a list of items with fields. A `_` in a name is
//! a `.`, as the legacy signature takes it (`routeSet_0_nextHub`).

use crate::{
    action::fields::{self, NotAnInteger},
    domain::{ApiError, ErrorCode},
};

pub struct Params {
    action: String,
    pairs: Vec<(String, String)>,
}

/// One item of an array of items: its fields' values, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item(pub Vec<Option<String>>);

impl Item {
    /// The value of the `at`th field, or "" where it is absent.
    pub fn get(&self, at: usize) -> &str {
        self.0.get(at).and_then(|v| v.as_deref()).unwrap_or("")
    }

    /// Whether the `at`th field was given.
    pub fn given(&self, at: usize) -> bool {
        self.0.get(at).is_some_and(Option::is_some)
    }
}

impl Params {
    pub fn new(action: &str, pairs: Vec<(String, String)>) -> Self {
        Params {
            action: action.to_owned(),
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.replace('_', "."), v))
                .collect(),
        }
    }

    /// Whether any parameter is `name` or an element of array `name`.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| {
            k == name
                || k.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// The elements of array `name` (`name.0`, `name.1`, ...), in the
    /// order of their numbers; `extra` says what the element's number is
    /// followed by (`""` for a list of values, `.field` for a field of
    /// items). Elements whose name has another tail are left for others.
    fn elements(&mut self, name: &str, extra: &str) -> Result<Vec<(u32, String)>, ApiError> {
        let prefix = format!("{name}.");
        let mut found: Vec<(u32, String)> = Vec::new();
        let mut twice = None;
        self.pairs.retain(|(k, v)| {
            let Some(index) = k
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(extra))
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u32>().ok())
            else {
                return true;
            };
            if found.iter().any(|(i, _)| *i == index) {
                twice = Some(k.clone());
            }
            found.push((index, v.clone()));
            false
        });
        if let Some(key) = twice {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                format!("parameter {key} is given more than once"),
            ));
        }
        found.sort_by_key(|(i, _)| *i);
        Ok(found)
    }

    /// A list of values, `name.0`, `name.1`, ... (empty ones dropped).
    pub fn list(&mut self, name: &str) -> Result<Vec<String>, ApiError> {
        Ok(self
            .elements(name, "")?
            .into_iter()
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty())
            .collect())
    }

    /// A list of items with `fields`, `name.0.field`, `name.1.field`, ...:
    /// per item (in the order of their numbers) the value of each field,
    /// `None` where it is absent. A field the action does not know is left
    /// for `finish` to refuse.
    pub fn items(&mut self, name: &str, fields: &[&str]) -> Result<Vec<Item>, ApiError> {
        let mut items: Vec<(u32, Item)> = Vec::new();
        for (f, field) in fields.iter().enumerate() {
            for (index, value) in self.elements(name, &format!(".{field}"))? {
                let at = match items.iter().position(|(i, _)| *i == index) {
                    Some(at) => at,
                    None => {
                        items.push((index, Item(vec![None; fields.len()])));
                        items.len() - 1
                    }
                };
                items[at].1.0[f] = Some(value);
            }
        }
        items.sort_by_key(|(i, _)| *i);
        Ok(items.into_iter().map(|(_, item)| item).collect())
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

    #[test]
    fn arrays_are_numbered_names() {
        let pairs = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let mut p = Params::new(
            "X",
            pairs(&[
                ("subnetId.1", "b"),
                ("subnetId.0", "a"),
                ("subnetIdx", "not an element"),
                ("routeSet.1.nextHub", "h1"),
                ("routeSet_0_nextHub", "h0"),
                ("routeSet.0.nextType", "4"),
                ("routeSet.0.colour", "red"),
            ]),
        );
        assert!(p.has("routeSet") && p.has("subnetId") && !p.has("zoneIds"));
        assert_eq!(p.list("subnetId").unwrap(), ["a", "b"]);
        let items = p.items("routeSet", &["nextType", "nextHub"]).unwrap();
        assert_eq!(
            items,
            [
                Item(vec![Some("4".into()), Some("h0".into())]),
                Item(vec![None, Some("h1".into())]),
            ]
        );
        assert_eq!((items[1].get(0), items[1].given(1)), ("", true));
        let left = p.finish().unwrap_err().message;
        assert!(left.contains("subnetIdx"), "{left}");
        assert_eq!(
            p.string("subnetIdx").unwrap().as_deref(),
            Some("not an element")
        );
        assert!(
            p.finish()
                .unwrap_err()
                .message
                .contains("routeSet.0.colour")
        );
        let mut twice = Params::new("X", pairs(&[("a.0", "1"), ("a_0", "2")]));
        assert_eq!(
            twice.list("a").unwrap_err().code,
            ErrorCode::InvalidParameter
        );
    }
}
