//! The shape of the code, held as tests (docs/architecture.md, "Keeping this true"): no source
//! file over 700 lines (test files and test modules included) and no function over 120
//! outside tests; the domain's contexts import only contexts nearer to `core`; `raft` imports
//! neither `api`, `federation` nor `app`; the domain imports nothing outside itself.
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 700;
const MAX_FN_LINES: usize = 120;

/// The domain's contexts, from the one every other stands on to the spine above them all.
const CONTEXTS: [&str; 7] = [
    "core",
    "calendar",
    "registry",
    "enforcement",
    "supervision",
    "federation",
    "command",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A file that holds only tests: `tests.rs`, anything under a `tests/` folder, the test kit.
fn is_test_file(rel: &str) -> bool {
    rel.ends_with("tests.rs") || rel.contains("/tests/") || rel.ends_with("testkit.rs")
}

/// The file's code before its test module.
fn code(text: &str) -> Vec<&str> {
    text.lines().take_while(|l| *l != "#[cfg(test)]").collect()
}

/// Source files of the node: path relative to `src`, whole text, code before the tests. With
/// `tests`, the files that hold only tests are included.
fn files(tests: bool) -> Vec<(String, String, String)> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            if !tests && is_test_file(&rel) {
                return None;
            }
            let text = std::fs::read_to_string(&p).ok()?;
            let code = code(&text).join("\n");
            Some((rel, text, code))
        })
        .collect()
}

/// Source files of the node without the files that hold only tests.
fn sources() -> Vec<(String, String, String)> {
    files(false)
}

/// Functions and their lengths: from the line that opens `fn` to the closing brace at the same
/// indentation.
fn functions(code: &str) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let head = [
            "pub fn ",
            "fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "async fn ",
            "pub async fn ",
        ]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p));
        let Some(rest) = head else { continue };
        if trimmed.ends_with(';') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        if let Some(end) = lines[i + 1..].iter().position(|l| *l == close) {
            out.push((i + 1, name, end + 2));
        }
    }
    out
}

#[test]
fn no_file_over_700_lines_and_no_function_over_120() {
    let mut long = Vec::new();
    for (rel, text, _) in files(true) {
        let n = text.lines().count();
        if n > MAX_FILE_LINES {
            long.push(format!("{rel}: {n} lines"));
        }
    }
    for (rel, _, code) in sources() {
        for (line, name, len) in functions(&code) {
            if len > MAX_FN_LINES {
                long.push(format!("{rel}:{line}: fn {name} is {len} lines"));
            }
        }
    }
    assert!(long.is_empty(), "too long:\n{}", long.join("\n"));
}

#[test]
fn the_function_measure_sees_a_long_function() {
    let body = "    x();\n".repeat(MAX_FN_LINES);
    let code = format!("fn short() {{\n}}\n\npub fn long() {{\n{body}}}\n");
    let found = functions(&code);
    assert_eq!(found[0], (1, "short".to_string(), 2));
    assert_eq!(found[1], (4, "long".to_string(), MAX_FN_LINES + 2));
}

/// The modules of `crate::…` a piece of code names.
fn names(code: &str, prefix: &str) -> Vec<String> {
    code.match_indices(prefix)
        .map(|(i, _)| {
            code[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn each_domain_context_imports_only_contexts_nearer_to_core() {
    let mut wrong = Vec::new();
    for (rel, _, code) in sources() {
        let Some(rest) = rel.strip_prefix("domain/") else {
            continue;
        };
        let Some((ctx, _)) = rest.split_once('/') else {
            continue;
        };
        let Some(rank) = CONTEXTS.iter().position(|c| *c == ctx) else {
            panic!("domain/{ctx} is not a context of the list in this test");
        };
        for other in names(&code, "crate::domain::") {
            if let Some(r) = CONTEXTS.iter().position(|c| *c == other) {
                if r > rank {
                    wrong.push(format!("{rel} imports domain::{other}"));
                }
            }
        }
        for other in names(&code, "crate::") {
            if other != "domain" {
                wrong.push(format!(
                    "{rel} imports crate::{other} from outside the domain"
                ));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn raft_imports_neither_api_federation_nor_app() {
    let mut wrong = Vec::new();
    for (rel, _, code) in sources() {
        if !rel.starts_with("raft/") {
            continue;
        }
        for other in names(&code, "crate::") {
            if matches!(other.as_str(), "api" | "federation" | "app") {
                wrong.push(format!("{rel} imports crate::{other}"));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
