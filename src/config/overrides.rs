//! `key.path=value` assignments applied to a TOML tree.
//!
//! One mechanism serves `--set` on the command line, `overrides` in scenario
//! files, sweep parameters, scheduled policy changes and checkpoint branches,
//! so every one of them is validated the same way as a config file.
//!
//! Path syntax: dotted keys; a list entry is picked by index (`labs[3]`) or by
//! name (`chips[H200]` or `chips.H200`), where the name matches an entry's
//! `name`, `code`, `id` or `chip` field, or `<chip>_<dest>` for export rules.
//! `-key.path` (no `=`) removes a key, so an optional setting from a base file
//! can be switched off.

use toml::Value;

/// User text in a message: short and escaped.
fn q(s: &str) -> String {
    crate::io::quote::quote(s)
}

/// One step of a parsed path.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Select(String),
}

/// Split `path=value` and parse the value as a TOML literal (a bare word is a string).
pub fn split_assignment(assignment: &str) -> Result<(String, Value), String> {
    let (path, raw) = assignment.split_once('=').ok_or_else(|| {
        format!(
            "`{}` is not of the form key.path=value (or -key.path to remove a key)",
            q(assignment)
        )
    })?;
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("`{}` has an empty key path", q(assignment)));
    }
    Ok((path.to_string(), parse_literal(raw.trim())))
}

/// Parse a TOML literal; anything that is not one is taken as a plain string.
pub fn parse_literal(raw: &str) -> Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| Value::String(raw.to_string())),
        Err(_) => Value::String(raw.to_string()),
    }
}

fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && rest.is_empty() {
            return Err(format!("empty segment in key path `{}`", q(path)));
        }
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .ok_or_else(|| format!("unclosed `[` in key path `{}`", q(path)))?;
            let sel = rest[1..close].trim();
            if !rest.starts_with('[') || sel.is_empty() {
                return Err(format!("malformed selector in key path `{}`", q(path)));
            }
            steps.push(Step::Select(sel.to_string()));
            rest = &rest[close + 1..];
        }
    }
    Ok(steps)
}

/// Does a list entry answer to `name`?
fn entry_matches(entry: &Value, name: &str) -> bool {
    let Some(t) = entry.as_table() else {
        return false;
    };
    let field = |k: &str| t.get(k).and_then(Value::as_str);
    if ["name", "code", "id", "chip"]
        .iter()
        .any(|k| field(k) == Some(name))
    {
        return true;
    }
    matches!((field("chip"), field("dest")), (Some(c), Some(d)) if format!("{c}_{d}") == name)
}

fn select<'a>(list: &'a mut [Value], sel: &str, shown: &str) -> Result<&'a mut Value, String> {
    if let Ok(i) = sel.parse::<usize>() {
        let n = list.len();
        return list.get_mut(i).ok_or_else(|| {
            format!(
                "`{}`: index {i} is out of range (the list has {n} entries)",
                q(shown)
            )
        });
    }
    let names: Vec<String> = list
        .iter()
        .filter_map(|e| e.as_table())
        .filter_map(|t| {
            ["name", "code", "id", "chip"]
                .iter()
                .find_map(|k| t.get(*k).and_then(Value::as_str))
        })
        .map(str::to_string)
        .collect();
    list.iter_mut()
        .find(|e| entry_matches(e, sel))
        .ok_or_else(|| {
            format!(
                "`{}`: no entry named `{}` (known: {})",
                q(shown),
                q(sel),
                q(&names.join(", "))
            )
        })
}

/// Set `path` to `value` inside `root`. Intermediate tables and list entries must exist;
/// Step from `node` into its child named by `step`, extending `shown` (the path so far).
fn descend<'a>(
    node: &'a mut Value,
    step: &Step,
    shown: &mut String,
) -> Result<&'a mut Value, String> {
    match step {
        Step::Key(k) => {
            if !shown.is_empty() {
                shown.push('.');
            }
            shown.push_str(k);
            match node {
                Value::Table(t) => t
                    .get_mut(k)
                    .ok_or_else(|| format!("`{}`: no such key", q(shown))),
                Value::Array(list) => select(list, k, shown),
                _ => Err(format!("`{}`: cannot descend into a plain value", q(shown))),
            }
        }
        Step::Select(sel) => {
            shown.push_str(&format!("[{sel}]"));
            let Value::Array(list) = node else {
                return Err(format!(
                    "`{}`: `[{}]` selects a list entry, but this key is not a list",
                    q(shown),
                    q(sel)
                ));
            };
            select(list, sel, shown)
        }
    }
}

/// Walk to the parent of the last step; returns it with the last step and the path shown so far.
fn parent_of<'a>(root: &'a mut Value, path: &str) -> Result<(&'a mut Value, Step, String), String> {
    let mut steps = parse_path(path)?;
    let last = steps
        .pop()
        .ok_or_else(|| format!("empty key path `{}`", q(path)))?;
    let mut node = root;
    let mut shown = String::new();
    for step in &steps {
        node = descend(node, step, &mut shown)?;
    }
    Ok((node, last, shown))
}

/// Set `path` to `value` inside `root`. Intermediate tables and list entries must exist;
/// the last key may be new (the schema check that follows rejects unknown keys).
pub fn apply(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let (parent, last, mut shown) = parent_of(root, path)?;
    if let (Step::Key(k), Value::Table(t)) = (&last, &mut *parent) {
        let coerced = coerce_like(t.get(k), value);
        t.insert(k.clone(), coerced);
        return Ok(());
    }
    *descend(parent, &last, &mut shown)? = value;
    Ok(())
}

/// The value at `path` inside `root` (the path syntax of [`apply`]): lets a
/// caller tell whether an overlay changed a parameter before it draws that
/// parameter itself (`airace scenarios --uncertainty`). Takes `&mut` only
/// because it shares the walk of [`apply`]; it changes nothing.
pub fn get<'a>(root: &'a mut Value, path: &str) -> Result<&'a Value, String> {
    let (parent, last, mut shown) = parent_of(root, path)?;
    descend(parent, &last, &mut shown).map(|v| &*v)
}

/// Remove the key at `path`, so an optional setting inherited from a base file
/// falls back to "not set" (e.g. switching off an adaptive policy rule).
pub fn remove(root: &mut Value, path: &str) -> Result<(), String> {
    let (parent, last, _) = parent_of(root, path)?;
    match (last, parent) {
        (Step::Key(k), Value::Table(t)) => t
            .remove(&k)
            .map(|_| ())
            .ok_or_else(|| format!("`{}`: no such key to remove", q(path))),
        _ => Err(format!(
            "`{}`: only a key of a table can be removed",
            q(path)
        )),
    }
}

/// Keep `1` meaning `1.0` where the key currently holds a float.
fn coerce_like(existing: Option<&Value>, value: Value) -> Value {
    match (existing, value) {
        (Some(Value::Float(_)), Value::Integer(i)) => Value::Float(i as f64),
        (_, v) => v,
    }
}

/// The label of a list entry in a canonical path: `<chip>_<dest>` for an export
/// rule, else its `code`, `id`, `name` or `chip` (a country's code, as validation names it).
fn entry_label(entry: &Value) -> Option<String> {
    let t = entry.as_table()?;
    let field = |k: &str| t.get(k).and_then(Value::as_str);
    if let (Some(c), Some(d)) = (field("chip"), field("dest")) {
        return Some(format!("{c}_{d}"));
    }
    ["code", "id", "name", "chip"]
        .iter()
        .find_map(|k| field(k))
        .map(str::to_string)
}

/// The segments of a key path with list entries named rather than numbered
/// (`countries[0].gdp_usd_tn` -> `countries`, `US`, `gdp_usd_tn`), so an
/// assignment and a validation message about the same value can be matched
/// however each picked the entry. A path that does not parse is split on dots.
pub fn canonical(root: &Value, path: &str) -> Vec<String> {
    let path = path.trim().trim_start_matches('-');
    let path = path.split('=').next().unwrap_or(path).trim();
    let Ok(steps) = parse_path(path) else {
        return path.split('.').map(str::to_string).collect();
    };
    let mut node = Some(root);
    let mut out = Vec::with_capacity(steps.len());
    for step in &steps {
        let (Step::Key(s) | Step::Select(s)) = step;
        let (next, label) = match node {
            Some(Value::Table(t)) => (t.get(s), s.clone()),
            Some(Value::Array(list)) => {
                let e = match s.parse::<usize>() {
                    Ok(i) => list.get(i),
                    Err(_) => list.iter().find(|e| entry_matches(e, s)),
                };
                (e, e.and_then(entry_label).unwrap_or_else(|| s.clone()))
            }
            _ => (None, s.clone()),
        };
        out.push(label);
        node = next;
    }
    out
}

/// Parse and apply one `path=value` assignment.
pub fn apply_assignment(root: &mut Value, assignment: &str) -> Result<(), String> {
    if let Some(path) = assignment.strip_prefix('-').filter(|p| !p.contains('=')) {
        return remove(root, path.trim());
    }
    let (path, value) = split_assignment(assignment)?;
    apply(root, &path, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        toml::from_str(
            r#"
            [firms]
            count = 10
            p = 0.5
            [[chips]]
            name = "H100"
            price_usd = 1.0
            [[chips]]
            name = "H200"
            price_usd = 2.0
            [[export]]
            chip = "H200"
            dest = "CN"
            rule = "ban"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn sets_scalars_and_list_entries() {
        let mut v = sample();
        apply_assignment(&mut v, "firms.count=20").unwrap();
        apply_assignment(&mut v, "firms.p=1").unwrap();
        apply_assignment(&mut v, "chips[H200].price_usd=3.5").unwrap();
        apply_assignment(&mut v, "chips[0].price_usd=4.5").unwrap();
        apply_assignment(&mut v, "chips.H100.name=\"A100\"").unwrap();
        apply_assignment(&mut v, "export[H200_CN].rule=license").unwrap();
        assert_eq!(v["firms"]["count"].as_integer(), Some(20));
        assert_eq!(v["firms"]["p"].as_float(), Some(1.0));
        assert_eq!(v["chips"][1]["price_usd"].as_float(), Some(3.5));
        assert_eq!(v["chips"][0]["price_usd"].as_float(), Some(4.5));
        assert_eq!(v["chips"][0]["name"].as_str(), Some("A100"));
        assert_eq!(v["export"][0]["rule"].as_str(), Some("license"));
    }

    #[test]
    fn bad_paths_are_explained() {
        let mut v = sample();
        assert!(apply_assignment(&mut v, "firms.count")
            .unwrap_err()
            .contains("key.path=value"));
        assert!(apply_assignment(&mut v, "nope.count=1")
            .unwrap_err()
            .contains("no such key"));
        assert!(apply_assignment(&mut v, "chips[B300].price_usd=1")
            .unwrap_err()
            .contains("known: H100, H200"));
        assert!(apply_assignment(&mut v, "chips[9].price_usd=1")
            .unwrap_err()
            .contains("out of range"));
        assert!(apply_assignment(&mut v, "firms[0].p=1")
            .unwrap_err()
            .contains("not a list"));
        assert!(apply_assignment(&mut v, "firms..p=1")
            .unwrap_err()
            .contains("empty segment"));
        assert!(apply_assignment(&mut v, "chips[0.price=1")
            .unwrap_err()
            .contains("unclosed"));
    }

    #[test]
    fn keys_can_be_removed() {
        let mut v = sample();
        apply_assignment(&mut v, "-firms.p").unwrap();
        assert!(v["firms"].get("p").is_none());
        assert!(apply_assignment(&mut v, "-firms.p")
            .unwrap_err()
            .contains("no such key"));
        assert!(apply_assignment(&mut v, "-chips[0]")
            .unwrap_err()
            .contains("only a key"));
        apply_assignment(&mut v, "-chips[H200].price_usd").unwrap();
        assert!(v["chips"][1].get("price_usd").is_none());
    }

    #[test]
    fn literals() {
        assert_eq!(parse_literal("3"), Value::Integer(3));
        assert_eq!(parse_literal("true"), Value::Boolean(true));
        assert_eq!(parse_literal("ban"), Value::String("ban".into()));
        assert_eq!(parse_literal("\"a b\""), Value::String("a b".into()));
        assert_eq!(parse_literal("[1, 2]").as_array().map(|a| a.len()), Some(2));
    }
}
