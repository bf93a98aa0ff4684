//! `kro lsp`: the language server of `kro-lsp` over standard input and output. This file is the transport
//! only: rust-analyzer's `lsp-server` reads and writes the framed messages on its own threads, and this loop
//! hands every waiting message to the server before each step (so changes that came in during a check are
//! checked together) and reads the files the server asks for.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use kro_lsp::{FileText, FilesRead, Output, ReadRequest, Server, is_yaml_path, path_to_uri, uri_to_path};
use lsp_server::Connection;

use super::Outcome;

/// Files larger than the CLI reads are skipped, as `--crd` would refuse them.
const MAX_FILE: u64 = 4 * 1024 * 1024;
/// A workspace folder is read to this depth and this many YAML files, so opening `/` cannot hang the server.
const MAX_DEPTH: usize = 16;
const MAX_FILES: usize = 20_000;

pub fn lsp() -> Outcome {
    let (connection, threads) = Connection::stdio();
    let code = serve(&connection);
    drop(connection);
    // The writer thread flushes what was sent; the reader ends with standard input.
    let _ = threads.join();
    if code == 0 { Outcome::Success } else { Outcome::Invalid }
}

/// Runs the server until the client says `exit` (its exit code) or closes standard input (1).
fn serve(connection: &Connection) -> i32 {
    let mut server = match Server::new() {
        Ok(server) => server,
        Err(e) => {
            eprintln!("kro lsp: {e}");
            return 1;
        }
    };
    while let Ok(message) = connection.receiver.recv() {
        server.receive(message);
        while let Ok(message) = connection.receiver.try_recv() {
            server.receive(message);
        }
        let mut outputs = step(&mut server);
        while !outputs.is_empty() {
            let mut reads = Vec::new();
            for output in outputs {
                match output {
                    Output::Message(m) => {
                        if connection.sender.send(m).is_err() {
                            return 1;
                        }
                    }
                    Output::Read(request) => reads.push(request),
                    Output::Exit(code) => return code,
                }
            }
            for request in &reads {
                server.files(read(request));
            }
            outputs = if reads.is_empty() { Vec::new() } else { step(&mut server) };
        }
    }
    1
}

/// One step; a panic (a bug: the engine promises none) is logged and the server goes on with the next
/// message rather than leaving the editor without a server.
fn step(server: &mut Server) -> Vec<Output> {
    catch_unwind(AssertUnwindSafe(|| server.step())).unwrap_or_else(|_| {
        eprintln!("kro lsp: a step panicked (this is a bug; please report it); going on");
        Vec::new()
    })
}

/// Reads what the server asked for: every YAML file under each folder, and each single file.
fn read(request: &ReadRequest) -> FilesRead {
    let mut files = Vec::new();
    for folder in &request.folders {
        if let Some(path) = uri_to_path(folder) {
            walk(Path::new(&path), 0, &mut files);
        }
    }
    for uri in &request.files {
        let text = uri_to_path(uri).and_then(|p| read_file(Path::new(&p)));
        files.push(FileText { uri: uri.clone(), text });
    }
    FilesRead { folders: request.folders.clone(), files }
}

fn walk(dir: &Path, depth: usize, files: &mut Vec<FileText>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        if files.len() >= MAX_FILES {
            return;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        // Symbolic links to folders are not followed: a link back up would never end.
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if depth < MAX_DEPTH && !name.starts_with('.') && name != "node_modules" && name != "target" {
                walk(&path, depth + 1, files);
            }
        } else if is_yaml_path(&name)
            && let Some(text) = read_file(&path)
            && let Some(path) = path.to_str()
        {
            files.push(FileText { uri: path_to_uri(path), text: Some(text) });
        }
    }
}

fn read_file(path: &Path) -> Option<String> {
    let size = fs::metadata(path).ok()?.len();
    if size > MAX_FILE {
        return None;
    }
    fs::read_to_string(path).ok()
}
