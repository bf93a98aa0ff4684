//! The Kubernetes URL library (`k8s.io/apiserver/pkg/cel/library/urls.go`): `url(s)`, `isURL(s)`, and on a
//! `kubernetes.URL` `getScheme()`, `getHost()`, `getHostname()`, `getPort()`, `getEscapedPath()` and `getQuery()`.
//!
//! Kubernetes checks the string with Go's `url.ParseRequestURI` (an absolute URI or an absolute path; no
//! fragment handling) and then keeps what `url.Parse` makes of it. Both are ported here from Go's `net/url`, for
//! the parts the getters show: scheme (lower-cased), authority (userinfo, host, port checks), percent-escapes,
//! the escaped path, and the query (`ParseQuery`: `+` is a space, pairs with `;` or bad escapes are dropped).
//! Errors carry Go's text, e.g. `URL parse error during conversion from string: parse "x": invalid URI for
//! request`. Values are [`Url`]s, an opaque type named `kubernetes.URL`.

use std::collections::HashMap;

use cel::ExecutionError;
use cel::common::types::{CelBool, CelList, CelMap, CelMapKey, CelString, Type};
use cel::common::value::{CowVal, Val};

use super::declare::{Family, Overload};
use super::opaque::{arg, opaque_val};
use super::{fail, str_arg, take};

pub(crate) static URL_TYPE: Type = Type::new_unspecified_type("kubernetes.URL");

/// A `kubernetes.URL`: the parts of Go's `url.URL` the getters read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Url {
    scheme: String,
    host: String,
    /// The path as written (Go's `RawPath` or `Path`), and decoded.
    raw_path: String,
    path: String,
    raw_query: String,
}

impl Url {
    fn eq_value(&self, other: &Url) -> bool {
        self == other
    }

    /// Go's `EscapedPath`.
    fn escaped_path(&self) -> String {
        if valid_encoded(&self.raw_path) {
            return self.raw_path.clone();
        }
        if self.path == "*" {
            return "*".to_owned();
        }
        escape_path(self.path.as_bytes())
    }

    /// Go's `splitHostPort`: the host without brackets, and the port.
    fn host_port(&self) -> (&str, &str) {
        let (mut host, mut port) = (self.host.as_str(), "");
        if let Some(colon) = host.rfind(':')
            && valid_optional_port(&host[colon..])
        {
            (host, port) = (&host[..colon], &host[colon + 1..]);
        }
        if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            host = inner;
        }
        (host, port)
    }
}

opaque_val!(Url, URL_TYPE);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Host,
    Zone,
    Path,
    UserPassword,
    QueryComponent,
    Fragment,
}

/// RFC 3986's sub-delimiters, which both Go's `shouldEscape` (for hosts) and `validEncoded` let through.
fn is_sub_delim(c: u8) -> bool {
    matches!(c, b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=')
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && (is_sub_delim(c) || matches!(c, b':' | b'[' | b']' | b'<' | b'>' | b'"'))
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => return c == b'?',
            Mode::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::QueryComponent => return true,
            Mode::Fragment => return false,
            Mode::Host | Mode::Zone => {}
        },
        _ => {}
    }
    !(mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*'))
}

fn unhex(c: u8) -> Option<u8> {
    char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Go's `unescape`.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (Some(hi), Some(lo)) =
                    (b.get(i + 1).copied().and_then(unhex), b.get(i + 2).copied().and_then(unhex))
                else {
                    let end = (i + 3).min(b.len());
                    return Err(format!("invalid URL escape {:?}", String::from_utf8_lossy(&b[i..end])));
                };
                if mode == Mode::Host && hi < 8 && &b[i..i + 3] != b"%25" {
                    return Err(format!("invalid URL escape {:?}", String::from_utf8_lossy(&b[i..i + 3])));
                }
                out.push(hi * 16 + lo);
                i += 3;
            }
            b'+' if mode == Mode::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!("invalid character {:?} in host name", char::from(c).to_string()));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `escape(s, encodePath)`.
fn escape_path(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s {
        if should_escape(c, Mode::Path) {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(c >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(c & 15)]));
        } else {
            out.push(char::from(c));
        }
    }
    out
}

/// Go's `validEncoded(s, encodePath)`.
fn valid_encoded(s: &str) -> bool {
    s.bytes().all(|c| is_sub_delim(c) || matches!(c, b':' | b'@' | b'[' | b']' | b'%') || !should_escape(c, Mode::Path))
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty() || port.strip_prefix(':').is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Go's `getScheme`.
fn split_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".to_owned()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// Go's `parseHost`.
fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(close) = host.rfind(']') else {
            return Err("missing ']' in host".to_owned());
        };
        let colon_port = &host[close + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {colon_port:?} after host"));
        }
        if let Some(zone) = host[..close].find("%25") {
            let (a, b, c) = (&host[..zone], &host[zone..close], &host[close..]);
            return Ok(unescape(a, Mode::Host)? + &unescape(b, Mode::Zone)? + &unescape(c, Mode::Host)?);
        }
    } else if let Some(colon) = host.rfind(':') {
        let colon_port = &host[colon..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {colon_port:?} after host"));
        }
    }
    unescape(host, Mode::Host)
}

/// Go's `parseAuthority`, keeping the host only.
fn parse_authority(authority: &str) -> Result<String, String> {
    let at = authority.rfind('@');
    let host = parse_host(at.map_or(authority, |i| &authority[i + 1..]))?;
    if let Some(i) = at {
        let userinfo = &authority[..i];
        let valid = userinfo.chars().all(|r| r.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(r));
        if !valid {
            return Err("net/url: invalid userinfo".to_owned());
        }
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        unescape(user, Mode::UserPassword)?;
        unescape(password, Mode::UserPassword)?;
    }
    Ok(host)
}

/// Go's `parse(rawURL, viaRequest)`.
fn parse_go(raw: &str, via_request: bool) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_owned());
    }
    if raw.is_empty() && via_request {
        return Err("empty url".to_owned());
    }
    let mut url = Url::default();
    if raw == "*" {
        return Ok(Url { path: "*".to_owned(), raw_path: "*".to_owned(), ..Url::default() });
    }
    let (scheme, rest) = split_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    let mut rest = rest;
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((before, query)) = rest.split_once('?') {
        rest = before;
        query.clone_into(&mut url.raw_query);
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // An opaque URL (`mailto:x`): no host, no path.
            return Ok(url);
        }
        if via_request {
            return Err("invalid URI for request".to_owned());
        }
        if rest.split('/').next().is_some_and(|segment| segment.contains(':')) {
            return Err("first path segment in URL cannot contain colon".to_owned());
        }
    }
    if (!url.scheme.is_empty() || !via_request && !rest.starts_with("///")) && rest.starts_with("//") {
        let authority = &rest[2..];
        let (authority, path) = match authority.find('/') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        };
        url.host = parse_authority(authority)?;
        rest = path;
    }
    url.path = unescape(rest, Mode::Path)?;
    rest.clone_into(&mut url.raw_path);
    Ok(url)
}

/// Kubernetes' `url()`: `ParseRequestURI` to validate, then `Parse`.
pub(crate) fn parse(raw: &str) -> Result<Url, String> {
    let wrap = |e: String| format!("parse {raw:?}: {e}");
    parse_go(raw, true).map_err(wrap)?;
    let (before, fragment) = raw.split_once('#').unwrap_or((raw, ""));
    let url = parse_go(before, false).map_err(wrap)?;
    unescape(fragment, Mode::Fragment).map_err(wrap)?;
    Ok(url)
}

/// Go's `ParseQuery`, ignoring its error as `URL.Query()` does.
fn parse_query(query: &str) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for pair in query.split('&') {
        if pair.is_empty() || pair.contains(';') {
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Ok(key), Ok(value)) = (unescape(key, Mode::QueryComponent), unescape(value, Mode::QueryComponent)) else {
            continue;
        };
        m.entry(key).or_default().push(value);
    }
    m
}

pub(super) static FAMILY: Family = Family {
    name: "kube_url",
    types: &[&URL_TYPE],
    overloads: &[
        Overload::new(&["url(string) -> kubernetes.URL"], "string_to_url", to_url),
        Overload::new(&["isURL(string) -> bool"], "is_url_string", is_url),
        Overload::new(&["kubernetes.URL@getScheme() -> string"], "url_get_scheme", get_scheme),
        Overload::new(&["kubernetes.URL@getHost() -> string"], "url_get_host", get_host),
        Overload::new(&["kubernetes.URL@getHostname() -> string"], "url_get_hostname", get_hostname),
        Overload::new(&["kubernetes.URL@getPort() -> string"], "url_get_port", get_port),
        Overload::new(&["kubernetes.URL@getEscapedPath() -> string"], "url_get_escaped_path", get_escaped_path),
        Overload::new(&["kubernetes.URL@getQuery() -> map(string, list(string))"], "url_get_query", get_query),
    ],
    docs: &[
        ("url", "Kubernetes: parses a URL."),
        ("isURL", "Kubernetes: whether the string is a URL."),
        ("getScheme", "Kubernetes: the URL's scheme (`https`)."),
        ("getHost", "Kubernetes: the URL's host, with its port."),
        ("getHostname", "Kubernetes: the URL's host name, without its port."),
        ("getPort", "Kubernetes: the URL's port, or `\"\"`."),
        ("getEscapedPath", "Kubernetes: the URL's path, escaped."),
        ("getQuery", "Kubernetes: the URL's query parameters."),
    ],
    ..Family::EMPTY
};

type Out<'b, 'v> = Result<CowVal<'b, 'v>, ExecutionError>;

fn to_url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let [s] = take(args)?;
    let url = parse(str_arg("url", s.as_ref())?)
        .map_err(|e| fail("url", format!("URL parse error during conversion from string: {e}")))?;
    Ok(CowVal::owned(url))
}

fn is_url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let [s] = take(args)?;
    Ok(CowVal::owned(CelBool::from(parse_go(str_arg("isURL", s.as_ref())?, true).is_ok())))
}

fn string_of<'b, 'v>(function: &str, args: Vec<CowVal<'b, 'v>>, get: fn(&Url) -> String) -> Out<'b, 'v> {
    let [u] = take(args)?;
    Ok(CowVal::owned(CelString::from(get(arg::<Url>(function, u.as_ref())?))))
}

fn get_scheme<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string_of("getScheme", args, |u| u.scheme.clone())
}

fn get_host<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string_of("getHost", args, |u| u.host.clone())
}

fn get_hostname<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string_of("getHostname", args, |u| u.host_port().0.to_owned())
}

fn get_port<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string_of("getPort", args, |u| u.host_port().1.to_owned())
}

fn get_escaped_path<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string_of("getEscapedPath", args, Url::escaped_path)
}

fn get_query<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let [u] = take(args)?;
    let query = parse_query(&arg::<Url>("getQuery", u.as_ref())?.raw_query);
    let map: HashMap<CelMapKey<'static>, Box<dyn Val>> = query
        .into_iter()
        .map(|(k, values)| {
            let values: Vec<Box<dyn Val>> =
                values.into_iter().map(|v| Box::new(CelString::from(v)) as Box<dyn Val>).collect();
            (CelMapKey::from(k), Box::new(CelList::from(values)) as Box<dyn Val>)
        })
        .collect();
    Ok(CowVal::owned(CelMap::from(map)))
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, is_true, ok};

    #[test]
    fn getters_read_the_parts() {
        let u = "url('HTTPS://user:pw@example.com:8443/a%20b/c?x=1&x=2&y=a+b#frag')";
        assert_eq!(ok(&format!("{u}.getScheme()")), Value::from("https"));
        assert_eq!(ok(&format!("{u}.getHost()")), Value::from("example.com:8443"));
        assert_eq!(ok(&format!("{u}.getHostname()")), Value::from("example.com"));
        assert_eq!(ok(&format!("{u}.getPort()")), Value::from("8443"));
        assert_eq!(ok(&format!("{u}.getEscapedPath()")), Value::from("/a%20b/c"));
        is_true(&format!("{u}.getQuery() == {{'x': ['1', '2'], 'y': ['a b']}}"));
        assert_eq!(ok("url('https://[::1]:80/').getHostname()"), Value::from("::1"));
        assert_eq!(ok("url('https://[::1]/').getPort()"), Value::from(""));
        assert_eq!(ok("url('https://example.com').getEscapedPath()"), Value::from(""));
        assert_eq!(ok("url('/absolute/path').getHost()"), Value::from(""));
        assert_eq!(ok("url('/absolute/path').getEscapedPath()"), Value::from("/absolute/path"));
        assert_eq!(ok("url('//host/p').getHost()"), Value::from("host"), "url.Parse reads the authority");
        assert_eq!(ok("url('https://h/a b').getEscapedPath()"), Value::from("/a%20b"));
        assert_eq!(ok("url('mailto:someone@example.com').getScheme()"), Value::from("mailto"));
        is_true("url('https://h/?a=1;b=2&c=%zz&d=4').getQuery() == {'d': ['4']}");
        is_true("url('https://h/x') == url('https://h/x') && url('https://h/x') != url('https://h/y')");
    }

    #[test]
    fn is_url_takes_absolute_uris_and_paths() {
        is_true("isURL('https://example.com/') && isURL('/path') && isURL('http://h:8080') && isURL('*')");
        is_true("!isURL('example.com') && !isURL('') && !isURL('relative/path') && !isURL(':x')");
        is_true("!isURL('https://h:port/') && !isURL('https://[::1/') && !isURL('/a%zz') && !isURL('http://a b/')");
    }

    #[test]
    fn errors_carry_gos_text() {
        assert_eq!(
            error("url('example.com')"),
            "URL parse error during conversion from string: parse \"example.com\": invalid URI for request"
        );
        assert_eq!(
            error("url('https://h:x/')"),
            "URL parse error during conversion from string: parse \"https://h:x/\": invalid port \":x\" after host"
        );
        assert_eq!(
            error("url('/a%zz')"),
            "URL parse error during conversion from string: parse \"/a%zz\": invalid URL escape \"%zz\""
        );
        assert!(error("url(':x')").contains("missing protocol scheme"));
        assert!(error("url('https://h/#%zz')").contains("invalid URL escape"));
        assert!(error("url(1)").contains("no matching overload"));
        assert!(error("'https://h'.getHost()").contains("no matching overload"));
    }
}
