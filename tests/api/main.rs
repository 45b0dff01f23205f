//! End-to-end tests: the real server on a random port, over HTTP, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;
#[path = "../support/peppol.rs"]
mod peppol;

mod abroad;
mod accounts;
mod agreements;
mod audit;
mod auth;
mod bank_files;
mod buyer_vat;
mod collection;
mod contract;
mod documents;
mod einvoices;
mod email;
mod errors;
mod exchange_rates;
mod imports;
mod invoicing;
mod lines;
mod members;
mod organisations;
mod overflow;
mod preview;
mod pricing;
mod races;
mod seeds;
mod stories;
mod system;
mod webhooks;
