//! Parsing CEL and finding the variables an expression reads. Resource ids among them become DAG edges.
//!
//! The `cel` crate's parser is used behind this module only (see docs/decisions/0002-cel-parser.md), so the CEL
//! implementation can change without touching the graph.

use std::collections::BTreeSet;

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue, operators};
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
        self.field_reads().into_iter().map(|(root, _)| root).collect()
    }

    /// What the expression reads of each free variable, as field paths: `deployment.spec.selector.matchLabels`
    /// reads `["spec", "selector", "matchLabels"]` of `deployment`, `x["a"]` and `x.?a` read `["a"]` of `x`. A
    /// variable used whole (passed to a function, indexed by a number or a computed key past some path) reads
    /// what lies under the path written so far: `[]` is all of it. Hosts use these to cache only the fields
    /// plans read.
    pub(crate) fn field_reads(&self) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        reads(&self.ast, &mut Vec::new(), &mut out);
        out
    }
}

/// `e` as a chain of field selections from a variable: the variable and the fields, outermost last.
fn chain(e: &IdedExpr) -> Option<(&str, Vec<String>)> {
    match &e.expr {
        Expr::Ident(name) => Some((name.as_str(), Vec::new())),
        Expr::Select(select) => {
            let (root, mut path) = chain(&select.operand)?;
            path.push(select.field.clone());
            Some((root, path))
        }
        // `x["a"]`, `x.?a` and `x[?"a"]`: the parser writes them as calls with a string key.
        Expr::Call(call)
            if call.target.is_none()
                && [operators::INDEX, operators::OPT_SELECT, operators::OPT_INDEX]
                    .contains(&call.func_name.as_str()) =>
        {
            let [operand, IdedExpr { expr: Expr::Literal(LiteralValue::String(key)), .. }] = call.args.as_slice()
            else {
                return None;
            };
            let (root, mut path) = chain(operand)?;
            path.push(key.inner().to_string());
            Some((root, path))
        }
        _ => None,
    }
}

fn reads(e: &IdedExpr, locals: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    if let Some((root, path)) = chain(e) {
        if !locals.iter().any(|l| l == root) {
            out.push((root.to_string(), path));
        }
        return;
    }
    match &e.expr {
        Expr::Select(select) => reads(&select.operand, locals, out),
        Expr::Call(call) => {
            if call.func_name == "bind"
                && let (Some(target), [IdedExpr { expr: Expr::Ident(var), .. }, init, body]) =
                    (&call.target, call.args.as_slice())
                && matches!(&target.expr, Expr::Ident(ns) if ns == "cel")
            {
                reads(init, locals, out);
                locals.push(var.clone());
                reads(body, locals, out);
                locals.pop();
                return;
            }
            // `runtime.newCondition({type: ..., status: ...})`: kro's macro reads the map's bare identifier keys as
            // field names, not variables.
            if call.func_name == "newCondition"
                && let (Some(target), [IdedExpr { expr: Expr::Map(map), .. }]) = (&call.target, call.args.as_slice())
                && matches!(&target.expr, Expr::Ident(ns) if ns == "runtime")
            {
                reads(target, locals, out);
                for entry in &map.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(m) => {
                            if !matches!(m.key.expr, Expr::Ident(_)) {
                                reads(&m.key, locals, out);
                            }
                            reads(&m.value, locals, out);
                        }
                        EntryExpr::StructField(f) => reads(&f.value, locals, out),
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
                reads(target, locals, out);
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
                    reads(arg, locals, out);
                }
                locals.truncate(depth);
                return;
            }
            for arg in &call.args {
                reads(arg, locals, out);
            }
        }
        Expr::Comprehension(c) => {
            reads(&c.iter_range, locals, out);
            reads(&c.accu_init, locals, out);
            let depth = locals.len();
            locals.push(c.iter_var.clone());
            locals.extend(c.iter_var2.iter().cloned());
            locals.push(c.accu_var.clone());
            reads(&c.loop_cond, locals, out);
            reads(&c.loop_step, locals, out);
            reads(&c.result, locals, out);
            locals.truncate(depth);
        }
        Expr::List(list) => list.elements.iter().for_each(|el| reads(el, locals, out)),
        Expr::Map(map) => map.entries.iter().for_each(|entry| reads_entry(&entry.expr, locals, out)),
        Expr::Struct(st) => st.entries.iter().for_each(|entry| reads_entry(&entry.expr, locals, out)),
        // An identifier is a chain of no field, handled above.
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn reads_entry(entry: &EntryExpr, locals: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    match entry {
        EntryExpr::MapEntry(m) => {
            reads(&m.key, locals, out);
            reads(&m.value, locals, out);
        }
        EntryExpr::StructField(f) => reads(&f.value, locals, out),
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

    fn reads(src: &str) -> Vec<(String, String)> {
        parse_cel(src).unwrap().field_reads().into_iter().map(|(root, path)| (root, path.join("."))).collect()
    }

    #[test]
    fn field_reads_follow_selections_and_string_keys_and_stop_at_computed_ones() {
        let r = |root: &str, path: &str| (root.to_string(), path.to_string());
        assert_eq!(reads("deployment.spec.selector.matchLabels"), [r("deployment", "spec.selector.matchLabels")]);
        assert_eq!(reads("x['a'].b + y.?c.d"), [r("x", "a.b"), r("y", "c.d")]);
        assert_eq!(reads("d.spec.containers[0].name"), [r("d", "spec.containers")], "an index reads the whole list");
        assert_eq!(reads("d.status.conditions.exists(c, c.type == 'Ready')"), [r("d", "status.conditions")]);
        assert_eq!(reads("json.marshal(configmap)"), [r("configmap", "")], "a variable used whole");
        assert_eq!(reads("has(svc.spec.clusterIP)"), [r("svc", "spec.clusterIP")]);
        assert_eq!(reads("m[schema.spec.key]"), [r("m", ""), r("schema", "spec.key")]);
        assert_eq!(reads("cel.bind(n, a.b, n.c)"), [r("a", "b")], "a bound name is not a variable");
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
