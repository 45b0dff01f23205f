//! The closed vocabularies of avtal: countries, languages, currencies, member kinds and
//! statuses, roles. Each has one canonical lower-case spelling used in JSON and storage.

vocabulary! {
    /// The countries avtal issues and bills in (ISO 3166-1 alpha-2).
    Country { Se = "SE", No = "NO" }
}

vocabulary! {
    /// The languages users read: Swedish, Norwegian bokmål, English.
    Language { Sv = "sv", Nb = "nb", En = "en" }
}

vocabulary! {
    /// ISO 4217 currencies agreements are made in.
    Currency { Sek = "SEK", Nok = "NOK", Eur = "EUR" }
}

vocabulary! {
    MemberKind {
        Municipality = "municipality",
        Region = "region",
        University = "university",
        Company = "company",
        Other = "other",
    }
}

vocabulary! {
    MemberStatus { Prospect = "prospect", Member = "member", Former = "former" }
}

vocabulary! {
    /// Whether the issuing body is registered for VAT (momsregistrerad / MVA-registrert).
    VatStatus { Registered = "registered", NotRegistered = "not_registered" }
}

vocabulary! {
    /// What a token may do. `Operator` runs the deployment: it creates organisations and
    /// their first tokens, and reads no member data.
    Role { Operator = "operator", Admin = "admin", Finance = "finance", Viewer = "viewer" }
}

impl Country {
    /// The language a body in this country writes in unless told otherwise.
    pub fn language(self) -> Language {
        match self {
            Country::Se => Language::Sv,
            Country::No => Language::Nb,
        }
    }

    pub fn currency(self) -> Currency {
        match self {
            Country::Se => Currency::Sek,
            Country::No => Currency::Nok,
        }
    }
}

impl Language {
    /// The best of our languages for an `Accept-Language` header; Swedish when none fits.
    pub fn negotiate(header: &str) -> Self {
        let mut best: Option<(u16, Language)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "sv" => Language::Sv,
                "nb" | "no" | "nn" => Language::Nb,
                "en" => Language::En,
                _ => continue,
            };
            if quality > 0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Language::Sv, |(_, l)| l)
    }
}

impl Role {
    /// Whether the role may change an organisation's records.
    pub fn can_write(self) -> bool {
        matches!(self, Role::Admin | Role::Finance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Invalid;

    #[test]
    fn spellings_roundtrip() {
        for k in MemberKind::ALL {
            assert_eq!(MemberKind::parse(k.as_str()), Ok(*k));
        }
        assert_eq!(Country::parse("SE"), Ok(Country::Se));
        assert!(matches!(Country::parse("se"), Err(Invalid::OneOf { .. })));
        assert_eq!(Currency::parse("NOK"), Ok(Currency::Nok));
    }

    #[test]
    fn accept_language() {
        assert_eq!(Language::negotiate(""), Language::Sv);
        assert_eq!(Language::negotiate("en-GB,en;q=0.9"), Language::En);
        assert_eq!(Language::negotiate("de, nb;q=0.5, en;q=0.4"), Language::Nb);
        assert_eq!(Language::negotiate("no"), Language::Nb);
        assert_eq!(Language::negotiate("fr"), Language::Sv);
        assert_eq!(Language::negotiate("en;q=0"), Language::Sv);
    }
}
