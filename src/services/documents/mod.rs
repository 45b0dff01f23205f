//! Documents from stored data: the offer letter of an agreement (previewed or issued), the
//! issued documents themselves, and the templates and logo an organisation prints its
//! documents with.

mod lines;
mod offer;
mod templates;

use std::sync::Arc;

use crate::domain::documents::Seller;
use crate::domain::organisation::Organisation;
use crate::domain::{Country, VatStatus};
use crate::error::Error;
use crate::pdf::page::Raster;
use crate::pdf::template::Template;
use crate::pdf::{Renderer, context};
use crate::storage::DbConnection;
use crate::storage::documents as store;

pub use crate::storage::documents::DocumentRecord;
pub(crate) use lines::{LineNames, calculation, conversion_note};
pub use offer::{OfferOptions, issue_offer, prepare_offer};
pub(crate) use templates::own_template_and_logo;
pub use templates::{
    DocumentTemplates, delete_logo, logo, own_templates, prepare_sample, put_logo, template_invalid,
};

/// A document ready to render: its values, the organisation's own template if it has one,
/// and its logo.
pub struct Prepared {
    pub context: context::Context,
    pub template: Option<Template>,
    pub logo: Option<Arc<Raster>>,
    pub member_id: String,
    /// The fee year an offer letter sets out.
    pub fee_year: Option<i32>,
}

/// The organisation as its documents present it.
pub fn seller(org: &Organisation) -> Seller {
    let d = &org.details;
    Seller {
        name: d.name.clone(),
        legal_name: d.legal_name.clone(),
        address: d.address.clone(),
        org_number: d.org_number.to_string(),
        vat_number: match d.vat_status {
            VatStatus::Registered => d.vat_number.as_ref().map(|v| v.to_string()),
            VatStatus::NotRegistered => None,
        },
        f_skatt: d.f_skatt,
        // Norwegian bodies that invoice (companies, IKS) are in Foretaksregisteret.
        in_business_register: d.country == Country::No,
        seat: d.seat.clone(),
        email: d.contact_email.as_str().to_owned(),
        accounts: d.accounts.clone(),
        default_currency: d.default_currency,
        signatories: d.signatories.clone(),
    }
}

pub fn render(renderer: &Renderer, prepared: &Prepared) -> Result<Vec<u8>, Error> {
    renderer
        .render(
            &prepared.context,
            prepared.template.as_ref(),
            prepared.logo.clone(),
        )
        .map_err(|e| Error::Internal(e.into()))
}

/// The organisation's issued documents, newest first; of one agreement or member when
/// given.
pub fn list(
    conn: &mut DbConnection,
    org: &str,
    agreement_id: Option<&str>,
    member_id: Option<&str>,
) -> Result<Vec<DocumentRecord>, Error> {
    Ok(store::list(conn, org, agreement_id, member_id)?)
}

pub fn get(conn: &mut DbConnection, org: &str, id: &str) -> Result<DocumentRecord, Error> {
    Ok(store::get(conn, org, id)?)
}

/// An issued document's PDF as it was stored, with its SHA-256 in hex.
pub fn pdf(conn: &mut DbConnection, org: &str, id: &str) -> Result<(Vec<u8>, String), Error> {
    let bytes = store::content(conn, org, id)?;
    let sha256 = store::sha256_hex(&bytes);
    Ok((bytes, sha256))
}
