//! Import of municipalities from public data: the copy avtal ships (SCB for Sweden, SSB for
//! Norway) or a CSV file with the same columns.

use chrono::NaiveDate;

use crate::domain::member::{County, MemberDetails, PopulationCount, default_peppol};
use crate::domain::{
    Country, Errors, Invalid, MemberKind, MemberStatus, MunicipalityCode, OrgNumber,
};
use crate::error::Error;
use crate::services::progress::{Progress, Unwatched};
pub use crate::storage::members::ImportReport;
use crate::storage::{self, DbConnection};

const SE_CSV: &str = include_str!("../data/se_municipalities.csv");
const NO_CSV: &str = include_str!("../data/no_municipalities.csv");

/// The shipped data's population reference dates (see `src/data/README.md`).
pub fn shipped_reference_date(country: Country) -> NaiveDate {
    match country {
        Country::Se => NaiveDate::from_ymd_opt(2025, 12, 31),
        Country::No => NaiveDate::from_ymd_opt(2024, 1, 1),
    }
    .unwrap_or_default()
}

fn shipped_source(country: Country) -> &'static str {
    match country {
        Country::Se => "SCB",
        Country::No => "SSB",
    }
}

/// One row of municipality data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub code: MunicipalityCode,
    pub name: String,
    pub county: County,
    pub population: i64,
    pub org_number: Option<OrgNumber>,
}

#[derive(serde::Deserialize)]
struct CsvRow {
    code: String,
    name: String,
    county_code: String,
    county_name: String,
    population: String,
    #[serde(default)]
    org_number: String,
}

/// The columns every municipality CSV has; `org_number` may be left out.
const CSV_COLUMNS: &[&str] = &["code", "name", "county_code", "county_name", "population"];

/// Parses municipality CSV (`code,name,county_code,county_name,population,org_number`),
/// naming every bad cell by its line.
pub fn parse_csv(country: Country, data: &[u8]) -> Result<Vec<Municipality>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(data);
    // A file without the columns is not municipality data, even when it has no rows to fail.
    let header = reader
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect::<Vec<_>>());
    let has_columns = header.is_ok_and(|h| {
        CSV_COLUMNS
            .iter()
            .all(|column| h.iter().any(|name| name == column))
    });
    if !has_columns {
        return Err(Error::field(
            "csv",
            Invalid::Format {
                expected: "code,name,county_code,county_name,population,org_number",
            },
        ));
    }
    let mut errors = Errors::new();
    let mut out = Vec::new();
    for (i, record) in reader.deserialize::<CsvRow>().enumerate() {
        let line = i + 2;
        let row = match record {
            Ok(row) => row,
            Err(e) => {
                errors.add(
                    format!("csv.line_{line}"),
                    Invalid::Format {
                        expected: "code,name,county_code,county_name,population,org_number",
                    },
                );
                tracing::debug!(error = %e, line, "bad CSV row");
                continue;
            }
        };
        if let Some(m) = municipality(country, line, row, &mut errors) {
            out.push(m);
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors.into_vec()));
    }
    Ok(out)
}

/// One row of municipality data; its faults added to `errors` under its line.
fn municipality(
    country: Country,
    line: usize,
    row: CsvRow,
    errors: &mut Errors,
) -> Option<Municipality> {
    let field = |name: &str| format!("csv.line_{line}.{name}");
    let code = errors.check(&field("code"), MunicipalityCode::parse(&row.code));
    let name = errors.check(
        &field("name"),
        crate::domain::text(&row.name, crate::domain::NAME_MAX),
    );
    let county_name = errors.check(
        &field("county_name"),
        crate::domain::text(&row.county_name, crate::domain::NAME_MAX),
    );
    let population = errors.check(
        &field("population"),
        row.population
            .replace([' ', '\u{a0}'], "")
            .parse::<i64>()
            .map_err(|_| Invalid::DigitsOnly)
            .and_then(crate::domain::member::population),
    );
    let org_number = if row.org_number.is_empty() {
        Some(None)
    } else {
        errors
            .check(
                &field("org_number"),
                OrgNumber::parse(country, &row.org_number),
            )
            .map(Some)
    };
    if let Some(code) = &code
        && code.county_code() != row.county_code
    {
        errors.add(field("county_code"), Invalid::Mismatch { other: "code" });
    }
    let code = code?;
    Some(Municipality {
        county: County {
            code: code.county_code().to_owned(),
            name: county_name?,
        },
        code,
        name: name?,
        population: population?,
        org_number: org_number?,
    })
}

/// The municipalities avtal ships for a country.
pub fn shipped(country: Country) -> Result<Vec<Municipality>, Error> {
    let data = match country {
        Country::Se => SE_CSV,
        Country::No => NO_CSV,
    };
    parse_csv(country, data.as_bytes())
}

/// Which municipalities of the data to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    Codes(Vec<MunicipalityCode>),
}

#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub country: Country,
    pub selection: Selection,
    /// The CSV to read; the shipped data when `None`.
    pub csv: Option<Vec<u8>>,
    /// When the counts were taken; the shipped data's date when `None`.
    pub reference_date: Option<NaiveDate>,
    /// The status new members get; existing members keep theirs.
    pub status: MemberStatus,
}

/// Chooses the rows to import and checks that every code asked for exists.
fn select(data: Vec<Municipality>, selection: &Selection) -> Result<Vec<Municipality>, Error> {
    match selection {
        Selection::All => Ok(data),
        Selection::Codes(codes) => {
            let mut errors = Errors::new();
            let mut chosen = Vec::with_capacity(codes.len());
            for (i, code) in codes.iter().enumerate() {
                match data.iter().find(|m| &m.code == code) {
                    Some(m) if !chosen.contains(m) => chosen.push(m.clone()),
                    Some(_) => {}
                    None => errors.add(
                        format!("codes[{i}]"),
                        Invalid::OneOf {
                            allowed: &["en kommunkod i underlaget"],
                        },
                    ),
                }
            }
            if !errors.is_empty() {
                return Err(Error::Validation(errors.into_vec()));
            }
            Ok(chosen)
        }
    }
}

/// How many municipalities are written between two reports of progress.
const IMPORT_STEP: usize = 50;

/// Creates or updates the chosen municipalities as members of `org`, in one transaction.
pub fn import(
    conn: &mut DbConnection,
    org: &str,
    req: &ImportRequest,
) -> Result<ImportReport, Error> {
    import_watched(conn, org, req, &Unwatched)
}

/// [`import`], telling `progress` how many municipalities are written.
pub fn import_watched(
    conn: &mut DbConnection,
    org: &str,
    req: &ImportRequest,
    progress: &dyn Progress,
) -> Result<ImportReport, Error> {
    let data = match &req.csv {
        Some(bytes) => parse_csv(req.country, bytes)?,
        None => shipped(req.country)?,
    };
    let chosen = select(data, &req.selection)?;
    let reference_date = req
        .reference_date
        .unwrap_or_else(|| shipped_reference_date(req.country));
    let source = match &req.csv {
        None => Some(shipped_source(req.country).to_owned()),
        Some(_) => None,
    };
    let entries: Vec<(MemberDetails, PopulationCount)> = chosen
        .into_iter()
        .map(|m| {
            let peppol = default_peppol(m.org_number.as_ref(), MemberKind::Municipality);
            let details = MemberDetails {
                kind: MemberKind::Municipality,
                name: m.name,
                country: req.country,
                org_number: m.org_number,
                municipality_code: Some(m.code),
                county: Some(m.county),
                billing_address: None,
                invoice_email: None,
                peppol,
                buyer_reference: None,
                // Not public municipality data: what the organisation entered is kept.
                vat_number: None,
                language: req.country.language(),
                currency: req.country.currency(),
                status: req.status,
            };
            let pop = PopulationCount {
                reference_date,
                count: m.population,
                source: source.clone(),
            };
            (details, pop)
        })
        .collect();
    progress.start("kommuner", entries.len() as u64);
    let report = storage::write(conn, |conn| {
        if !storage::organisations::exists(conn, org)? {
            return Err(Error::NotFound("organisation"));
        }
        let mut report = ImportReport::default();
        for (i, step) in entries.chunks(IMPORT_STEP).enumerate() {
            let done = storage::members::import(conn, org, step)?;
            report.created.extend(done.created);
            report.updated.extend(done.updated);
            report.unchanged.extend(done.unchanged);
            progress.reached((i * IMPORT_STEP + step.len()) as u64);
        }
        Ok(report)
    });
    progress.finish();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_is_complete_and_valid() {
        let se = shipped(Country::Se).unwrap();
        assert_eq!(se.len(), 290);
        assert_eq!(se.iter().map(|m| m.population).sum::<i64>(), 10_605_520);
        let bollebygd = se.iter().find(|m| m.code.as_str() == "1443").unwrap();
        assert_eq!(
            (bollebygd.name.as_str(), bollebygd.population),
            ("Bollebygd", 9784)
        );
        assert_eq!(se.iter().filter(|m| m.org_number.is_some()).count(), 12);
        let no = shipped(Country::No).unwrap();
        assert_eq!(no.len(), 357);
        assert_eq!(no.iter().map(|m| m.population).sum::<i64>(), 5_550_203);
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        let csv = "code,name,county_code,county_name,population,org_number\n\
                   1490,Borås,14,Västra Götalands län,115238,212000-1562\n\
                   14x0,Mark,14,Västra Götalands län,many,\n";
        let Err(Error::Validation(errors)) = parse_csv(Country::Se, csv.as_bytes()) else {
            panic!()
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "csv.line_2.org_number",
                "csv.line_3.code",
                "csv.line_3.population"
            ]
        );
    }

    #[test]
    fn unknown_codes_are_rejected() {
        let data = shipped(Country::Se).unwrap();
        let codes = vec![
            MunicipalityCode::parse("1490").unwrap(),
            MunicipalityCode::parse("9999").unwrap(),
        ];
        let Err(Error::Validation(errors)) = select(data, &Selection::Codes(codes)) else {
            panic!()
        };
        assert_eq!(errors[0].field, "codes[1]");
    }
}
