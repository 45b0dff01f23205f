//! The shape of the code, kept by a test: the domain core does no I/O and knows nothing of
//! the rooms around it (storage, HTTP, PDF, email, e-invoices, exports), nor of the crates
//! they are built on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_domain_imports_nothing_from_the_rooms_around_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/domain"), &mut files);
    assert!(files.len() > 20, "{files:?}");
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("domain/invoicing/plan.rs")),
        "the invoice plan is part of the domain"
    );
    let forbidden = [
        "crate::storage",
        "crate::http",
        "crate::pdf",
        "crate::services",
        "crate::email",
        "crate::einvoice",
        "crate::export",
        "diesel",
        "actix_web",
        "lettre",
        "printpdf",
        "std::fs",
        "std::net",
    ];
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in forbidden {
                if code.contains(word) {
                    found.push(format!(
                        "{}:{}: {}",
                        file.strip_prefix(root).unwrap().display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the domain reaches out:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_grows_past_a_concept() {
    // One concept per file: the invoicing domain, split by concept, stays small.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/domain/invoicing"), &mut files);
    for file in files {
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        assert!(lines <= 800, "{}: {lines} lines", file.display());
    }
}
