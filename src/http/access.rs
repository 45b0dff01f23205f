//! Who may do what: every route needs one right, and each right is granted to some roles.
//! The table is checked before a request's body or parameters are read, so a token
//! without the right hears 403 whatever it sent; handlers still check that the record
//! belongs to the caller's organisation.

use actix_web::http::Method;

use crate::domain::Role;
use crate::error::Forbidden;

/// The rights, each a row of the roles table in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Right {
    /// Creating organisations.
    CreateOrganisations,
    /// Reading the organisation record (the operator reads every one).
    ReadOrganisation,
    /// Changing the organisation record.
    ChangeOrganisation,
    /// Creating, listing and revoking an organisation's tokens.
    Tokens,
    /// Reading data shared by every organisation: reference rates, exchange rates,
    /// inkassosats.
    ReadShared,
    /// Changing that shared data.
    ChangeShared,
    /// Reading the organisation's settings, document and email templates and logo.
    ReadSettings,
    /// Changing them.
    ChangeSettings,
    /// Reading the organisation's work: members, agreements, documents, invoices,
    /// payments, ledgers, messages.
    ReadData,
    /// Changing, issuing and sending it.
    ChangeData,
    /// Registering webhook endpoints, reading their deliveries and replaying them: the
    /// endpoints' secrets and what is posted where are the admin's.
    Webhooks,
}

impl Right {
    pub const ALL: [Right; 11] = [
        Right::CreateOrganisations,
        Right::ReadOrganisation,
        Right::ChangeOrganisation,
        Right::Tokens,
        Right::ReadShared,
        Right::ChangeShared,
        Right::ReadSettings,
        Right::ChangeSettings,
        Right::ReadData,
        Right::ChangeData,
        Right::Webhooks,
    ];

    /// The right's name in the README's table.
    pub fn name(self) -> &'static str {
        match self {
            Right::CreateOrganisations => "create organisations",
            Right::ReadOrganisation => "read the organisation",
            Right::ChangeOrganisation => "change the organisation",
            Right::Tokens => "tokens",
            Right::ReadShared => "read reference rates, exchange rates and inkassosats",
            Right::ChangeShared => "change reference rates, exchange rates and inkassosats",
            Right::ReadSettings => "read settings, templates, logo",
            Right::ChangeSettings => "change settings, templates, logo",
            Right::ReadData => "read members, agreements, documents, invoices, payments, mail",
            Right::ChangeData => "change members, agreements, documents, invoices, payments, mail",
            Right::Webhooks => "webhooks",
        }
    }

    pub fn granted(self, role: Role) -> bool {
        use Role::{Admin, Finance, Operator, Viewer};
        match self {
            Right::CreateOrganisations | Right::ChangeShared => role == Operator,
            Right::ReadOrganisation | Right::ReadShared => true,
            Right::ChangeOrganisation | Right::Tokens => matches!(role, Operator | Admin),
            Right::ReadSettings | Right::ReadData => matches!(role, Admin | Finance | Viewer),
            Right::ChangeSettings | Right::Webhooks => role == Admin,
            Right::ChangeData => matches!(role, Admin | Finance),
        }
    }

    /// Why `role` is refused this right.
    pub fn refusal(self, role: Role) -> Forbidden {
        match role {
            Role::Operator => Forbidden::OperatorNoMemberData,
            _ if matches!(self, Right::CreateOrganisations | Right::ChangeShared) => {
                Forbidden::OperatorOnly
            }
            Role::Viewer => Forbidden::ReadOnly,
            _ => Forbidden::AdminOnly,
        }
    }
}

/// The right a request needs, from its method and its path under `/api/v1`; `None` for
/// a path no route has (it answers 404 or 405 after authentication).
pub fn required(method: &Method, path: &str) -> Option<Right> {
    let reads = matches!(*method, Method::GET | Method::HEAD);
    let segments: Vec<&str> = path.strip_prefix("/api/v1/")?.split('/').collect();
    let pick = |read, change| Some(if reads { read } else { change });
    match segments.as_slice() {
        ["organisations"] if reads => Some(Right::ReadOrganisation),
        ["organisations"] => Some(Right::CreateOrganisations),
        ["organisations", _] => pick(Right::ReadOrganisation, Right::ChangeOrganisation),
        ["organisations", _, "tokens", ..] => Some(Right::Tokens),
        [
            "organisations",
            _,
            "invoicing-settings" | "templates" | "email-templates" | "logo",
            ..,
        ] => pick(Right::ReadSettings, Right::ChangeSettings),
        ["organisations", _, "webhooks", ..] => Some(Right::Webhooks),
        // Computes a fee table from a proposed model and stores nothing.
        ["organisations", _, "contributions", "preview"] => Some(Right::ReadData),
        ["organisations", _, _, ..] => pick(Right::ReadData, Right::ChangeData),
        ["reference-rates" | "exchange-rates" | "inkassosats", ..] => {
            pick(Right::ReadShared, Right::ChangeShared)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_needs_a_right() {
        let (_, api) = crate::http::routes(actix_web::App::new());
        for (path, item) in &api.paths.paths {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            for method in [
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ] {
                let documented = match method {
                    Method::GET => item.get.is_some(),
                    Method::POST => item.post.is_some(),
                    Method::PUT => item.put.is_some(),
                    Method::PATCH => item.patch.is_some(),
                    _ => item.delete.is_some(),
                };
                if documented {
                    assert!(required(&method, path).is_some(), "{method} {path}");
                }
            }
        }
    }

    #[test]
    fn the_operator_reads_nothing_inside_an_organisation() {
        let right = required(&Method::GET, "/api/v1/organisations/o/templates").unwrap();
        assert_eq!(right, Right::ReadSettings);
        assert!(!right.granted(Role::Operator));
        assert_eq!(
            right.refusal(Role::Operator),
            Forbidden::OperatorNoMemberData
        );
        let right = required(&Method::POST, "/api/v1/organisations/o/tokens").unwrap();
        assert!(right.granted(Role::Operator));
    }
}
