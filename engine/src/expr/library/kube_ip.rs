//! The Kubernetes IP and CIDR libraries (`k8s.io/apiserver/pkg/cel/library/ip.go` and `cidr.go`), with Go's
//! `net/netip` semantics:
//!
//! - `ip(s)`, `isIP(s)`, `ip.isCanonical(s)`, `string(ip)`, and on a `net.IP` `family()`, `isUnspecified()`,
//!   `isLoopback()`, `isLinkLocalMulticast()`, `isLinkLocalUnicast()`, `isGlobalUnicast()`;
//! - `cidr(s)`, `isCIDR(s)`, `string(cidr)`, and on a `net.CIDR` `containsIP(ip|string)`,
//!   `containsCIDR(cidr|string)`, `ip()`, `masked()`, `prefixLength()`.
//!
//! As in Kubernetes, IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) and zones (`fe80::1%eth0`) are rejected, and
//! IPv4 octets may not have leading zeros. A CIDR keeps the address as written (`cidr('10.0.0.1/8').ip()` is
//! `10.0.0.1`; `masked()` clears the host bits). Values are [`Ip`] and [`Cidr`], opaque types named `net.IP` and
//! `net.CIDR`.

// core::net: plain address values and their parsers, no networking.
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use cel::ExecutionError;
use cel::common::types::{CelBool, CelInt, CelString, Type};
use cel::common::value::CowVal;

use super::declare::{Family, Overload};
use super::opaque::{arg, opaque_val};
use super::{fail, str_arg, take};

pub(crate) static IP_TYPE: Type = Type::new_unspecified_type("net.IP");
pub(crate) static CIDR_TYPE: Type = Type::new_unspecified_type("net.CIDR");

/// A `net.IP` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ip(pub IpAddr);

/// A `net.CIDR` value: an address as written and a prefix length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub addr: IpAddr,
    pub bits: u8,
}

impl Ip {
    fn eq_value(&self, other: &Ip) -> bool {
        self == other
    }
}

impl Cidr {
    fn eq_value(&self, other: &Cidr) -> bool {
        self == other
    }

    fn masked(&self) -> Cidr {
        Cidr { addr: mask(self.addr, self.bits), bits: self.bits }
    }

    fn contains(&self, addr: IpAddr) -> bool {
        addr.is_ipv4() == self.addr.is_ipv4() && mask(addr, self.bits) == mask(self.addr, self.bits)
    }
}

opaque_val!(Ip, IP_TYPE);
opaque_val!(Cidr, CIDR_TYPE);

/// `addr` with all but its first `bits` bits cleared.
fn mask(addr: IpAddr, bits: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let m = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

/// Parses an address as Kubernetes' `parseIPAddr` does.
pub(crate) fn parse_ip(raw: &str) -> Result<IpAddr, String> {
    if raw.contains('%') {
        return Err(format!("IP address {raw:?} with zone value is not allowed"));
    }
    let addr: IpAddr =
        raw.parse().map_err(|e| format!("IP Address {raw:?} parse error during conversion from string: {e}"))?;
    if let IpAddr::V6(v6) = addr
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("IPv4-mapped IPv6 address {raw:?} is not allowed"));
    }
    Ok(addr)
}

/// Parses a prefix as Go's `netip.ParsePrefix` and Kubernetes' `parseCIDR` do.
pub(crate) fn parse_cidr(raw: &str) -> Result<Cidr, String> {
    let err = |why: &str| {
        format!("network address parse error during conversion from string: netip.ParsePrefix({raw:?}): {why}")
    };
    let Some((addr, bits)) = raw.rsplit_once('/') else {
        return Err(err("no '/'"));
    };
    if addr.contains('%') {
        return Err(err("IPv6 zones cannot be present in a prefix"));
    }
    let addr: IpAddr = addr.parse().map_err(|e| err(&format!("ParseAddr({addr:?}): {e}")))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let valid_digits =
        !bits.is_empty() && bits.bytes().all(|b| b.is_ascii_digit()) && (bits == "0" || !bits.starts_with('0'));
    let bits = bits
        .parse::<u8>()
        .ok()
        .filter(|b| valid_digits && *b <= max)
        .ok_or_else(|| err(&format!("bad bits after slash: {bits:?}")))?;
    if let IpAddr::V6(v6) = addr
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("IPv4-mapped IPv6 address {raw:?} is not allowed"));
    }
    Ok(Cidr { addr, bits })
}

pub(super) static FAMILY: Family = Family {
    name: "kube_ip",
    types: &[&IP_TYPE, &CIDR_TYPE],
    overloads: &[
        Overload::new(&["ip(string) -> net.IP"], "string_to_ip", to_ip),
        Overload::new(&["isIP(string) -> bool"], "is_ip", is_ip),
        Overload::new(&["ip.isCanonical(string) -> bool"], "ip_is_canonical", is_canonical),
        Overload::new(&["string(net.IP) -> string"], "ip_to_string", ip_to_string),
        Overload::new(&["net.IP@family() -> int"], "ip_family", family),
        Overload::new(&["net.IP@isUnspecified() -> bool"], "ip_is_unspecified", is_unspecified),
        Overload::new(&["net.IP@isLoopback() -> bool"], "ip_is_loopback", is_loopback),
        Overload::new(&["net.IP@isLinkLocalMulticast() -> bool"], "ip_is_link_local_multicast", is_ll_multicast),
        Overload::new(&["net.IP@isLinkLocalUnicast() -> bool"], "ip_is_link_local_unicast", is_ll_unicast),
        Overload::new(&["net.IP@isGlobalUnicast() -> bool"], "ip_is_global_unicast", is_global_unicast),
        Overload::new(&["cidr(string) -> net.CIDR"], "string_to_cidr", to_cidr),
        Overload::new(&["isCIDR(string) -> bool"], "is_cidr", is_cidr),
        Overload::new(&["string(net.CIDR) -> string"], "cidr_to_string", cidr_to_string),
        Overload::new(&["net.CIDR@containsIP(string) -> bool"], "cidr_contains_ip_string", contains_ip),
        Overload::new(&["net.CIDR@containsIP(net.IP) -> bool"], "cidr_contains_ip_ip", contains_ip),
        Overload::new(&["net.CIDR@containsCIDR(string) -> bool"], "cidr_contains_cidr_string", contains_cidr),
        Overload::new(&["net.CIDR@containsCIDR(net.CIDR) -> bool"], "cidr_contains_cidr", contains_cidr),
        Overload::new(&["net.CIDR@ip() -> net.IP"], "cidr_ip", cidr_ip),
        Overload::new(&["net.CIDR@masked() -> net.CIDR"], "cidr_masked", masked),
        Overload::new(&["net.CIDR@prefixLength() -> int"], "cidr_prefix_length", prefix_length),
    ],
    docs: &[
        ("ip", "Kubernetes: parses an IP address (or, on a CIDR, its address)."),
        ("isIP", "Kubernetes: whether the string is an IP address."),
        ("ip.isCanonical", "Kubernetes: whether the IP address is written in its canonical form."),
        ("string", "The IP address or CIDR range as text."),
        ("family", "Kubernetes: 4 or 6."),
        ("isUnspecified", "Kubernetes: whether it is 0.0.0.0 or ::."),
        ("isLoopback", "Kubernetes: whether it is a loopback address."),
        ("isLinkLocalMulticast", "Kubernetes: whether it is a link-local multicast address."),
        ("isLinkLocalUnicast", "Kubernetes: whether it is a link-local unicast address."),
        ("isGlobalUnicast", "Kubernetes: whether it is a global unicast address."),
        ("cidr", "Kubernetes: parses a CIDR range (`10.0.0.0/8`)."),
        ("isCIDR", "Kubernetes: whether the string is a CIDR range."),
        ("containsIP", "Kubernetes: whether the range contains the address."),
        ("containsCIDR", "Kubernetes: whether the range contains the other range."),
        ("masked", "Kubernetes: the range with the bits past its prefix cleared."),
        ("prefixLength", "Kubernetes: the length of the range's prefix."),
    ],
    ..Family::EMPTY
};

type Result2<'b, 'v> = Result<CowVal<'b, 'v>, ExecutionError>;

fn boolean<'b, 'v>(b: bool) -> CowVal<'b, 'v> {
    CowVal::owned(CelBool::from(b))
}

fn to_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let [s] = take(args)?;
    let addr = parse_ip(str_arg("ip", s.as_ref())?).map_err(|e| fail("ip", e))?;
    Ok(CowVal::owned(Ip(addr)))
}

fn is_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let [s] = take(args)?;
    Ok(boolean(parse_ip(str_arg("isIP", s.as_ref())?).is_ok()))
}

fn is_canonical<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let [s] = take(args)?;
    let s = str_arg("ip.isCanonical", s.as_ref())?;
    let addr = parse_ip(s).map_err(|e| fail("ip.isCanonical", e))?;
    Ok(boolean(addr.to_string() == s))
}

fn ip_to_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let [ip] = take(args)?;
    Ok(CowVal::owned(CelString::from(arg::<Ip>("string", ip.as_ref())?.0.to_string())))
}

fn the_ip(function: &str, args: Vec<CowVal<'_, '_>>) -> Result<IpAddr, ExecutionError> {
    let [ip] = take(args)?;
    Ok(arg::<Ip>(function, ip.as_ref())?.0)
}

fn family<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let addr = the_ip("family", args)?;
    Ok(CowVal::owned(CelInt::from(if addr.is_ipv4() { 4 } else { 6 })))
}

fn is_unspecified<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    Ok(boolean(the_ip("isUnspecified", args)?.is_unspecified()))
}

fn is_loopback<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    Ok(boolean(the_ip("isLoopback", args)?.is_loopback()))
}

/// `224.0.0.0/24` and `ffX2::/16`, as Go's `IsLinkLocalMulticast`.
fn link_local_multicast(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.octets()[..3] == [224, 0, 0],
        IpAddr::V6(a) => a.segments()[0] & 0xff0f == 0xff02,
    }
}

/// `169.254.0.0/16` and `fe80::/10`, as Go's `IsLinkLocalUnicast`.
fn link_local_unicast(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.octets()[..2] == [169, 254],
        IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
    }
}

fn is_ll_multicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    Ok(boolean(link_local_multicast(the_ip("isLinkLocalMulticast", args)?)))
}

fn is_ll_unicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    Ok(boolean(link_local_unicast(the_ip("isLinkLocalUnicast", args)?)))
}

/// Go's `IsGlobalUnicast`: private and unique-local addresses count, broadcast does not.
fn is_global_unicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let addr = the_ip("isGlobalUnicast", args)?;
    let broadcast = addr == IpAddr::V4(Ipv4Addr::BROADCAST);
    let global = !broadcast
        && !addr.is_unspecified()
        && !addr.is_loopback()
        && !addr.is_multicast()
        && !link_local_unicast(addr);
    Ok(boolean(global))
}

fn to_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let [s] = take(args)?;
    let cidr = parse_cidr(str_arg("cidr", s.as_ref())?).map_err(|e| fail("cidr", e))?;
    Ok(CowVal::owned(cidr))
}

fn is_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let [s] = take(args)?;
    Ok(boolean(parse_cidr(str_arg("isCIDR", s.as_ref())?).is_ok()))
}

fn cidr_to_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let [c] = take(args)?;
    let c = arg::<Cidr>("string", c.as_ref())?;
    Ok(CowVal::owned(CelString::from(format!("{}/{}", c.addr, c.bits))))
}

fn contains_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let [c, other] = take(args)?;
    let c = arg::<Cidr>("containsIP", c.as_ref())?;
    let addr = match other.downcast_ref::<Ip>() {
        Some(ip) => ip.0,
        None => parse_ip(str_arg("containsIP", other.as_ref())?).map_err(|e| fail("containsIP", e))?,
    };
    Ok(boolean(c.contains(addr)))
}

fn contains_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    let [c, other] = take(args)?;
    let c = arg::<Cidr>("containsCIDR", c.as_ref())?;
    let other = match other.downcast_ref::<Cidr>() {
        Some(o) => o.clone(),
        None => parse_cidr(str_arg("containsCIDR", other.as_ref())?).map_err(|e| fail("containsCIDR", e))?,
    };
    Ok(boolean(c.bits <= other.bits && c.contains(other.addr)))
}

fn the_cidr(function: &str, args: Vec<CowVal<'_, '_>>) -> Result<Cidr, ExecutionError> {
    let [c] = take(args)?;
    Ok(arg::<Cidr>(function, c.as_ref())?.clone())
}

fn cidr_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    Ok(CowVal::owned(Ip(the_cidr("ip", args)?.addr)))
}

fn masked<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    Ok(CowVal::owned(the_cidr("masked", args)?.masked()))
}

fn prefix_length<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result2<'b, 'v> {
    Ok(CowVal::owned(CelInt::from(i64::from(the_cidr("prefixLength", args)?.bits))))
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, is_true, ok};

    #[test]
    fn ip_parses_and_prints_canonically() {
        assert_eq!(ok("string(ip('192.168.0.1'))"), Value::from("192.168.0.1"));
        assert_eq!(ok("string(ip('2001:DB8:0:0:0:0:0:1'))"), Value::from("2001:db8::1"));
        assert_eq!(ok("ip('::1').family()"), Value::Int(6));
        assert_eq!(ok("ip('10.0.0.1').family()"), Value::Int(4));
        is_true("isIP('1.2.3.4') && isIP('::') && !isIP('1.2.3') && !isIP('01.2.3.4') && !isIP('')");
        is_true("!isIP('::ffff:1.2.3.4') && !isIP('fe80::1%eth0')");
        is_true("ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:DB8::1') && !ip.isCanonical('2001:db8:0::1')");
        is_true("ip('10.0.0.1') == ip('10.0.0.1') && ip('10.0.0.1') != ip('10.0.0.2')");
        is_true("type(ip('10.0.0.1')) == net.IP");
    }

    #[test]
    fn ip_classification_follows_go() {
        is_true("ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified() && !ip('1.1.1.1').isUnspecified()");
        is_true("ip('127.0.0.5').isLoopback() && ip('::1').isLoopback() && !ip('10.0.0.1').isLoopback()");
        is_true("ip('224.0.0.1').isLinkLocalMulticast() && ip('ff02::1').isLinkLocalMulticast()");
        is_true("!ip('224.0.1.1').isLinkLocalMulticast() && !ip('ff05::1').isLinkLocalMulticast()");
        is_true("ip('169.254.1.1').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()");
        is_true("!ip('10.0.0.1').isLinkLocalUnicast()");
        is_true(
            "ip('10.0.0.1').isGlobalUnicast() && ip('8.8.8.8').isGlobalUnicast() && ip('2001:db8::1').isGlobalUnicast()",
        );
        is_true("!ip('255.255.255.255').isGlobalUnicast() && !ip('224.0.0.1').isGlobalUnicast()");
        is_true("!ip('fe80::1').isGlobalUnicast() && !ip('::1').isGlobalUnicast() && !ip('0.0.0.0').isGlobalUnicast()");
    }

    #[test]
    fn cidr_parses_and_answers_containment() {
        assert_eq!(ok("string(cidr('10.0.0.1/8'))"), Value::from("10.0.0.1/8"));
        assert_eq!(ok("string(cidr('10.0.0.1/8').masked())"), Value::from("10.0.0.0/8"));
        assert_eq!(ok("string(cidr('10.0.0.1/8').ip())"), Value::from("10.0.0.1"));
        assert_eq!(ok("cidr('2001:db8::/32').prefixLength()"), Value::Int(32));
        assert_eq!(ok("string(cidr('2001:db8::1/32').masked())"), Value::from("2001:db8::/32"));
        is_true("isCIDR('10.0.0.0/8') && isCIDR('::/0') && !isCIDR('10.0.0.0') && !isCIDR('10.0.0.0/33')");
        is_true("!isCIDR('10.0.0.0/08') && !isCIDR('::ffff:1.2.3.4/120') && !isCIDR('1.2.3.4/-1')");
        is_true("cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP('11.0.0.1')");
        is_true("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && !cidr('10.0.0.0/8').containsIP('::1')");
        is_true("cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && !cidr('10.0.0.0/16').containsCIDR('10.0.0.0/8')");
        is_true("cidr('10.0.0.0/8').containsCIDR(cidr('10.0.0.0/8')) && !cidr('10.0.0.0/8').containsCIDR('::/0')");
        is_true("cidr('0.0.0.0/0').containsIP('255.255.255.255') && cidr('::/0').containsIP('ffff::1')");
        is_true("cidr('10.0.0.0/8') == cidr('10.0.0.0/8') && cidr('10.0.0.1/8') != cidr('10.0.0.0/8')");
    }

    #[test]
    fn malformed_addresses_and_wrong_arguments_fail_with_kubernetes_messages() {
        assert!(error("ip('1.2.3')").contains("parse error during conversion from string"), "{}", error("ip('1.2.3')"));
        assert_eq!(error("ip('::ffff:1.2.3.4')"), "IPv4-mapped IPv6 address \"::ffff:1.2.3.4\" is not allowed");
        assert_eq!(error("ip('fe80::1%eth0')"), "IP address \"fe80::1%eth0\" with zone value is not allowed");
        assert!(error("ip.isCanonical('nope')").contains("parse error"));
        assert!(error("cidr('10.0.0.0')").contains("network address parse error"));
        assert!(error("cidr('10.0.0.0/40')").contains("bad bits"));
        assert!(error("cidr('10.0.0.0/8').containsIP('x')").contains("parse error"));
        assert!(error("cidr('10.0.0.0/8').containsCIDR('x')").contains("network address parse error"));
        assert!(error("ip(1)").contains("no matching overload"));
        assert!(error("cidr('10.0.0.0/8').containsIP(1)").contains("no matching overload"));
        assert!(error("'1.2.3.4'.family()").contains("no matching overload"));
    }
}
