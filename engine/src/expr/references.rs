//! Parsing CEL and finding the variables an expression reads. Resource ids among them become DAG edges.
//!
//! The `cel` crate's parser is used behind this module only (see docs/decisions/0002-cel-parser.md), so the CEL
//! implementation can change without touching the graph.

use std::collections::BTreeSet;

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::parser::PrattParser;

use super::library::function_namespaces;

/// A parsed CEL expression.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    ast: IdedExpr,
}

/// A CEL syntax error: the message and the 1-based line and 0-based column inside the expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CelSyntaxError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for CelSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at {}:{})", self.message, self.line, self.column + 1)
    }
}

/// Macros whose leading bare-identifier arguments declare iteration variables for the remaining arguments
/// (`list.map(x, x * 2)`, `map.all(k, v, v > 0)`, `transformMap`, ...).
const BINDING_MACROS: &[&str] = &[
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "map",
    "filter",
    "transformList",
    "transformMap",
    "transformMapEntry",
    "sortBy",
    "optMap",
    "optFlatMap",
];

/// Deepest nesting of an expression (parentheses, calls, lists, operators) we parse. cel-go's default is 250;
/// real expressions stay far below, and the bound keeps a hostile one from exhausting the stack.
pub(super) const MAX_NESTING: u16 = 100;

/// Longest expression we parse, in characters. kro's expressions are a line or two; this leaves ample room and
/// bounds the work a single `${...}` can cause.
pub(super) const MAX_EXPRESSION_CHARS: usize = 4096;

/// Most AST nodes in one expression. Operator chains (`a + a + ...`) build left-deep trees that every later
/// pass walks recursively, so their size is bounded too.
pub(super) const MAX_NODES: usize = 1024;

/// Longest run of prefix operators (`!!!x`, `--1`); the parser recurses once per operator.
const MAX_PREFIX_RUN: usize = 32;

fn check_size(source: &str) -> Result<(), CelSyntaxError> {
    let too_big = |message: String| Err(CelSyntaxError { message, line: 1, column: 0 });
    let chars = source.chars().count();
    if chars > MAX_EXPRESSION_CHARS {
        return too_big(format!("the expression is {chars} characters long; the limit is {MAX_EXPRESSION_CHARS}"));
    }
    let mut run = 0;
    for c in source.chars() {
        run = if matches!(c, '!' | '-') {
            run + 1
        } else if c.is_whitespace() {
            run
        } else {
            0
        };
        if run > MAX_PREFIX_RUN {
            return too_big(format!("more than {MAX_PREFIX_RUN} prefix operators in a row"));
        }
    }
    Ok(())
}

/// Parses `source` as CEL (optional syntax `?.`/`[?` enabled, as in kro).
pub(crate) fn parse_cel(source: &str) -> Result<Parsed, CelSyntaxError> {
    check_size(source)?;
    let parser = PrattParser::new()
        .enable_optional_syntax(true)
        .max_recursion_depth(MAX_NESTING)
        .max_expression_node_count(MAX_NODES);
    match parser.parse(source) {
        Ok(ast) => Ok(Parsed { ast }),
        Err(errors) => {
            let first = errors.errors.first();
            Err(CelSyntaxError {
                message: first.map_or_else(|| "invalid expression".to_string(), |e| e.msg.clone()),
                line: first.map_or(1, |e| usize::try_from(e.pos.0).unwrap_or(1).max(1)),
                column: first.map_or(0, |e| usize::try_from(e.pos.1).unwrap_or(0)),
            })
        }
    }
}

impl Parsed {
    /// The expression's syntax tree (for the type checker).
    pub(crate) fn ast(&self) -> &IdedExpr {
        &self.ast
    }

    /// The free variables the expression reads (not iteration variables or `cel.bind` names), sorted.
    pub(crate) fn variables(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        walk(&self.ast, &mut Vec::new(), &mut out);
        out
    }
}

fn walk(e: &IdedExpr, locals: &mut Vec<String>, out: &mut BTreeSet<String>) {
    match &e.expr {
        Expr::Ident(name) => {
            if !locals.iter().any(|l| l == name) {
                out.insert(name.clone());
            }
        }
        Expr::Select(select) => walk(&select.operand, locals, out),
        Expr::Call(call) => {
            if call.func_name == "bind"
                && let (Some(target), [IdedExpr { expr: Expr::Ident(var), .. }, init, body]) =
                    (&call.target, call.args.as_slice())
                && matches!(&target.expr, Expr::Ident(ns) if ns == "cel")
            {
                walk(init, locals, out);
                locals.push(var.clone());
                walk(body, locals, out);
                locals.pop();
                return;
            }
            // `runtime.newCondition({type: ..., status: ...})`: kro's macro reads the map's bare identifier keys as
            // field names, not variables.
            if call.func_name == "newCondition"
                && let (Some(target), [IdedExpr { expr: Expr::Map(map), .. }]) = (&call.target, call.args.as_slice())
                && matches!(&target.expr, Expr::Ident(ns) if ns == "runtime")
            {
                walk(target, locals, out);
                for entry in &map.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(m) => {
                            if !matches!(m.key.expr, Expr::Ident(_)) {
                                walk(&m.key, locals, out);
                            }
                            walk(&m.value, locals, out);
                        }
                        EntryExpr::StructField(f) => walk(&f.value, locals, out),
                    }
                }
                return;
            }
            let namespaced = match call.target.as_deref() {
                Some(IdedExpr { expr: Expr::Ident(ns), .. }) => {
                    function_namespaces().contains(&ns.as_str()) && !locals.contains(ns)
                }
                _ => false,
            };
            if let Some(target) = &call.target
                && !namespaced
            {
                walk(target, locals, out);
            }
            if call.target.is_some() && BINDING_MACROS.contains(&call.func_name.as_str()) {
                let declared: Vec<String> = call
                    .args
                    .iter()
                    .take(call.args.len().saturating_sub(1))
                    .map_while(|a| match &a.expr {
                        Expr::Ident(name) => Some(name.clone()),
                        _ => None,
                    })
                    .collect();
                let depth = locals.len();
                locals.extend(declared.iter().cloned());
                for arg in &call.args[declared.len()..] {
                    walk(arg, locals, out);
                }
                locals.truncate(depth);
                return;
            }
            for arg in &call.args {
                walk(arg, locals, out);
            }
        }
        Expr::Comprehension(c) => {
            walk(&c.iter_range, locals, out);
            walk(&c.accu_init, locals, out);
            let depth = locals.len();
            locals.push(c.iter_var.clone());
            locals.extend(c.iter_var2.iter().cloned());
            locals.push(c.accu_var.clone());
            walk(&c.loop_cond, locals, out);
            walk(&c.loop_step, locals, out);
            walk(&c.result, locals, out);
            locals.truncate(depth);
        }
        Expr::List(list) => list.elements.iter().for_each(|el| walk(el, locals, out)),
        Expr::Map(map) => map.entries.iter().for_each(|entry| walk_entry(&entry.expr, locals, out)),
        Expr::Struct(st) => st.entries.iter().for_each(|entry| walk_entry(&entry.expr, locals, out)),
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn walk_entry(entry: &EntryExpr, locals: &mut Vec<String>, out: &mut BTreeSet<String>) {
    match entry {
        EntryExpr::MapEntry(m) => {
            walk(&m.key, locals, out);
            walk(&m.value, locals, out);
        }
        EntryExpr::StructField(f) => walk(&f.value, locals, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(src: &str) -> Vec<String> {
        parse_cel(src).unwrap().variables().into_iter().collect()
    }

    #[test]
    fn variables_are_the_roots_of_field_paths() {
        assert_eq!(vars("schema.spec.name"), vec!["schema"]);
        assert_eq!(
            vars("deployment.status.availableReplicas > 0 && service.spec.clusterIP != ''"),
            vec!["deployment", "service"]
        );
        assert_eq!(vars("has(a.b) ? a.b : c[0]"), vec!["a", "c"]);
    }

    #[test]
    fn iteration_and_bound_variables_are_not_references() {
        assert_eq!(vars("items.map(x, x.name + y)"), vec!["items", "y"]);
        assert_eq!(vars("m.all(k, v, v > k.size())"), vec!["m"]);
        assert_eq!(vars("cel.bind(n, schema.spec.name, n + n)"), vec!["schema"]);
        assert_eq!(vars("items.exists(i, i == other)"), vec!["items", "other"]);
    }

    #[test]
    fn namespaced_functions_are_not_variables() {
        assert_eq!(vars("random.seededString(8, schema.metadata.uid)"), vec!["schema"]);
        assert_eq!(vars("json.marshal(configmap.data)"), vec!["configmap"]);
        assert_eq!(vars("schema.spec.?image.orValue('nginx')"), vec!["schema"]);
    }

    #[test]
    fn hostile_expressions_are_refused_not_crashed_on() {
        for src in [
            format!("{}1", "-".repeat(5000)),
            format!("{}true", "!".repeat(5000)),
            vec!["a"; 3000].join("+"),
            format!("{}x{}", "size(".repeat(3000), ")".repeat(3000)),
            format!("{}{}", "[".repeat(5000), "]".repeat(5000)),
            format!("{}2", "true ? 1 : ".repeat(2000)),
        ] {
            let result = parse_cel(&src).map(|p| p.variables());
            assert!(result.is_err(), "{}...", &src[..20]);
        }
        // Parentheses alone add no nodes; deep ones must simply not crash.
        let _ = parse_cel(&format!("{}x{}", "(".repeat(2000), ")".repeat(2000)));
        assert!(parse_cel(&["a"; 400].join(" + ")).is_ok(), "long but reasonable chains still parse");
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse_cel("schema.spec.").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(!err.message.is_empty());
    }
}
