//! Why a template cannot be used, and where: the message in the reader's language.

use crate::domain::Language;

/// A template that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub line: usize,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not TOML, or a key the format does not have.
    Syntax(String),
    UnknownPlaceholder(String),
    /// `{{` without `}}`.
    Unclosed,
    UnknownBlock(String),
    /// A key the block type does not take.
    UnexpectedKey {
        block: String,
        key: String,
    },
    MissingKey {
        block: String,
        key: String,
    },
    UnknownTable(String),
    UnknownField {
        table: String,
        field: String,
    },
    UnknownList(String),
    WrongKind {
        expected: String,
        found: String,
    },
    WrongLanguage {
        expected: String,
        found: String,
    },
    BadValue {
        key: String,
        expected: String,
    },
}

impl TemplateError {
    /// The message in the reader's language, always naming the line.
    pub fn message(&self, lang: Language) -> String {
        let (line_word, text) = match lang {
            Language::Sv => ("rad", self.sv()),
            Language::Nb => ("linje", self.nb()),
            Language::En => ("line", self.en()),
        };
        format!("{line_word} {}: {text}", self.line)
    }

    fn sv(&self) -> String {
        match &self.problem {
            Problem::Syntax(m) => format!("felaktig mall: {m}"),
            Problem::UnknownPlaceholder(n) => format!("okänd platshållare {{{{{n}}}}}"),
            Problem::Unclosed => "{{ saknar sitt }}".into(),
            Problem::UnknownBlock(b) => format!("okänd blocktyp \"{b}\""),
            Problem::UnexpectedKey { block, key } => {
                format!("blocktypen \"{block}\" har ingen nyckel \"{key}\"")
            }
            Problem::MissingKey { block, key } => {
                format!("blocktypen \"{block}\" behöver nyckeln \"{key}\"")
            }
            Problem::UnknownTable(t) => format!("okänd tabell \"{t}\""),
            Problem::UnknownField { table, field } => {
                format!("tabellen \"{table}\" har ingen kolumn \"{field}\"")
            }
            Problem::UnknownList(l) => format!("okänd lista \"{l}\""),
            Problem::WrongKind { expected, found } => {
                format!("mallen är för \"{found}\", inte \"{expected}\"")
            }
            Problem::WrongLanguage { expected, found } => {
                format!("mallen är på \"{found}\", inte \"{expected}\"")
            }
            Problem::BadValue { key, expected } => format!("\"{key}\" ska vara {expected}"),
        }
    }

    fn nb(&self) -> String {
        match &self.problem {
            Problem::Syntax(m) => format!("ugyldig mal: {m}"),
            Problem::UnknownPlaceholder(n) => format!("ukjent plassholder {{{{{n}}}}}"),
            Problem::Unclosed => "{{ mangler sin }}".into(),
            Problem::UnknownBlock(b) => format!("ukjent blokktype \"{b}\""),
            Problem::UnexpectedKey { block, key } => {
                format!("blokktypen \"{block}\" har ingen nøkkel \"{key}\"")
            }
            Problem::MissingKey { block, key } => {
                format!("blokktypen \"{block}\" trenger nøkkelen \"{key}\"")
            }
            Problem::UnknownTable(t) => format!("ukjent tabell \"{t}\""),
            Problem::UnknownField { table, field } => {
                format!("tabellen \"{table}\" har ingen kolonne \"{field}\"")
            }
            Problem::UnknownList(l) => format!("ukjent liste \"{l}\""),
            Problem::WrongKind { expected, found } => {
                format!("malen er for \"{found}\", ikke \"{expected}\"")
            }
            Problem::WrongLanguage { expected, found } => {
                format!("malen er på \"{found}\", ikke \"{expected}\"")
            }
            Problem::BadValue { key, expected } => format!("\"{key}\" skal være {expected}"),
        }
    }

    fn en(&self) -> String {
        match &self.problem {
            Problem::Syntax(m) => format!("invalid template: {m}"),
            Problem::UnknownPlaceholder(n) => format!("unknown placeholder {{{{{n}}}}}"),
            Problem::Unclosed => "{{ without its }}".into(),
            Problem::UnknownBlock(b) => format!("unknown block type \"{b}\""),
            Problem::UnexpectedKey { block, key } => {
                format!("block type \"{block}\" has no key \"{key}\"")
            }
            Problem::MissingKey { block, key } => {
                format!("block type \"{block}\" needs the key \"{key}\"")
            }
            Problem::UnknownTable(t) => format!("unknown table \"{t}\""),
            Problem::UnknownField { table, field } => {
                format!("table \"{table}\" has no column \"{field}\"")
            }
            Problem::UnknownList(l) => format!("unknown list \"{l}\""),
            Problem::WrongKind { expected, found } => {
                format!("the template is for \"{found}\", not \"{expected}\"")
            }
            Problem::WrongLanguage { expected, found } => {
                format!("the template is in \"{found}\", not \"{expected}\"")
            }
            Problem::BadValue { key, expected } => format!("\"{key}\" must be {expected}"),
        }
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Language::En))
    }
}

impl std::error::Error for TemplateError {}
