//! The Kubernetes regex functions (`k8s.io/apiserver/pkg/cel/library/regex.go`): `s.find(re)` (the first match, or
//! `''`), `s.findAll(re)` (every match) and `s.findAll(re, n)` (at most `n` matches; a negative `n` means all).
//! Regular expressions are RE2 syntax, which the `regex` crate implements; an invalid one is an error.

use cel::ExecutionError;
use cel::common::types::{CelList, CelString};
use cel::common::value::{CowVal, Val};
use regex::Regex;

use super::declare::{Family, Overload};
use super::{fail, int_arg, str_arg, take};

pub(super) static FAMILY: Family = Family {
    name: "kube_regex",
    overloads: &[
        Overload::new(&["string@find(string) -> string"], "string_find_string", find),
        Overload::new(&["string@findAll(string) -> list(string)"], "string_find_all_string", find_all),
        Overload::new(&["string@findAll(string, int) -> list(string)"], "string_find_all_string_int", find_all_n),
    ],
    docs: &[
        ("find", "Kubernetes: the first match of the regular expression, or `\"\"`."),
        ("findAll", "Kubernetes: every match of the regular expression (at most `n`, if given)."),
    ],
    ..Family::EMPTY
};

fn compile(function: &str, pattern: &str) -> Result<Regex, ExecutionError> {
    Regex::new(pattern).map_err(|e| fail(function, format!("error parsing regexp: {e}")))
}

fn find<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [s, re] = take(args)?;
    let re = compile("find", str_arg("find", re.as_ref())?)?;
    let found = re.find(str_arg("find", s.as_ref())?).map_or("", |m| m.as_str());
    Ok(CowVal::owned(CelString::from(found.to_owned())))
}

fn matches(s: &str, re: &Regex, limit: Option<usize>) -> CelList<'static> {
    let all = re.find_iter(s).map(|m| Box::new(CelString::from(m.as_str().to_owned())) as Box<dyn Val>);
    let items: Vec<Box<dyn Val>> = match limit {
        Some(n) => all.take(n).collect(),
        None => all.collect(),
    };
    CelList::from(items)
}

fn find_all<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [s, re] = take(args)?;
    let re = compile("findAll", str_arg("findAll", re.as_ref())?)?;
    Ok(CowVal::owned(matches(str_arg("findAll", s.as_ref())?, &re, None)))
}

fn find_all_n<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [s, re, n] = take(args)?;
    let re = compile("findAll", str_arg("findAll", re.as_ref())?)?;
    let n = int_arg("findAll", n.as_ref())?;
    // Go's FindAllString: a negative limit means no limit.
    let limit = usize::try_from(n).ok();
    Ok(CowVal::owned(matches(str_arg("findAll", s.as_ref())?, &re, limit)))
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, ok};

    fn strings(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::from(*s)).collect::<Vec<_>>().into())
    }

    #[test]
    fn find_returns_the_first_match_or_empty() {
        assert_eq!(ok("'abc 123'.find('[0-9]+')"), Value::from("123"));
        assert_eq!(ok("'abc'.find('[0-9]+')"), Value::from(""));
        assert_eq!(ok("'/api/v1/pods'.find('v[0-9]+')"), Value::from("v1"));
    }

    #[test]
    fn find_all_returns_the_matches_up_to_a_limit() {
        assert_eq!(ok("'123 abc 456'.findAll('[0-9]+')"), strings(&["123", "456"]));
        assert_eq!(ok("'abc'.findAll('[0-9]+')"), strings(&[]));
        assert_eq!(ok("'1 2 3'.findAll('[0-9]', 2)"), strings(&["1", "2"]));
        assert_eq!(ok("'1 2 3'.findAll('[0-9]', -1)"), strings(&["1", "2", "3"]));
        assert_eq!(ok("'1 2 3'.findAll('[0-9]', 0)"), strings(&[]));
    }

    #[test]
    fn an_invalid_pattern_or_argument_is_an_error() {
        assert!(error("'abc'.find('[')").starts_with("error parsing regexp"), "{}", error("'abc'.find('[')"));
        assert!(error("'abc'.findAll('(')").starts_with("error parsing regexp"));
        assert!(error("'abc'.findAll('(', 1)").starts_with("error parsing regexp"));
        assert!(error("'abc'.find(1)").contains("no matching overload"));
        assert!(error("1.find('a')").contains("no matching overload"));
        assert!(error("'abc'.findAll('a', 'b')").contains("no matching overload"));
    }
}
