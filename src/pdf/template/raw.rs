//! A template as written: the TOML's tables and keys with their positions, before any
//! check.

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
    pub(super) kind: Spanned<String>,
    pub(super) language: Spanned<String>,
    #[serde(default)]
    pub(super) page: RawPage,
    #[serde(default)]
    pub(super) colours: RawColours,
    #[serde(default)]
    pub(super) window: RawWindow,
    #[serde(default)]
    pub(super) logo: RawLogo,
    #[serde(default)]
    pub(super) footer: RawFooter,
    #[serde(default)]
    pub(super) blocks: Vec<RawBlock>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPage {
    pub(super) margins_mm: Option<Spanned<Vec<f32>>>,
    pub(super) font_size: Option<Spanned<f32>>,
    pub(super) font: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawColours {
    pub(super) text: Option<Spanned<String>>,
    pub(super) accent: Option<Spanned<String>>,
    pub(super) muted: Option<Spanned<String>>,
    pub(super) rule: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWindow {
    pub(super) x_mm: Option<f32>,
    pub(super) y_mm: Option<f32>,
    pub(super) width_mm: Option<f32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLogo {
    pub(super) width_mm: Option<f32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFooter {
    #[serde(default)]
    pub(super) columns: Vec<Spanned<String>>,
    pub(super) page_label: Option<Spanned<String>>,
}

/// One `[[blocks]]` entry. Its keys are checked per type by the checker rather than by serde, so
/// that a key in the wrong block is named together with the block.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBlock {
    #[serde(rename = "type")]
    pub(super) kind: Spanned<String>,
    pub(super) text: Option<Spanned<String>>,
    pub(super) title: Option<Spanned<String>>,
    pub(super) when: Option<Spanned<String>>,
    pub(super) style: Option<Spanned<String>>,
    pub(super) size: Option<f32>,
    pub(super) mm: Option<f32>,
    pub(super) qr: Option<bool>,
    pub(super) source: Option<Spanned<String>>,
    pub(super) rows: Option<Vec<Vec<Spanned<String>>>>,
    pub(super) columns: Option<Vec<RawColumn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawColumn {
    pub(super) field: Spanned<String>,
    pub(super) title: Spanned<String>,
    pub(super) width: f32,
}
