//! `cel.bind(name, init, body)`: `body` with `name` bound to the value of `init`, evaluated once (cel-go's
//! `ext.Bindings()`). The `cel` crate has no such macro; this one expands the call as cel-go does, into a
//! comprehension over an empty list whose accumulator is the variable:
//! `__comprehension__(#unused, [], name, init, false, name, body)`.
//!
//! Only [`Env::compile`] and [`Env::parser`] expand it: the engine's bounded Pratt parser (`references.rs`)
//! expands the standard macros only, and reads `cel.bind` itself for scoping.

use cel::common::ast::{ComprehensionExpr, Expr, IdedExpr, ListExpr, LiteralValue};
use cel::parser::{Macro, MacroExprHelper, ParseError};
use cel::{DeclarationError, Env};

use super::declare::{Family, MacroDoc, MacroOn};

/// A macro only, called in the `cel` namespace; the checker types `cel.bind(...)` itself.
pub(super) static FAMILY: Family = Family {
    name: "bind",
    install: Some(install),
    macro_namespaces: &["cel"],
    macros: &[MacroDoc {
        name: "cel.bind",
        on: MacroOn::Global,
        signature: "cel.bind(name, value, expr) -> T",
        doc: "Evaluates `expr` with `name` bound to `value`.",
    }],
    ..Family::EMPTY
};

fn install(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_macro(Macro::receiver("bind", 3, expand))
}

fn expand(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Result<Option<IdedExpr>, ParseError> {
    // `x.bind(a, b, c)` on anything but the `cel` namespace is an ordinary call: decline before taking anything.
    if !matches!(target.as_ref().map(|t| &t.expr), Some(Expr::Ident(name)) if name == "cel") {
        return Ok(None);
    }
    let Some(Expr::Ident(name)) = args.first().map(|a| &a.expr) else {
        let id = args.first().map_or(helper_id(target.as_ref()), |a| a.id);
        return Err(helper.new_error(id, "cel.bind() variable names must be simple identifiers"));
    };
    let name = name.clone();
    let Ok([_, init, body]) = <[IdedExpr; 3]>::try_from(std::mem::take(args)) else {
        return Err(helper.new_error(helper_id(target.as_ref()), "cel.bind() takes three arguments"));
    };
    target.take();
    let bind = ComprehensionExpr {
        iter_range: helper.next_expr(Expr::List(ListExpr::new(Vec::new()))),
        iter_var: "#unused".to_string(),
        iter_var2: None,
        accu_var: name.clone(),
        accu_init: init,
        loop_cond: helper.next_expr(Expr::Literal(LiteralValue::Boolean(false.into()))),
        loop_step: helper.next_expr(Expr::Ident(name)),
        result: body,
    };
    Ok(Some(helper.next_expr(Expr::Comprehension(Box::new(bind)))))
}

fn helper_id(target: Option<&IdedExpr>) -> u64 {
    target.map_or(0, |t| t.id)
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::ok;
    use super::super::{Features, kro_env_with};

    #[test]
    fn bind_names_a_value_for_the_body() {
        assert_eq!(ok("cel.bind(x, 2, x * x)"), Value::Int(4));
        assert_eq!(ok("cel.bind(name, 'web', name + '-' + name)"), Value::from("web-web"));
        assert_eq!(ok("cel.bind(a, 1, cel.bind(b, a + 1, a + b))"), Value::Int(3));
    }

    #[test]
    fn bind_shadows_and_scopes_like_cel_go() {
        assert_eq!(ok("cel.bind(x, 1, cel.bind(x, x + 10, x))"), Value::Int(11));
        assert_eq!(ok("cel.bind(xs, [1, 2, 3], xs.map(x, x * 2).exists(y, y == 6))"), Value::Bool(true));
        assert_eq!(
            ok("[1, 2].map(i, cel.bind(d, i * 10, d + i))"),
            Value::List(vec![Value::Int(11), Value::Int(22)].into())
        );
    }

    #[test]
    fn bind_needs_a_simple_identifier() {
        let env = kro_env_with(Features::default()).unwrap();
        let errors = env.compile("cel.bind(a.b, 1, 2)").unwrap_err();
        assert!(errors.to_string().contains("cel.bind() variable names must be simple identifiers"), "{errors}");
        assert!(env.compile("cel.bind('a', 1, 2)").is_err());
    }

    #[test]
    fn bind_on_another_target_is_an_ordinary_call() {
        let env = kro_env_with(Features::default()).unwrap();
        let program = env.compile("x.bind(a, 1, 2)").unwrap();
        assert!(program.references().has_variable("x"));
        assert!(program.references().has_function("bind"));
    }
}
