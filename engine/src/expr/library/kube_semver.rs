//! The Kubernetes semver library (`k8s.io/apiserver/pkg/cel/library/semverlib.go`) at the version kro enables
//! (`SemverLib()` with no options: version 0, so no `normalize` overloads): `semver(s)`, `isSemver(s)`, and on a
//! `kubernetes.Semver` `major()`, `minor()`, `patch()`, `isLessThan(v)`, `isGreaterThan(v)` and `compareTo(v)`.
//!
//! Versions are strict Semantic Versioning 2.0.0 (the `semver` crate, like blang/semver). Comparison follows
//! precedence: build metadata is ignored, a pre-release is lower.
//! Values are [`Semver`]s, an opaque type named `kubernetes.Semver`.

use std::cmp::Ordering;

use cel::ExecutionError;
use cel::common::types::{CelBool, CelInt, Type};
use cel::common::value::CowVal;

use super::declare::{Family, Overload};
use super::opaque::{arg, opaque_val};
use super::{fail, str_arg, take};

pub(crate) static SEMVER_TYPE: Type = Type::new_unspecified_type("kubernetes.Semver");

/// A `kubernetes.Semver` value.
#[derive(Debug, Clone)]
pub(crate) struct Semver(pub semver::Version);

impl Semver {
    fn precedence(&self, other: &Semver) -> Ordering {
        let (a, b) = (&self.0, &other.0);
        (a.major, a.minor, a.patch, &a.pre).cmp(&(b.major, b.minor, b.patch, &b.pre))
    }

    fn eq_value(&self, other: &Semver) -> bool {
        self.precedence(other) == Ordering::Equal
    }
}

opaque_val!(Semver, SEMVER_TYPE);

pub(super) static FAMILY: Family = Family {
    name: "kube_semver",
    types: &[&SEMVER_TYPE],
    overloads: &[
        Overload::new(&["semver(string) -> kubernetes.Semver"], "string_to_semver", to_semver),
        Overload::new(&["isSemver(string) -> bool"], "is_semver_string", is_semver),
        Overload::new(&["kubernetes.Semver@major() -> int"], "semver_major", major),
        Overload::new(&["kubernetes.Semver@minor() -> int"], "semver_minor", minor),
        Overload::new(&["kubernetes.Semver@patch() -> int"], "semver_patch", patch),
        Overload::new(
            &["kubernetes.Semver@isLessThan(kubernetes.Semver) -> bool"],
            "semver_is_less_than",
            is_less_than,
        ),
        Overload::new(
            &["kubernetes.Semver@isGreaterThan(kubernetes.Semver) -> bool"],
            "semver_is_greater_than",
            is_greater_than,
        ),
        Overload::new(&["kubernetes.Semver@compareTo(kubernetes.Semver) -> int"], "semver_compare_to", compare_to),
    ],
    docs: &[
        ("semver", "Kubernetes: parses a semantic version (`1.2.3`)."),
        ("isSemver", "Kubernetes: whether the string is a semantic version."),
        ("major", "Kubernetes: the major version."),
        ("minor", "Kubernetes: the minor version."),
        ("patch", "Kubernetes: the patch version."),
        ("isLessThan", "Kubernetes: whether this version is lower than the other."),
        ("isGreaterThan", "Kubernetes: whether this version is higher than the other."),
        ("compareTo", "Kubernetes: -1, 0 or 1 as this version is lower, equal or higher."),
    ],
    ..Family::EMPTY
};

fn to_semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [s] = take(args)?;
    let s = str_arg("semver", s.as_ref())?;
    let version = semver::Version::parse(s).map_err(|e| fail("semver", format!("invalid semver {s:?}: {e}")))?;
    Ok(CowVal::owned(Semver(version)))
}

fn is_semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [s] = take(args)?;
    let s = str_arg("isSemver", s.as_ref())?;
    Ok(CowVal::owned(CelBool::from(semver::Version::parse(s).is_ok())))
}

fn component<'b, 'v>(
    function: &str,
    args: Vec<CowVal<'b, 'v>>,
    pick: fn(&semver::Version) -> u64,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [v] = take(args)?;
    let n = pick(&arg::<Semver>(function, v.as_ref())?.0);
    let n = i64::try_from(n).map_err(|_| fail(function, format!("{function}: {n} overflows int")))?;
    Ok(CowVal::owned(CelInt::from(n)))
}

fn major<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    component("major", args, |v| v.major)
}

fn minor<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    component("minor", args, |v| v.minor)
}

fn patch<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    component("patch", args, |v| v.patch)
}

fn compare(function: &str, args: Vec<CowVal<'_, '_>>) -> Result<Ordering, ExecutionError> {
    let [a, b] = take(args)?;
    Ok(arg::<Semver>(function, a.as_ref())?.precedence(arg::<Semver>(function, b.as_ref())?))
}

fn is_less_than<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(CelBool::from(compare("isLessThan", args)? == Ordering::Less)))
}

fn is_greater_than<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(CelBool::from(compare("isGreaterThan", args)? == Ordering::Greater)))
}

fn compare_to<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let ordering = compare("compareTo", args)?;
    Ok(CowVal::owned(CelInt::from(ordering as i64)))
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, is_true, ok};

    #[test]
    fn components_of_a_version() {
        assert_eq!(ok("semver('1.2.3').major()"), Value::Int(1));
        assert_eq!(ok("semver('1.2.3').minor()"), Value::Int(2));
        assert_eq!(ok("semver('1.2.3-rc.1+build.5').patch()"), Value::Int(3));
    }

    #[test]
    fn is_semver_is_strict() {
        is_true("isSemver('1.2.3') && isSemver('0.0.0-alpha+001')");
        is_true("!isSemver('v1.2.3') && !isSemver('1.2') && !isSemver('01.2.3') && !isSemver('')");
    }

    #[test]
    fn comparison_follows_precedence() {
        is_true("semver('1.2.3').isLessThan(semver('1.10.0'))");
        is_true("semver('2.0.0').isGreaterThan(semver('1.99.99'))");
        is_true("semver('1.0.0-alpha').isLessThan(semver('1.0.0'))");
        is_true("semver('1.0.0-alpha.1').isLessThan(semver('1.0.0-alpha.beta'))");
        assert_eq!(ok("semver('1.0.0+a').compareTo(semver('1.0.0+b'))"), Value::Int(0));
        assert_eq!(ok("semver('1.0.1').compareTo(semver('1.0.0'))"), Value::Int(1));
        assert_eq!(ok("semver('1.0.0').compareTo(semver('1.0.1'))"), Value::Int(-1));
        is_true("semver('1.0.0') == semver('1.0.0+meta') && semver('1.0.0') != semver('1.0.1')");
        is_true("type(semver('1.0.0')) == kubernetes.Semver");
    }

    #[test]
    fn malformed_versions_and_wrong_arguments_fail_with_kubernetes_messages() {
        assert!(error("semver('1.2')").starts_with("invalid semver \"1.2\""), "{}", error("semver('1.2')"));
        assert!(error("semver('v1.2.3')").contains("invalid semver"));
        // kro's library has no `normalize` overloads.
        assert!(error("semver('v1.2', true)").contains("no matching overload"));
        assert!(error("isSemver('v1.2', true)").contains("no matching overload"));
        assert!(error("semver(1)").contains("no matching overload"));
        assert!(error("semver('1.0.0').isLessThan('1.0.1')").contains("no matching overload"));
        assert!(error("'1.0.0'.major()").contains("no matching overload"));
        assert!(error("semver('99999999999999999999.0.0')").contains("invalid semver"));
    }
}
