//! What the lines of a contribution statement say on a document: their names in the
//! document's language, their calculation, the index and the conversion they went through.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::Language;
use crate::domain::contribution::{InputName, LineKind, StatementLine, Step, Value};
use crate::domain::documents::Calculation;
use crate::domain::money::Money;
use crate::error::Error;
use crate::pdf::format;
use crate::services::agreements;
use crate::storage::DbConnection;
use crate::storage::pricing;

/// `9 784 invånare × 28,50 kr`: the population times the rate, when the line is a fee
/// per inhabitant; the quantity times the price for a service.
pub(crate) fn calculation(line: &StatementLine, lang: Language, unit_word: &str) -> Calculation {
    let input = |name: InputName| line.input(name);
    let currency = line.amount.currency();
    if let Some(Value::PopulationAt { count, .. }) = input(InputName::Population) {
        let population = Decimal::from(*count);
        let rate = line.steps.iter().find_map(|s| match s {
            Step::Multiplied { left, right, .. } if *right == population => Some(*left),
            Step::Multiplied { left, right, .. } if *left == population => Some(*right),
            _ => None,
        });
        if let Some(rate) = rate.and_then(|r| Money::new(r, currency).ok()) {
            return Calculation::PerUnit {
                quantity: Decimal::from(*count),
                unit: format::inhabitants(lang).to_owned(),
                price: rate,
                discount_percent: None,
            };
        }
    }
    if let Some(Value::Decimal(quantity)) = input(InputName::Quantity) {
        let price = match (
            input(InputName::UnitPriceOverride),
            input(InputName::UnitPrice),
        ) {
            (Some(Value::Money(p)), _) | (None, Some(Value::Money(p))) => Some(*p),
            _ => None,
        };
        let discount = match input(InputName::DiscountPercent) {
            Some(Value::Percent(p) | Value::Decimal(p)) => Some(*p),
            _ => None,
        };
        if let Some(price) = price {
            return Calculation::PerUnit {
                quantity: *quantity,
                unit: unit_word.to_owned(),
                price,
                discount_percent: discount,
            };
        }
    }
    Calculation::Flat
}

/// What the lines of a contribution statement are called in each language: the fee
/// model's name for a fixed component, the price list's name for a service.
pub(crate) struct LineNames {
    pub prices: Vec<pricing::PriceItem>,
    models: Vec<(String, String)>,
}

impl LineNames {
    pub fn load(
        conn: &mut DbConnection,
        org: &str,
        terms: &agreements::TermsSpec,
        prices: Vec<pricing::PriceItem>,
    ) -> Result<Self, Error> {
        Self::new(terms, prices, |model| {
            match pricing::get_fee_model(conn, org, model) {
                Ok(m) => Ok(Some(m.name)),
                Err(crate::storage::Error::NotFound(_)) => Ok(None),
                Err(other) => Err(other.into()),
            }
        })
    }

    /// Names from `prices` and from the fee models `model_name` names.
    pub fn new(
        terms: &agreements::TermsSpec,
        prices: Vec<pricing::PriceItem>,
        mut model_name: impl FnMut(&str) -> Result<Option<String>, Error>,
    ) -> Result<Self, Error> {
        let mut models = Vec::new();
        for f in &terms.fixed {
            // A model deleted since, like a model given in the terms, has no name here.
            if let Some(model) = f.fee_model_id.as_deref()
                && let Some(name) = model_name(model)?
            {
                models.push((f.id.clone(), name));
            }
        }
        Ok(Self { prices, models })
    }

    pub fn service(&self, code: &str, lang: Language) -> String {
        self.prices
            .iter()
            .find(|p| p.item.code == code)
            .map(|p| match lang {
                Language::Sv => p.names.sv.clone(),
                Language::Nb => p.names.nb.clone().unwrap_or_else(|| p.names.sv.clone()),
                Language::En => p.names.en.clone().unwrap_or_else(|| p.names.sv.clone()),
            })
            .unwrap_or_else(|| code.to_owned())
    }

    /// The unit of a service line, plural, as printed.
    pub fn unit(&self, line: &StatementLine, lang: Language) -> &'static str {
        match line.kind {
            LineKind::Variable => self
                .prices
                .iter()
                .find(|p| p.item.code == line.component)
                .map_or("", |p| format::unit(p.item.unit, lang, true)),
            _ => "",
        }
    }

    pub fn describe(&self, line: &StatementLine, lang: Language) -> String {
        match line.kind {
            // A component priced in the terms themselves has no model name: it is the
            // fixed fee, in the document's language, never its identifier.
            LineKind::Fixed => self
                .models
                .iter()
                .find(|(id, _)| *id == line.component)
                .map_or_else(
                    || {
                        match lang {
                            Language::Sv | Language::Nb => "Fast avgift",
                            Language::En => "Fixed fee",
                        }
                        .to_owned()
                    },
                    |(_, name)| name.clone(),
                ),
            LineKind::Variable => self.service(&line.component, lang),
            LineKind::CapAdjustment => match lang {
                Language::Sv => "Tak för rörlig del".into(),
                Language::Nb => "Tak for variabel del".into(),
                Language::En => "Cap on the variable part".into(),
            },
        }
    }
}

/// The index a statement line's values were uplifted by: its base year and the factor.
pub(super) fn line_index(line: &StatementLine) -> Option<(i32, Decimal)> {
    match (
        line.input(InputName::IndexBaseYear),
        line.input(InputName::IndexFactor),
    ) {
        (Some(Value::Year(base)), Some(Value::Decimal(factor))) => Some((*base, *factor)),
        _ => None,
    }
}

/// The date of the population count a statement line used.
pub(super) fn population_date(line: &StatementLine) -> Option<NaiveDate> {
    match line.input(InputName::Population) {
        Some(Value::PopulationAt { date, .. }) => Some(*date),
        _ => None,
    }
}

/// `30 % av 1 803 424,00 EUR`: a pool share as its percentage of the pool's net.
pub(super) fn share_of_pool(line: &StatementLine) -> Option<Calculation> {
    line.steps.iter().find_map(|s| match s {
        Step::Allocated {
            net,
            weight,
            total_weight,
            ..
        } if !total_weight.is_zero() => {
            let currency = match line.input(InputName::PoolTotal) {
                Some(Value::Money(total)) => total.currency(),
                _ => line.amount.currency(),
            };
            let percent = (*weight * Decimal::ONE_HUNDRED / *total_weight).round_dp(4);
            Some(Calculation::Share {
                percent: percent.normalize(),
                of: Money::new(*net, currency).ok()?,
            })
        }
        _ => None,
    })
}

/// What an invoice line of a converted fee says of the conversion: the year's amount in
/// the fee model's currency, the rate, its source and date — "årsbelopp 541 027,20 EUR ×
/// 11,4527 SEK/EUR (Riksbanken, 2026-12-30)".
pub(crate) fn conversion_note(line: &StatementLine, lang: Language) -> Option<String> {
    let (from, c) = line.conversion()?;
    let year_amount = match lang {
        Language::Sv => "årsbelopp",
        Language::Nb => "årsbeløp",
        Language::En => "yearly amount",
    };
    Some(format!(
        "{year_amount} {} {}/{} ({}, {})",
        format::converted(from, c.rate, lang),
        c.to,
        c.from,
        c.source,
        format::date(c.date, lang)
    ))
}
