//! The agreement periods invoices billed: each is claimed once, by the invoice that bills it.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::storage::DbConnection;
use crate::storage::Error;
use crate::storage::schema::billed_periods::dsl as bp;
use crate::storage::schema::invoices::dsl as inv;

/// Records that an invoice billed an agreement's period; false when one already did.
pub fn claim_period(
    conn: &mut DbConnection,
    agreement_id: &str,
    part: &str,
    period_start: NaiveDate,
    invoice_id: &str,
) -> Result<bool, Error> {
    let taken: i64 = bp::billed_periods
        .filter(bp::agreement_id.eq(agreement_id))
        .filter(bp::part.eq(part))
        .filter(bp::period_start.eq(period_start))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Ok(false);
    }
    diesel::insert_into(bp::billed_periods)
        .values((
            bp::agreement_id.eq(agreement_id),
            bp::part.eq(part),
            bp::period_start.eq(period_start),
            bp::invoice_id.eq(invoice_id),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The periods already billed for the given agreements: (agreement, part, start).
pub fn billed_periods(
    conn: &mut DbConnection,
    org: &str,
) -> Result<Vec<(String, String, NaiveDate)>, Error> {
    Ok(bp::billed_periods
        .inner_join(inv::invoices)
        .filter(inv::organisation_id.eq(org))
        .select((bp::agreement_id, bp::part, bp::period_start))
        .load(conn)?)
}
