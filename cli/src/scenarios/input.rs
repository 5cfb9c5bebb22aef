//! Reading a case's `given`: typed field access with messages that say
//! which field was missing or of the wrong JSON type. Only the JSON shape
//! is checked here; every domain rule is the core's.

use serde_json::{Map, Value};

/// Why a case could not be read.
pub type ReadError = String;

/// A JSON object being read.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    at: &'a str,
}

impl<'a> Fields<'a> {
    /// Reads `v` as an object; `at` names it in messages.
    pub fn of(v: &'a Value, at: &'a str) -> Result<Self, ReadError> {
        v.as_object()
            .map(|map| Fields { map, at })
            .ok_or_else(|| format!("{at}: expected an object, got {v}"))
    }

    /// A field that may be absent (absent and null are both `None`).
    pub fn opt(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required field.
    pub fn get(&self, key: &str) -> Result<&'a Value, ReadError> {
        self.map
            .get(key)
            .ok_or_else(|| format!("{}: missing field {key:?}", self.at))
    }

    /// A required string.
    pub fn str(&self, key: &str) -> Result<&'a str, ReadError> {
        let v = self.get(key)?;
        v.as_str()
            .ok_or_else(|| format!("{}.{key}: expected a string, got {v}", self.at))
    }

    /// A string that may be absent or null.
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, ReadError> {
        self.opt(key)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| format!("{}.{key}: expected a string, got {v}", self.at))
            })
            .transpose()
    }

    /// A required boolean.
    pub fn bool(&self, key: &str) -> Result<bool, ReadError> {
        let v = self.get(key)?;
        v.as_bool()
            .ok_or_else(|| format!("{}.{key}: expected true or false, got {v}", self.at))
    }

    /// An integer that may be absent or null.
    pub fn opt_i64(&self, key: &str) -> Result<Option<i64>, ReadError> {
        self.opt(key)
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| format!("{}.{key}: expected an integer, got {v}", self.at))
            })
            .transpose()
    }

    /// A required array (absent or null reads as empty when `lenient`).
    pub fn array(&self, key: &str) -> Result<&'a [Value], ReadError> {
        let v = self.get(key)?;
        v.as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| format!("{}.{key}: expected a list, got {v}", self.at))
    }

    /// An array that may be absent or null (then empty).
    pub fn opt_array(&self, key: &str) -> Result<&'a [Value], ReadError> {
        match self.opt(key) {
            None => Ok(&[]),
            Some(_) => self.array(key),
        }
    }

    /// A required object.
    pub fn object(&self, key: &str) -> Result<Fields<'a>, ReadError> {
        Fields::of(self.get(key)?, self.at)
    }

    /// The entries of the object, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.map.iter()
    }
}

/// Reads each element of a list as an object.
pub fn objects<'a>(items: &'a [Value], at: &'a str) -> Result<Vec<Fields<'a>>, ReadError> {
    items.iter().map(|v| Fields::of(v, at)).collect()
}

/// Reads a list of strings.
pub fn strings<'a>(items: &'a [Value], at: &str) -> Result<Vec<&'a str>, ReadError> {
    items
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| format!("{at}: expected a string, got {v}"))
        })
        .collect()
}
