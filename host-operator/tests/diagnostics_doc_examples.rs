//! The examples of `docs/diagnostics.md` are run, so the page cannot drift from what `kro validate` prints.
//!
//! An example is a `yaml` (or `sh`) block followed directly by a `text` block in the same section:
//! - a `yaml` block is the whole `rgd.yaml`, unless its first line is `# rgd.yaml from line N (lines 1-M: the
//!   usual header)`: then the file is the first `M = N - 1` lines of the header shown under "Reading a
//!   diagnostic", followed by the rest of the block;
//! - an `sh` block is run by `sh` in a folder of its own, with `kro` on the `PATH`;
//! - the `text` block is what `kro validate rgd.yaml` (or the script) prints on standard output.
//!
//! Every `text` block that shows a diagnostic must belong to an example (outside the annotated one under
//! "Reading a diagnostic"). Lines are compared without trailing whitespace, which editors strip.
//!
//! `KRO_DOC_OVERWRITE=1 cargo test -p kro-operator --test diagnostics_doc_examples` writes what `kro` prints
//! into the page instead of failing; review the diff before committing it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The section whose first `yaml` block is the header the other examples start from, and whose `text` block
/// is an annotated illustration rather than output.
const READING: &str = "Reading a diagnostic";

fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/diagnostics.md")
}

/// A fenced block: its language, the section it is in, and where its body is (0-based line numbers).
#[derive(Debug)]
struct Block {
    lang: String,
    section: String,
    /// The line of the opening fence.
    fence: usize,
    body: Vec<String>,
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut open: Option<Block> = None;
    for (n, line) in doc.lines().enumerate() {
        if let Some(block) = &mut open {
            if line == "```" {
                out.extend(open.take());
            } else {
                block.body.push(line.to_string());
            }
        } else if let Some(title) = line.strip_prefix("## ") {
            section = title.trim().to_string();
        } else if let Some(lang) = line.strip_prefix("```") {
            open = Some(Block { lang: lang.trim().to_string(), section: section.clone(), fence: n, body: Vec::new() });
        }
    }
    assert!(open.is_none(), "docs/diagnostics.md: a fenced block is never closed");
    out
}

/// What an example runs.
enum Input {
    File(String),
    Script(String),
}

struct Example<'b> {
    input: Input,
    /// The `yaml` or `sh` block, for messages.
    source: &'b Block,
    expected: &'b Block,
}

/// `# rgd.yaml from line N (lines 1-M: the usual header)`: the number of header lines, M.
fn header_lines(first: &str, at: usize) -> Option<usize> {
    let rest = first.strip_prefix("# rgd.yaml from line ")?;
    let (from, rest) = rest.split_once(' ')?;
    let from: usize = from.parse().unwrap_or_else(|_| panic!("line {}: bad line number in {first:?}", at + 1));
    let m = rest.strip_prefix("(lines 1-").and_then(|r| r.strip_suffix(": the usual header)"));
    let m: usize = m.and_then(|m| m.parse().ok()).unwrap_or_else(|| {
        panic!("line {}: expected {first:?} to end in (lines 1-{}: the usual header)", at + 1, from.saturating_sub(1))
    });
    assert_eq!(m + 1, from, "line {}: {first:?} does not add up", at + 1);
    Some(m)
}

fn examples(blocks: &[Block]) -> Vec<Example<'_>> {
    let header = blocks
        .iter()
        .find(|b| b.section == READING && b.lang == "yaml")
        .expect("the usual header: a yaml block under \"Reading a diagnostic\"");
    let mut out = Vec::new();
    for pair in blocks.windows(2) {
        let [source, expected] = pair else { continue };
        if expected.lang != "text" || source.section != expected.section || source.section == READING {
            continue;
        }
        let input = match source.lang.as_str() {
            "sh" => Input::Script(source.body.join("\n") + "\n"),
            "yaml" => {
                let first = source.body.first().map_or("", String::as_str);
                let text = match header_lines(first, source.fence + 1) {
                    Some(m) => {
                        assert!(
                            m <= header.body.len(),
                            "line {}: the usual header has only {} lines",
                            source.fence + 2,
                            header.body.len()
                        );
                        header.body[..m].iter().chain(&source.body[1..]).map(|l| format!("{l}\n")).collect()
                    }
                    None => source.body.iter().map(|l| format!("{l}\n")).collect(),
                };
                Input::File(text)
            }
            _ => continue,
        };
        out.push(Example { input, source, expected });
    }
    out
}

fn kro_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_kro"))
}

fn run(example: &Example<'_>, dir: &Path) -> Output {
    match &example.input {
        Input::File(text) => {
            std::fs::write(dir.join("rgd.yaml"), text).unwrap();
            Command::new(kro_bin()).args(["validate", "rgd.yaml"]).current_dir(dir).output().unwrap()
        }
        Input::Script(script) => {
            let bin_dir = kro_bin().parent().unwrap();
            let path = std::env::join_paths(
                std::iter::once(bin_dir.to_path_buf())
                    .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
            )
            .unwrap();
            Command::new("sh").args(["-c", script]).env("PATH", path).current_dir(dir).output().unwrap()
        }
    }
}

fn trimmed(text: &str) -> String {
    text.lines().map(|l| format!("{}\n", l.trim_end())).collect()
}

#[test]
fn every_example_in_docs_diagnostics_md_prints_what_the_page_shows() {
    let doc = std::fs::read_to_string(doc_path()).unwrap();
    let blocks = blocks(&doc);
    let examples = examples(&blocks);

    // A diagnostic shown outside an example would not be checked.
    let unchecked: Vec<String> = blocks
        .iter()
        .filter(|b| b.lang == "text" && b.section != READING)
        .filter(|b| b.body.first().is_some_and(|l| l.starts_with("error[") || l.starts_with("warning[")))
        .filter(|b| !examples.iter().any(|e| std::ptr::eq(e.expected, *b)))
        .map(|b| format!("line {} ({})", b.fence + 1, b.section))
        .collect();
    assert!(unchecked.is_empty(), "diagnostics shown without the yaml that produces them: {unchecked:?}");
    assert!(examples.len() >= 60, "only {} examples found", examples.len());

    let overwrite = std::env::var_os("KRO_DOC_OVERWRITE").is_some_and(|v| v == "1");
    let mut failures = String::new();
    let mut lines: Vec<String> = doc.lines().map(str::to_string).collect();
    // Replace from the bottom up so the line numbers of earlier blocks stay right.
    for example in examples.iter().rev() {
        let dir = tempfile::tempdir().unwrap();
        let out = run(example, dir.path());
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        let shown = example.expected.body.iter().map(|l| format!("{l}\n")).collect::<String>();
        let errors = printed.lines().any(|l| l.starts_with("error["));
        let code = out.status.code();
        if code != Some(i32::from(errors)) {
            let _ = writeln!(
                failures,
                "line {} ({}): exit code {code:?} does not fit the output\n{printed}{}",
                example.source.fence + 1,
                example.source.section,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if trimmed(&printed) != trimmed(&shown) {
            if overwrite {
                let start = example.expected.fence + 1;
                let end = start + example.expected.body.len();
                lines.splice(start..end, printed.lines().map(str::to_string));
            } else {
                let _ = writeln!(
                    failures,
                    "line {} ({}): kro validate printed\n{printed}\nbut the page shows\n{shown}",
                    example.expected.fence + 1,
                    example.source.section
                );
            }
        }
    }
    if overwrite {
        std::fs::write(doc_path(), lines.join("\n") + "\n").unwrap();
    }
    assert!(failures.is_empty(), "docs/diagnostics.md has drifted:\n\n{failures}");
}
