//! The shape of the code, kept by a test that reads `src/`:
//! - imports go one way between the rooms (`http` → `services` → `domain` + `storage`;
//!   `storage` and the adapters — pdf, e-invoice, export, email and webhook transports — on
//!   `domain` only; `domain` on nothing with I/O);
//! - no two files import each other, however far round;
//! - one concept per file (about 800 lines at most), no function over 80 lines outside tests.
//!
//! Each rule is checked on `src/` and, to show that it can fail, on a small tree that breaks it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 80;

/// Which rooms each room may import. A room not listed is the composition root (start-up,
/// configuration, the command line and its demo), which may wire anything together.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("error", &["domain"]),
    ("schemas", &["domain"]),
    ("storage", &["domain"]),
    ("pdf", &["domain"]),
    ("einvoice", &["domain"]),
    ("export", &["domain"]),
    ("email", &["domain", "error", "configuration"]),
    ("webhooks", &["domain", "error", "configuration"]),
    (
        "services",
        &[
            "domain", "error", "storage", "pdf", "einvoice", "export", "email", "webhooks",
            "schemas",
        ],
    ),
    (
        "http",
        &[
            "domain",
            "error",
            "services",
            "schemas",
            "pdf",
            "export",
            "email",
            "configuration",
            "webhooks",
        ],
    ),
];

/// Crates only the outer rooms may use: the domain decides, it does not do I/O.
const DOMAIN_FORBIDDEN_CRATES: &[&str] = &[
    "diesel",
    "actix_web",
    "lettre",
    "printpdf",
    "reqwest",
    "std::fs",
    "std::net",
];

/// Crates the services may not use: they run the same under the HTTP server, the command
/// line and the tests, and reach the database through storage alone.
const SERVICES_FORBIDDEN_CRATES: &[&str] = &["actix_web", "actix_rt", "diesel"];

/// The database is storage's: the error policy and the handlers know nothing of it.
const STORAGE_ONLY_CRATES: &[&str] = &["diesel"];

// What is left of the sweep "one way through the house". Each list can only shrink: the
// test fails on an entry that is fixed, until it is taken off.

/// Imports against the direction that the sweep has still to move.
const IMPORTS_TO_MOVE: &[&str] = &[];

/// Circles still to break.
const CIRCLES_TO_BREAK: &[&str] = &[];

/// Files still to split by concept.
const FILES_TO_SPLIT: &[&str] = &[];

/// Functions still to split into named steps.
const FUNCTIONS_TO_SPLIT: &[&str] = &[];

/// A source file: its module path (`["services", "invoicing"]`), where it lies, and its
/// code with comments, string contents and test modules taken out.
struct Module {
    path: Vec<String>,
    file: PathBuf,
    code: Vec<String>,
    lines: usize,
}

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

fn module_path(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Removes comments and the contents of string and char literals, so that neither a doc
/// comment nor a message that names a module counts as an import.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < bytes.len() && bytes[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == '*' && bytes[i + 1] == '/') {
                if bytes[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c == 'r' && matches!(next, Some('#' | '"')) && is_raw_string(&bytes, i) {
            i = skip_raw_string(&bytes, i, &mut out);
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                if bytes.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && is_char_literal(&bytes, i) {
            // Past the opening quote and the character (or its escape), then to the
            // closing quote, which a `\u{…}` escape is still before.
            i += if bytes[i + 1] == '\\' { 3 } else { 2 };
            while i < bytes.len() && bytes[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_raw_string(bytes: &[char], i: usize) -> bool {
    let before_ok = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
    let mut j = i + 1;
    while bytes.get(j) == Some(&'#') {
        j += 1;
    }
    before_ok && bytes.get(j) == Some(&'"')
}

fn skip_raw_string(bytes: &[char], i: usize, out: &mut String) -> usize {
    let mut j = i + 1;
    let mut hashes = 0;
    while bytes[j] == '#' {
        hashes += 1;
        j += 1;
    }
    j += 1;
    loop {
        if j >= bytes.len() {
            return j;
        }
        if bytes[j] == '"' && (1..=hashes).all(|k| bytes.get(j + k) == Some(&'#')) {
            out.push_str("\"\"");
            return j + 1 + hashes;
        }
        if bytes[j] == '\n' {
            out.push('\n');
        }
        j += 1;
    }
}

/// A `'` that opens a char literal rather than a lifetime: `'a'`, `'\n'`, `'{'`.
fn is_char_literal(bytes: &[char], i: usize) -> bool {
    matches!(
        (bytes.get(i + 1), bytes.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

/// Drops every item under `#[cfg(test)]`: tests may reach anything.
fn without_tests(code: &str) -> Vec<String> {
    let lines: Vec<&str> = code.lines().collect();
    let mut kept = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("#[cfg(test)]") {
            i = item_end(&lines, i + 1) + 1;
            continue;
        }
        kept.push(lines[i].to_string());
        i += 1;
    }
    kept
}

/// The last line of the item that starts at `start`: where its braces close, or its `;`.
fn item_end(lines: &[&str], start: usize) -> usize {
    let mut depth = 0i64;
    let mut opened = false;
    for (j, line) in lines.iter().enumerate().skip(start) {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                ';' if !opened && depth == 0 => return j,
                _ => {}
            }
        }
        if opened && depth <= 0 {
            return j;
        }
    }
    lines.len().saturating_sub(1)
}

fn load(root: &Path) -> Vec<Module> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            let is_test_file = file.file_name().is_some_and(|n| n == "tests.rs");
            Module {
                path: module_path(root, &file),
                code: if is_test_file {
                    Vec::new()
                } else {
                    without_tests(&strip(&text))
                },
                lines: text.lines().count(),
                file,
            }
        })
        .collect()
}

/// Every path the code names from the crate's root: `use crate::a::{b, c::d}` gives `a::b`
/// and `a::c::d`; `crate::a::b::f()` in an expression gives `a::b::f`; `super::x` is made
/// absolute from the module's own path.
fn named_paths(module: &Module, is_mod_file: bool) -> BTreeSet<Vec<String>> {
    let code = module.code.join("\n");
    let mut found = BTreeSet::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let at_word_start = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if at_word_start && starts_with(&chars, i, "crate::") {
            let (paths, end) = parse_tree(&chars, i + "crate::".len());
            found.extend(paths);
            i = end;
        } else if at_word_start && starts_with(&chars, i, "super::") {
            let mut base = module.path.clone();
            let mut j = i;
            // In `a/mod.rs` (module `a`), `super` is `a`'s parent, as in `a/b.rs`.
            let _ = is_mod_file;
            while starts_with(&chars, j, "super::") {
                base.pop();
                j += "super::".len();
            }
            let (paths, end) = parse_tree(&chars, j);
            found.extend(paths.into_iter().map(|p| {
                let mut full = base.clone();
                full.extend(p);
                full
            }));
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

fn starts_with(chars: &[char], i: usize, word: &str) -> bool {
    word.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

/// Reads `a::b::{c, d::{e}}` from `i`; returns every full path and where it ended.
fn parse_tree(chars: &[char], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    loop {
        let start = i;
        while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
            i += 1;
        }
        if i > start {
            prefix.push(chars[start..i].iter().collect::<String>());
        }
        if starts_with(chars, i, "::{") {
            i += 3;
            let mut paths = Vec::new();
            loop {
                while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
                    i += 1;
                }
                if i >= chars.len() || chars[i] == '}' {
                    return (paths, i + 1);
                }
                let (inner, end) = parse_tree(chars, i);
                for p in inner {
                    let mut full = prefix.clone();
                    full.extend(p);
                    paths.push(full);
                }
                i = end;
                // Skip ` as name` and anything else up to the next item.
                while i < chars.len() && chars[i] != ',' && chars[i] != '}' {
                    i += 1;
                }
            }
        } else if starts_with(chars, i, "::") && i > start {
            i += 2;
        } else {
            return (vec![prefix], i);
        }
    }
}

/// The file a path lands in: its longest prefix that is a module of the tree.
fn owner<'m>(modules: &'m BTreeSet<Vec<String>>, path: &[String]) -> Option<&'m Vec<String>> {
    (1..=path.len())
        .rev()
        .find_map(|k| modules.get(&path[..k].to_vec()))
}

/// Edges between files, leaving out a module's edges to its own ancestors and descendants
/// (a `mod.rs` re-exporting its children, a child using its parent's shared types).
fn file_edges(mods: &[Module]) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let names: BTreeSet<Vec<String>> = mods.iter().map(|m| m.path.clone()).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for m in mods {
        let is_mod_file = m.file.file_name().is_some_and(|n| n == "mod.rs");
        for path in named_paths(m, is_mod_file) {
            let Some(target) = owner(&names, &path) else {
                continue;
            };
            if target.starts_with(&m.path) || m.path.starts_with(target) {
                continue;
            }
            edges
                .entry(m.path.clone())
                .or_default()
                .insert(target.clone());
        }
    }
    edges
}

fn show(path: &[String]) -> String {
    if path.is_empty() {
        "crate".to_string()
    } else {
        path.join("::")
    }
}

fn layer_violations(mods: &[Module]) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut found = Vec::new();
    for (from, targets) in file_edges(mods) {
        let Some(room) = from.first() else { continue };
        let Some(may) = allowed.get(room.as_str()) else {
            continue;
        };
        for to in targets {
            let Some(target_room) = to.first() else {
                continue;
            };
            if target_room != room && !may.contains(&target_room.as_str()) {
                found.push(format!("{} imports {}", show(&from), show(&to)));
            }
        }
    }
    for m in mods {
        let forbidden: &[&str] = match m.path.first().map(String::as_str) {
            Some("domain") => DOMAIN_FORBIDDEN_CRATES,
            Some("services") => SERVICES_FORBIDDEN_CRATES,
            Some("http" | "error") => STORAGE_ONLY_CRATES,
            _ => continue,
        };
        for (n, line) in m.code.iter().enumerate() {
            for word in forbidden {
                if uses_crate(line, word) {
                    found.push(format!("{} uses {word}", show(&m.path)));
                    let _ = n;
                }
            }
        }
    }
    found
}

fn uses_crate(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().last();
        let after = &line[i + word.len()..];
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            && after.starts_with("::")
    })
}

/// Groups of files that import each other round (Tarjan's strongly connected components).
fn circles(mods: &[Module]) -> Vec<Vec<String>> {
    let edges = file_edges(mods);
    let nodes: Vec<Vec<String>> = mods.iter().map(|m| m.path.clone()).collect();
    let mut state = Tarjan {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for node in &nodes {
        if !state.index.contains_key(node) {
            state.visit(node);
        }
    }
    state.found
}

struct Tarjan<'e> {
    edges: &'e BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    index: BTreeMap<Vec<String>, usize>,
    low: BTreeMap<Vec<String>, usize>,
    stack: Vec<Vec<String>>,
    on_stack: BTreeSet<Vec<String>>,
    next: usize,
    found: Vec<Vec<String>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: &Vec<String>) {
        self.index.insert(v.clone(), self.next);
        self.low.insert(v.clone(), self.next);
        self.next += 1;
        self.stack.push(v.clone());
        self.on_stack.insert(v.clone());
        let targets: Vec<Vec<String>> = self
            .edges
            .get(v)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        for w in targets {
            if !self.index.contains_key(&w) {
                self.visit(&w);
                let low = self.low[v].min(self.low[&w]);
                self.low.insert(v.clone(), low);
            } else if self.on_stack.contains(&w) {
                let low = self.low[v].min(self.index[&w]);
                self.low.insert(v.clone(), low);
            }
        }
        if self.low[v] == self.index[v] {
            let mut group = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack.remove(&w);
                let done = &w == v;
                group.push(show(&w));
                if done {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                self.found.push(group);
            }
        }
    }
}

fn long_files(mods: &[Module]) -> Vec<String> {
    mods.iter()
        .filter(|m| m.lines > MAX_FILE_LINES)
        .map(|m| format!("{}: {} lines", rel(&m.file), m.lines))
        .collect()
}

/// Functions outside tests longer than the limit, counted from the `fn` line to the line
/// where its body closes.
fn long_functions(mods: &[Module]) -> Vec<String> {
    let mut found = Vec::new();
    for m in mods {
        let lines: Vec<&str> = m.code.iter().map(String::as_str).collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(name) = fn_name(line) else { continue };
            let end = item_end(&lines, i);
            let length = end - i + 1;
            if length > MAX_FN_LINES {
                found.push(format!("{}: fn {name}: {length} lines", rel(&m.file)));
            }
        }
    }
    found
}

fn fn_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().peekable();
    while let Some(word) = words.next() {
        match word {
            "pub" | "const" | "async" | "unsafe" | "default" => continue,
            w if w.starts_with("pub(") => continue,
            "fn" => {
                let name = words.next()?;
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                return (!name.is_empty()).then_some(name);
            }
            _ => return None,
        }
    }
    None
}

fn src() -> Vec<Module> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mods = load(&root);
    assert!(mods.len() > 100, "read {} files", mods.len());
    mods
}

/// A file's path from `src/` on, as the lists below name it.
fn rel(file: &Path) -> String {
    let text = file.to_string_lossy().replace('\\', "/");
    match text.rfind("/src/") {
        Some(i) => text[i + 1..].to_string(),
        None => text,
    }
}

/// What a finding is about, without its measure: `src/a.rs: fn f: 90 lines` is about
/// `src/a.rs: fn f`.
fn subject(finding: &str) -> &str {
    match finding.rfind(": ") {
        Some(i) if finding.ends_with(" lines") => &finding[..i],
        _ => finding,
    }
}

/// Fails on any finding not in `still`, and on any entry of `still` that no longer
/// occurs, so that the list of what is left to move can only shrink.
fn report(what: &str, found: &[String], still: &[&str]) {
    let new: Vec<&String> = found
        .iter()
        .filter(|f| !still.contains(&subject(f)))
        .collect();
    let gone: Vec<&&str> = still
        .iter()
        .filter(|s| !found.iter().any(|f| subject(f) == **s))
        .collect();
    assert!(
        new.is_empty(),
        "{what}:\n{}",
        new.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        gone.is_empty(),
        "{what}: fixed, so take them off the list:\n{}",
        gone.iter().map(|s| **s).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn imports_go_one_way_between_the_rooms() {
    report(
        "imports against the direction",
        &layer_violations(&src()),
        IMPORTS_TO_MOVE,
    );
}

#[test]
fn no_files_import_each_other_round() {
    let found: Vec<String> = circles(&src()).iter().map(|g| g.join(" ⇄ ")).collect();
    report(
        "files that import each other round",
        &found,
        CIRCLES_TO_BREAK,
    );
}

#[test]
fn no_source_file_grows_past_a_concept() {
    report("files over 800 lines", &long_files(&src()), FILES_TO_SPLIT);
}

#[test]
fn no_function_grows_past_a_screen() {
    report(
        "functions over 80 lines",
        &long_functions(&src()),
        FUNCTIONS_TO_SPLIT,
    );
}

/// A small tree, written to a temporary directory, that breaks every rule once.
fn broken_tree() -> (PathBuf, Vec<Module>) {
    let root = std::env::temp_dir().join(format!("avtal-architecture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let files: &[(&str, String)] = &[
        ("lib.rs", "pub mod domain; pub mod http; pub mod storage;".into()),
        ("domain/mod.rs", "pub mod a; pub mod b;".into()),
        (
            "domain/a.rs",
            "use super::b::B; use diesel::prelude::*;\npub struct A;".into(),
        ),
        ("domain/b.rs", "use crate::domain::a::A;\npub struct B;".into()),
        (
            "http/mod.rs",
            "use crate::storage::{members::{self, get}, now};\n// crate::services in a comment\nfn f() { let s = \"crate::pdf\"; }".into(),
        ),
        ("storage/mod.rs", "pub mod members;".into()),
        (
            "storage/members.rs",
            format!(
                "pub fn get() {{\n    let (a, b) = ('{{', '\\\\');\n{}}}\n#[cfg(test)]\nmod tests {{ use crate::http; }}\n",
                "    let x = 1;\n".repeat(90)
            ),
        ),
    ];
    for (path, text) in files {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let mods = load(&root);
    (root, mods)
}

#[test]
fn each_rule_fails_on_a_tree_that_breaks_it() {
    let (root, mods) = broken_tree();
    let layers = layer_violations(&mods);
    assert!(
        layers.iter().any(|v| v == "http imports storage::members"),
        "{layers:?}"
    );
    assert!(
        layers.iter().any(|v| v == "http imports storage"),
        "{layers:?}"
    );
    assert!(
        layers.iter().any(|v| v.ends_with("uses diesel")),
        "{layers:?}"
    );
    // Comments, strings and test modules do not count.
    assert!(
        !layers
            .iter()
            .any(|v| v.contains("pdf") || v.contains("services"))
    );
    assert!(
        !layers.iter().any(|v| v.starts_with("storage")),
        "{layers:?}"
    );
    assert_eq!(
        circles(&mods),
        vec![vec!["domain::a".to_string(), "domain::b".to_string()]]
    );
    let functions = long_functions(&mods);
    assert_eq!(functions.len(), 1, "{functions:?}");
    assert!(functions[0].ends_with("fn get: 93 lines"), "{functions:?}");
    assert!(long_files(&mods).is_empty());
    std::fs::write(root.join("domain/b.rs"), "\n".repeat(801)).unwrap();
    assert_eq!(long_files(&load(&root)).len(), 1);
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn the_domain_has_the_invoice_plan() {
    let mods = src();
    assert!(
        mods.iter()
            .any(|m| m.file.ends_with("domain/invoicing/plan.rs")),
        "the invoice plan is part of the domain"
    );
}
