//! The opaque values of the Kubernetes libraries (`kubernetes.Quantity`, `net.IP`, ...): Rust types implementing
//! the `cel` crate's [`Val`](cel::common::value::Val) under the type names kro's checker uses, so overloads
//! are picked by them and `type(x)` names them. Equality is each type's own (`quantity('1k') == quantity('1000')`).

/// Implements `Val` (and `StaticVal`) for `$ty`, a `'static` type with `Clone` and an `eq_value(&self, &Self)`,
/// as the CEL type `$cel`.
macro_rules! opaque_val {
    ($ty:ty, $cel:ident) => {
        impl cel::common::value::Val for $ty {
            fn get_type(&self) -> &cel::common::types::Type {
                &$cel
            }
            fn cel_type() -> &'static cel::common::types::Type {
                &$cel
            }
            fn equals(&self, other: &dyn cel::common::value::Val) -> bool {
                other.downcast_ref::<$ty>().is_some_and(|o| self.eq_value(o))
            }
            fn clone_as_boxed<'v>(&self) -> Box<dyn cel::common::value::Val + 'v> {
                Box::new(self.clone())
            }
            fn as_any(&self) -> Option<&dyn std::any::Any> {
                Some(self)
            }
        }
        impl cel::common::value::StaticVal for $ty {}
    };
}

pub(super) use opaque_val;

/// The `T` argument of an overload declared for it; another type is reported, not a panic.
pub(super) fn arg<'a, T: cel::common::value::StaticVal>(
    function: &str,
    value: &'a (dyn cel::common::value::Val + '_),
) -> Result<&'a T, cel::ExecutionError> {
    value
        .downcast_ref::<T>()
        .ok_or_else(|| cel::ExecutionError::no_such_overload(function, vec![value.get_type().name().to_owned()]))
}
