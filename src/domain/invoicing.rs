//! The arithmetic of invoicing, with no I/O: when instalments fall and how a total is split
//! among them, invoice numbers and payment references, late-payment interest, the status an
//! invoice has by what has happened to it, aging buckets and öresavrundning.
//!
//! Amounts are whole öre throughout; every rounding is named where it happens, and sums
//! that must add up (instalments, interest) are computed exactly and rounded once.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::domain::documents::PaymentReference;
use crate::domain::money::Money;
use crate::domain::{Invalid, Kid, KidMethod, Language, OcrReference};

// ---------------------------------------------------------------------------------------
// Billing schedules
// ---------------------------------------------------------------------------------------

vocabulary! {
    /// How often the fixed part is invoiced.
    Schedule {
        Annual = "annual",
        HalfYearly = "half_yearly",
        Quarterly = "quarterly",
        Monthly = "monthly",
    }
}

vocabulary! {
    /// When the variable part is invoiced: ordered services with the first instalment of
    /// the year, or recorded usage after the period it was used in.
    VariableBilling {
        Advance = "advance",
        Arrears = "arrears",
    }
}

/// How an agreement is invoiced over the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BillingPlan {
    pub schedule: Schedule,
    pub variable: VariableBilling,
    /// 1..=28: the day of the period's first month the invoice is dated. Capped at 28 so
    /// that every month has the day; values outside the range are clamped into it.
    pub invoice_day: u32,
}

impl Default for BillingPlan {
    /// One invoice a year, dated the 15th of January, usage billed afterwards.
    fn default() -> Self {
        Self {
            schedule: Schedule::Annual,
            variable: VariableBilling::Arrears,
            invoice_day: 15,
        }
    }
}

impl Schedule {
    /// Invoices per calendar year.
    pub fn count(self) -> u32 {
        match self {
            Schedule::Annual => 1,
            Schedule::HalfYearly => 2,
            Schedule::Quarterly => 4,
            Schedule::Monthly => 12,
        }
    }

    /// The inclusive start and end of each period of the calendar year, in order. Empty only
    /// for a year outside what dates can represent.
    pub fn periods(self, year: i32) -> Vec<(NaiveDate, NaiveDate)> {
        let months = 12 / self.count();
        (0..self.count())
            .filter_map(|i| {
                let first_month = 1 + i * months;
                let start = NaiveDate::from_ymd_opt(year, first_month, 1)?;
                let end = last_day_of_month(year, first_month + months - 1)?;
                Some((start, end))
            })
            .collect()
    }
}

/// The last day of `month` (1..=12) of `year`: the day before the next month's first.
fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    next.pred_opt()
}

/// One invoice of the fixed part: which days it covers and the date it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instalment {
    /// 1-based among the instalments returned, so "2 of 3" for a member who joined in April
    /// on a quarterly plan.
    pub index: u32,
    /// How many instalments were returned.
    pub count: u32,
    /// The first day invoiced: the period's start, or the coverage start when later.
    pub start: NaiveDate,
    /// The last day invoiced: the period's end, or the coverage end when earlier.
    pub end: NaiveDate,
    pub invoice_date: NaiveDate,
}

/// The schedule's periods of `year` that share a day with the coverage `[start, end]` (end
/// `None` = open); index and count are renumbered over those returned.
///
/// Each instalment's `start`/`end` are its period clipped to the coverage, since an invoice
/// must not claim days the agreement does not cover. `invoice_date` is the period's first
/// month, day `invoice_day`, but never before the coverage start within that period (a
/// member who joins on the 20th is not invoiced on the 15th for it). It may fall after a
/// coverage that ends early in the period; the invoice is still dated by the plan.
pub fn instalments(
    plan: &BillingPlan,
    year: i32,
    coverage_start: NaiveDate,
    coverage_end: Option<NaiveDate>,
) -> Vec<Instalment> {
    let day = plan.invoice_day.clamp(1, 28);
    let covered: Vec<(NaiveDate, NaiveDate, NaiveDate)> = plan
        .schedule
        .periods(year)
        .into_iter()
        .filter(|&(start, end)| end >= coverage_start && coverage_end.is_none_or(|e| start <= e))
        .filter_map(|(period_start, period_end)| {
            // Dated by the period's first month, even when coverage starts later in it.
            let nominal = NaiveDate::from_ymd_opt(year, period_start.month(), day)?;
            let start = period_start.max(coverage_start);
            let end = coverage_end.map_or(period_end, |e| period_end.min(e));
            Some((start, end, nominal.max(start)))
        })
        .collect();
    let count = u32::try_from(covered.len()).unwrap_or(u32::MAX);
    covered
        .into_iter()
        .zip(1..)
        .map(|((start, end, invoice_date), index)| Instalment {
            index,
            count,
            start,
            end,
            invoice_date,
        })
        .collect()
}

/// Splits `total` into `count` parts as equal as possible in öre, the remainder on the LAST
/// part (100.00 / 3 → 33.33, 33.33, 33.34), so that earlier invoices show the round figure
/// and the parts add up to the total exactly. Negative totals (credits) split the same way,
/// the remainder again on the last. `count` 0 gives no parts.
pub fn split_evenly(total: Money, count: u32) -> Vec<Money> {
    let Some(last_index) = count.checked_sub(1) else {
        return Vec::new();
    };
    let minor = total.to_minor();
    // Division truncates toward zero, so every part but the last has the same sign as the
    // total and the last takes what is left; |base × (count − 1)| ≤ |total|, no overflow.
    let base = minor / i64::from(count);
    let last = minor - base * i64::from(last_index);
    let mut parts = vec![Money::from_minor(base, total.currency()); last_index as usize];
    parts.push(Money::from_minor(last, total.currency()));
    parts
}

/// The invoices some lines need. Peppol BIS Billing 3.0 (BR-O-11 to BR-O-14) allows a line
/// outside the scope of VAT only on an invoice whose every line is outside it, so a
/// membership contribution and a taxable or exempt service are invoiced apart: the
/// outside-scope lines first, then the others, each in their own order, and no invoice
/// without lines.
pub fn invoices_by_vat_scope<T>(lines: Vec<T>, outside_scope: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    let (outside, inside): (Vec<T>, Vec<T>) = lines.into_iter().partition(|l| outside_scope(l));
    [outside, inside]
        .into_iter()
        .filter(|group| !group.is_empty())
        .collect()
}

/// What a member's invoice would lack. A dry run lists it so that a person completes the
/// member before the run; the run still issues (an issued invoice cannot be completed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InvoiceGap {
    /// The buyer's address, which an invoice must show (mervärdesskattelagen 17 kap. 24 §).
    BillingAddress,
    /// Er referens: public buyers send back invoices without it.
    BuyerReference,
    /// Neither a Peppol address nor an organisation number: the e-invoice names no receiver
    /// (PEPPOL-EN16931-R010).
    EinvoiceAddress,
    /// No invoice email and no contact for invoices: the invoice cannot be emailed.
    InvoiceRecipient,
    /// Domestic VAT charged to a buyer in another country: services to a business or public
    /// body abroad are usually taxed where the buyer is (reverse charge in the EU, outside
    /// Swedish or Norwegian VAT otherwise), so the price list's rate is likely wrong here.
    ForeignVat,
}

/// What [`invoice_gaps`] looks at of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuyerFacts {
    /// Municipalities, regions and universities: authorities that require a reference and
    /// e-invoices.
    pub public: bool,
    pub billing_address: bool,
    pub buyer_reference: bool,
    pub einvoice_address: bool,
    pub invoice_recipient: bool,
    /// The buyer is in another country than the seller and the invoice charges VAT.
    pub foreign_with_vat: bool,
}

pub fn invoice_gaps(f: BuyerFacts) -> Vec<InvoiceGap> {
    [
        (!f.billing_address, InvoiceGap::BillingAddress),
        (f.public && !f.buyer_reference, InvoiceGap::BuyerReference),
        (f.public && !f.einvoice_address, InvoiceGap::EinvoiceAddress),
        (!f.invoice_recipient, InvoiceGap::InvoiceRecipient),
        (f.foreign_with_vat, InvoiceGap::ForeignVat),
    ]
    .into_iter()
    .filter_map(|(missing, gap)| missing.then_some(gap))
    .collect()
}

impl InvoiceGap {
    pub fn code(self) -> &'static str {
        match self {
            InvoiceGap::BillingAddress => "billing_address",
            InvoiceGap::BuyerReference => "buyer_reference",
            InvoiceGap::EinvoiceAddress => "einvoice_address",
            InvoiceGap::InvoiceRecipient => "invoice_recipient",
            InvoiceGap::ForeignVat => "foreign_vat",
        }
    }

    pub fn message(self, lang: Language) -> &'static str {
        use Language::{En, Nb, Sv};
        match (self, lang) {
            (InvoiceGap::BillingAddress, Sv) => {
                "medlemmen saknar fakturaadress, som en faktura måste visa"
            }
            (InvoiceGap::BillingAddress, Nb) => {
                "medlemmen mangler fakturaadresse, som en faktura må vise"
            }
            (InvoiceGap::BillingAddress, En) => {
                "the member has no billing address, which an invoice must show"
            }
            (InvoiceGap::BuyerReference, Sv) => {
                "medlemmen saknar Er referens; offentliga köpare skickar tillbaka fakturor utan"
            }
            (InvoiceGap::BuyerReference, Nb) => {
                "medlemmen mangler Deres referanse; offentlige kjøpere returnerer fakturaer uten"
            }
            (InvoiceGap::BuyerReference, En) => {
                "the member has no buyer reference; public buyers return invoices without one"
            }
            (InvoiceGap::EinvoiceAddress, Sv) => {
                "medlemmen saknar Peppol-adress och organisationsnummer: e-fakturan får ingen mottagare"
            }
            (InvoiceGap::EinvoiceAddress, Nb) => {
                "medlemmen mangler Peppol-adresse og organisasjonsnummer: e-fakturaen får ingen mottaker"
            }
            (InvoiceGap::EinvoiceAddress, En) => {
                "the member has neither a Peppol address nor an organisation number: the e-invoice has no receiver"
            }
            (InvoiceGap::InvoiceRecipient, Sv) => {
                "medlemmen saknar e-post för fakturor och kontakt för fakturor: fakturan kan inte mejlas"
            }
            (InvoiceGap::InvoiceRecipient, Nb) => {
                "medlemmen mangler e-post for fakturaer og kontakt for fakturaer: fakturaen kan ikke sendes på e-post"
            }
            (InvoiceGap::InvoiceRecipient, En) => {
                "the member has no invoice email and no contact for invoices: the invoice cannot be emailed"
            }
            (InvoiceGap::ForeignVat, Sv) => {
                "köparen finns i ett annat land men fakturan tar ut svensk moms: tjänster till en utländsk verksamhet beskattas oftast där köparen finns (omvänd skattskyldighet inom EU), kontrollera momsen"
            }
            (InvoiceGap::ForeignVat, Nb) => {
                "kjøperen er i et annet land, men fakturaen beregner innenlandsk MVA: tjenester til en utenlandsk virksomhet beskattes oftest der kjøperen er, kontroller MVA-en"
            }
            (InvoiceGap::ForeignVat, En) => {
                "the buyer is in another country but the invoice charges domestic VAT: services to a business or public body abroad are usually taxed where the buyer is (reverse charge in the EU); check the VAT"
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Invoice numbers and payment references
// ---------------------------------------------------------------------------------------

/// A number in a series: prefix + year + sequence, e.g. `NAV-2026-0001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvoiceNumber {
    pub prefix: String,
    pub year: i32,
    pub sequence: i64,
}

impl std::fmt::Display for InvoiceNumber {
    /// The sequence is zero-padded to at least 4 digits (12345 prints as 12345). An empty
    /// prefix prints no leading hyphen: `2026-0001`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.prefix.is_empty() {
            write!(f, "{}-", self.prefix)?;
        }
        write!(f, "{}-{:04}", self.year, self.sequence)
    }
}

/// The OCR/KID base for an invoice: the year (4 digits) and the sequence zero-padded to 6
/// digits, e.g. 2026, 1 → `2026000001`. Unique per organisation as long as there is one
/// invoice series with payment references. Both must be non-negative (a minus sign would be
/// read as a separator and dropped, so the base would no longer be unique); sequences past
/// 999 999 simply make the base longer.
pub fn reference_base(year: i32, sequence: i64) -> String {
    format!("{year:04}{sequence:06}")
}

vocabulary! {
    /// How the payee's bank checks payment references.
    ReferenceScheme {
        Ocr = "ocr",
        KidMod10 = "kid_mod10",
        KidMod11 = "kid_mod11",
    }
}

/// The payment reference for `base`: an OCR number with length digit and Luhn check digit
/// for Swedish payees (bankgiro with length check), a KID with a mod 10 or mod 11 check
/// digit for Norwegian ones.
///
/// Errors only on input no reference can be made from: a base that is not digits or is too
/// long, and — under KID mod 11 — a base whose check digit would be 10, which no KID can
/// carry (about one base in eleven; `Invalid::CheckDigit`). The caller must then skip that
/// sequence number for the reference or let the payee use mod 10; nothing here substitutes
/// a different base silently, since the bank would not find the invoice by it.
pub fn payment_reference(scheme: ReferenceScheme, base: &str) -> Result<PaymentReference, Invalid> {
    Ok(match scheme {
        ReferenceScheme::Ocr => {
            PaymentReference::Ocr(OcrReference::generate(base, true)?.as_str().to_owned())
        }
        ReferenceScheme::KidMod10 => {
            PaymentReference::Kid(Kid::generate(base, KidMethod::Mod10)?.as_str().to_owned())
        }
        ReferenceScheme::KidMod11 => {
            PaymentReference::Kid(Kid::generate(base, KidMethod::Mod11)?.as_str().to_owned())
        }
    })
}

// ---------------------------------------------------------------------------------------
// Late-payment interest
// ---------------------------------------------------------------------------------------

/// A reference rate in force from `from` (normally 1 January or 1 July, as the Riksbank
/// sets it for each half-year), in percent. The table is data an administrator keeps up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReferenceRate {
    pub from: NaiveDate,
    pub percent: Decimal,
}

/// Räntelagen 6 §: dröjsmålsränta is the reference rate plus 8 percentage points.
pub const STATUTORY_MARGIN: Decimal = Decimal::from_parts(8, 0, 0, false, 0);

/// Why interest could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterestError {
    /// A charged day precedes every entry of the rate table.
    #[error("no reference rate is in force on {on}")]
    NoReferenceRate { on: NaiveDate },
    /// A payment in another currency than the principal: never converted.
    #[error("a payment is in another currency than the invoice")]
    CurrencyMismatch,
    #[error("the interest is too large to compute")]
    Overflow,
}

/// A maximal run of charged days with the same principal and rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InterestPeriod {
    /// First day charged.
    pub from: NaiveDate,
    /// Last day charged, inclusive.
    pub to: NaiveDate,
    pub days: i64,
    /// What was outstanding on these days.
    pub principal: Money,
    /// Reference rate + margin.
    pub percent: Decimal,
    /// This period's interest rounded to öre, for display; see [`Interest::total`].
    pub interest: Money,
}

/// Interest owed on one invoice, with the periods that make it up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Interest {
    pub periods: Vec<InterestPeriod>,
    /// The exact sum over all days rounded once to öre, half away from zero. It may differ
    /// by an öre from the sum of the periods' rounded figures; the total is what is owed.
    pub total: Money,
}

/// The reference rate in force on `day`: the entry with the latest `from` on or before it
/// (the table need not be sorted; of two entries with the same date, the later listed wins).
pub fn reference_rate_on(rates: &[ReferenceRate], day: NaiveDate) -> Option<Decimal> {
    rates
        .iter()
        .filter(|r| r.from <= day)
        .max_by_key(|r| r.from)
        .map(|r| r.percent)
}

/// Interest on an invoice from its due date until `until` (inclusive), as räntelagen 6 §
/// has it: each day, on the amount then outstanding, at the reference rate in force that
/// day plus `margin` (normally [`STATUTORY_MARGIN`]).
///
/// - Days charged are `(due_date, until]`: due 2026-01-30, until 2026-01-31 is one day.
/// - `principal` is what was outstanding at the due date; each `(date, amount)` in
///   `payments` reduces it from that date on, so day D of a payment on D is no longer
///   charged on the paid part, and payments on or before the due date reduce it from the
///   start. Whatever goes below zero (an overpayment) counts as nothing outstanding.
/// - Day basis actual/365: a day is 1/365 of the yearly rate, in leap years too.
/// - Days with nothing outstanding, or with a rate of zero or less, are not charged and
///   belong to no period.
/// - The total is the exact sum over all days, rounded once to öre (half away from zero),
///   so it may differ by an öre from the sum of the periods' rounded figures. Never
///   negative; zero with no periods when `until <= due_date` or nothing is outstanding.
///
/// Fails when a charged day with something outstanding has no reference rate in force.
pub fn late_interest(
    principal: Money,
    due_date: NaiveDate,
    payments: &[(NaiveDate, Money)],
    until: NaiveDate,
    rates: &[ReferenceRate],
    margin: Decimal,
) -> Result<Interest, InterestError> {
    let currency = principal.currency();
    if payments.iter().any(|(_, m)| m.currency() != currency) {
        return Err(InterestError::CurrencyMismatch);
    }
    let zero = Interest {
        periods: Vec::new(),
        total: Money::zero(currency),
    };
    let Some(first) = due_date.succ_opt() else {
        return Ok(zero);
    };
    if until < first {
        return Ok(zero);
    }

    // Principal and rate change only on payment dates and rate dates, so the charged days
    // are cut there and each piece priced whole, instead of walking day by day.
    let mut cuts: Vec<NaiveDate> = payments
        .iter()
        .map(|(d, _)| *d)
        .chain(rates.iter().map(|r| r.from))
        .filter(|d| *d > first && *d <= until)
        .collect();
    cuts.push(first);
    cuts.sort_unstable();
    cuts.dedup();

    let mut periods: Vec<InterestPeriod> = Vec::new();
    // Σ principal_öre × percent × days over all periods, scaled to integers; divided by
    // 36 500 × 10^scale only once, at the end.
    let mut numerators: Vec<(i128, u32)> = Vec::new();
    for (i, &from) in cuts.iter().enumerate() {
        let to = match cuts.get(i + 1) {
            Some(next) => next.pred_opt().ok_or(InterestError::Overflow)?,
            None => until,
        };
        let outstanding = outstanding_on(principal, payments, from)?;
        if outstanding <= 0 {
            continue;
        }
        let reference =
            reference_rate_on(rates, from).ok_or(InterestError::NoReferenceRate { on: from })?;
        let percent = reference
            .checked_add(margin)
            .ok_or(InterestError::Overflow)?
            .normalize();
        if percent <= Decimal::ZERO {
            continue;
        }
        match periods.last_mut() {
            // Same principal and rate as the day before: one period, not two.
            Some(last)
                if last.principal.to_minor() == outstanding
                    && last.percent == percent
                    && last.to.succ_opt() == Some(from) =>
            {
                last.to = to;
            }
            _ => periods.push(InterestPeriod {
                from,
                to,
                days: 0,
                principal: Money::from_minor(outstanding, currency),
                percent,
                interest: Money::zero(currency),
            }),
        }
    }

    for period in &mut periods {
        period.days = (period.to - period.from).num_days() + 1;
        let (numerator, scale) = interest_numerator(period)?;
        period.interest = Money::from_minor(to_ore(numerator, scale)?, currency);
        numerators.push((numerator, scale));
    }

    // Bring every numerator to the largest scale so they can be added exactly.
    let scale = numerators.iter().map(|&(_, s)| s).max().unwrap_or(0);
    let mut sum: i128 = 0;
    for (numerator, s) in numerators {
        let factor = 10_i128
            .checked_pow(scale - s)
            .ok_or(InterestError::Overflow)?;
        let scaled = numerator
            .checked_mul(factor)
            .ok_or(InterestError::Overflow)?;
        sum = sum.checked_add(scaled).ok_or(InterestError::Overflow)?;
    }
    let total = Money::from_minor(to_ore(sum, scale)?.max(0), currency);
    Ok(Interest { periods, total })
}

/// What is outstanding on `day`, in öre: the principal less every payment made on or
/// before that day.
fn outstanding_on(
    principal: Money,
    payments: &[(NaiveDate, Money)],
    day: NaiveDate,
) -> Result<i64, InterestError> {
    let paid = payments
        .iter()
        .filter(|(d, _)| *d <= day)
        .try_fold(0_i128, |acc, (_, m)| {
            acc.checked_add(i128::from(m.to_minor()))
        })
        .ok_or(InterestError::Overflow)?;
    let left = i128::from(principal.to_minor()) - paid;
    i64::try_from(left).map_err(|_| InterestError::Overflow)
}

/// `principal_öre × percent × days` as an integer `n` with the percent's scale `s`: the
/// period's interest in öre is `n / (36 500 × 10^s)` exactly (percent → /100, year → /365).
fn interest_numerator(period: &InterestPeriod) -> Result<(i128, u32), InterestError> {
    let n = i128::from(period.principal.to_minor())
        .checked_mul(period.percent.mantissa())
        .and_then(|n| n.checked_mul(i128::from(period.days)))
        .ok_or(InterestError::Overflow)?;
    Ok((n, period.percent.scale()))
}

/// `numerator / (36 500 × 10^scale)` rounded to whole öre, half away from zero. Integer
/// division, because a quotient by 365 does not terminate in decimal and a rounded decimal
/// quotient could land on the wrong side of a midpoint.
fn to_ore(numerator: i128, scale: u32) -> Result<i64, InterestError> {
    let denominator = 10_i128
        .checked_pow(scale)
        .and_then(|p| p.checked_mul(36_500))
        .ok_or(InterestError::Overflow)?;
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    // |remainder| ≥ half the denominator: the midpoint and beyond go away from zero.
    let rounded = if remainder.unsigned_abs() * 2 >= denominator.unsigned_abs() {
        quotient + numerator.signum()
    } else {
        quotient
    };
    i64::try_from(rounded).map_err(|_| InterestError::Overflow)
}

// ---------------------------------------------------------------------------------------
// Invoice status
// ---------------------------------------------------------------------------------------

vocabulary! {
    /// Where an invoice stands, derived from what has happened to it; never typed in.
    InvoiceStatus {
        Draft = "draft",
        Issued = "issued",
        Sent = "sent",
        PartiallyPaid = "partially_paid",
        Paid = "paid",
        Overdue = "overdue",
        Credited = "credited",
        WrittenOff = "written_off",
    }
}

/// What is recorded about an invoice, from which its status follows. All amounts are in the
/// invoice's currency (that of `total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvoiceFacts {
    pub issued: bool,
    pub sent: bool,
    /// Including VAT: what the buyer owes.
    pub total: Money,
    /// The sum of credit notes against the invoice, positive.
    pub credited: Money,
    /// Net payments allocated to the invoice, positive.
    pub paid: Money,
    pub written_off: bool,
    pub due_date: NaiveDate,
}

impl InvoiceFacts {
    /// Total − credited − paid; negative when overpaid. Saturates rather than overflow,
    /// which no real invoice comes near.
    pub fn outstanding(&self) -> Money {
        let minor = self
            .total
            .to_minor()
            .saturating_sub(self.credited.to_minor())
            .saturating_sub(self.paid.to_minor());
        Money::from_minor(minor, self.total.currency())
    }

    /// The status on `today`. The first rule that holds decides: not issued → draft;
    /// written off; credited in full; nothing outstanding → paid; past the due date →
    /// overdue; something paid → partially paid; sent; otherwise issued.
    pub fn status(&self, today: NaiveDate) -> InvoiceStatus {
        let credited = self.credited.to_minor();
        if !self.issued {
            InvoiceStatus::Draft
        } else if self.written_off {
            InvoiceStatus::WrittenOff
        } else if credited > 0 && credited >= self.total.to_minor() {
            InvoiceStatus::Credited
        } else if self.outstanding().to_minor() <= 0 {
            InvoiceStatus::Paid
        } else if today > self.due_date {
            InvoiceStatus::Overdue
        } else if self.paid.to_minor() > 0 {
            InvoiceStatus::PartiallyPaid
        } else if self.sent {
            InvoiceStatus::Sent
        } else {
            InvoiceStatus::Issued
        }
    }
}

// ---------------------------------------------------------------------------------------
// Aging
// ---------------------------------------------------------------------------------------

vocabulary! {
    /// How late an open item is, in the brackets of an aging report.
    AgingBucket {
        NotDue = "not_due",
        Days1To30 = "1-30",
        Days31To60 = "31-60",
        Days61To90 = "61-90",
        Over90 = "over_90",
    }
}

/// The bucket for an item due on `due_date`, seen on `on`: days late = `on − due_date`.
pub fn aging_bucket(due_date: NaiveDate, on: NaiveDate) -> AgingBucket {
    match (on - due_date).num_days() {
        i64::MIN..=0 => AgingBucket::NotDue,
        1..=30 => AgingBucket::Days1To30,
        31..=60 => AgingBucket::Days31To60,
        61..=90 => AgingBucket::Days61To90,
        _ => AgingBucket::Over90,
    }
}

// ---------------------------------------------------------------------------------------
// Reminders
// ---------------------------------------------------------------------------------------

/// Förseningsersättning (lag 1981:739, 4 a §): 450 kr once per invoice.
pub const LATE_COMPENSATION_SEK: i64 = 45_000;

/// One overdue invoice as a reminder sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueInvoice {
    /// What was owed at the due date: the total less what credit notes took off.
    pub principal: Money,
    pub due_date: NaiveDate,
    /// Payments allocated to it, by date; reversals are negative.
    pub payments: Vec<(NaiveDate, Money)>,
    /// Interest earlier reminders already charged on it.
    pub interest_charged: Money,
    pub compensation_charged: bool,
    /// Interest and compensation themselves bear no interest (no ränta på ränta).
    pub bears_interest: bool,
}

/// What one reminder run charges on one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderCharge {
    /// Interest accrued from the due date until the reminder's date.
    pub interest_to_date: Money,
    /// What this reminder charges of it: the accrued interest less earlier charges.
    pub interest: Money,
    pub compensation: Money,
}

/// How a reminder run charges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRules<'a> {
    pub date: NaiveDate,
    pub rates: &'a [ReferenceRate],
    pub charge_interest: bool,
    /// The förseningsersättning, when the run charges it and the debtor is a business or
    /// a public authority.
    pub compensation: Option<Money>,
}

/// The interest and compensation a reminder dated `rules.date` charges on an invoice.
/// Interest accrues per day on what stays unpaid ([`late_interest`]); each reminder charges
/// what accrued since the last, so the sum of all charges is the interest to date. The
/// compensation is due once per invoice, and only when interest is due.
pub fn reminder_charge(
    invoice: &OverdueInvoice,
    rules: &ReminderRules<'_>,
) -> Result<ReminderCharge, InterestError> {
    let currency = invoice.principal.currency();
    let zero = Money::zero(currency);
    if !invoice.bears_interest {
        return Ok(ReminderCharge {
            interest_to_date: zero,
            interest: zero,
            compensation: zero,
        });
    }
    let accrued = late_interest(
        invoice.principal,
        invoice.due_date,
        &invoice.payments,
        rules.date,
        rules.rates,
        STATUTORY_MARGIN,
    )?
    .total;
    let interest = if rules.charge_interest {
        Money::from_minor(
            (accrued.to_minor() - invoice.interest_charged.to_minor()).max(0),
            currency,
        )
    } else {
        zero
    };
    let compensation = match rules.compensation {
        Some(c) if !invoice.compensation_charged && accrued.to_minor() > 0 => {
            if c.currency() != currency {
                return Err(InterestError::CurrencyMismatch);
            }
            c
        }
        _ => zero,
    };
    Ok(ReminderCharge {
        interest_to_date: accrued,
        interest,
        compensation,
    })
}

// ---------------------------------------------------------------------------------------
// Öresavrundning
// ---------------------------------------------------------------------------------------

/// What rounding `total` to whole units adds, half away from zero: 1234.50 → +0.50,
/// 1234.49 → −0.49, −1234.50 → −0.50. The result is at most half a unit either way.
pub fn rounding_to_whole(total: Money) -> Money {
    // Whole öre, so the remainder of 100 is the fraction; rounding it away is exact in
    // integers (equal to `round_dp_with_strategy(0, MidpointAwayFromZero)`, which the
    // tests check) and cannot fail.
    let fraction = total.to_minor() % 100;
    let added = match fraction {
        50..=99 => 100 - fraction,
        -99..=-50 => -100 - fraction,
        _ => -fraction,
    };
    Money::from_minor(added, total.currency())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::RoundingStrategy;

    use super::*;
    use crate::domain::Currency;
    use crate::domain::test_support::{d, date, sek};

    #[test]
    fn a_public_buyer_needs_a_reference_and_an_einvoice_address() {
        let complete = BuyerFacts {
            public: true,
            billing_address: true,
            buyer_reference: true,
            einvoice_address: true,
            invoice_recipient: true,
            foreign_with_vat: false,
        };
        assert_eq!(invoice_gaps(complete), []);
        let bare = BuyerFacts {
            public: true,
            billing_address: false,
            buyer_reference: false,
            einvoice_address: false,
            invoice_recipient: false,
            foreign_with_vat: false,
        };
        assert_eq!(
            invoice_gaps(bare),
            [
                InvoiceGap::BillingAddress,
                InvoiceGap::BuyerReference,
                InvoiceGap::EinvoiceAddress,
                InvoiceGap::InvoiceRecipient
            ]
        );
        // A company need not give a reference or take e-invoices; every buyer needs an
        // address on the invoice and a way to receive it.
        let company = BuyerFacts {
            public: false,
            ..bare
        };
        assert_eq!(
            invoice_gaps(company),
            [InvoiceGap::BillingAddress, InvoiceGap::InvoiceRecipient]
        );
        // Complete, but charging Swedish VAT to a Norwegian municipality.
        let abroad = BuyerFacts {
            foreign_with_vat: true,
            ..complete
        };
        assert_eq!(invoice_gaps(abroad), [InvoiceGap::ForeignVat]);
        for gap in invoice_gaps(BuyerFacts {
            foreign_with_vat: true,
            ..bare
        }) {
            for lang in [Language::Sv, Language::Nb, Language::En] {
                assert!(!gap.message(lang).is_empty());
            }
        }
    }

    #[test]
    fn outside_scope_lines_get_an_invoice_of_their_own() {
        let split = |l: Vec<(char, bool)>| invoices_by_vat_scope(l, |(_, o)| *o);
        assert_eq!(
            split(vec![('a', true), ('b', false), ('c', true), ('d', false)]),
            [
                vec![('a', true), ('c', true)],
                vec![('b', false), ('d', false)]
            ]
        );
        assert_eq!(split(vec![('a', false), ('b', false)]).len(), 1);
        assert_eq!(split(vec![('a', true)]), [vec![('a', true)]]);
        assert!(split(Vec::new()).is_empty());
    }

    proptest! {
        /// Every line lands on exactly one invoice, in its order, and no invoice mixes an
        /// outside-scope line with another.
        #[test]
        fn scope_split_keeps_every_line_once(scopes in proptest::collection::vec(any::<bool>(), 0..40)) {
            let lines: Vec<(usize, bool)> = scopes.iter().copied().enumerate().collect();
            let invoices = invoices_by_vat_scope(lines.clone(), |(_, o)| *o);
            prop_assert!(invoices.len() <= 2);
            for invoice in &invoices {
                prop_assert!(!invoice.is_empty());
                prop_assert!(invoice.iter().all(|l| l.1 == invoice[0].1));
                prop_assert!(invoice.windows(2).all(|w| w[0].0 < w[1].0));
            }
            let mut all: Vec<(usize, bool)> = invoices.concat();
            all.sort_unstable();
            prop_assert_eq!(all, lines);
        }
    }

    fn minors(parts: &[Money]) -> Vec<i64> {
        parts.iter().map(|m| m.to_minor()).collect()
    }

    fn plan(schedule: Schedule, invoice_day: u32) -> BillingPlan {
        BillingPlan {
            schedule,
            invoice_day,
            ..BillingPlan::default()
        }
    }

    /// (start, end, invoice_date) of each instalment, with index and count checked.
    fn spans(list: &[Instalment]) -> Vec<(NaiveDate, NaiveDate, NaiveDate)> {
        for (i, inst) in list.iter().enumerate() {
            assert_eq!(inst.index as usize, i + 1);
            assert_eq!(inst.count as usize, list.len());
        }
        list.iter()
            .map(|i| (i.start, i.end, i.invoice_date))
            .collect()
    }

    // --- Vocabularies --------------------------------------------------------------------

    #[test]
    fn vocabularies_round_trip() {
        for s in Schedule::ALL {
            assert_eq!(Schedule::parse(s.as_str()), Ok(*s));
        }
        for v in VariableBilling::ALL {
            assert_eq!(VariableBilling::parse(v.as_str()), Ok(*v));
        }
        for r in ReferenceScheme::ALL {
            assert_eq!(ReferenceScheme::parse(r.as_str()), Ok(*r));
        }
        for s in InvoiceStatus::ALL {
            assert_eq!(InvoiceStatus::parse(s.as_str()), Ok(*s));
        }
        for b in AgingBucket::ALL {
            assert_eq!(AgingBucket::parse(b.as_str()), Ok(*b));
        }
        assert_eq!(AgingBucket::Days1To30.to_string(), "1-30");
        assert_eq!(InvoiceStatus::PartiallyPaid.as_str(), "partially_paid");
        assert!(Schedule::parse("weekly").is_err());
    }

    // --- Schedules -----------------------------------------------------------------------

    #[test]
    fn default_plan_is_annual_in_arrears_on_the_15th() {
        let p = BillingPlan::default();
        assert_eq!(p.schedule, Schedule::Annual);
        assert_eq!(p.variable, VariableBilling::Arrears);
        assert_eq!(p.invoice_day, 15);
    }

    #[test]
    fn schedule_counts() {
        let counts: Vec<u32> = Schedule::ALL.iter().map(|s| s.count()).collect();
        assert_eq!(counts, [1, 2, 4, 12]);
    }

    #[test]
    fn periods_of_each_schedule() {
        assert_eq!(
            Schedule::Annual.periods(2026),
            [(date(2026, 1, 1), date(2026, 12, 31))]
        );
        assert_eq!(
            Schedule::HalfYearly.periods(2026),
            [
                (date(2026, 1, 1), date(2026, 6, 30)),
                (date(2026, 7, 1), date(2026, 12, 31)),
            ]
        );
        assert_eq!(
            Schedule::Quarterly.periods(2026),
            [
                (date(2026, 1, 1), date(2026, 3, 31)),
                (date(2026, 4, 1), date(2026, 6, 30)),
                (date(2026, 7, 1), date(2026, 9, 30)),
                (date(2026, 10, 1), date(2026, 12, 31)),
            ]
        );
    }

    #[test]
    fn monthly_periods_know_leap_februaries() {
        let leap = Schedule::Monthly.periods(2024);
        assert_eq!(leap.len(), 12);
        assert_eq!(leap[1], (date(2024, 2, 1), date(2024, 2, 29)));
        assert_eq!(
            Schedule::Monthly.periods(2026)[1],
            (date(2026, 2, 1), date(2026, 2, 28))
        );
        // 2100 is not a leap year, 2000 was.
        assert_eq!(Schedule::Monthly.periods(2100)[1].1, date(2100, 2, 28));
        assert_eq!(Schedule::Monthly.periods(2000)[1].1, date(2000, 2, 29));
        assert_eq!(leap[11], (date(2024, 12, 1), date(2024, 12, 31)));
    }

    #[test]
    fn periods_tile_the_year_without_gaps() {
        for schedule in Schedule::ALL {
            for year in [2023, 2024, 2026, 2100] {
                let periods = schedule.periods(year);
                assert_eq!(periods.len() as u32, schedule.count());
                assert_eq!(periods[0].0, date(year, 1, 1));
                assert_eq!(periods[periods.len() - 1].1, date(year, 12, 31));
                for pair in periods.windows(2) {
                    assert_eq!(pair[0].1.succ_opt(), Some(pair[1].0));
                }
                let days: i64 = periods.iter().map(|(s, e)| (*e - *s).num_days() + 1).sum();
                let year_days = (date(year, 12, 31) - date(year, 1, 1)).num_days() + 1;
                assert_eq!(days, year_days);
            }
        }
    }

    #[test]
    fn periods_of_an_unrepresentable_year_are_empty() {
        assert!(Schedule::Monthly.periods(i32::MAX).is_empty());
    }

    #[test]
    fn instalments_over_a_whole_year() {
        let list = instalments(&plan(Schedule::Quarterly, 15), 2026, date(2025, 1, 1), None);
        assert_eq!(
            spans(&list),
            [
                (date(2026, 1, 1), date(2026, 3, 31), date(2026, 1, 15)),
                (date(2026, 4, 1), date(2026, 6, 30), date(2026, 4, 15)),
                (date(2026, 7, 1), date(2026, 9, 30), date(2026, 7, 15)),
                (date(2026, 10, 1), date(2026, 12, 31), date(2026, 10, 15)),
            ]
        );
    }

    #[test]
    fn coverage_starting_mid_period_after_the_invoice_day() {
        // Joins 20 May: Q2 is invoiced from the 20th and dated then, not 15 April.
        let list = instalments(
            &plan(Schedule::Quarterly, 15),
            2026,
            date(2026, 5, 20),
            None,
        );
        assert_eq!(
            spans(&list),
            [
                (date(2026, 5, 20), date(2026, 6, 30), date(2026, 5, 20)),
                (date(2026, 7, 1), date(2026, 9, 30), date(2026, 7, 15)),
                (date(2026, 10, 1), date(2026, 12, 31), date(2026, 10, 15)),
            ]
        );
    }

    #[test]
    fn coverage_starting_before_the_invoice_day_keeps_the_day() {
        // Joins 10 April, invoice day 15: the nominal date is already inside the coverage.
        let list = instalments(
            &plan(Schedule::Quarterly, 15),
            2026,
            date(2026, 4, 10),
            None,
        );
        assert_eq!(list[0].start, date(2026, 4, 10));
        assert_eq!(list[0].invoice_date, date(2026, 4, 15));
        // Joining on the invoice day itself is the same date either way.
        let list = instalments(&plan(Schedule::Monthly, 15), 2026, date(2026, 4, 15), None);
        assert_eq!(list[0].invoice_date, date(2026, 4, 15));
        assert_eq!(list.len(), 9);
    }

    #[test]
    fn annual_plan_for_a_member_joining_in_september() {
        // The nominal date is 15 January, the period's first month, not 15 September: the
        // instalment is dated when coverage starts.
        let list = instalments(&BillingPlan::default(), 2026, date(2026, 9, 1), None);
        assert_eq!(
            spans(&list),
            [(date(2026, 9, 1), date(2026, 12, 31), date(2026, 9, 1))]
        );
        // Likewise within a quarter: joining 10 May is dated 10 May, not 15 May.
        let list = instalments(
            &plan(Schedule::Quarterly, 15),
            2026,
            date(2026, 5, 10),
            None,
        );
        assert_eq!(list[0].invoice_date, date(2026, 5, 10));
    }

    #[test]
    fn coverage_ending_mid_year() {
        let list = instalments(
            &plan(Schedule::Quarterly, 1),
            2026,
            date(2024, 1, 1),
            Some(date(2026, 8, 31)),
        );
        assert_eq!(
            spans(&list),
            [
                (date(2026, 1, 1), date(2026, 3, 31), date(2026, 1, 1)),
                (date(2026, 4, 1), date(2026, 6, 30), date(2026, 4, 1)),
                (date(2026, 7, 1), date(2026, 8, 31), date(2026, 7, 1)),
            ]
        );
        // Ending on a period's last day leaves the next period out.
        let list = instalments(
            &plan(Schedule::HalfYearly, 15),
            2026,
            date(2024, 1, 1),
            Some(date(2026, 6, 30)),
        );
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].end, date(2026, 6, 30));
        // Ending on a period's first day still shares that day.
        let list = instalments(
            &plan(Schedule::HalfYearly, 15),
            2026,
            date(2024, 1, 1),
            Some(date(2026, 7, 1)),
        );
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].start, list[1].end);
    }

    #[test]
    fn coverage_ending_before_the_invoice_day_is_still_dated_by_the_plan() {
        let list = instalments(
            &plan(Schedule::Monthly, 15),
            2026,
            date(2025, 6, 1),
            Some(date(2026, 1, 10)),
        );
        assert_eq!(
            spans(&list),
            [(date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 15))]
        );
    }

    #[test]
    fn coverage_within_one_month() {
        let list = instalments(
            &plan(Schedule::Monthly, 5),
            2026,
            date(2026, 2, 10),
            Some(date(2026, 2, 20)),
        );
        assert_eq!(
            spans(&list),
            [(date(2026, 2, 10), date(2026, 2, 20), date(2026, 2, 10))]
        );
    }

    #[test]
    fn coverage_outside_the_year_gives_no_instalments() {
        let p = plan(Schedule::Monthly, 15);
        assert!(instalments(&p, 2026, date(2027, 1, 1), None).is_empty());
        assert!(instalments(&p, 2026, date(2020, 1, 1), Some(date(2025, 12, 31))).is_empty());
        // An end before the start covers nothing.
        assert!(instalments(&p, 2026, date(2026, 5, 1), Some(date(2026, 4, 1))).is_empty());
    }

    #[test]
    fn invoice_day_is_clamped_to_one_through_twenty_eight() {
        let list = instalments(&plan(Schedule::Monthly, 31), 2026, date(2026, 1, 1), None);
        assert_eq!(list[1].invoice_date, date(2026, 2, 28));
        assert_eq!(list[0].invoice_date, date(2026, 1, 28));
        let list = instalments(&plan(Schedule::Monthly, 0), 2026, date(2026, 1, 1), None);
        assert_eq!(list[0].invoice_date, date(2026, 1, 1));
    }

    // --- Splitting -----------------------------------------------------------------------

    #[test]
    fn split_puts_the_remainder_on_the_last_part() {
        assert_eq!(minors(&split_evenly(sek("100"), 3)), [3333, 3333, 3334]);
        assert_eq!(minors(&split_evenly(sek("100"), 4)), [2500; 4]);
        assert_eq!(
            minors(&split_evenly(sek("1000.00"), 12)),
            [
                8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8337
            ]
        );
        // Fewer öre than parts: everything on the last.
        assert_eq!(
            minors(&split_evenly(Money::from_minor(2, Currency::Nok), 3)),
            [0, 0, 2]
        );
        assert!(
            split_evenly(Money::from_minor(2, Currency::Nok), 3)
                .iter()
                .all(|m| m.currency() == Currency::Nok)
        );
    }

    #[test]
    fn split_of_a_credit_mirrors_a_charge() {
        assert_eq!(minors(&split_evenly(sek("-100"), 3)), [-3333, -3333, -3334]);
        assert_eq!(
            minors(&split_evenly(Money::from_minor(-2, Currency::Sek), 3)),
            [0, 0, -2]
        );
    }

    #[test]
    fn split_edge_counts() {
        assert!(split_evenly(sek("100"), 0).is_empty());
        assert_eq!(minors(&split_evenly(sek("100"), 1)), [10000]);
        assert_eq!(minors(&split_evenly(sek("0"), 3)), [0, 0, 0]);
        let extreme = Money::from_minor(i64::MIN, Currency::Sek);
        let parts = split_evenly(extreme, 7);
        assert_eq!(
            parts.iter().map(|m| i128::from(m.to_minor())).sum::<i128>(),
            i128::from(i64::MIN)
        );
    }

    proptest! {
        #[test]
        fn split_parts_add_up_and_only_the_last_differs(
            total in any::<i64>(),
            count in 1_u32..=400,
        ) {
            let parts = split_evenly(Money::from_minor(total, Currency::Sek), count);
            prop_assert_eq!(parts.len(), count as usize);
            let sum: i128 = parts.iter().map(|m| i128::from(m.to_minor())).sum();
            prop_assert_eq!(sum, i128::from(total));
            let base = parts[0].to_minor();
            prop_assert!(parts[..parts.len() - 1].iter().all(|m| m.to_minor() == base));
            // The last part carries the remainder: same sign as the total, less than `count` öre.
            let extra = i128::from(parts[parts.len() - 1].to_minor()) - i128::from(base);
            prop_assert!(extra.abs() < i128::from(count));
            prop_assert!(extra == 0 || extra.signum() == i128::from(total.signum()));
        }
    }

    // --- Numbers and references ----------------------------------------------------------

    #[test]
    fn invoice_numbers_print_with_a_padded_sequence() {
        let number = |prefix: &str, year, sequence| {
            InvoiceNumber {
                prefix: prefix.into(),
                year,
                sequence,
            }
            .to_string()
        };
        assert_eq!(number("NAV", 2026, 1), "NAV-2026-0001");
        assert_eq!(number("NAV", 2026, 999), "NAV-2026-0999");
        assert_eq!(number("NAV", 2026, 9999), "NAV-2026-9999");
        assert_eq!(number("NAV", 2026, 12345), "NAV-2026-12345");
        assert_eq!(number("", 2026, 7), "2026-0007");
    }

    #[test]
    fn reference_bases_are_year_and_six_digit_sequence() {
        assert_eq!(reference_base(2026, 1), "2026000001");
        assert_eq!(reference_base(2024, 123), "2024000123");
        assert_eq!(reference_base(2026, 999_999), "2026999999");
        assert_eq!(reference_base(2026, 1_234_567), "20261234567");
    }

    #[test]
    fn payment_references_from_the_domain_vectors() {
        let ocr = payment_reference(ReferenceScheme::Ocr, "2024000123").unwrap();
        assert_eq!(ocr, PaymentReference::Ocr("202400012326".into()));
        assert!(
            OcrReference::parse(ocr.as_str())
                .unwrap()
                .has_length_digit()
        );
        assert_eq!(
            payment_reference(ReferenceScheme::KidMod10, "1234").unwrap(),
            PaymentReference::Kid("12344".into())
        );
        assert_eq!(
            payment_reference(ReferenceScheme::KidMod11, "1234").unwrap(),
            PaymentReference::Kid("12343".into())
        );
        let base = reference_base(2024, 123);
        assert_eq!(
            payment_reference(ReferenceScheme::Ocr, &base)
                .unwrap()
                .as_str(),
            "202400012326"
        );
    }

    #[test]
    fn kid_mod11_with_check_digit_ten_is_refused() {
        // 2026000003, weights 2..7 from the right: 3·2 + 6·2 + 2·3 + 2·5 = 34; 34 mod 11 = 1;
        // 11 − 1 = 10, which no KID digit can hold.
        let base = reference_base(2026, 3);
        assert_eq!(
            payment_reference(ReferenceScheme::KidMod11, &base),
            Err(Invalid::CheckDigit)
        );
        // The same base is fine under mod 10 and as OCR.
        assert!(payment_reference(ReferenceScheme::KidMod10, &base).is_ok());
        assert!(payment_reference(ReferenceScheme::Ocr, &base).is_ok());
        // The neighbours have a mod 11 KID.
        let next = payment_reference(ReferenceScheme::KidMod11, &reference_base(2026, 4)).unwrap();
        assert!(Kid::parse(next.as_str(), KidMethod::Mod11).is_ok());
    }

    #[test]
    fn impossible_bases_are_refused() {
        for scheme in ReferenceScheme::ALL {
            assert_eq!(payment_reference(*scheme, ""), Err(Invalid::Empty));
            assert_eq!(payment_reference(*scheme, "12a4"), Err(Invalid::DigitsOnly));
            assert!(payment_reference(*scheme, &"1".repeat(25)).is_err());
        }
    }

    // --- Late-payment interest -----------------------------------------------------------

    fn rates_2026() -> Vec<ReferenceRate> {
        vec![
            ReferenceRate {
                from: date(2026, 1, 1),
                percent: d("2.00"),
            },
            ReferenceRate {
                from: date(2026, 7, 1),
                percent: d("1.75"),
            },
        ]
    }

    fn interest(
        principal: &str,
        due: NaiveDate,
        payments: &[(NaiveDate, Money)],
        until: NaiveDate,
    ) -> Interest {
        late_interest(
            sek(principal),
            due,
            payments,
            until,
            &rates_2026(),
            STATUTORY_MARGIN,
        )
        .unwrap()
    }

    #[test]
    fn statutory_margin_is_eight_points() {
        assert_eq!(STATUTORY_MARGIN, d("8"));
    }

    #[test]
    fn one_month_at_ten_percent() {
        // 2.00 % + 8 = 10 %; 1–30 April = 30 days; 10 000 × 0.10 × 30 / 365 = 82.1917… → 82.19.
        let i = interest("10000", date(2026, 3, 31), &[], date(2026, 4, 30));
        assert_eq!(i.total, sek("82.19"));
        assert_eq!(
            i.periods,
            [InterestPeriod {
                from: date(2026, 4, 1),
                to: date(2026, 4, 30),
                days: 30,
                principal: sek("10000"),
                percent: d("10"),
                interest: sek("82.19"),
            }]
        );
    }

    #[test]
    fn the_day_after_the_due_date_is_the_first_charged() {
        // Due 30 Jan, until 31 Jan: one day; 10 000 × 0.10 / 365 = 2.7397… → 2.74.
        let i = interest("10000", date(2026, 1, 30), &[], date(2026, 1, 31));
        assert_eq!(i.periods.len(), 1);
        assert_eq!(i.periods[0].days, 1);
        assert_eq!(i.periods[0].from, date(2026, 1, 31));
        assert_eq!(i.total, sek("2.74"));
    }

    #[test]
    fn a_new_reference_rate_on_1_july_starts_a_new_period() {
        // 16–30 June: 15 days at 10 %:   10 000 × 0.10   × 15 / 365 = 41.0958… → 41.10
        // 1–15 July:  15 days at 9.75 %: 10 000 × 0.0975 × 15 / 365 = 40.0684… → 40.07
        // Exact sum 81.1643… → 81.16, an öre less than 41.10 + 40.07 = 81.17.
        let i = interest("10000", date(2026, 6, 15), &[], date(2026, 7, 15));
        assert_eq!(i.periods.len(), 2);
        let (june, july) = (&i.periods[0], &i.periods[1]);
        assert_eq!(
            (june.from, june.to, june.days),
            (date(2026, 6, 16), date(2026, 6, 30), 15)
        );
        assert_eq!(
            (july.from, july.to, july.days),
            (date(2026, 7, 1), date(2026, 7, 15), 15)
        );
        assert_eq!(june.percent, d("10"));
        assert_eq!(july.percent, d("9.75"));
        assert_eq!(june.interest, sek("41.10"));
        assert_eq!(july.interest, sek("40.07"));
        assert_eq!(i.total, sek("81.16"));
    }

    #[test]
    fn a_partial_payment_lowers_the_principal_from_its_day() {
        // 4 000 paid on 11 April: 1–10 April on 10 000, 11–30 April on 6 000, at 10 %.
        // 10 000 × 0.10 × 10 / 365 = 27.3972… → 27.40
        //  6 000 × 0.10 × 20 / 365 = 32.8767… → 32.88
        // Exact sum 60.2739… → 60.27.
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[(date(2026, 4, 11), sek("4000"))],
            date(2026, 4, 30),
        );
        assert_eq!(i.periods.len(), 2);
        assert_eq!(i.periods[0].principal, sek("10000"));
        assert_eq!(i.periods[0].to, date(2026, 4, 10));
        assert_eq!(i.periods[0].interest, sek("27.40"));
        assert_eq!(i.periods[1].principal, sek("6000"));
        assert_eq!(i.periods[1].from, date(2026, 4, 11));
        assert_eq!(i.periods[1].days, 20);
        assert_eq!(i.periods[1].interest, sek("32.88"));
        assert_eq!(i.total, sek("60.27"));
    }

    #[test]
    fn payment_in_full_stops_the_interest() {
        // Paid on 11 April: only 1–10 April, 10 000 × 0.10 × 10 / 365 = 27.3972… → 27.40,
        // however late `until` is.
        let paid = [(date(2026, 4, 11), sek("10000"))];
        for until in [date(2026, 4, 30), date(2026, 12, 31), date(2030, 1, 1)] {
            let i = interest("10000", date(2026, 3, 31), &paid, until);
            assert_eq!(i.periods.len(), 1);
            assert_eq!(i.periods[0].to, date(2026, 4, 10));
            assert_eq!(i.total, sek("27.40"));
        }
        // Overpaid in two goes: nothing outstanding is nothing charged.
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[
                (date(2026, 4, 6), sek("6000")),
                (date(2026, 4, 11), sek("6000")),
            ],
            date(2026, 4, 30),
        );
        assert_eq!(i.periods.len(), 2);
        assert_eq!(i.periods[1].to, date(2026, 4, 10));
    }

    #[test]
    fn payments_on_or_before_the_due_date_reduce_the_principal_from_the_start() {
        // 2 000 paid before and 0 on the due date: 8 000 × 0.10 × 30 / 365 = 65.7534… → 65.75.
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[
                (date(2026, 3, 20), sek("2000")),
                (date(2026, 3, 31), sek("0")),
            ],
            date(2026, 4, 30),
        );
        assert_eq!(i.periods.len(), 1);
        assert_eq!(i.periods[0].principal, sek("8000"));
        assert_eq!(i.total, sek("65.75"));
        // Paid in full by the due date: nothing at all.
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[(date(2026, 3, 31), sek("10000"))],
            date(2026, 4, 30),
        );
        assert!(i.periods.is_empty());
        assert_eq!(i.total, sek("0"));
    }

    #[test]
    fn a_zero_payment_does_not_split_a_period() {
        let i = interest(
            "10000",
            date(2026, 3, 31),
            &[(date(2026, 4, 11), sek("0"))],
            date(2026, 4, 30),
        );
        assert_eq!(i.periods.len(), 1);
        assert_eq!(i.total, sek("82.19"));
    }

    #[test]
    fn equal_rates_in_a_row_are_one_period() {
        let rates = [
            ReferenceRate {
                from: date(2026, 1, 1),
                percent: d("2"),
            },
            ReferenceRate {
                from: date(2026, 7, 1),
                percent: d("2.00"),
            },
        ];
        let i = late_interest(
            sek("10000"),
            date(2026, 6, 15),
            &[],
            date(2026, 7, 15),
            &rates,
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert_eq!(i.periods.len(), 1);
        assert_eq!(i.periods[0].days, 30);
        // 10 000 × 0.10 × 30 / 365 = 82.19, as in April.
        assert_eq!(i.total, sek("82.19"));
    }

    #[test]
    fn the_rate_table_need_not_be_sorted() {
        let mut rates = rates_2026();
        rates.reverse();
        let i = late_interest(
            sek("10000"),
            date(2026, 6, 15),
            &[],
            date(2026, 7, 15),
            &rates,
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert_eq!(i.total, sek("81.16"));
        assert_eq!(
            reference_rate_on(&rates, date(2026, 6, 30)),
            Some(d("2.00"))
        );
        assert_eq!(reference_rate_on(&rates, date(2026, 7, 1)), Some(d("1.75")));
        assert_eq!(reference_rate_on(&rates, date(2025, 12, 31)), None);
    }

    #[test]
    fn actual_365_charges_a_leap_year_for_366_days() {
        // 10 000 at 10 % through all of 2028 (366 days): 10 000 × 0.10 × 366 / 365 = 1 002.7397…
        // → 1 002.74, a little more than the 1 000.00 a year at 10 % would be.
        let rates = [ReferenceRate {
            from: date(2020, 1, 1),
            percent: d("2"),
        }];
        let i = late_interest(
            sek("10000"),
            date(2027, 12, 31),
            &[],
            date(2028, 12, 31),
            &rates,
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert_eq!(i.periods[0].days, 366);
        assert_eq!(i.total, sek("1002.74"));
    }

    #[test]
    fn a_missing_reference_rate_is_an_error() {
        let rates = [ReferenceRate {
            from: date(2026, 7, 1),
            percent: d("1.75"),
        }];
        assert_eq!(
            late_interest(
                sek("10000"),
                date(2026, 3, 31),
                &[],
                date(2026, 7, 31),
                &rates,
                STATUTORY_MARGIN
            ),
            Err(InterestError::NoReferenceRate {
                on: date(2026, 4, 1)
            })
        );
        // No rate is needed when nothing is outstanding.
        assert_eq!(
            late_interest(
                sek("0"),
                date(2026, 3, 31),
                &[],
                date(2026, 7, 31),
                &[],
                STATUTORY_MARGIN
            )
            .unwrap()
            .total,
            sek("0")
        );
    }

    #[test]
    fn nothing_is_charged_until_after_the_due_date() {
        for until in [date(2026, 3, 1), date(2026, 3, 31)] {
            let i = interest("10000", date(2026, 3, 31), &[], until);
            assert!(i.periods.is_empty());
            assert_eq!(i.total, sek("0"));
        }
        // Even without any rate table.
        let i = late_interest(
            sek("10000"),
            date(2026, 3, 31),
            &[],
            date(2026, 3, 31),
            &[],
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert!(i.periods.is_empty());
    }

    #[test]
    fn a_negative_or_zero_rate_charges_nothing() {
        let rates = [ReferenceRate {
            from: date(2026, 1, 1),
            percent: d("-0.50"),
        }];
        let i = late_interest(
            sek("10000"),
            date(2026, 3, 31),
            &[],
            date(2026, 4, 30),
            &rates,
            d("0.5"),
        )
        .unwrap();
        assert!(i.periods.is_empty());
        assert_eq!(i.total, sek("0"));
        // A negative reference rate with the statutory margin: 7.5 %,
        // 10 000 × 0.075 × 30 / 365 = 61.6438… → 61.64.
        let i = late_interest(
            sek("10000"),
            date(2026, 3, 31),
            &[],
            date(2026, 4, 30),
            &rates,
            STATUTORY_MARGIN,
        )
        .unwrap();
        assert_eq!(i.total, sek("61.64"));
    }

    #[test]
    fn payments_in_another_currency_are_refused() {
        assert_eq!(
            late_interest(
                sek("10000"),
                date(2026, 3, 31),
                &[(date(2026, 4, 5), Money::from_minor(100, Currency::Nok))],
                date(2026, 4, 30),
                &rates_2026(),
                STATUTORY_MARGIN,
            ),
            Err(InterestError::CurrencyMismatch)
        );
    }

    #[test]
    fn huge_amounts_overflow_into_an_error() {
        let rates = [ReferenceRate {
            from: date(2000, 1, 1),
            percent: Decimal::MAX,
        }];
        assert_eq!(
            late_interest(
                Money::from_minor(i64::MAX, Currency::Sek),
                date(2026, 3, 31),
                &[],
                date(2026, 4, 30),
                &rates,
                Decimal::ZERO,
            ),
            Err(InterestError::Overflow)
        );
    }

    #[test]
    fn rounding_helper_goes_half_away_from_zero() {
        // 36 500 × 10^0 is the denominator: 18 250 is exactly half an öre.
        assert_eq!(to_ore(18_250, 0), Ok(1));
        assert_eq!(to_ore(18_249, 0), Ok(0));
        assert_eq!(to_ore(-18_250, 0), Ok(-1));
        assert_eq!(to_ore(36_500 * 7 + 18_250, 0), Ok(8));
        assert_eq!(to_ore(182_500, 1), Ok(1));
    }

    /// Rate tables of half-years from 2025 on, percent with two decimals.
    fn rate_table() -> impl Strategy<Value = Vec<ReferenceRate>> {
        prop::collection::vec(0_i64..=500, 1..8).prop_map(|percents| {
            percents
                .into_iter()
                .enumerate()
                .map(|(i, p)| ReferenceRate {
                    from: date(2025 + (i / 2) as i32, if i % 2 == 0 { 1 } else { 7 }, 1),
                    percent: Decimal::new(p, 2),
                })
                .collect()
        })
    }

    fn days(n: i64) -> chrono::Duration {
        chrono::Duration::days(n)
    }

    proptest! {
        #[test]
        fn interest_adds_up_grows_with_time_and_is_never_negative(
            principal in 0_i64..10_000_000_000,
            due_offset in 0_i64..400,
            payments in prop::collection::vec((-30_i64..600, 0_i64..3_000_000_000), 0..5),
            until_offset in -20_i64..700,
            later in 0_i64..200,
            rates in rate_table(),
        ) {
            let due = date(2025, 1, 1) + days(due_offset);
            let payments: Vec<(NaiveDate, Money)> = payments
                .into_iter()
                .map(|(o, m)| (due + days(o), Money::from_minor(m, Currency::Sek)))
                .collect();
            let until = due + days(until_offset);
            let principal = Money::from_minor(principal, Currency::Sek);
            let run = |until| {
                late_interest(principal, due, &payments, until, &rates, STATUTORY_MARGIN).unwrap()
            };
            let i = run(until);

            // The total is the once-rounded exact sum of principal × percent × days / 36 500.
            let exact: Decimal = i
                .periods
                .iter()
                .map(|p| p.principal.amount() * p.percent * Decimal::from(p.days))
                .sum();
            let expected = (exact / Decimal::from(36_500))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            prop_assert_eq!(i.total.amount(), expected);
            prop_assert!(i.total.to_minor() >= 0);

            // Each period's figure is its own rounded share; together within an öre per period.
            for p in &i.periods {
                let share = (p.principal.amount() * p.percent * Decimal::from(p.days)
                    / Decimal::from(36_500))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                prop_assert_eq!(p.interest.amount(), share);
                prop_assert_eq!(p.days, (p.to - p.from).num_days() + 1);
                prop_assert!(p.from > due && p.to <= until && p.principal.to_minor() > 0);
            }
            let rounded: i64 = i.periods.iter().map(|p| p.interest.to_minor()).sum();
            prop_assert!((rounded - i.total.to_minor()).abs() <= i.periods.len() as i64);

            // Periods are in order, apart, and maximal.
            for pair in i.periods.windows(2) {
                prop_assert!(pair[0].to < pair[1].from);
                if pair[0].to.succ_opt() == Some(pair[1].from) {
                    prop_assert!(
                        pair[0].principal != pair[1].principal || pair[0].percent != pair[1].percent
                    );
                }
            }

            // Every day with something outstanding is charged, the others are not.
            let charged: i64 = i.periods.iter().map(|p| p.days).sum();
            let mut owing_days = 0;
            let mut day = due + days(1);
            while day <= until {
                let paid: i64 = payments.iter().filter(|(d, _)| *d <= day).map(|(_, m)| m.to_minor()).sum();
                let rate = reference_rate_on(&rates, day).unwrap() + STATUTORY_MARGIN;
                if principal.to_minor() - paid > 0 && rate > Decimal::ZERO {
                    owing_days += 1;
                }
                day += days(1);
            }
            prop_assert_eq!(charged, owing_days);

            // Later never means less.
            let more = run(until + days(later));
            prop_assert!(more.total.to_minor() >= i.total.to_minor());
        }
    }

    // --- Status --------------------------------------------------------------------------

    fn open_invoice() -> InvoiceFacts {
        InvoiceFacts {
            issued: true,
            sent: false,
            total: sek("1000"),
            credited: sek("0"),
            paid: sek("0"),
            written_off: false,
            due_date: date(2026, 3, 31),
        }
    }

    fn before_due() -> NaiveDate {
        date(2026, 3, 1)
    }

    fn after_due() -> NaiveDate {
        date(2026, 4, 1)
    }

    #[test]
    fn outstanding_is_total_less_credits_and_payments() {
        let facts = InvoiceFacts {
            credited: sek("100"),
            paid: sek("250.50"),
            ..open_invoice()
        };
        assert_eq!(facts.outstanding(), sek("649.50"));
        let overpaid = InvoiceFacts {
            paid: sek("1200"),
            ..open_invoice()
        };
        assert_eq!(overpaid.outstanding(), sek("-200"));
    }

    #[test]
    fn status_of_each_stage() {
        let today = before_due();
        let draft = InvoiceFacts {
            issued: false,
            ..open_invoice()
        };
        assert_eq!(draft.status(today), InvoiceStatus::Draft);
        assert_eq!(open_invoice().status(today), InvoiceStatus::Issued);
        let sent = InvoiceFacts {
            sent: true,
            ..open_invoice()
        };
        assert_eq!(sent.status(today), InvoiceStatus::Sent);
        let partly = InvoiceFacts {
            sent: true,
            paid: sek("400"),
            ..open_invoice()
        };
        assert_eq!(partly.status(today), InvoiceStatus::PartiallyPaid);
        assert_eq!(sent.status(after_due()), InvoiceStatus::Overdue);
        let paid = InvoiceFacts {
            paid: sek("1000"),
            ..sent
        };
        assert_eq!(paid.status(today), InvoiceStatus::Paid);
        let credited = InvoiceFacts {
            credited: sek("1000"),
            ..sent
        };
        assert_eq!(credited.status(today), InvoiceStatus::Credited);
        let written_off = InvoiceFacts {
            written_off: true,
            ..sent
        };
        assert_eq!(written_off.status(today), InvoiceStatus::WrittenOff);
    }

    #[test]
    fn the_due_date_itself_is_not_overdue() {
        let facts = open_invoice();
        assert_eq!(facts.status(date(2026, 3, 31)), InvoiceStatus::Issued);
        assert_eq!(facts.status(date(2026, 4, 1)), InvoiceStatus::Overdue);
    }

    #[test]
    fn status_precedence() {
        // A draft is a draft whatever else is recorded.
        let everything = InvoiceFacts {
            issued: false,
            sent: true,
            credited: sek("1000"),
            paid: sek("1000"),
            written_off: true,
            ..open_invoice()
        };
        assert_eq!(everything.status(after_due()), InvoiceStatus::Draft);
        // Written off outranks credited.
        let issued = InvoiceFacts {
            issued: true,
            ..everything
        };
        assert_eq!(issued.status(after_due()), InvoiceStatus::WrittenOff);
        // Credited in full outranks paid.
        let not_written_off = InvoiceFacts {
            written_off: false,
            ..issued
        };
        assert_eq!(not_written_off.status(after_due()), InvoiceStatus::Credited);
        // Over-credited is credited too.
        let over = InvoiceFacts {
            credited: sek("1500"),
            paid: sek("0"),
            ..not_written_off
        };
        assert_eq!(over.status(before_due()), InvoiceStatus::Credited);
        // Partly credited and the rest paid: paid, not credited.
        let mixed = InvoiceFacts {
            credited: sek("300"),
            paid: sek("700"),
            ..open_invoice()
        };
        assert_eq!(mixed.status(after_due()), InvoiceStatus::Paid);
        // Partly credited, nothing paid, late: overdue.
        let partly_credited = InvoiceFacts {
            credited: sek("300"),
            ..open_invoice()
        };
        assert_eq!(partly_credited.status(after_due()), InvoiceStatus::Overdue);
        assert_eq!(partly_credited.status(before_due()), InvoiceStatus::Issued);
        // Paid in part and late: overdue outranks partially paid.
        let partly_paid = InvoiceFacts {
            paid: sek("1"),
            sent: true,
            ..open_invoice()
        };
        assert_eq!(partly_paid.status(after_due()), InvoiceStatus::Overdue);
        // Overpaid is paid, even late.
        let overpaid = InvoiceFacts {
            paid: sek("1001"),
            ..open_invoice()
        };
        assert_eq!(overpaid.status(after_due()), InvoiceStatus::Paid);
    }

    #[test]
    fn a_zero_invoice_is_paid_not_credited() {
        let zero = InvoiceFacts {
            total: sek("0"),
            ..open_invoice()
        };
        assert_eq!(zero.status(after_due()), InvoiceStatus::Paid);
    }

    // --- Aging ---------------------------------------------------------------------------

    #[test]
    fn aging_bucket_boundaries() {
        let due = date(2026, 3, 31);
        let cases = [
            (-400, AgingBucket::NotDue),
            (0, AgingBucket::NotDue),
            (1, AgingBucket::Days1To30),
            (30, AgingBucket::Days1To30),
            (31, AgingBucket::Days31To60),
            (60, AgingBucket::Days31To60),
            (61, AgingBucket::Days61To90),
            (90, AgingBucket::Days61To90),
            (91, AgingBucket::Over90),
            (5000, AgingBucket::Over90),
        ];
        for (late, bucket) in cases {
            assert_eq!(aging_bucket(due, due + days(late)), bucket, "{late} days");
        }
    }

    // --- Öresavrundning ------------------------------------------------------------------

    #[test]
    fn rounding_to_whole_units() {
        let cases = [
            ("1234.50", "0.50"),
            ("1234.49", "-0.49"),
            ("1234.51", "0.49"),
            ("1234.00", "0"),
            ("1234.01", "-0.01"),
            ("1234.99", "0.01"),
            ("-1234.50", "-0.50"),
            ("-1234.49", "0.49"),
            ("-1234.51", "-0.49"),
            ("0.50", "0.50"),
            ("-0.01", "0.01"),
            ("0", "0"),
        ];
        for (total, added) in cases {
            assert_eq!(rounding_to_whole(sek(total)), sek(added), "{total}");
        }
        assert_eq!(
            rounding_to_whole(Money::from_minor(150, Currency::Eur)).currency(),
            Currency::Eur
        );
    }

    proptest! {
        #[test]
        fn rounding_to_whole_matches_decimal_rounding(minor in any::<i64>()) {
            let total = Money::from_minor(minor, Currency::Sek);
            let added = rounding_to_whole(total);
            let whole = total
                .amount()
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            prop_assert_eq!(added.amount(), whole - total.amount());
            prop_assert!(added.to_minor().abs() <= 50);
        }
    }

    // --- Reminders -----------------------------------------------------------------------

    fn overdue(principal: &str, due: NaiveDate) -> OverdueInvoice {
        OverdueInvoice {
            principal: sek(principal),
            due_date: due,
            payments: Vec::new(),
            interest_charged: Money::zero(Currency::Sek),
            compensation_charged: false,
            bears_interest: true,
        }
    }

    fn ten_percent() -> Vec<ReferenceRate> {
        vec![ReferenceRate {
            from: date(2026, 1, 1),
            percent: Decimal::new(2, 0),
        }]
    }

    #[test]
    fn a_first_reminder_charges_interest_to_date_and_the_compensation() {
        let rates = ten_percent();
        let rules = ReminderRules {
            date: date(2026, 10, 17),
            rates: &rates,
            charge_interest: true,
            compensation: Some(Money::from_minor(LATE_COMPENSATION_SEK, Currency::Sek)),
        };
        // 10 000 kr due 2 April, 198 days at 2 + 8 %: 10 000 × 0.10 × 198 / 365 = 542.47.
        let charge = reminder_charge(&overdue("10000", date(2026, 4, 2)), &rules).unwrap();
        assert_eq!(charge.interest_to_date, sek("542.47"));
        assert_eq!(charge.interest, sek("542.47"));
        assert_eq!(charge.compensation, sek("450"));
    }

    #[test]
    fn a_second_reminder_charges_only_what_accrued_since_and_no_second_compensation() {
        let rates = ten_percent();
        let mut invoice = overdue("10000", date(2026, 4, 2));
        invoice.interest_charged = sek("542.47");
        invoice.compensation_charged = true;
        let rules = ReminderRules {
            date: date(2026, 11, 16),
            rates: &rates,
            charge_interest: true,
            compensation: Some(sek("450")),
        };
        let charge = reminder_charge(&invoice, &rules).unwrap();
        // 228 days: 624.66 in all, 82.19 of it new (30 days).
        assert_eq!(charge.interest_to_date, sek("624.66"));
        assert_eq!(charge.interest, sek("82.19"));
        assert_eq!(charge.compensation, sek("0"));
    }

    #[test]
    fn charges_on_charges_and_runs_without_interest() {
        let rates = ten_percent();
        let mut invoice = overdue("542.47", date(2026, 4, 2));
        let rules = ReminderRules {
            date: date(2026, 10, 17),
            rates: &rates,
            charge_interest: true,
            compensation: Some(sek("450")),
        };
        invoice.bears_interest = false;
        let none = reminder_charge(&invoice, &rules).unwrap();
        assert!(none.interest.is_zero() && none.compensation.is_zero());

        // Interest not charged, but due: the compensation still is.
        let invoice = overdue("10000", date(2026, 4, 2));
        let rules = ReminderRules {
            charge_interest: false,
            ..rules
        };
        let charge = reminder_charge(&invoice, &rules).unwrap();
        assert!(charge.interest.is_zero());
        assert_eq!(charge.compensation, sek("450"));

        // Paid before the due date in full: nothing accrued, so no compensation either.
        let mut paid = overdue("10000", date(2026, 4, 2));
        paid.payments = vec![(date(2026, 4, 1), sek("10000"))];
        let charge = reminder_charge(&paid, &rules).unwrap();
        assert!(charge.interest_to_date.is_zero() && charge.compensation.is_zero());
    }

    #[test]
    fn a_reminder_needs_the_rates_of_its_days() {
        let rules = ReminderRules {
            date: date(2026, 10, 17),
            rates: &[],
            charge_interest: true,
            compensation: None,
        };
        assert_eq!(
            reminder_charge(&overdue("100", date(2026, 4, 2)), &rules),
            Err(InterestError::NoReferenceRate {
                on: date(2026, 4, 3)
            })
        );
    }
}
