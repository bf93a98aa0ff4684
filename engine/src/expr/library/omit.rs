//! `omit()` (kro's `pkg/cel/library/omit.go`): a sentinel value meaning "leave this field out". When a template
//! field's expression evaluates to it, the field (or list element) is removed from the rendered object instead
//! of being written: `policy: ${schema.spec.policy != "" ? schema.spec.policy : omit()}`.
//!
//! An alpha function behind kro's `CELOmitFunction` feature gate, off by default: [`super::kro_env_with`]
//! registers it only when [`super::Features::omit`] is set, and the graph build rejects it otherwise, and
//! where kro does (outside templates, on `metadata.name`, ...). The sentinel is an opaque value of type
//! `kro.omit`; whoever renders a template checks each field's value with [`is_omit`] before converting it to
//! JSON (the conversion itself has no JSON form for it and fails).

use cel::ExecutionError;
use cel::common::types::Type;
use cel::common::value::{CowVal, Val};

use super::declare::{Family, Gate, Overload};
use super::opaque::opaque_val;
use super::take;

/// The CEL type of the sentinel, named as in kro.
pub(crate) static OMIT_TYPE: Type = Type::new_unspecified_type("kro.omit");

/// The value `omit()` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Omit;

impl Omit {
    /// kro makes comparing the sentinel an error; a `Val`'s equality cannot fail, so here the sentinel equals
    /// itself and nothing else.
    #[allow(clippy::unused_self, clippy::trivially_copy_pass_by_ref)] // the shape `opaque_val!` expects
    fn eq_value(&self, _other: &Omit) -> bool {
        true
    }
}

opaque_val!(Omit, OMIT_TYPE);

/// `omit()` is typed by the checker itself (it checks the feature gate there), so its overload is unchecked.
pub(super) static FAMILY: Family = Family {
    name: "omit",
    gate: Some(Gate::Omit),
    types: &[&OMIT_TYPE],
    overloads: &[Overload::unchecked(&["omit() -> kro.omit"], "omit_void", omit)],
    docs: &[("omit", "kro (CELOmitFunction gate): leaves the template field out.")],
    ..Family::EMPTY
};

fn omit<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [] = take(args)?;
    Ok(CowVal::owned(Omit))
}

/// Whether `value` is the `omit()` sentinel: the field holding it is to be removed from the rendered object.
pub(crate) fn is_omit(value: &dyn Val) -> bool {
    value.downcast_ref::<Omit>().is_some()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cel::{Context, ExecutionError, Value};

    use super::super::{Features, kro_env_with};
    use super::is_omit;

    fn eval_with_omit(expr: &str) -> Result<Value, ExecutionError> {
        let env = Arc::new(kro_env_with(Features { omit: true }).unwrap());
        let program = env.compile(expr).unwrap();
        program.execute(&Context::with_env(env))
    }

    /// Whether `expr` evaluates to the sentinel (read as a `Val`: the sentinel has no `Value` form).
    fn sentinel(expr: &str) -> bool {
        let env = Arc::new(kro_env_with(Features { omit: true }).unwrap());
        let program = env.compile(expr).unwrap();
        let context = Context::with_env(env);
        let value = Value::resolve_val(program.expression(), &context).unwrap();
        is_omit(value.as_ref())
    }

    #[test]
    fn omit_returns_the_sentinel_when_the_feature_is_on() {
        assert!(sentinel("omit()"));
        assert!(sentinel("1 > 2 ? 'x' : omit()"));
        assert!(!sentinel("1 < 2 ? 'x' : omit()"));
        assert!(!sentinel("'omit'"));
        assert!(sentinel("[omit(), 1][0]"));
        assert_eq!(eval_with_omit("omit() == omit()"), Ok(Value::Bool(true)));
        assert_eq!(eval_with_omit("[omit(), 1].size()"), Ok(Value::Int(2)));
    }

    #[test]
    fn omit_takes_no_arguments() {
        assert!(eval_with_omit("omit(1)").is_err());
    }

    #[test]
    fn omit_is_undeclared_when_the_feature_is_off() {
        let env = Arc::new(kro_env_with(Features::default()).unwrap());
        let program = env.compile("omit()").unwrap();
        let error = program.execute(&Context::with_env(Arc::clone(&env))).unwrap_err();
        assert!(error.to_string().contains("omit"), "{error}");
    }
}
