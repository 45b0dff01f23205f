//! Invoice PDFs (goal: a one-page invoice with six lines in ≤ 1.5 ms median and ≤ 20 KB),
//! and a run of 290 invoices, one per Swedish municipality, rendered on two threads. Fonts
//! and templates are parsed once, as the server does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use avtal::domain::documents::Buyer;
use avtal::domain::{Address, Country, Language};
use avtal::pdf::{Renderer, context, sample};
use criterion::{Criterion, criterion_group, criterion_main};

/// The sample invoice once per municipality: every buyer's name and amounts differ, so
/// the glyph sets and the content differ as in a real run.
fn run_of_290() -> Vec<context::Context> {
    avtal::services::import::shipped(Country::Se)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let mut doc = sample::invoice(Language::Sv);
            doc.number = format!("NAV-2027-{:04}", i + 1);
            doc.buyer = Buyer {
                name: format!("{} kommun", m.name),
                address: Some(Address {
                    line1: "Box 100".into(),
                    line2: None,
                    postal_code: "123 45".into(),
                    city: m.name.clone(),
                    country: Country::Se,
                }),
                org_number: m.org_number.map(|o| o.to_string()),
                vat_number: None,
            };
            doc.invoice.lines[0].quantity = m.population.into();
            doc.invoice.lines[0].amount = avtal::domain::money::Money::from_minor(
                m.population * 2850,
                avtal::domain::Currency::Sek,
            );
            context::invoice(&doc)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let renderer = Renderer::new().unwrap();
    let invoice = context::invoice(&sample::invoice(Language::Sv));
    let bytes = renderer.render(&invoice, None, None).unwrap();
    assert_eq!(invoice.tables["lines"].len(), 6);
    println!("one-page invoice: {} bytes", bytes.len());
    assert!(bytes.len() <= 20 * 1024, "{} bytes", bytes.len());

    c.bench_function("invoice_one_page", |b| {
        b.iter(|| renderer.render(black_box(&invoice), None, None).unwrap())
    });

    let run = run_of_290();
    let total: usize = run
        .iter()
        .map(|ctx| renderer.render(ctx, None, None).unwrap().len())
        .sum();
    println!(
        "290 invoices: {} bytes, {} on average",
        total,
        total / run.len()
    );
    let mut group = c.benchmark_group("invoice_run");
    group.sample_size(20);
    group.bench_function("290_invoices_2_threads", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for half in run.chunks(run.len().div_ceil(2)) {
                    let renderer = &renderer;
                    s.spawn(move || {
                        for ctx in half {
                            black_box(renderer.render(ctx, None, None).unwrap());
                        }
                    });
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
