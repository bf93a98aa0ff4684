//! The Kubernetes quantity library (`k8s.io/apiserver/pkg/cel/library/quantity.go`): `quantity(s)`,
//! `isQuantity(s)`, `sign(q)` (global, as the API server declares it), and on a `kubernetes.Quantity` `isInteger()`, `asInteger()`,
//! `asApproximateFloat()`, `add(q|int)`, `sub(q|int)`, `compareTo(q)`, `isLessThan(q)`, `isGreaterThan(q)`.
//!
//! Values are [`Quantity`]s (parsed and compared in [`crate::kube::quantity`], apimachinery's rules), an opaque
//! type named `kubernetes.Quantity`.

use std::cmp::Ordering;

use cel::ExecutionError;
use cel::common::types::{CelBool, CelDouble, CelInt, Type};
use cel::common::value::CowVal;

use super::declare::{Family, Overload};
use super::opaque::{arg, opaque_val};
use super::{fail, int_arg, str_arg, take};
use crate::kube::quantity::{Quantity, parse};

pub(crate) static QUANTITY_TYPE: Type = Type::new_unspecified_type("kubernetes.Quantity");

opaque_val!(Quantity, QUANTITY_TYPE);

pub(super) static FAMILY: Family = Family {
    name: "kube_quantity",
    types: &[&QUANTITY_TYPE],
    overloads: &[
        Overload::new(&["quantity(string) -> kubernetes.Quantity"], "string_to_quantity", to_quantity),
        Overload::new(&["isQuantity(string) -> bool"], "is_quantity_string", is_quantity),
        // Declared global by the API server's library (`sign(q)`), whatever its documentation says.
        Overload::new(&["sign(kubernetes.Quantity) -> int"], "quantity_sign", sign),
        Overload::new(&["kubernetes.Quantity@isInteger() -> bool"], "quantity_is_integer", is_integer),
        Overload::new(&["kubernetes.Quantity@asInteger() -> int"], "quantity_get_value", as_integer),
        Overload::new(
            &["kubernetes.Quantity@asApproximateFloat() -> double"],
            "quantity_get_fraction",
            as_approximate_float,
        ),
        Overload::new(&["kubernetes.Quantity@add(kubernetes.Quantity) -> kubernetes.Quantity"], "quantity_add", add),
        Overload::new(&["kubernetes.Quantity@add(int) -> kubernetes.Quantity"], "quantity_add_int", add),
        Overload::new(&["kubernetes.Quantity@sub(kubernetes.Quantity) -> kubernetes.Quantity"], "quantity_sub", sub),
        Overload::new(&["kubernetes.Quantity@sub(int) -> kubernetes.Quantity"], "quantity_sub_int", sub),
        Overload::new(
            &["kubernetes.Quantity@compareTo(kubernetes.Quantity) -> int"],
            "quantity_compare_to",
            compare_to,
        ),
        Overload::new(&["kubernetes.Quantity@isLessThan(kubernetes.Quantity) -> bool"], "quantity_less", is_less_than),
        Overload::new(
            &["kubernetes.Quantity@isGreaterThan(kubernetes.Quantity) -> bool"],
            "quantity_greater",
            is_greater_than,
        ),
    ],
    docs: &[
        ("quantity", "Kubernetes: parses a resource quantity (`500m`, `1Gi`)."),
        ("isQuantity", "Kubernetes: whether the string is a quantity."),
        ("sign", "Kubernetes: -1, 0 or 1 as the quantity is negative, zero or positive."),
        ("isInteger", "Kubernetes: whether the quantity is a whole number."),
        ("asInteger", "Kubernetes: the quantity as an integer (an error when it is not one)."),
        ("asApproximateFloat", "Kubernetes: the quantity as a floating-point number."),
        ("add", "Kubernetes: the sum of the quantities."),
        ("sub", "Kubernetes: the difference of the quantities."),
        ("compareTo", "Kubernetes: -1, 0 or 1 as this quantity is smaller, equal or larger."),
        ("isLessThan", "Kubernetes: whether this quantity is smaller than the other."),
        ("isGreaterThan", "Kubernetes: whether this quantity is larger than the other."),
    ],
    ..Family::EMPTY
};

type Out<'b, 'v> = Result<CowVal<'b, 'v>, ExecutionError>;

fn to_quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let [s] = take(args)?;
    let q = parse(str_arg("quantity", s.as_ref())?).map_err(|e| fail("quantity", e))?;
    Ok(CowVal::owned(q))
}

fn is_quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let [s] = take(args)?;
    Ok(CowVal::owned(CelBool::from(parse(str_arg("isQuantity", s.as_ref())?).is_ok())))
}

fn one(function: &str, args: Vec<CowVal<'_, '_>>) -> Result<Quantity, ExecutionError> {
    let [q] = take(args)?;
    Ok(arg::<Quantity>(function, q.as_ref())?.clone())
}

fn sign<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelInt::from(one("sign", args)?.sign())))
}

fn is_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelBool::from(one("isInteger", args)?.as_int64().is_some())))
}

fn as_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let value =
        one("asInteger", args)?.as_int64().ok_or_else(|| fail("asInteger", "cannot convert value to integer"))?;
    Ok(CowVal::owned(CelInt::from(value)))
}

fn as_approximate_float<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelDouble::from(one("asApproximateFloat", args)?.as_approximate_float())))
}

/// The two operands of `add`/`sub`: an `int` right-hand side is `NewQuantity(i, DecimalExponent)`.
fn two(function: &str, args: Vec<CowVal<'_, '_>>) -> Result<(Quantity, Quantity), ExecutionError> {
    let [a, b] = take(args)?;
    let a = arg::<Quantity>(function, a.as_ref())?.clone();
    let b = match b.downcast_ref::<Quantity>() {
        Some(q) => q.clone(),
        None => Quantity::int(int_arg(function, b.as_ref())?, 0),
    };
    Ok((a, b))
}

fn add<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let (a, b) = two("add", args)?;
    Ok(CowVal::owned(a.add(&b).map_err(|e| fail("add", e))?))
}

fn sub<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let (a, b) = two("sub", args)?;
    Ok(CowVal::owned(a.add(&b.negated()).map_err(|e| fail("sub", e))?))
}

fn compare(function: &str, args: Vec<CowVal<'_, '_>>) -> Result<Ordering, ExecutionError> {
    let (a, b) = two(function, args)?;
    Ok(a.cmp_value(&b))
}

fn compare_to<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelInt::from(compare("compareTo", args)? as i64)))
}

fn is_less_than<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelBool::from(compare("isLessThan", args)? == Ordering::Less)))
}

fn is_greater_than<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelBool::from(compare("isGreaterThan", args)? == Ordering::Greater)))
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, is_true, ok};
    #[test]
    fn quantities_parse_compare_and_do_arithmetic_as_kubernetes_does() {
        is_true("isQuantity('1.5Gi') && isQuantity('500m') && !isQuantity('1Xi') && !isQuantity('')");
        is_true("quantity('1Gi') == quantity('1024Mi') && quantity('1k') == quantity('1000')");
        is_true("quantity('1k') != quantity('1Ki')");
        assert_eq!(ok("sign(quantity('-3'))"), Value::Int(-1));
        assert_eq!(ok("sign(quantity('0'))"), Value::Int(0));
        assert_eq!(ok("sign(quantity('5m'))"), Value::Int(1));
        assert_eq!(ok("quantity('1Ki').asInteger()"), Value::Int(1024));
        assert_eq!(ok("quantity('2k').asInteger()"), Value::Int(2000));
        is_true("quantity('1').isInteger() && quantity('1e3').isInteger() && !quantity('500m').isInteger()");
        is_true("!quantity('1000m').isInteger()");
        assert_eq!(ok("quantity('500m').asApproximateFloat()"), Value::Float(0.5));
        assert_eq!(ok("quantity('1.5Gi').asApproximateFloat()"), Value::Float(1_610_612_736.0));
        is_true("quantity('1Gi').add(quantity('512Mi')) == quantity('1.5Gi')");
        is_true("quantity('1').add(2) == quantity('3') && quantity('1').add(2).isInteger()");
        is_true("quantity('500m').add(quantity('500m')) == quantity('1')");
        is_true("quantity('1').sub(quantity('250m')) == quantity('750m')");
        is_true("quantity('1k').sub(1) == quantity('999')");
        assert_eq!(ok("quantity('1k').compareTo(quantity('999'))"), Value::Int(1));
        assert_eq!(ok("quantity('1Mi').compareTo(quantity('1048576'))"), Value::Int(0));
        assert_eq!(ok("quantity('-1').compareTo(quantity('1m'))"), Value::Int(-1));
        is_true("quantity('100m').isLessThan(quantity('1')) && quantity('2Gi').isGreaterThan(quantity('2G'))");
        is_true("!quantity('1').isLessThan(quantity('1000m'))");
        is_true("quantity('-2').isLessThan(quantity('-1')) && quantity('1e30').isGreaterThan(quantity('8Ei'))");
        is_true("type(quantity('1')) == kubernetes.Quantity");
    }

    #[test]
    fn malformed_quantities_and_wrong_arguments_fail_with_kubernetes_messages() {
        assert_eq!(error("quantity('1Xi')"), crate::kube::quantity::FORMAT_WRONG);
        assert_eq!(error("quantity('1iK')"), "unable to parse quantity's suffix");
        assert_eq!(error("quantity('500m').asInteger()"), "cannot convert value to integer");
        assert_eq!(error("quantity('9Ei').asInteger()"), "cannot convert value to integer");
        assert!(error("quantity(1)").contains("no matching overload"));
        assert!(error("quantity('1').add('1')").contains("no matching overload"));
        assert!(error("quantity('1').isLessThan(1)").contains("no matching overload"));
        assert!(error("sign('1')").contains("no matching overload"));
    }
}
