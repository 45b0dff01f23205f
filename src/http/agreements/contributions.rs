//! The contribution an agreement gives for a fee year, as the API shows it: every line with
//! its inputs and steps, and the totals.

use std::collections::BTreeMap;

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::Errors;
use crate::domain::contribution::{
    BandMode, Input, InputName, KeyKind, LineKind, Quantity, StatementLine, Step, Total, Value,
    VatTreatment,
};
use crate::domain::money::Money;
use crate::error::Error;
use crate::http::Db;
use crate::http::extract::Caller;
use crate::http::problem::Problem;
use crate::services::agreements::{self as service, Contribution};

use super::{AgreementPath, parse_year};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContributionQuery {
    /// The fee year, e.g. 2027.
    #[param(value_type = i32, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

/// The typed value of an input.
#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ValueView {
    Integer {
        value: i64,
    },
    Decimal {
        value: String,
    },
    Percent {
        value: String,
    },
    Money {
        amount: String,
        currency: String,
    },
    Date {
        #[schema(value_type = String, format = Date)]
        value: NaiveDate,
    },
    Year {
        value: i32,
    },
    Code {
        value: String,
    },
    MemberKind {
        value: String,
    },
    Unit {
        value: String,
    },
    Vat {
        vat: String,
        vat_exempt_reason: Option<String>,
    },
    PopulationAt {
        count: i64,
        #[schema(value_type = String, format = Date)]
        date: NaiveDate,
    },
    YearPercent {
        year: i32,
        percent: String,
    },
    Fraction {
        numerator: i64,
        denominator: i64,
    },
    Rounding {
        decimals: u32,
        mode: String,
    },
    ProRata {
        value: String,
    },
    BandMode {
        value: String,
    },
    Band {
        index: usize,
        from: i64,
        to: Option<i64>,
        rate: String,
        fixed: Option<String>,
    },
    Key {
        value: String,
    },
}

/// One input of a line: what it is, and its value.
#[derive(Serialize, ToSchema)]
pub struct InputView {
    #[schema(example = "population")]
    pub name: String,
    #[serde(flatten)]
    pub value: ValueView,
}

/// One computation of a line; every value a decimal string, exact unless it is a rounding.
#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StepView {
    Indexed {
        quantity: String,
        before: String,
        factor: String,
        result: String,
    },
    Multiplied {
        quantity: String,
        left: String,
        right: String,
        result: String,
    },
    Added {
        quantity: String,
        left: String,
        right: String,
        result: String,
    },
    Subtracted {
        quantity: String,
        left: String,
        right: String,
        result: String,
    },
    Summed {
        quantity: String,
        terms: Vec<String>,
        result: String,
    },
    PercentOf {
        quantity: String,
        base: String,
        percent: String,
        result: String,
    },
    Clamped {
        limit: String,
        before: String,
        after: String,
    },
    BandChosen {
        index: usize,
        from: i64,
        to: Option<i64>,
    },
    BandPortion {
        index: usize,
        inhabitants: i64,
        rate: String,
        result: String,
    },
    Billable {
        quantity: String,
        included: String,
        result: String,
    },
    Discounted {
        before: String,
        percent: String,
        result: String,
    },
    ProRated {
        before: String,
        numerator: i64,
        denominator: i64,
        result: String,
    },
    Allocated {
        net: String,
        weight: String,
        total_weight: String,
        exact_share: String,
        result: String,
    },
    Rounded {
        quantity: String,
        before: String,
        after: String,
        decimals: u32,
        mode: String,
    },
}

/// One line of the statement.
#[derive(Serialize, ToSchema)]
pub struct StatementLineView {
    /// The fixed component's id, the service's item code, or `variable_cap`.
    #[schema(example = "fast-del")]
    pub component: String,
    /// fixed, variable or cap_adjustment.
    pub kind: String,
    /// terms (a fixed component or an ordered service), usage (recorded in the fee year) or
    /// cap.
    pub source: String,
    pub inputs: Vec<InputView>,
    pub steps: Vec<StepView>,
    #[schema(example = "278844.00")]
    pub amount: String,
    pub currency: String,
    /// outside_scope, exempt or the rate.
    pub vat: String,
    pub vat_exempt_reason: Option<String>,
}

/// The sum of the lines in one currency under one VAT treatment.
#[derive(Serialize, ToSchema)]
pub struct TotalView {
    pub currency: String,
    pub vat: String,
    pub vat_exempt_reason: Option<String>,
    pub amount: String,
}

/// What the agreement gives for a fee year, line by line, with every input and step.
#[derive(Serialize, ToSchema)]
pub struct ContributionView {
    pub agreement_id: String,
    pub member_id: String,
    pub fee_year: i32,
    /// The version of the terms used: the one in force on 31 December of the fee year.
    pub version: i32,
    #[schema(value_type = String, format = Date)]
    pub effective_from: NaiveDate,
    pub lines: Vec<StatementLineView>,
    /// Per currency and VAT treatment.
    pub totals: Vec<TotalView>,
    /// The members each pool component was shared among, by component id.
    pub pools: BTreeMap<String, Vec<String>>,
}

fn money(m: Money) -> String {
    m.amount().to_string()
}

fn vat(v: &VatTreatment) -> (String, Option<String>) {
    (v.code(), v.exempt_reason().map(str::to_owned))
}

fn input_name(name: InputName) -> &'static str {
    use InputName as N;
    match name {
        N::MemberKind => "member_kind",
        N::Amount => "amount",
        N::AmountOverride => "amount_override",
        N::Rate => "rate",
        N::BaseAmount => "base_amount",
        N::Floor => "floor",
        N::Ceiling => "ceiling",
        N::Population => "population",
        N::TotalPopulation => "total_population",
        N::MemberCount => "member_count",
        N::BandMode => "band_mode",
        N::Band => "band",
        N::IndexBaseYear => "index_base_year",
        N::IndexPercent => "index_percent",
        N::IndexFactor => "index_factor",
        N::IndexRounding => "index_rounding",
        N::PoolTotal => "pool_total",
        N::ExternalAmount => "external_amount",
        N::ExternalPercent => "external_percent",
        N::CoFunderAmount => "co_funder_amount",
        N::CoFunderPercent => "co_funder_percent",
        N::Key => "key",
        N::EqualPercent => "equal_percent",
        N::PopulationPercent => "population_percent",
        N::AgreedPercent => "agreed_percent",
        N::AgreementStart => "agreement_start",
        N::AgreementEnd => "agreement_end",
        N::ProRataRule => "pro_rata_rule",
        N::ProRataFraction => "pro_rata_fraction",
        N::ItemCode => "item_code",
        N::Unit => "unit",
        N::Quantity => "quantity",
        N::IncludedQuantity => "included_quantity",
        N::UnitPrice => "unit_price",
        N::UnitPriceOverride => "unit_price_override",
        N::DiscountPercent => "discount_percent",
        N::VariableCap => "variable_cap",
        N::VariableTotal => "variable_total",
        N::VatSubtotal => "vat_subtotal",
        N::ConvertedFrom => "converted_from",
        N::ExchangeRate => "exchange_rate",
        N::ExchangeDate => "exchange_date",
        N::ExchangeSource => "exchange_source",
    }
}

fn quantity_name(q: Quantity) -> String {
    use Quantity as Q;
    match q {
        Q::Rate => "rate",
        Q::Amount => "amount",
        Q::BaseAmount => "base_amount",
        Q::Floor => "floor",
        Q::Ceiling => "ceiling",
        Q::BandFixed => "band_fixed",
        Q::PopulationPart => "population_part",
        Q::Fee => "fee",
        Q::ProRatedFee => "pro_rated_fee",
        Q::PoolTotal => "pool_total",
        Q::ExternalAmount => "external_amount",
        Q::CoFunderAmount => "co_funder_amount",
        Q::NetAmount => "net_amount",
        Q::LineAmount => "line_amount",
        Q::CapReduction => "cap_reduction",
        Q::Converted => "converted",
    }
    .to_owned()
}

fn key_kind(k: KeyKind) -> &'static str {
    match k {
        KeyKind::Equal => "equal",
        KeyKind::Population => "population",
        KeyKind::Agreed => "agreed",
        KeyKind::Weighted => "weighted",
    }
}

fn band_mode(m: BandMode) -> &'static str {
    match m {
        BandMode::Step => "step",
        BandMode::Graduated => "graduated",
    }
}

fn line_kind(k: LineKind) -> &'static str {
    match k {
        LineKind::Fixed => "fixed",
        LineKind::Variable => "variable",
        LineKind::CapAdjustment => "cap_adjustment",
    }
}

fn value_view(v: &Value) -> ValueView {
    match v {
        Value::Integer(value) => ValueView::Integer { value: *value },
        Value::Decimal(d) => ValueView::Decimal {
            value: d.to_string(),
        },
        Value::Percent(p) => ValueView::Percent {
            value: p.to_string(),
        },
        Value::Money(m) => ValueView::Money {
            amount: money(*m),
            currency: m.currency().as_str().to_owned(),
        },
        Value::Date(value) => ValueView::Date { value: *value },
        Value::Year(value) => ValueView::Year { value: *value },
        Value::Code(c) => ValueView::Code { value: c.clone() },
        Value::Kind(k) => ValueView::MemberKind {
            value: k.as_str().to_owned(),
        },
        Value::Unit(u) => ValueView::Unit {
            value: u.as_str().to_owned(),
        },
        Value::Vat(v) => {
            let (vat, vat_exempt_reason) = vat(v);
            ValueView::Vat {
                vat,
                vat_exempt_reason,
            }
        }
        Value::PopulationAt { count, date } => ValueView::PopulationAt {
            count: *count,
            date: *date,
        },
        Value::YearPercent { year, percent } => ValueView::YearPercent {
            year: *year,
            percent: percent.to_string(),
        },
        Value::Fraction(f) => ValueView::Fraction {
            numerator: f.numerator,
            denominator: f.denominator,
        },
        Value::Rounding(r) => ValueView::Rounding {
            decimals: r.decimals,
            mode: r.mode.as_str().to_owned(),
        },
        Value::ProRata(p) => ValueView::ProRata {
            value: p.as_str().to_owned(),
        },
        Value::BandMode(m) => ValueView::BandMode {
            value: band_mode(*m).to_owned(),
        },
        Value::Band {
            index,
            from,
            to,
            rate,
            fixed,
        } => ValueView::Band {
            index: *index,
            from: *from,
            to: *to,
            rate: rate.to_string(),
            fixed: fixed.map(money),
        },
        Value::Key(k) => ValueView::Key {
            value: key_kind(*k).to_owned(),
        },
    }
}

fn input_view(i: &Input) -> InputView {
    InputView {
        name: input_name(i.name).to_owned(),
        value: value_view(&i.value),
    }
}

/// A step as the API shows it. The steps that compute a named quantity are
/// [`quantity_step_view`]'s, those of a service's price or a share [`share_step_view`]'s.
fn step_view(s: &Step) -> StepView {
    let t = |d: &rust_decimal::Decimal| d.to_string();
    match s {
        Step::Clamped {
            limit,
            before,
            after,
        } => StepView::Clamped {
            limit: match limit {
                crate::domain::contribution::Limit::Floor => "floor",
                crate::domain::contribution::Limit::Ceiling => "ceiling",
            }
            .to_owned(),
            before: t(before),
            after: t(after),
        },
        Step::BandChosen { index, from, to } => StepView::BandChosen {
            index: *index,
            from: *from,
            to: *to,
        },
        Step::BandPortion {
            index,
            inhabitants,
            rate,
            result,
        } => StepView::BandPortion {
            index: *index,
            inhabitants: *inhabitants,
            rate: t(rate),
            result: t(result),
        },
        Step::Rounded {
            quantity,
            before,
            after,
            rule,
        } => StepView::Rounded {
            quantity: quantity_name(*quantity),
            before: t(before),
            after: t(after),
            decimals: rule.decimals,
            mode: rule.mode.as_str().to_owned(),
        },
        Step::Indexed { .. }
        | Step::Multiplied { .. }
        | Step::Added { .. }
        | Step::Subtracted { .. }
        | Step::Summed { .. }
        | Step::PercentOf { .. } => quantity_step_view(s),
        Step::Billable { .. }
        | Step::Discounted { .. }
        | Step::ProRated { .. }
        | Step::Allocated { .. } => share_step_view(s),
    }
}

/// A step of a service's price or of a share; any other step goes back to [`step_view`],
/// which lists every step.
fn share_step_view(s: &Step) -> StepView {
    let t = |d: &rust_decimal::Decimal| d.to_string();
    match s {
        Step::Billable {
            quantity,
            included,
            result,
        } => StepView::Billable {
            quantity: t(quantity),
            included: t(included),
            result: t(result),
        },
        Step::Discounted {
            before,
            percent,
            result,
        } => StepView::Discounted {
            before: t(before),
            percent: t(percent),
            result: t(result),
        },
        Step::ProRated {
            before,
            fraction,
            result,
        } => StepView::ProRated {
            before: t(before),
            numerator: fraction.numerator,
            denominator: fraction.denominator,
            result: t(result),
        },
        Step::Allocated {
            net,
            weight,
            total_weight,
            exact_share,
            result,
        } => StepView::Allocated {
            net: t(net),
            weight: t(weight),
            total_weight: t(total_weight),
            exact_share: t(exact_share),
            result: t(result),
        },
        other => step_view(other),
    }
}

/// A step that computes a named quantity from others; any other step goes back to
/// [`step_view`], which lists every step.
fn quantity_step_view(s: &Step) -> StepView {
    let t = |d: &rust_decimal::Decimal| d.to_string();
    match s {
        Step::Indexed {
            quantity,
            before,
            factor,
            result,
        } => StepView::Indexed {
            quantity: quantity_name(*quantity),
            before: t(before),
            factor: t(factor),
            result: t(result),
        },
        Step::Multiplied {
            quantity,
            left,
            right,
            result,
        } => StepView::Multiplied {
            quantity: quantity_name(*quantity),
            left: t(left),
            right: t(right),
            result: t(result),
        },
        Step::Added {
            quantity,
            left,
            right,
            result,
        } => StepView::Added {
            quantity: quantity_name(*quantity),
            left: t(left),
            right: t(right),
            result: t(result),
        },
        Step::Subtracted {
            quantity,
            left,
            right,
            result,
        } => StepView::Subtracted {
            quantity: quantity_name(*quantity),
            left: t(left),
            right: t(right),
            result: t(result),
        },
        Step::Summed {
            quantity,
            terms,
            result,
        } => StepView::Summed {
            quantity: quantity_name(*quantity),
            terms: terms.iter().map(t).collect(),
            result: t(result),
        },
        Step::PercentOf {
            quantity,
            base,
            percent,
            result,
        } => StepView::PercentOf {
            quantity: quantity_name(*quantity),
            base: t(base),
            percent: t(percent),
            result: t(result),
        },
        other => step_view(other),
    }
}

fn line_view(line: &StatementLine, source: service::LineSource) -> StatementLineView {
    let (vat, vat_exempt_reason) = vat(&line.vat);
    StatementLineView {
        component: line.component.clone(),
        kind: line_kind(line.kind).to_owned(),
        source: source.as_str().to_owned(),
        inputs: line.inputs.iter().map(input_view).collect(),
        steps: line.steps.iter().map(step_view).collect(),
        amount: money(line.amount),
        currency: line.amount.currency().as_str().to_owned(),
        vat,
        vat_exempt_reason,
    }
}

fn total_view(total: &Total) -> TotalView {
    let (vat, vat_exempt_reason) = vat(&total.vat);
    TotalView {
        currency: total.currency.as_str().to_owned(),
        vat,
        vat_exempt_reason,
        amount: money(total.amount),
    }
}

impl From<Contribution> for ContributionView {
    fn from(c: Contribution) -> Self {
        Self {
            agreement_id: c.agreement.id,
            member_id: c.statement.member_id.clone(),
            fee_year: c.statement.fee_year,
            version: c.version.version,
            effective_from: c.version.effective_from,
            lines: c
                .statement
                .lines
                .iter()
                .zip(c.sources)
                .map(|(line, source)| line_view(line, source))
                .collect(),
            totals: c.statement.totals.iter().map(total_view).collect(),
            pools: c
                .pools
                .into_iter()
                .map(|(id, members)| (id, members.to_vec()))
                .collect(),
        }
    }
}

/// What the agreement gives for a fee year: the statement from the contribution engine, with
/// every input (population and its date, rate, index, share) and each rounding. The terms
/// used are those in force on 31 December of the year; pro-rating follows the agreement's
/// start and end; the variable part is the services ordered for the year plus the usage
/// recorded in it. A pool is shared among the members of every agreement (other than
/// declined offers) that uses the same saved fee model in the year, offered or not. What
/// keeps the fee from being calculated (a missing population count, an unknown item code, …)
/// is a 422 with the engine's code.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path), ContributionQuery),
    responses((status = 200, body = ContributionView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}/contribution")]
pub async fn contribution(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    query: web::Query<ContributionQuery>,
) -> Result<web::Json<ContributionView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let mut e = Errors::new();
    let year = e.require("year", query.into_inner().year.as_deref(), parse_year);
    let year = e.finish(|| year).map_err(Error::Validation)?;
    let result = db
        .run(move |conn| service::contribution(conn, &org, &id, year))
        .await?;
    Ok(web::Json(result.into()))
}
