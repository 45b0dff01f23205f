//! The JSON shapes that requests, responses, forms and the audit trail share, and JSON
//! merge patch: what every edge (the API, the web pages) parses and writes the same way.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Address, Country, Errors, LINE_MAX, postal_code, text};
use crate::error::Error;

/// A postal address in a request or response.
#[derive(Deserialize, Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    #[schema(example = "Box 123", value_type = String)]
    pub line1: Option<String>,
    pub line2: Option<String>,
    #[schema(example = "503 38", value_type = String)]
    pub postal_code: Option<String>,
    #[schema(example = "Borås", value_type = String)]
    pub city: Option<String>,
    /// Defaults to the record's country.
    #[schema(value_type = Option<crate::schemas::Country>)]
    pub country: Option<String>,
}

impl AddressBody {
    pub fn parse(self, prefix: &str, default_country: Country, e: &mut Errors) -> Option<Address> {
        let field = |name: &str| format!("{prefix}.{name}");
        let country = e
            .check_opt(&field("country"), self.country.as_deref(), Country::parse)?
            .unwrap_or(default_country);
        let line1 = e.require(&field("line1"), self.line1.as_deref(), |s| {
            text(s, LINE_MAX)
        });
        let line2 = e.check_opt(&field("line2"), self.line2.as_deref(), |s| {
            text(s, LINE_MAX)
        });
        let postal = e.require(&field("postal_code"), self.postal_code.as_deref(), |s| {
            postal_code(country, s)
        });
        let city = e.require(&field("city"), self.city.as_deref(), |s| text(s, LINE_MAX));
        Some(Address {
            line1: line1?,
            line2: line2?,
            postal_code: postal?,
            city: city?,
            country,
        })
    }

    pub fn from_domain(a: &Address) -> Self {
        Self {
            line1: Some(a.line1.clone()),
            line2: a.line2.clone(),
            postal_code: Some(a.postal_code.clone()),
            city: Some(a.city.clone()),
            country: Some(a.country.as_str().to_owned()),
        }
    }
}

/// JSON merge patch (RFC 7396): objects merge key by key, `null` removes, anything else
/// replaces.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (key, value) in p {
                if value.is_null() {
                    t.remove(key);
                } else {
                    merge_patch(t.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

pub fn to_value<T: Serialize>(value: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Internal(e.into()))
}
