//! Reading the files a command is given: `-` for standard input, a size limit checked before reading, text
//! that is not UTF-8 (or holds NUL bytes) turned into a diagnostic rather than a crash, and `--crd` folders.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use kro_engine::{Code, Diagnostic, Engine, EngineOptions, Features, InputLimits};

/// One input file, read.
#[derive(Debug)]
pub struct InputFile {
    /// The name to show (`<stdin>` for `-`).
    pub name: String,
    pub text: String,
    /// Set when the bytes could not be used as text; `text` is then empty.
    pub not_text: Option<Diagnostic>,
}

/// An I/O or usage failure (exit 2).
#[derive(Debug)]
pub struct IoFailure(pub String);

pub fn limits() -> InputLimits {
    InputLimits::default()
}

pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<InputFile>, IoFailure> {
    let mut stdin_read = false;
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            if stdin_read {
                continue;
            }
            stdin_read = true;
            let mut bytes = Vec::new();
            let max = limits().max_bytes;
            std::io::stdin()
                .take(max as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| IoFailure(format!("cannot read standard input: {e}")))?;
            if bytes.len() > max {
                return Err(IoFailure(format!("standard input is larger than the {max}-byte limit")));
            }
            out.push(decode("<stdin>".into(), bytes));
        } else {
            out.push(read_file(path)?);
        }
    }
    Ok(out)
}

fn read_file(path: &Path) -> Result<InputFile, IoFailure> {
    let shown = path.display().to_string();
    let meta = fs::metadata(path).map_err(|e| IoFailure(format!("cannot read {shown}: {}", describe(&e))))?;
    if meta.is_dir() {
        return Err(IoFailure(format!("{shown} is a directory; pass the RGD files in it")));
    }
    let max = limits().max_bytes;
    if meta.len() > max as u64 {
        return Err(IoFailure(format!("{shown} is {} bytes, over the {max}-byte limit for an input file", meta.len())));
    }
    let bytes = fs::read(path).map_err(|e| IoFailure(format!("cannot read {shown}: {}", describe(&e))))?;
    Ok(decode(shown, bytes))
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn decode(name: String, bytes: Vec<u8>) -> InputFile {
    let problem =
        if bytes.contains(&0) { Some("the file holds NUL bytes: it looks like a binary file, not YAML") } else { None };
    match (problem, String::from_utf8(bytes)) {
        (None, Ok(text)) => InputFile { name, text: text.trim_start_matches('\u{feff}').to_string(), not_text: None },
        (problem, _) => InputFile {
            name,
            text: String::new(),
            not_text: Some(Diagnostic::about_input(
                Code::NotText,
                problem.unwrap_or("the file is not valid UTF-8 text, so it cannot be YAML"),
            )),
        },
    }
}

/// The engine for a run: kro's feature gates, and the built-in kinds plus the CRDs found under each `--crd`
/// path. Files there that fail to load are reported as diagnostics of that file.
pub fn engine(crd_paths: &[PathBuf], features: Features) -> Result<(Engine, Vec<(InputFile, Diagnostic)>), IoFailure> {
    let mut engine = Engine::new(EngineOptions { features, input_limits: limits(), ..EngineOptions::default() })
        .map_err(|e| IoFailure(e.to_string()))?;
    let mut problems = Vec::new();
    for path in crd_paths {
        let files = if path.is_dir() { yaml_files_in(path)? } else { vec![path.clone()] };
        for file in files {
            let input = read_file(&file)?;
            if let Some(d) = input.not_text.clone() {
                problems.push((input, d));
                continue;
            }
            if let Err(d) = engine.add_crds(&input.text) {
                problems.push((input, d));
            }
        }
    }
    Ok((engine, problems))
}

fn yaml_files_in(dir: &Path) -> Result<Vec<PathBuf>, IoFailure> {
    let entries =
        fs::read_dir(dir).map_err(|e| IoFailure(format!("cannot read folder {}: {}", dir.display(), describe(&e))))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json"))
        .collect();
    files.sort();
    Ok(files)
}
