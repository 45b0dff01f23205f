//! avtal: member agreements, contributions, invoices and payments for Nordic public-sector
//! collaboration bodies.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod configuration;
pub mod demo;
pub mod domain;
pub mod einvoice;
pub mod email;
pub mod error;
pub mod export;
pub mod http;
pub mod pdf;
pub mod schemas;
pub mod services;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod webhooks;
