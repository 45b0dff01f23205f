//! The clock, read at the edge: services take the date they work on, handlers decide it.

use chrono::NaiveDate;

use crate::domain::iso_date;
use crate::error::Error;

/// Today in UTC.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The date a request gives in `field` (YYYY-MM-DD), else today.
pub fn date_or_today(raw: Option<&str>, field: &str) -> Result<NaiveDate, Error> {
    raw.map_or(Ok(today()), |d| {
        iso_date(d).map_err(|i| Error::field(field, i))
    })
}
