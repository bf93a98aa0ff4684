//! Where the `cel` crate's conversions differ from cel-go's, the program is rewritten to call ours (measured
//! against cel-go v0.31 by the `cel-fn-standard` fixture):
//! - `string(double)` is Go's `strconv.FormatFloat(f, 'g', -1, 64)`: `1e+06`, `1.234567e+06`, `1e-05`,
//!   `+Inf` (the crate writes `1000000`, `1234567`, `0.00001`, `inf`). `string(x)` becomes
//!   `@kro.string(x, string(x))`: the double case is formatted here, every other type keeps the crate's text.
//! - `bool(string)` is Go's `strconv.ParseBool`, which also takes `T` and `F`. `bool(x)` becomes `@kro.bool(x)`.

use cel::common::ast::{CallExpr, Expr, IdedExpr};
use cel::common::types::{BOOL_TYPE, CelBool, CelDouble, CelString, DYN_TYPE, STRING_TYPE};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};

const STRING: &str = "@kro.string";
const BOOL: &str = "@kro.bool";

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload(STRING, "kro_string_dyn", vec![DYN_TYPE, STRING_TYPE], string)?;
    env.add_overload(BOOL, "kro_bool_string", vec![STRING_TYPE], bool_of_string)?;
    env.add_overload(BOOL, "kro_bool_bool", vec![BOOL_TYPE], bool_of_bool)
}

fn string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [value, text] = take(args)?;
    match value.downcast_ref::<CelDouble>() {
        Some(d) => Ok(CowVal::owned(CelString::from(go_float(*d.inner())))),
        None => Ok(text),
    }
}

fn bool_of_bool<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [value] = take(args)?;
    Ok(value)
}

fn bool_of_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [value] = take(args)?;
    let text = value.downcast_ref::<CelString>().map(|s| s.inner().to_string()).unwrap_or_default();
    let parsed = match text.as_str() {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => true,
        "0" | "f" | "F" | "FALSE" | "false" | "False" => false,
        _ => {
            return Err(ExecutionError::function_error(
                "bool",
                format!("type conversion error from 'string' to 'bool': {text:?}"),
            ));
        }
    };
    Ok(CowVal::owned(CelBool::from(parsed)))
}

fn take<'b, 'v, const N: usize>(args: Vec<CowVal<'b, 'v>>) -> Result<[CowVal<'b, 'v>; N], ExecutionError> {
    args.try_into().map_err(|args: Vec<_>| ExecutionError::invalid_argument_count(N, args.len()))
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: the shortest digits that read back, in exponent form when the
/// decimal exponent is below -4 or at least 6 (a two-digit exponent at least: `1e+06`, `1e-05`).
pub(super) fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".to_string() } else { "-Inf".to_string() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".to_string() } else { "0".to_string() };
    }
    // Rust's `{:e}` gives the shortest round-tripping digits: `1.234567e6`, `-5e-5`.
    let scientific = format!("{f:e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else { return format!("{f}") };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) {
        // Plain decimal; Rust's `{}` is the shortest round-tripping decimal too.
        return format!("{f}");
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
}

/// Rewrites `string(x)` and `bool(x)` calls (global, one argument) as described above.
pub(super) fn rewrite(expr: IdedExpr, next_id: &mut u64) -> IdedExpr {
    let IdedExpr { id, expr } = expr;
    let expr = match expr {
        Expr::Call(mut call) => {
            call.target = call.target.map(|t| Box::new(rewrite(*t, next_id)));
            call.args = call.args.into_iter().map(|a| rewrite(a, next_id)).collect();
            if call.target.is_none() && call.args.len() == 1 {
                match call.func_name.as_str() {
                    "string" => {
                        let original = IdedExpr { id, expr: Expr::Call(call.clone()) };
                        *next_id += 1;
                        let argument = call.args.remove(0);
                        return IdedExpr {
                            id: *next_id,
                            expr: Expr::Call(CallExpr {
                                func_name: STRING.to_string(),
                                target: None,
                                args: vec![argument, original],
                            }),
                        };
                    }
                    "bool" => call.func_name = BOOL.to_string(),
                    _ => {}
                }
            }
            Expr::Call(call)
        }
        Expr::Comprehension(mut c) => {
            c.iter_range = rewrite(c.iter_range, next_id);
            c.accu_init = rewrite(c.accu_init, next_id);
            c.loop_cond = rewrite(c.loop_cond, next_id);
            c.loop_step = rewrite(c.loop_step, next_id);
            c.result = rewrite(c.result, next_id);
            Expr::Comprehension(c)
        }
        Expr::Select(mut s) => {
            s.operand = Box::new(rewrite(*s.operand, next_id));
            Expr::Select(s)
        }
        Expr::List(mut l) => {
            l.elements = l.elements.into_iter().map(|e| rewrite(e, next_id)).collect();
            Expr::List(l)
        }
        Expr::Map(mut m) => {
            m.entries = super::ast::map_entries(m.entries, &mut |e| rewrite(e, next_id));
            Expr::Map(m)
        }
        Expr::Struct(mut s) => {
            s.entries = super::ast::map_entries(s.entries, &mut |e| rewrite(e, next_id));
            Expr::Struct(s)
        }
        other @ (Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified) => other,
    };
    IdedExpr { id, expr }
}

#[cfg(test)]
mod tests {
    use super::go_float;

    #[test]
    fn doubles_format_as_go_does() {
        for (f, go) in [
            (1e6, "1e+06"),
            (1_234_567.0, "1.234567e+06"),
            (0.00001, "1e-05"),
            (1e21, "1e+21"),
            (123_456.0, "123456"),
            (0.0001, "0.0001"),
            (-0.0, "-0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (2.5, "2.5"),
            (-1.5e-7, "-1.5e-07"),
            (1.610_612_736e9, "1.610612736e+09"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (1e100, "1e+100"),
        ] {
            assert_eq!(go_float(f), go, "{f}");
        }
    }
}
