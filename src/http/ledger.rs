//! What members owe: a member's ledger, and the organisation's open items, aging and
//! totals per year, as JSON, CSV or XLSX (`?format=`).

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::domain::Language;
use crate::domain::money::Money;
use crate::error::Error;
use crate::http::Items;
use crate::http::clock::date_or_today;
use crate::http::extract::Caller;
use crate::http::names;
use crate::http::problem::Problem;
use crate::services::ledger::{
    self as service, Account, AgingRow, Entry, Format, OpenItem, YearRow,
};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// json (default), csv (semicolon-separated, decimal comma, for Excel) or xlsx.
    #[param(value_type = Option<names::ReportFormat>, inline)]
    pub format: Option<String>,
    /// The day the report is seen on; today when not given.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
    /// The language of a CSV or XLSX file's headings (the organisation's when not given).
    #[param(value_type = Option<names::Language>, inline)]
    pub lang: Option<String>,
}

struct Report {
    format: Format,
    on: NaiveDate,
    lang: Option<Language>,
}

impl ReportQuery {
    fn parse(self) -> Result<Report, Error> {
        Ok(Report {
            format: Format::parse(self.format.as_deref()).map_err(|i| Error::field("format", i))?,
            on: date_or_today(self.on.as_deref(), "on")?,
            lang: self
                .lang
                .as_deref()
                .map(Language::parse)
                .transpose()
                .map_err(|i| Error::field("lang", i))?,
        })
    }
}

fn amount(m: Money) -> String {
    m.amount().to_string()
}

#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub date: NaiveDate,
    /// invoice, credit_note, payment, allocation, refund or reversal.
    pub kind: &'static str,
    pub id: String,
    /// The document's number, or the reference a payment quoted.
    pub number: Option<String>,
    /// The invoice an allocation paid or a credit note credits.
    pub invoice_number: Option<String>,
    /// What the entry adds to what the member owes (negative: less).
    #[schema(example = "821070.75")]
    pub amount: String,
    /// What an allocation moved to the invoice (no effect on the balance).
    pub allocated: Option<String>,
    pub balance: String,
}

impl From<&Entry> for EntryView {
    fn from(e: &Entry) -> Self {
        EntryView {
            date: e.date,
            kind: e.kind.as_str(),
            id: e.id.clone(),
            number: e.number.clone(),
            invoice_number: e.invoice_number.clone(),
            amount: amount(e.amount),
            allocated: e.allocated.map(amount),
            balance: amount(e.balance),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountView {
    pub currency: String,
    pub entries: Vec<EntryView>,
    /// What the member owes: open invoices less credit on account.
    pub balance: String,
    pub outstanding: String,
    pub on_account: String,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> Self {
        AccountView {
            currency: a.currency.as_str().to_owned(),
            entries: a.entries.iter().map(EntryView::from).collect(),
            balance: amount(a.balance),
            outstanding: amount(a.outstanding),
            on_account: amount(a.on_account),
        }
    }
}

/// A member's invoices, credit notes, payments and allocations with the running balance,
/// one account per currency.
#[utoipa::path(tag = "reports", params(("org" = String, Path), ("id" = String, Path), ReportQuery), responses((status = 200, description = "The report: JSON, or with `format` a CSV or XLSX file", content((Items<AccountView> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/members/{id}/ledger")]
pub async fn member_ledger(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let report = query.into_inner().parse()?;
    let (accounts, lang) = db
        .run(move |conn| {
            let lang = service::language(conn, &org, report.lang)?;
            Ok((service::member_ledger(conn, &org, &id)?, lang))
        })
        .await?;
    respond::<_, AccountView>(report.format, lang, "ledger", &accounts, tables::ledger)
}

#[derive(Serialize, ToSchema)]
pub struct OpenItemView {
    pub member_id: Option<String>,
    pub member_name: Option<String>,
    /// invoice, or payment (credit on account, or unmatched when no member).
    pub kind: &'static str,
    pub id: String,
    pub number: Option<String>,
    pub date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub days_late: i64,
    /// not_due, 1-30, 31-60, 61-90 or over_90.
    pub bucket: &'static str,
    pub currency: String,
    pub amount: String,
    pub outstanding: String,
}

impl From<&OpenItem> for OpenItemView {
    fn from(i: &OpenItem) -> Self {
        OpenItemView {
            member_id: i.member_id.clone(),
            member_name: i.member_name.clone(),
            kind: i.kind.as_str(),
            id: i.id.clone(),
            number: i.number.clone(),
            date: i.date,
            due_date: i.due_date,
            days_late: i.days_late,
            bucket: i.bucket.as_str(),
            currency: i.outstanding.currency().as_str().to_owned(),
            amount: amount(i.amount),
            outstanding: amount(i.outstanding),
        }
    }
}

/// Everything still open on a day: unpaid invoices, credit on account, unmatched payments.
#[utoipa::path(tag = "reports", params(("org" = String, Path), ReportQuery), responses((status = 200, description = "The report: JSON, or with `format` a CSV or XLSX file", content((Items<OpenItemView> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))), security(("bearer" = [])))]
#[get("/organisations/{org}/reports/open-items")]
pub async fn open_items(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let report = query.into_inner().parse()?;
    let on = report.on;
    let (items, lang) = db
        .run(move |conn| {
            let lang = service::language(conn, &org, report.lang)?;
            Ok((service::open_items(conn, &org, on)?, lang))
        })
        .await?;
    respond::<_, OpenItemView>(
        report.format,
        lang,
        "open-items",
        &items,
        tables::open_items,
    )
}

#[derive(Serialize, ToSchema)]
pub struct AgingView {
    pub member_id: String,
    pub member_name: String,
    pub currency: String,
    pub not_due: String,
    #[serde(rename = "1-30")]
    pub days_1_30: String,
    #[serde(rename = "31-60")]
    pub days_31_60: String,
    #[serde(rename = "61-90")]
    pub days_61_90: String,
    pub over_90: String,
    /// Credit on the member's account (negative).
    pub on_account: String,
    pub total: String,
}

impl From<&AgingRow> for AgingView {
    fn from(r: &AgingRow) -> Self {
        let [not_due, d30, d60, d90, over] = r.buckets.map(amount);
        AgingView {
            member_id: r.member_id.clone(),
            member_name: r.member_name.clone(),
            currency: r.currency.as_str().to_owned(),
            not_due,
            days_1_30: d30,
            days_31_60: d60,
            days_61_90: d90,
            over_90: over,
            on_account: amount(r.on_account),
            total: amount(r.total),
        }
    }
}

/// What each member owes by how late it is: not due, 1–30, 31–60, 61–90, over 90 days.
#[utoipa::path(tag = "reports", params(("org" = String, Path), ReportQuery), responses((status = 200, description = "The report: JSON, or with `format` a CSV or XLSX file", content((Items<AgingView> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))), security(("bearer" = [])))]
#[get("/organisations/{org}/reports/aging")]
pub async fn aging(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let report = query.into_inner().parse()?;
    let on = report.on;
    let (rows, lang) = db
        .run(move |conn| {
            let lang = service::language(conn, &org, report.lang)?;
            Ok((service::aging(conn, &org, on)?, lang))
        })
        .await?;
    respond::<_, AgingView>(report.format, lang, "aging", &rows, tables::aging)
}

#[derive(Serialize, ToSchema)]
pub struct YearView {
    pub year: i32,
    pub currency: String,
    pub invoices: usize,
    pub invoiced: String,
    pub credited: String,
    pub paid: String,
    pub written_off: String,
    pub outstanding: String,
}

impl From<&YearRow> for YearView {
    fn from(y: &YearRow) -> Self {
        YearView {
            year: y.year,
            currency: y.currency.as_str().to_owned(),
            invoices: y.invoices,
            invoiced: amount(y.invoiced),
            credited: amount(y.credited),
            paid: amount(y.paid),
            written_off: amount(y.written_off),
            outstanding: amount(y.outstanding),
        }
    }
}

/// Per invoice year and currency: invoiced, credited, paid, written off, outstanding.
#[utoipa::path(tag = "reports", params(("org" = String, Path), ReportQuery), responses((status = 200, description = "The report: JSON, or with `format` a CSV or XLSX file", content((Items<YearView> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))), security(("bearer" = [])))]
#[get("/organisations/{org}/reports/years")]
pub async fn years(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let report = query.into_inner().parse()?;
    let (rows, lang) = db
        .run(move |conn| {
            let lang = service::language(conn, &org, report.lang)?;
            Ok((service::years(conn, &org)?, lang))
        })
        .await?;
    respond::<_, YearView>(report.format, lang, "years", &rows, tables::years)
}

/// JSON `{"items": [...]}`, or the rows as a CSV or XLSX download.
fn respond<'a, R, V>(
    format: Format,
    lang: Language,
    name: &str,
    rows: &'a [R],
    table: fn(&[R], Language) -> crate::export::table::Table,
) -> Result<HttpResponse, Error>
where
    V: Serialize + From<&'a R>,
{
    let (bytes, content_type, extension) = match format {
        Format::Json => {
            // A report is one document, whole: it is not paged.
            return Ok(HttpResponse::Ok().json(Items::<V>::of(rows)));
        }
        Format::Csv => (
            crate::export::table::to_csv(&table(rows, lang)),
            "text/csv; charset=utf-8",
            "csv",
        ),
        Format::Xlsx => (
            crate::export::table::to_xlsx(&table(rows, lang)),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let bytes = bytes.map_err(|e| Error::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}.{extension}\""),
        ))
        .body(bytes))
}

/// The reports as tables for the CSV and XLSX files, with headings in each language.
mod tables {
    use super::*;
    use crate::export::table::{Cell, Table, Totals};

    fn words(lang: Language, sv: &'static str, nb: &'static str, en: &'static str) -> String {
        match lang {
            Language::Sv => sv,
            Language::Nb => nb,
            Language::En => en,
        }
        .to_owned()
    }

    fn text(value: Option<&str>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Text(v.to_owned()))
    }

    fn total_label(lang: Language) -> String {
        words(lang, "Totalt", "Totalt", "Total")
    }

    pub fn ledger(accounts: &[Account], lang: Language) -> Table {
        let w = |sv, nb, en| words(lang, sv, nb, en);
        Table {
            title: w("Reskontra", "Reskontro", "Ledger"),
            sheet: w("Reskontra", "Reskontro", "Ledger"),
            headings: vec![
                w("Datum", "Dato", "Date"),
                w("Typ", "Type", "Kind"),
                w("Nummer", "Nummer", "Number"),
                w("Avser faktura", "Gjelder faktura", "Invoice"),
                w("Valuta", "Valuta", "Currency"),
                w("Belopp", "Beløp", "Amount"),
                w("Fördelat", "Fordelt", "Allocated"),
                w("Saldo", "Saldo", "Balance"),
            ],
            rows: accounts
                .iter()
                .flat_map(|a| {
                    a.entries.iter().map(|e| {
                        vec![
                            Cell::Date(e.date),
                            Cell::Text(e.kind.as_str().to_owned()),
                            text(e.number.as_deref()),
                            text(e.invoice_number.as_deref()),
                            Cell::Text(a.currency.as_str().to_owned()),
                            Cell::Money(e.amount),
                            e.allocated.map_or(Cell::Empty, Cell::Money),
                            Cell::Money(e.balance),
                        ]
                    })
                })
                .collect(),
            totals: None,
        }
    }

    pub fn open_items(items: &[OpenItem], lang: Language) -> Table {
        let w = |sv, nb, en| words(lang, sv, nb, en);
        Table {
            title: w("Öppna poster", "Åpne poster", "Open items"),
            sheet: w("Öppna poster", "Åpne poster", "Open items"),
            headings: vec![
                w("Medlem", "Medlem", "Member"),
                w("Typ", "Type", "Kind"),
                w("Nummer", "Nummer", "Number"),
                w("Datum", "Dato", "Date"),
                w("Förfallodag", "Forfallsdato", "Due date"),
                w("Dagar sen", "Dager forsinket", "Days late"),
                w("Valuta", "Valuta", "Currency"),
                w("Belopp", "Beløp", "Amount"),
                w("Obetalt", "Ubetalt", "Outstanding"),
            ],
            rows: items
                .iter()
                .map(|i| {
                    vec![
                        text(i.member_name.as_deref()),
                        Cell::Text(i.kind.as_str().to_owned()),
                        text(i.number.as_deref()),
                        Cell::Date(i.date),
                        i.due_date.map_or(Cell::Empty, Cell::Date),
                        Cell::Integer(i.days_late),
                        Cell::Text(i.outstanding.currency().as_str().to_owned()),
                        Cell::Money(i.amount),
                        Cell::Money(i.outstanding),
                    ]
                })
                .collect(),
            totals: single_currency(items.iter().map(|i| i.outstanding)).then(|| Totals {
                label: total_label(lang),
                columns: vec![8],
            }),
        }
    }

    pub fn aging(rows: &[AgingRow], lang: Language) -> Table {
        let w = |sv, nb, en| words(lang, sv, nb, en);
        Table {
            title: w("Åldersanalys", "Aldersfordelt saldoliste", "Aging"),
            sheet: w("Åldersanalys", "Aldersfordeling", "Aging"),
            headings: vec![
                w("Medlem", "Medlem", "Member"),
                w("Valuta", "Valuta", "Currency"),
                w("Ej förfallet", "Ikke forfalt", "Not due"),
                w("1–30 dagar", "1–30 dager", "1–30 days"),
                w("31–60 dagar", "31–60 dager", "31–60 days"),
                w("61–90 dagar", "61–90 dager", "61–90 days"),
                w("Över 90 dagar", "Over 90 dager", "Over 90 days"),
                w("På konto", "På konto", "On account"),
                w("Totalt", "Totalt", "Total"),
            ],
            rows: rows
                .iter()
                .map(|r| {
                    let mut cells = vec![
                        Cell::Text(r.member_name.clone()),
                        Cell::Text(r.currency.as_str().to_owned()),
                    ];
                    cells.extend(r.buckets.iter().copied().map(Cell::Money));
                    cells.push(Cell::Money(r.on_account));
                    cells.push(Cell::Money(r.total));
                    cells
                })
                .collect(),
            totals: single_currency(rows.iter().map(|r| r.total)).then(|| Totals {
                label: total_label(lang),
                columns: (2..=8).collect(),
            }),
        }
    }

    pub fn years(rows: &[YearRow], lang: Language) -> Table {
        let w = |sv, nb, en| words(lang, sv, nb, en);
        Table {
            title: w("Totalt per år", "Totalt per år", "Totals per year"),
            sheet: w("Per år", "Per år", "Per year"),
            headings: vec![
                w("År", "År", "Year"),
                w("Valuta", "Valuta", "Currency"),
                w("Fakturor", "Fakturaer", "Invoices"),
                w("Fakturerat", "Fakturert", "Invoiced"),
                w("Krediterat", "Kreditert", "Credited"),
                w("Betalt", "Betalt", "Paid"),
                w("Avskrivet", "Avskrevet", "Written off"),
                w("Obetalt", "Ubetalt", "Outstanding"),
            ],
            rows: rows
                .iter()
                .map(|y| {
                    vec![
                        Cell::Integer(i64::from(y.year)),
                        Cell::Text(y.currency.as_str().to_owned()),
                        Cell::Integer(i64::try_from(y.invoices).unwrap_or(i64::MAX)),
                        Cell::Money(y.invoiced),
                        Cell::Money(y.credited),
                        Cell::Money(y.paid),
                        Cell::Money(y.written_off),
                        Cell::Money(y.outstanding),
                    ]
                })
                .collect(),
            totals: None,
        }
    }

    /// A totals row only adds up amounts of one currency.
    fn single_currency(amounts: impl Iterator<Item = Money>) -> bool {
        let currencies: std::collections::BTreeSet<&str> =
            amounts.map(|m| m.currency().as_str()).collect();
        currencies.len() <= 1
    }
}
