//! An action's parameters: a JSON object (POST), or the SDKs' flattened
//! query form (GET: `Filters.0.Name=state&Filters.0.Values.0=ACTIVE`), read
//! field by field with the API's codes for a missing, mistyped or unknown
//! parameter.

use serde_json::{Map, Value};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::{
    action::fields::{self, NotAnInteger, PageFields},
    domain::{ApiError, ErrorCode, link::Tag},
};

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, message)
}

/// A JSON value that refuses an object naming one key twice (serde_json
/// keeps the last, which would hide a mistake).
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(value) = map.next_value()?;
            if object.insert(key.clone(), value).is_some() {
                return Err(de::Error::custom(format!("parameter {key} is given twice")));
            }
        }
        Ok(Value::Object(object))
    }
}

/// Parameters of a POST: the body, a JSON object.
pub fn from_json(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Strict>(body) {
        Ok(Strict(Value::Object(map))) => Ok(map),
        Ok(_) => Err(invalid("the request body must be a JSON object")),
        // A repeated key is a parameter given twice, not bad JSON.
        Err(err) if err.is_data() => Err(invalid(err.to_string())),
        Err(err) => Err(invalid(format!(
            "the request body is not valid JSON: {err}"
        ))),
    }
}

/// Parameters of a GET: the query, unflattened (`A.0.B=x` is `{"A": [{"B": "x"}]}`).
pub fn from_query(query: &str) -> Result<Map<String, Value>, ApiError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Decoded `name=value` pairs, unflattened as `from_query` does. The
/// names may come in any order (the Java SDK builds its query from a hash
/// map): list items are placed by their index.
pub fn from_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Map<String, Value>, ApiError> {
    let mut pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
    pairs.sort_by(|(a, _), (b, _)| flattened_order(a, b));
    let mut root = Value::Object(Map::new());
    for (key, value) in pairs {
        let mut node = &mut root;
        let steps: Vec<&str> = key.split('.').collect();
        for (i, step) in steps.iter().enumerate() {
            let last = i + 1 == steps.len();
            let next_is_index = steps.get(i + 1).is_some_and(|s| s.parse::<usize>().is_ok());
            let empty = || {
                if next_is_index {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Map::new())
                }
            };
            node = match (node, step.parse::<usize>()) {
                (Value::Array(items), Ok(index)) => {
                    if index > items.len() || index > 1000 {
                        return Err(invalid(format!(
                            "parameter {key}: list indexes must count up from 0"
                        )));
                    }
                    if index == items.len() {
                        items.push(if last { Value::Null } else { empty() });
                    }
                    &mut items[index]
                }
                (Value::Object(map), _) => map
                    .entry((*step).to_owned())
                    .or_insert_with(|| if last { Value::Null } else { empty() }),
                _ => {
                    return Err(invalid(format!("parameter {key} mixes a list and a field")));
                }
            };
            if last {
                if !node.is_null() {
                    return Err(invalid(format!("parameter {key} is given twice")));
                }
                *node = Value::String(value.to_owned());
            }
        }
    }
    match root {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

/// Orders flattened names so that each list's items come in index order
/// (`A.2` before `A.10`), indexes before names (so `A.0` makes `A` a list
/// and a later `A.B` is refused); names compare as text.
fn flattened_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn step(s: &str) -> (bool, Option<usize>, &str) {
        let index = s.parse().ok();
        (index.is_none(), index, s)
    }
    a.split('.').map(step).cmp(b.split('.').map(step))
}

/// `true` or `false`, in any case: how the API writes booleans in strings
/// (filter values, `EnableBroadcast`, the GET form).
pub fn boolean_word(word: &str) -> Option<bool> {
    if word.eq_ignore_ascii_case("true") {
        Some(true)
    } else if word.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// One `Filters` entry: its name and values.
pub type Filter = (String, Vec<String>);

/// An action's parameters, taken one by one; what is left at the end is
/// unknown to the action.
pub struct Params {
    action: String,
    map: Map<String, Value>,
}

fn mistyped(name: &str, what: &str) -> ApiError {
    invalid(format!("parameter {name} must be {what}"))
}

impl Params {
    pub fn new(action: &str, map: Map<String, Value>) -> Self {
        Self {
            action: action.to_owned(),
            map,
        }
    }

    /// A string parameter; JSON null counts as absent.
    pub fn string(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(mistyped(name, "a string")),
        }
    }

    /// A string parameter that must be there; present but empty, it is
    /// the empty value, for the field's own check to judge.
    pub fn required_string(&mut self, name: &str) -> Result<String, ApiError> {
        self.string(name)?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::MissingParameter,
                format!("parameter {name} is required"),
            )
        })
    }

    /// An integer parameter: a JSON number, or digits in a string (the GET
    /// form has only strings). An integer beyond any `i64` is out of range,
    /// not mistyped.
    pub fn integer(&mut self, name: &str) -> Result<Option<i64>, ApiError> {
        let text = match self.map.remove(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(n) => return Ok(Some(n)),
                // serde_json reads an integer too large for u64 as a float.
                None if n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                    return Err(fields::integer_out_of_range(name, &n.to_string()));
                }
                None => return Err(mistyped(name, "an integer")),
            },
            Some(Value::String(s)) => s,
            Some(_) => return Err(mistyped(name, "an integer")),
        };
        match fields::integer(&text) {
            Ok(n) => Ok(Some(n)),
            Err(NotAnInteger::OutOfRange) => Err(fields::integer_out_of_range(name, &text)),
            Err(NotAnInteger::Malformed) => Err(mistyped(name, "an integer")),
        }
    }

    /// A boolean parameter: JSON `true`/`false`, or the words in any case
    /// (the GET form has only strings; the Python SDK writes `True`).
    pub fn boolean(&mut self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::String(s)) => boolean_word(&s)
                .map(Some)
                .ok_or_else(|| mistyped(name, "true or false")),
            Some(_) => Err(mistyped(name, "true or false")),
        }
    }

    /// A list of integers, each a JSON number or digits in a string.
    pub fn integers(&mut self, name: &str) -> Result<Option<Vec<i64>>, ApiError> {
        let Some(value) = self.map.remove(name).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(mistyped(name, "a list of integers"));
        };
        items
            .into_iter()
            .map(|item| {
                let mut one = Params::new(&self.action, Map::from_iter([(name.to_owned(), item)]));
                one.integer(name)?
                    .ok_or_else(|| mistyped(name, "a list of integers"))
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// A list of objects (`Routes`, `Subnets`), each read as parameters of
    /// its own, which the caller finishes.
    pub fn objects(&mut self, name: &str) -> Result<Option<Vec<Params>>, ApiError> {
        let Some(value) = self.map.remove(name).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(mistyped(name, "a list of objects"));
        };
        items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Ok(Params {
                    action: format!("{}.{name}", self.action),
                    map,
                }),
                _ => Err(mistyped(name, "a list of objects")),
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// Attributes of the real resource that vpcsim does not model: taken
    /// when they ask for what vpcsim shows (`shown`: `false`, `""`, `[]`;
    /// a boolean may come as the word), refused otherwise.
    pub fn refuse_changes(
        &mut self,
        shown: &[(&str, Value)],
        why: impl Fn(&str) -> String,
    ) -> Result<(), ApiError> {
        for (name, shown) in shown {
            let Some(given) = self.map.remove(*name).filter(|v| !v.is_null()) else {
                continue;
            };
            let same = match (&given, shown) {
                (Value::String(word), Value::Bool(b)) => boolean_word(word) == Some(*b),
                (given, shown) => given == shown,
            };
            if !same {
                return Err(ApiError::new(ErrorCode::UnsupportedOperation, why(name)));
            }
        }
        Ok(())
    }

    /// A list of strings.
    pub fn strings(&mut self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(mistyped(name, "a list of strings")),
                })
                .collect::<Result<_, _>>()
                .map(Some),
            Some(_) => Err(mistyped(name, "a list of strings")),
        }
    }

    /// `Filters`: `[{"Name": ..., "Values": [...]}]`.
    pub fn filters(&mut self) -> Result<Option<Vec<Filter>>, ApiError> {
        let Some(value) = self.map.remove("Filters") else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(mistyped("Filters", "a list of {Name, Values}"));
        };
        let mut filters = Vec::new();
        for item in items {
            let Value::Object(map) = item else {
                return Err(ApiError::new(
                    ErrorCode::InvalidParameterFilterNotDict,
                    "each filter must be an object {Name, Values}",
                ));
            };
            let mut filter = Params::new(&self.action, map);
            let name = filter.required_string("Name")?;
            let values = filter.strings("Values")?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::MissingParameter,
                    "parameter Filters.Values is required",
                )
            })?;
            filter.finish()?;
            filters.push((name, values));
        }
        Ok(Some(filters))
    }

    /// `Offset` (default 0) and `Limit` (default 20, at most `max_limit`),
    /// as numbers or numeric strings.
    pub fn page(&mut self, max_limit: i64) -> Result<(i64, i64), ApiError> {
        let offset = self.integer("Offset")?;
        let limit = self.integer("Limit")?;
        fields::page(
            offset,
            limit,
            max_limit,
            PageFields {
                offset: "Offset",
                limit: "Limit",
            },
        )
    }

    /// Parameters the SDKs send that vpcsim takes but does not keep.
    pub fn ignore(&mut self, names: &[&str]) {
        for name in names {
            self.map.remove(*name);
        }
    }

    /// Parameters that would change what vpcsim does not model yet: refused
    /// rather than silently dropped, with `why` saying so for the one given.
    pub fn refuse(&mut self, names: &[&str], why: impl Fn(&str) -> String) -> Result<(), ApiError> {
        for name in names {
            if self.map.remove(*name).is_some_and(|v| !v.is_null()) {
                return Err(ApiError::new(ErrorCode::UnsupportedOperation, why(name)));
            }
        }
        Ok(())
    }

    /// `Tags`: `[{"Key": ..., "Value": ...}]`; `Value` may be left out.
    pub fn tags(&mut self) -> Result<Option<Vec<Tag>>, ApiError> {
        let Some(value) = self.map.remove("Tags").filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(mistyped("Tags", "a list of {Key, Value}"));
        };
        let mut tags = Vec::with_capacity(items.len());
        for item in items {
            let Value::Object(map) = item else {
                return Err(mistyped("Tags", "a list of {Key, Value}"));
            };
            let mut tag = Params::new(&self.action, map);
            let key = tag.required_string("Key").map_err(|_| {
                ApiError::new(
                    ErrorCode::MissingParameter,
                    "parameter Tags.Key is required",
                )
            })?;
            let value = tag.string("Value")?.unwrap_or_default();
            tag.finish()?;
            tags.push(Tag { key, value });
        }
        Ok(Some(tags))
    }

    /// Refuses what the action does not take.
    pub fn finish(&mut self) -> Result<(), ApiError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(name) => Err(ApiError::new(
                ErrorCode::UnknownParameter,
                format!("{} takes no parameter {name}", self.action),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_get_form_unflattens_lists_and_objects() {
        let map = from_query(
            "Filters.0.Name=state&Filters.0.Values.0=ACTIVE&Filters.0.Values.1=PENDING&Limit=5&PeeringConnectionIds.0=pcx-1",
        )
        .unwrap();
        assert_eq!(
            Value::Object(map),
            json!({
                "Filters": [{"Name": "state", "Values": ["ACTIVE", "PENDING"]}],
                "Limit": "5",
                "PeeringConnectionIds": ["pcx-1"],
            })
        );
        assert!(from_query("A.1=x").is_err());
        assert!(from_query("A.0=x&A.B=y").is_err());
        assert!(from_query("A.B=y&A.0=x").is_err());
        assert!(from_query("A.0=x&A.2=z").is_err());
        // Any order (the Java SDK's query comes from a hash map).
        let shuffled = from_query(
            "Filters.0.Values.10=k&Limit=5&Filters.0.Values.1=b&Filters.0.Name=tag&Filters.0.Values.0=a\
             &Filters.0.Values.2=c&Filters.0.Values.3=d&Filters.0.Values.4=e&Filters.0.Values.5=f\
             &Filters.0.Values.6=g&Filters.0.Values.7=h&Filters.0.Values.8=i&Filters.0.Values.9=j",
        )
        .unwrap();
        assert_eq!(
            Value::Object(shuffled),
            json!({
                "Filters": [{"Name": "tag", "Values": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]}],
                "Limit": "5",
            })
        );
    }

    #[test]
    fn parameters_are_typed_and_the_unknown_refused() {
        let map = from_json(br#"{"Limit": 5, "Offset": "2", "Name": 3, "Extra": true}"#).unwrap();
        let mut p = Params::new("DescribeX", map);
        assert_eq!(p.integer("Limit").unwrap(), Some(5));
        assert_eq!(p.integer("Offset").unwrap(), Some(2));
        assert_eq!(
            p.string("Name").unwrap_err().code,
            ErrorCode::InvalidParameter
        );
        assert_eq!(p.finish().unwrap_err().code, ErrorCode::UnknownParameter);
        assert_eq!(
            from_json(b"[1]").unwrap_err().code,
            ErrorCode::InvalidParameter
        );
        assert!(
            from_json(br#"{"A": {"B": 1, "B": 2}}"#)
                .unwrap_err()
                .message
                .contains("B is given twice")
        );
        assert!(
            from_query("A=1&A=2")
                .unwrap_err()
                .message
                .contains("given twice")
        );
        assert_eq!(
            from_json(b"{").unwrap_err().code,
            ErrorCode::InvalidParameter
        );
        assert!(from_json(b"").unwrap().is_empty());
    }
}
