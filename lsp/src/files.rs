//! Files of the workspace the server reads through its transport: which folders and files to ask for, and
//! what a file holds. RGD files of the workspace define their kinds for the open documents (as `kro validate
//! a.yaml b.yaml` does) and CRD files teach theirs (as `--crd` does); other files are not kept.

use std::fmt::Write;

use kro_engine::DocumentKind;

/// What the server asks its transport to read. The transport answers with [`crate::Server::files`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadRequest {
    /// `file://` URIs of folders: every YAML file under each (`*.yaml`, `*.yml`, recursively, skipping
    /// hidden folders and `node_modules`), replacing what was read from those folders before.
    pub folders: Vec<String>,
    /// `file://` URIs of single files, read again after the client said they changed.
    pub files: Vec<String>,
}

/// A file the transport read (or could not: `text` is `None` for a file that is gone or unreadable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileText {
    /// Its `file://` URI.
    pub uri: String,
    /// Its content.
    pub text: Option<String>,
}

/// The transport's answer to a [`ReadRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilesRead {
    /// The folders that were read (as asked).
    pub folders: Vec<String>,
    /// The files found under them, and the single files asked for.
    pub files: Vec<FileText>,
}

/// Whether a path names a file the server reads: YAML by its extension.
pub fn is_yaml_path(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml"))
}

/// What a text holds, as far as the server cares: RGDs (checked, and defining kinds), CRDs (teaching kinds),
/// or neither (left alone). Read from the top-level `kind:` lines, so a file being typed is classified without
/// parsing it; a file holding both is an RGD file.
pub(crate) fn kind_of(text: &str) -> Option<DocumentKind> {
    let mut crds = false;
    for line in text.lines() {
        let Some(value) = line.strip_prefix("kind:") else { continue };
        let value = value.split(" #").next().unwrap_or_default().trim().trim_matches(|c| c == '"' || c == '\'');
        match value {
            "ResourceGraphDefinition" => return Some(DocumentKind::Rgds),
            "CustomResourceDefinition" => crds = true,
            _ => {}
        }
    }
    crds.then_some(DocumentKind::Crds)
}

/// The local path of a `file://` URI (percent-escapes decoded), for a transport that reads files; `None`
/// for another scheme or a remote host.
pub fn uri_to_path(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("file://")?;
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = path.get(i + 1..i + 3).filter(|_| bytes[i] == b'%').and_then(|h| u8::from_str_radix(h, 16).ok());
        if let Some(byte) = hex {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `file://` URI of an absolute local path.
pub fn path_to_uri(path: &str) -> String {
    format!("file://{}", encode_path(path))
}

/// `uri` joined with a relative path (or `path` itself when it is absolute or a URI).
pub(crate) fn resolve(base: Option<&str>, path: &str) -> Option<String> {
    if path.contains("://") {
        return Some(path.to_string());
    }
    if path.starts_with('/') {
        return Some(path_to_uri(path));
    }
    let base = base?.trim_end_matches('/');
    let path = path.trim_start_matches("./").trim_end_matches('/');
    Some(format!("{base}/{}", encode_path(path)))
}

/// A path written as a URI path: the characters URIs reserve are percent-encoded, `/` kept.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A URI in one spelling, so the URI a client sends for an open file and the one a transport made for the
/// same file on disk compare equal: percent-escapes of unreserved characters and `:` decoded, hex upper-case.
pub(crate) fn normalize(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = String::with_capacity(uri.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = uri.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            if byte.is_ascii_alphanumeric() || b"-._~:".contains(&byte) {
                out.push(byte as char);
            } else {
                let _ = write!(out, "%{byte:02X}");
            }
            i += 3;
            continue;
        }
        let rest = &uri[i..];
        let Some(c) = rest.chars().next() else { break };
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Whether `uri` is inside the folder `folder` (both normalized).
pub(crate) fn is_under(uri: &str, folder: &str) -> bool {
    let folder = folder.trim_end_matches('/');
    uri.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_apart_by_their_top_level_kind() {
        assert_eq!(kind_of("apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\n"), Some(DocumentKind::Rgds));
        assert_eq!(kind_of("kind: \"CustomResourceDefinition\" # a CRD\n"), Some(DocumentKind::Crds));
        assert_eq!(
            kind_of("kind: CustomResourceDefinition\n---\nkind: ResourceGraphDefinition\n"),
            Some(DocumentKind::Rgds)
        );
        assert_eq!(kind_of("kind: Deployment\nspec:\n  kind: ResourceGraphDefinition\n"), None);
    }

    #[test]
    fn relative_crd_folders_resolve_against_the_workspace_folder() {
        assert_eq!(resolve(Some("file:///w/repo/"), "./crds"), Some("file:///w/repo/crds".to_string()));
        assert_eq!(resolve(Some("file:///w"), "my crds"), Some("file:///w/my%20crds".to_string()));
        assert_eq!(resolve(None, "/abs/crds"), Some("file:///abs/crds".to_string()));
        assert_eq!(resolve(None, "crds"), None);
    }

    #[test]
    fn paths_and_file_uris_convert_both_ways() {
        assert_eq!(uri_to_path("file:///w/my%20crds/a%C3%A9.yaml"), Some("/w/my crds/aé.yaml".to_string()));
        assert_eq!(uri_to_path("file://localhost/w"), Some("/w".to_string()));
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(path_to_uri("/w/my crds/aé.yaml"), "file:///w/my%20crds/a%C3%A9.yaml");
    }

    #[test]
    fn uris_from_clients_and_transports_compare_equal() {
        assert_eq!(normalize("file:///c%3A/a%2db/x%20y.yaml"), "file:///c:/a-b/x%20y.yaml");
        assert_eq!(normalize("file:///a/%e2%82%ac"), "file:///a/%E2%82%AC");
        assert!(is_under("file:///w/a/b.yaml", "file:///w/a"));
        assert!(!is_under("file:///w/ab.yaml", "file:///w/a"));
    }
}
