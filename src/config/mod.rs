//! Loading a configuration: file → overlays → `--set` → typed → validated.
//!
//! The pipeline works on a raw TOML tree until the very end, so that scenario
//! overlays (`base = "../baseline.toml"`), `overrides = [...]` lists, command
//! line `--set` assignments, sweep parameters and scheduled policy changes all
//! go through the same two steps: deserialise with unknown keys denied, then
//! check every value against its allowed range.

pub mod overrides;
mod policy;
pub mod schema;
mod structure;
mod validate;

use std::path::{Path, PathBuf};

pub use schema::*;
use toml::Value;

use crate::error::{Error, Result};

/// Deepest overlay chain accepted (guards against absurd nesting).
const MAX_OVERLAY_DEPTH: usize = 16;

/// A configuration together with where it came from.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    /// The validated configuration (schedule entries not yet applied).
    pub config: Config,
    /// The file given by the user.
    pub source: PathBuf,
    /// The overlay chain, the given file first and the root base last.
    pub chain: Vec<PathBuf>,
    /// Command-line assignments that were applied.
    pub sets: Vec<String>,
}

impl LoadedConfig {
    /// The resolved config as TOML text: what `config.toml` holds and what the hash covers.
    pub fn resolved_toml(&self) -> String {
        to_toml(&self.config)
    }

    /// A label for error messages: the file, plus the overlay chain when there is one.
    pub fn origin(&self) -> String {
        origin_label(&self.chain)
    }
}

/// Serialise a config the canonical way.
pub fn to_toml(config: &Config) -> String {
    toml::to_string(config).unwrap_or_else(|e| format!("# could not serialise config: {e}\n"))
}

fn origin_label(chain: &[PathBuf]) -> String {
    let names: Vec<String> = chain.iter().map(|p| crate::io::quote::path(p)).collect();
    names.join(" <- base ")
}

/// Load `path` (following `base` overlays), apply `sets`, deserialise and validate.
pub fn load(path: &Path, sets: &[String]) -> Result<LoadedConfig> {
    ConfigFile::read(path)?.load(sets)
}

/// A config file read and merged with its overlay bases, before any `--set`.
///
/// A sweep loads the same file once per run with different assignments; reading
/// and parsing it is most of that cost, so the executor reads it once into this
/// and applies each run's assignments to a copy. The file is also read exactly
/// once per sweep, so an edit made while the sweep runs cannot mix two versions.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    /// The merged document (the file over its bases, its `overrides` applied).
    value: Value,
    /// The file given by the user.
    source: PathBuf,
    /// The overlay chain, the given file first and the root base last.
    chain: Vec<PathBuf>,
}

impl ConfigFile {
    /// Read `path` and its overlay bases.
    pub fn read(path: &Path) -> Result<Self> {
        let mut chain = Vec::new();
        let value = load_tree(path, &mut chain)?;
        Ok(ConfigFile {
            value,
            source: path.to_path_buf(),
            chain,
        })
    }

    /// Apply `sets`, deserialise and validate: exactly [`load`] of the same file.
    pub fn load(&self, sets: &[String]) -> Result<LoadedConfig> {
        let origin = origin_label(&self.chain);
        let mut value = self.value.clone();
        apply_sets(&mut value, sets)?;
        let config = from_value(value, &origin, sets)?;
        Ok(LoadedConfig {
            config,
            source: self.source.clone(),
            chain: self.chain.clone(),
            sets: sets.to_vec(),
        })
    }
}

/// Apply command-line style assignments, blaming the `--set` that fails.
///
/// The same key set twice is refused with both assignments named: which one
/// "wins" is exactly the kind of silent surprise a seeded experiment must not have.
fn apply_sets(value: &mut Value, sets: &[String]) -> Result<()> {
    // Compared by canonical path, so `countries[0].x` and `countries[US].x` are one key.
    let keys: Vec<Vec<String>> = sets
        .iter()
        .map(|s| overrides::canonical(value, s))
        .collect();
    for (i, a) in sets.iter().enumerate() {
        if let Some(j) = (i + 1..sets.len()).find(|&j| keys[j] == keys[i]) {
            return Err(Error::config(
                format!("--set {} and --set {}", quote(a), quote(&sets[j])),
                quote(a.split('=').next().unwrap_or(a).trim()),
                "the same key is set twice; keep one",
            ));
        }
    }
    for s in sets {
        overrides::apply_assignment(value, s).map_err(|m| {
            Error::config(
                format!("--set {}", quote(s)),
                quote(s.split('=').next().unwrap_or(s).trim()),
                m,
            )
        })?;
    }
    Ok(())
}

fn quote(s: &str) -> String {
    crate::io::quote::quote(s)
}

/// Parse config text that has no `base` (used by tests and `config.toml` in run folders).
pub fn from_str(text: &str, origin: &str) -> Result<Config> {
    let value: Value = toml::from_str(text).map_err(|e| syntax_error(origin, &e))?;
    from_value(value, origin, &[])
}

fn syntax_error(origin: &str, e: &toml::de::Error) -> Error {
    let key = e
        .span()
        .map(|s| format!("bytes {}..{}", s.start, s.end))
        .unwrap_or_else(|| "(syntax)".into());
    Error::config(origin, key, format!("not valid TOML: {}", e.message()))
}

/// Read a file and merge it over its `base` chain.
fn load_tree(path: &Path, chain: &mut Vec<PathBuf>) -> Result<Value> {
    let shown = {
        let mut c = chain.clone();
        c.push(path.to_path_buf());
        origin_label(&c)
    };
    let shown = || shown.clone();
    if chain.len() >= MAX_OVERLAY_DEPTH {
        return Err(Error::config(
            shown(),
            "base",
            format!("overlay chain deeper than {MAX_OVERLAY_DEPTH} files"),
        ));
    }
    let canonical = path
        .canonicalize()
        .map_err(|e| Error::config(shown(), "(file)", format!("cannot read: {e}")))?;
    if chain
        .iter()
        .any(|p| p.canonicalize().ok().as_deref() == Some(canonical.as_path()))
    {
        return Err(Error::config(shown(), "base", "cycle in overlay bases"));
    }
    chain.push(path.to_path_buf());
    let text = crate::io::read::try_read_text(path, crate::io::read::Cap::Config)
        .map_err(|e| Error::config(shown(), "(file)", e.to_string()))?;
    let mut value: Value =
        toml::from_str(&text).map_err(|e| syntax_error(&origin_label(chain), &e))?;
    let table = value
        .as_table_mut()
        .ok_or_else(|| Error::config(shown(), "(file)", "not a TOML table"))?;
    let base = table.remove("base");
    let overlay_sets = table.remove("overrides");
    let mut merged = match base {
        None => value,
        Some(Value::String(b)) => {
            let base_path = path.parent().unwrap_or(Path::new(".")).join(b);
            let mut base_value = load_tree(&base_path, chain)?;
            merge(&mut base_value, value);
            base_value
        }
        Some(_) => {
            return Err(Error::config(
                shown(),
                "base",
                "must be a path string, e.g. base = \"../baseline.toml\"",
            ))
        }
    };
    if let Some(list) = overlay_sets {
        let items = list.as_array().cloned().unwrap_or_default();
        for item in items {
            let s = item.as_str().ok_or_else(|| {
                Error::config(
                    crate::io::quote::path(path),
                    "overrides",
                    "entries must be strings `key.path=value`",
                )
            })?;
            overrides::apply_assignment(&mut merged, s).map_err(|m| {
                Error::config(
                    crate::io::quote::path(path),
                    format!("overrides: {}", quote(s)),
                    m,
                )
            })?;
        }
    }
    Ok(merged)
}

/// Deep-merge `over` into `base`: tables merge key by key, anything else is replaced.
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Table(b), Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Deserialise a tree (unknown keys denied), validate it, and check its schedule.
pub fn from_value(value: Value, origin: &str, sets: &[String]) -> Result<Config> {
    let config = typed(&value, origin, sets)?;
    validate::validate(&config).map_err(|(key, msg)| blame(&value, origin, sets, key, msg))?;
    // Every scheduled change must itself give a valid config.
    let mut staged = value;
    for (i, entry) in config.schedule.iter().enumerate() {
        for s in &entry.set {
            let key = format!("schedule[{i}].set");
            overrides::apply_assignment(&mut staged, s)
                .map_err(|m| Error::config(origin, &key, m))?;
        }
        let at = typed(&staged, origin, sets)?;
        validate::validate(&at).map_err(|(k, m)| {
            Error::config(
                origin,
                format!("schedule[{i}] (tick {}) -> {k}", entry.tick),
                m,
            )
        })?;
        validate::same_structure(&config, &at)
            .map_err(|m| Error::config(origin, format!("schedule[{i}].set"), m))?;
    }
    Ok(config)
}

fn typed(value: &Value, origin: &str, sets: &[String]) -> Result<Config> {
    serde_path_to_error::deserialize::<_, Config>(value.clone()).map_err(|e| {
        let key = e.path().to_string();
        // The TOML error repeats the key path on a second line ("in `firms`"): keep the first.
        let msg = e
            .inner()
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        // serde repeats the bad value whole (`invalid type: string "…"`): blame shortens it.
        blame(value, origin, sets, key, msg)
    })
}

/// Name the `--set` assignment when the bad key came from one. Paths are compared
/// segment by segment with list entries named (`countries[0]` is `countries[US]`),
/// and the last matching assignment is blamed: it is the one that took effect.
fn blame(root: &Value, origin: &str, sets: &[String], key: String, msg: String) -> Error {
    let k = overrides::canonical(root, &key);
    let culprit = sets.iter().rev().find(|s| {
        let p = overrides::canonical(root, s);
        let n = p.len().min(k.len());
        n > 0 && p[..n] == k[..n]
    });
    // Validation messages can hold names from the file (`unknown chip `…``).
    let msg = crate::io::quote::terminal(&msg);
    match culprit {
        Some(s) => Error::config(format!("{origin} (--set {})", quote(s)), quote(&key), msg),
        None => Error::config(origin, quote(&key), msg),
    }
}

/// The config in force at `tick`: the base config with every schedule entry whose tick ≤ `tick` applied.
pub fn config_at_tick(base: &Config, tick: u32) -> Result<Config> {
    if !base.schedule.iter().any(|e| e.tick <= tick) {
        return Ok(base.clone());
    }
    let mut value = Value::try_from(base).map_err(|e| Error::Failed(format!("config: {e}")))?;
    for entry in base.schedule.iter().filter(|e| e.tick <= tick) {
        for s in &entry.set {
            overrides::apply_assignment(&mut value, s)
                .map_err(|m| Error::config("schedule", quote(s), m))?;
        }
    }
    typed(&value, "schedule", &[])
}

/// Apply branch assignments (from `resume --set`) to a config.
pub fn with_sets(base: &Config, sets: &[String], origin: &str) -> Result<Config> {
    let mut value = Value::try_from(base).map_err(|e| Error::Failed(format!("config: {e}")))?;
    apply_sets(&mut value, sets)?;
    let cfg = from_value(value, origin, sets)?;
    validate::same_structure(base, &cfg).map_err(|m| Error::config(origin, "--set", m))?;
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_read_once_loads_like_load() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        // An overlay, so the base chain is part of what is kept.
        let overlay = root.join("configs/scenarios/strict_controls.toml");
        let file = ConfigFile::read(&overlay).unwrap();
        for sets in [vec![], vec!["firms.count=3000".to_string()]] {
            let once = file.load(&sets).unwrap();
            let fresh = load(&overlay, &sets).unwrap();
            assert_eq!(to_toml(&once.config), to_toml(&fresh.config));
            assert_eq!((&once.chain, &once.sets), (&fresh.chain, &fresh.sets));
        }
        // Each load starts from the file, not from the previous run's assignments.
        assert_ne!(file.load(&[]).unwrap().config.firms.count, 3000);
        let e = file
            .load(&["firms.count=-1".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("firms.count"), "{e}");
    }

    #[test]
    fn removing_a_key_resets_an_option_and_is_validated() {
        let tiny = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/tiny.toml");
        let key = "policy.china.block_all_foreign_at_self_sufficiency";
        assert!(load(&tiny, &[])
            .unwrap()
            .config
            .policy
            .china
            .block_all_foreign_at_self_sufficiency
            .is_some());
        let off = load(&tiny, &[format!("-{key}")]).unwrap();
        assert_eq!(
            off.config
                .policy
                .china
                .block_all_foreign_at_self_sufficiency,
            None
        );
        let e = load(&tiny, &["-firms.count".to_string()]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("missing field `count`")
                && e.to_string().contains("--set -firms.count"),
            "{e}"
        );
    }

    #[test]
    fn merge_overlays_tables_and_replaces_values() {
        let mut base: Value = toml::from_str("a = 1\n[t]\nx = 1\ny = 2\n").unwrap();
        let over: Value = toml::from_str("[t]\ny = 3\nz = 4\n").unwrap();
        merge(&mut base, over);
        assert_eq!(base["t"]["x"].as_integer(), Some(1));
        assert_eq!(base["t"]["y"].as_integer(), Some(3));
        assert_eq!(base["t"]["z"].as_integer(), Some(4));
        assert_eq!(base["a"].as_integer(), Some(1));
    }
}
