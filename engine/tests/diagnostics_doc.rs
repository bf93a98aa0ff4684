//! Every diagnostic code is documented in `docs/diagnostics.md` (a heading per code), and the document names
//! no code that does not exist: scripts and editors match on these codes, so the reference must be complete.

use kro_engine::Code;

#[test]
fn every_code_has_a_section_in_docs_diagnostics_md() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/diagnostics.md"))
        .unwrap_or_else(|e| panic!("docs/diagnostics.md: {e}"));
    let headings: Vec<&str> = doc.lines().filter_map(|l| l.strip_prefix("## ")).map(str::trim).collect();
    let missing: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).filter(|c| !headings.contains(c)).collect();
    assert!(missing.is_empty(), "codes without a `## <code>` section in docs/diagnostics.md: {missing:?}");
    let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let unknown: Vec<&&str> = headings
        .iter()
        .filter(|h| h.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !known.contains(h))
        .collect();
    assert!(unknown.is_empty(), "docs/diagnostics.md documents codes the engine does not have: {unknown:?}");
}
