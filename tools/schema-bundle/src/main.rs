//! `kro-schema-bundle [--check] [--out PATH]`: writes the schema bundle (by default to
//! `engine/schemas/k8s-v1.37.json.gz` in the workspace), or with `--check` fails when the stored file is not
//! what the generator produces now. `make schemas` runs it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use kro_schema_bundle::{BUNDLE_PATH, bundle_json, gunzip, gzip};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kro-schema-bundle: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let mut check = false;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = std::fs::canonicalize(&root).unwrap_or(root).join(BUNDLE_PATH);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--out" => out = PathBuf::from(args.next().context("--out needs a path")?),
            "-h" | "--help" => {
                println!("usage: kro-schema-bundle [--check] [--out PATH]   (default PATH: {BUNDLE_PATH})");
                return Ok(ExitCode::SUCCESS);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    let json = bundle_json();
    if check {
        let stored = std::fs::read(&out).with_context(|| format!("reading {}", out.display()))?;
        let stored = gunzip(&stored).with_context(|| format!("un-gzipping {}", out.display()))?;
        if stored != json.as_bytes() {
            eprintln!("{} is out of date: run `make schemas`", out.display());
            return Ok(ExitCode::FAILURE);
        }
        println!("{} is up to date", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let gz = gzip(json.as_bytes()).context("gzip")?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&out, &gz).with_context(|| format!("writing {}", out.display()))?;
    let value: serde_json::Value = serde_json::from_str(&json).context("re-reading the bundle")?;
    let count = |key: &str| {
        value
            .get(key)
            .map_or(0, |v| v.as_array().map_or_else(|| v.as_object().map_or(0, serde_json::Map::len), Vec::len))
    };
    println!(
        "wrote {}: {} kinds, {} definitions, {} bytes of JSON, {} gzipped",
        out.display(),
        count("kinds"),
        count("definitions"),
        json.len(),
        gz.len()
    );
    Ok(ExitCode::SUCCESS)
}
