//! Which parameters are uncertain, how, and why: the `[uncertainty]` section.
//!
//! A baseline run is one world. To turn "the US leads" into "the US leads in
//! 64% of plausible worlds" the analyst must say which inputs are uncertain,
//! over what range, and on what evidence: that is this spec. Two kinds of
//! inputs are kept apart on purpose (EMA Workbench's distinction):
//!
//! - **factors** (uncertainties) are facts about the world nobody controls —
//!   a talent elasticity, a chip yield. Designs *sample* them and the
//!   sensitivity indices apportion the outcome's variance among them;
//! - **levers** are policy choices (an export rule). They are never sampled as
//!   if nature drew them: a study is repeated, or crossed, per lever setting.
//!
//! Each factor carries a `source` string because an unsourced range is a
//! guess; reviewers read these next to `docs/calibration.md`.
//!
//! ```toml
//! [uncertainty]
//! dummy = true                 # add a factor the model ignores (noise check)
//!
//! [[uncertainty.factors]]
//! path = "lab_dynamics.talent_elasticity"
//! distribution = "uniform"     # uniform | log_uniform | triangular | discrete
//! range = [0.2, 0.6]
//! source = "chosen; literature spans 0.2-0.6"
//!
//! [[uncertainty.levers]]
//! path = "policy.us.export[H200_CN].rule"
//! values = ["ban", "license", "allow"]
//! source = "the three rules on the table in 2026"
//! ```
//!
//! Designs work in the unit hypercube; [`Factor::value_at`] maps a unit
//! coordinate to a parameter value through the distribution's inverse CDF,
//! so every design (Sobol, Morris, LHS) supports every distribution.

use serde::Deserialize;

use super::{AnalysisError, Result};
use crate::math;

/// Name of the factor the model ignores, present when `dummy = true`.
pub const DUMMY: &str = "dummy";

/// Raw TOML layer of the `[uncertainty]` section (validated by [`UncertaintySpec::from_raw`]).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawUncertainty {
    /// Append a `dummy` factor the model never reads.
    #[serde(default)]
    pub dummy: bool,
    /// Uncertain parameters.
    #[serde(default)]
    pub factors: Vec<RawFactor>,
    /// Policy levers.
    #[serde(default)]
    pub levers: Vec<RawLever>,
}

/// Raw form of one factor: every distribution's keys are optional here, and
/// validation says which ones a given distribution needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFactor {
    /// Short name used in tables (default: the path).
    pub name: Option<String>,
    /// Dotted config path as accepted by `--set`.
    pub path: String,
    /// `uniform`, `log_uniform`, `triangular` or `discrete`.
    pub distribution: String,
    /// `[min, max]` for the continuous distributions.
    pub range: Option<[f64; 2]>,
    /// Peak of a triangular distribution.
    pub mode: Option<f64>,
    /// The values of a discrete distribution (equally likely).
    pub values: Option<Vec<DiscreteValue>>,
    /// Where the range comes from.
    pub source: String,
}

/// Raw form of a policy lever.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLever {
    /// Short name (default: the path).
    pub name: Option<String>,
    /// Dotted config path.
    pub path: String,
    /// The settings to compare.
    pub values: Vec<DiscreteValue>,
    /// Why these settings.
    pub source: String,
}

/// A value a discrete factor or lever takes, typed as TOML typed it (the
/// string `"1"` and the integer `1` differ in a config).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DiscreteValue {
    /// A TOML integer.
    Integer(i64),
    /// A TOML float.
    Float(f64),
    /// A TOML boolean.
    Boolean(bool),
    /// A TOML string.
    String(String),
}

impl DiscreteValue {
    /// The value as a TOML literal for `--set`.
    pub fn to_toml(&self) -> String {
        match self {
            DiscreteValue::Integer(i) => i.to_string(),
            DiscreteValue::Float(f) => format_float(*f),
            DiscreteValue::Boolean(b) => b.to_string(),
            DiscreteValue::String(s) => toml::Value::String(s.clone()).to_string(),
        }
    }

    /// The number an estimator sees: the value itself when numeric, else `None`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            DiscreteValue::Integer(i) => Some(*i as f64),
            DiscreteValue::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// A float as a TOML literal that always reads back as a float.
pub fn format_float(f: f64) -> String {
    let s = format!("{f:?}");
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("nan") {
        s
    } else {
        format!("{s}.0")
    }
}

/// A validated distribution over one parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Equally likely anywhere in `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound (> min).
        max: f64,
    },
    /// Uniform in log space: for rates and costs whose plausible values span
    /// decades, where "between 0.01 and 1" means each decade is as likely.
    LogUniform {
        /// Lower bound (> 0).
        min: f64,
        /// Upper bound (> min).
        max: f64,
    },
    /// A best guess (`mode`) with hard limits: the usual elicitation format.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value, in `[min, max]`.
        mode: f64,
        /// Upper bound (> min).
        max: f64,
    },
    /// A finite list of equally likely values (model variants, integer counts).
    Discrete(Vec<DiscreteValue>),
}

impl Distribution {
    /// The value at unit coordinate `u` in `[0, 1)` (inverse CDF).
    pub fn quantile(&self, u: f64) -> ParamValue {
        let u = u.clamp(0.0, 1.0);
        match self {
            Distribution::Uniform { min, max } => ParamValue::Number(min + u * (max - min)),
            Distribution::LogUniform { min, max } => {
                let (a, b) = (math::ln(*min), math::ln(*max));
                ParamValue::Number(math::exp(a + u * (b - a)).clamp(*min, *max))
            }
            Distribution::Triangular { min, mode, max } => {
                ParamValue::Number(triangular_quantile(*min, *mode, *max, u))
            }
            Distribution::Discrete(values) => {
                let k = ((u * values.len() as f64) as usize).min(values.len() - 1);
                ParamValue::Discrete(values[k].clone())
            }
        }
    }

    /// `(min, max)` of the support as numbers (discrete: the index range when
    /// the values are not all numeric).
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Distribution::Uniform { min, max }
            | Distribution::LogUniform { min, max }
            | Distribution::Triangular { min, max, .. } => (*min, *max),
            Distribution::Discrete(values) => {
                let nums: Option<Vec<f64>> = values.iter().map(DiscreteValue::as_f64).collect();
                match nums {
                    Some(v) => v
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                            (lo.min(x), hi.max(x))
                        }),
                    None => (0.0, (values.len() - 1) as f64),
                }
            }
        }
    }

    /// The TOML name of the distribution.
    pub fn kind(&self) -> &'static str {
        match self {
            Distribution::Uniform { .. } => "uniform",
            Distribution::LogUniform { .. } => "log_uniform",
            Distribution::Triangular { .. } => "triangular",
            Distribution::Discrete(_) => "discrete",
        }
    }
}

/// Inverse CDF of the triangular distribution.
fn triangular_quantile(min: f64, mode: f64, max: f64, u: f64) -> f64 {
    let width = max - min;
    let split = (mode - min) / width;
    let x = if u < split {
        min + (u * width * (mode - min)).sqrt()
    } else {
        max - ((1.0 - u) * width * (max - mode)).sqrt()
    };
    x.clamp(min, max)
}

/// A parameter value produced by a design.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A continuous value.
    Number(f64),
    /// One of a discrete factor's values.
    Discrete(DiscreteValue),
}

impl ParamValue {
    /// The value as a TOML literal for `--set`.
    pub fn to_toml(&self) -> String {
        match self {
            ParamValue::Number(x) => format_float(*x),
            ParamValue::Discrete(d) => d.to_toml(),
        }
    }

    /// The number estimators and PRIM see (`None` for a non-numeric discrete value).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Number(x) => Some(*x),
            ParamValue::Discrete(d) => d.as_f64(),
        }
    }
}

/// One uncertain parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Name in tables and charts.
    pub name: String,
    /// Config path, or `None` for the dummy factor (the model never sees it).
    pub path: Option<String>,
    /// Its distribution.
    pub distribution: Distribution,
    /// Where the range comes from.
    pub source: String,
}

impl Factor {
    /// The dummy factor: uniform on [0, 1] and read by nothing, so any index
    /// it gets is estimation noise, a yardstick for the others.
    pub fn dummy() -> Factor {
        Factor {
            name: DUMMY.into(),
            path: None,
            distribution: Distribution::Uniform { min: 0.0, max: 1.0 },
            source: "not a model parameter: its indices measure estimation noise".into(),
        }
    }

    /// Whether this is the dummy factor.
    pub fn is_dummy(&self) -> bool {
        self.path.is_none()
    }

    /// The parameter value at unit coordinate `u`.
    pub fn value_at(&self, u: f64) -> ParamValue {
        self.distribution.quantile(u)
    }

    /// This factor as a `[[uncertainty.factors]]` TOML entry, narrowed to
    /// `limits` when given (same family, clipped to the factor's own bounds; a
    /// triangular becomes uniform on the narrowed range), with `source` as its
    /// source line. What PRIM writes for "the worlds where it happens".
    pub fn to_toml(&self, limits: Option<(f64, f64)>, source: &str) -> String {
        use std::fmt::Write as _;
        let quote = |x: &str| toml::Value::String(x.to_string()).to_string();
        let mut s = format!(
            "\n[[uncertainty.factors]]\nname = {}\npath = {}\n",
            quote(&self.name),
            quote(self.path.as_deref().unwrap_or_default())
        );
        match &self.distribution {
            Distribution::Discrete(values) => {
                let kept: Vec<String> = values
                    .iter()
                    .filter(|v| {
                        limits.is_none_or(|(lo, hi)| {
                            v.as_f64().is_none_or(|x| (lo..=hi).contains(&x))
                        })
                    })
                    .map(|v| v.to_toml())
                    .collect();
                let _ = writeln!(
                    s,
                    "distribution = \"discrete\"\nvalues = [{}]",
                    kept.join(", ")
                );
            }
            Distribution::Triangular { min, mode, max } if limits.is_none() => {
                let _ = writeln!(
                    s,
                    "distribution = \"triangular\"\nrange = [{}, {}]\nmode = {}",
                    format_float(*min),
                    format_float(*max),
                    format_float(*mode)
                );
            }
            d => {
                let (min, max) = d.bounds();
                let (lo, hi) = limits.map_or((min, max), |(lo, hi)| (lo.max(min), hi.min(max)));
                let kind = if matches!(d, Distribution::LogUniform { .. }) {
                    "log_uniform"
                } else {
                    "uniform"
                };
                let _ = writeln!(
                    s,
                    "distribution = \"{kind}\"\nrange = [{}, {}]",
                    format_float(lo),
                    format_float(hi)
                );
            }
        }
        let _ = writeln!(s, "source = {}", quote(source));
        s
    }
}

/// A validated policy lever.
#[derive(Debug, Clone, PartialEq)]
pub struct Lever {
    /// Name in tables.
    pub name: String,
    /// Config path.
    pub path: String,
    /// The settings compared.
    pub values: Vec<DiscreteValue>,
    /// Why these settings.
    pub source: String,
}

/// A validated `[uncertainty]` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UncertaintySpec {
    /// The uncertain factors in file order, then the dummy factor if asked for.
    pub factors: Vec<Factor>,
    /// The policy levers in file order.
    pub levers: Vec<Lever>,
}

impl UncertaintySpec {
    /// Parse a TOML document holding an `[uncertainty]` table (a config, a
    /// sweep file or a file of its own); `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<UncertaintySpec> {
        #[derive(Deserialize)]
        struct Doc {
            uncertainty: Option<toml::Value>,
        }
        let spec_err = |key: &str, message: String| AnalysisError::Spec {
            file: origin.into(),
            key: key.into(),
            message,
        };
        let doc: Doc = toml::from_str(text).map_err(|e| spec_err("uncertainty", e.to_string()))?;
        let value = doc
            .uncertainty
            .ok_or_else(|| spec_err("uncertainty", "no [uncertainty] section".into()))?;
        let raw: RawUncertainty = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            spec_err(&format!("uncertainty.{path}"), e.into_inner().to_string())
        })?;
        Self::from_raw(raw, origin)
    }

    /// Validate the raw section: every error names its key and what is allowed.
    pub fn from_raw(raw: RawUncertainty, origin: &str) -> Result<UncertaintySpec> {
        let mut factors = Vec::with_capacity(raw.factors.len() + 1);
        for (i, f) in raw.factors.into_iter().enumerate() {
            factors.push(validate_factor(
                f,
                &format!("uncertainty.factors[{i}]"),
                origin,
            )?);
        }
        let mut levers = Vec::with_capacity(raw.levers.len());
        for (i, l) in raw.levers.into_iter().enumerate() {
            levers.push(validate_lever(
                l,
                &format!("uncertainty.levers[{i}]"),
                origin,
            )?);
        }
        let mut names: Vec<(&str, &str)> = factors
            .iter()
            .map(|f| (f.name.as_str(), "factor"))
            .chain(levers.iter().map(|l| (l.name.as_str(), "lever")))
            .collect();
        names.sort();
        if let Some(w) = names.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(AnalysisError::Spec {
                file: origin.into(),
                key: "uncertainty".into(),
                message: format!(
                    "`{}` is named twice; a parameter is either one factor or one lever",
                    w[0].0
                ),
            });
        }
        if raw.dummy {
            if factors.iter().any(|f| f.name == DUMMY) {
                return Err(AnalysisError::Spec {
                    file: origin.into(),
                    key: "uncertainty.dummy".into(),
                    message: format!("a factor is already named `{DUMMY}`; rename it"),
                });
            }
            factors.push(Factor::dummy());
        }
        Ok(UncertaintySpec { factors, levers })
    }

    /// Factor names in design order (the columns of every design).
    pub fn factor_names(&self) -> Vec<String> {
        self.factors.iter().map(|f| f.name.clone()).collect()
    }

    /// Map a unit-hypercube point (one coordinate per factor) to values.
    pub fn values_at(&self, unit: &[f64]) -> Vec<ParamValue> {
        self.factors
            .iter()
            .zip(unit)
            .map(|(f, &u)| f.value_at(u))
            .collect()
    }

    /// `path=value` overrides for one point, skipping the dummy factor: the
    /// model never sees it, which is the whole point of it.
    pub fn assignments(&self, unit: &[f64]) -> Vec<String> {
        self.factors
            .iter()
            .zip(unit)
            .filter_map(|(f, &u)| {
                f.path
                    .as_ref()
                    .map(|p| format!("{p}={}", f.value_at(u).to_toml()))
            })
            .collect()
    }
}

fn validate_factor(raw: RawFactor, key: &str, origin: &str) -> Result<Factor> {
    let err = |sub: &str, message: String| AnalysisError::Spec {
        file: origin.into(),
        key: format!("{key}.{sub}"),
        message,
    };
    check_path(&raw.path).map_err(|m| err("path", m))?;
    if raw.source.trim().is_empty() {
        return Err(err(
            "source",
            "say where the range comes from (a citation, or `chosen: <reasoning>`)".into(),
        ));
    }
    let kind = raw.distribution.as_str();
    let continuous = matches!(kind, "uniform" | "log_uniform" | "triangular");
    if continuous && raw.values.is_some() {
        return Err(err(
            "values",
            format!("`values` is only for `discrete`, not `{kind}`"),
        ));
    }
    if kind != "triangular" && raw.mode.is_some() {
        return Err(err(
            "mode",
            format!("`mode` is only for `triangular`, not `{kind}`"),
        ));
    }
    let distribution = match kind {
        "uniform" | "log_uniform" | "triangular" => {
            let [min, max] = raw
                .range
                .ok_or_else(|| err("range", format!("`{kind}` needs `range = [min, max]`")))?;
            if !(min.is_finite() && max.is_finite() && min < max) {
                return Err(err(
                    "range",
                    format!("[{min}, {max}]: need finite min < max"),
                ));
            }
            match kind {
                "uniform" => Distribution::Uniform { min, max },
                "log_uniform" if min <= 0.0 => {
                    return Err(err(
                        "range",
                        format!("[{min}, {max}]: log_uniform needs min > 0"),
                    ))
                }
                "log_uniform" => Distribution::LogUniform { min, max },
                _ => {
                    let mode = raw
                        .mode
                        .ok_or_else(|| err("mode", "`triangular` needs `mode`".into()))?;
                    if !(min..=max).contains(&mode) {
                        return Err(err(
                            "mode",
                            format!("{mode} is outside range [{min}, {max}]"),
                        ));
                    }
                    Distribution::Triangular { min, mode, max }
                }
            }
        }
        "discrete" => {
            if raw.range.is_some() {
                return Err(err(
                    "range",
                    "`discrete` takes `values`, not `range`".into(),
                ));
            }
            let values = raw
                .values
                .ok_or_else(|| err("values", "`discrete` needs `values = [...]`".into()))?;
            check_values(&values).map_err(|m| err("values", m))?;
            Distribution::Discrete(values)
        }
        other => {
            return Err(err(
                "distribution",
                format!(
                    "`{other}`: allowed are uniform, log_uniform, triangular, discrete",
                    other = crate::io::quote::quote(other)
                ),
            ))
        }
    };
    Ok(Factor {
        name: raw.name.unwrap_or_else(|| raw.path.clone()),
        path: Some(raw.path),
        distribution,
        source: raw.source,
    })
}

fn validate_lever(raw: RawLever, key: &str, origin: &str) -> Result<Lever> {
    let err = |sub: &str, message: String| AnalysisError::Spec {
        file: origin.into(),
        key: format!("{key}.{sub}"),
        message,
    };
    check_path(&raw.path).map_err(|m| err("path", m))?;
    check_values(&raw.values).map_err(|m| err("values", m))?;
    if raw.source.trim().is_empty() {
        return Err(err("source", "say why these settings are compared".into()));
    }
    Ok(Lever {
        name: raw.name.unwrap_or_else(|| raw.path.clone()),
        path: raw.path,
        values: raw.values,
        source: raw.source,
    })
}

fn check_path(path: &str) -> std::result::Result<(), String> {
    if path.is_empty() || path.contains(['=', ' ']) || path == DUMMY {
        return Err(format!(
            "`{path}`: a dotted config path as for `--set`, e.g. `lab_dynamics.talent_elasticity`"
        ));
    }
    Ok(())
}

fn check_values(values: &[DiscreteValue]) -> std::result::Result<(), String> {
    if values.is_empty() {
        return Err("need at least one value".into());
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(format!("{} is listed twice", v.to_toml()));
        }
        if matches!(v, DiscreteValue::Float(f) if !f.is_finite()) {
            return Err("values must be finite".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
        [uncertainty]
        dummy = true
        [[uncertainty.factors]]
        name = "talent"
        path = "lab_dynamics.talent_elasticity"
        distribution = "uniform"
        range = [0.2, 0.6]
        source = "chosen"
        [[uncertainty.factors]]
        path = "chips.cost"
        distribution = "log_uniform"
        range = [0.01, 1.0]
        source = "two decades of cost curves"
        [[uncertainty.factors]]
        path = "a.tri"
        distribution = "triangular"
        range = [0.0, 4.0]
        mode = 1.0
        source = "elicited"
        [[uncertainty.factors]]
        path = "a.variant"
        distribution = "discrete"
        values = ["low", "high"]
        source = "two model variants"
        [[uncertainty.levers]]
        path = "policy.us.export[H200_CN].rule"
        values = ["ban", "allow"]
        source = "the options"
    "#;

    #[test]
    fn parses_and_maps_unit_points() {
        let s = UncertaintySpec::parse(SPEC, "t.toml").unwrap();
        assert_eq!(
            s.factor_names(),
            ["talent", "chips.cost", "a.tri", "a.variant", "dummy"]
        );
        assert_eq!(s.levers.len(), 1);
        let v = s.values_at(&[0.5, 0.5, 0.125, 0.75, 0.3]);
        assert_eq!(v[0], ParamValue::Number(0.4));
        // Log-uniform median is the geometric mean.
        assert!((v[1].as_f64().unwrap() - 0.1).abs() < 1e-12);
        // Triangular CDF at the mode is (mode-min)/(max-min) = 0.25; at 0.125: x = sqrt(0.125*4*1) .
        assert!((v[2].as_f64().unwrap() - 0.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(v[3].to_toml(), "\"high\"");
        let a = s.assignments(&[0.0, 0.0, 0.0, 0.0, 0.9]);
        assert_eq!(
            a.len(),
            4,
            "the dummy factor never reaches the model: {a:?}"
        );
        assert_eq!(a[0], "lab_dynamics.talent_elasticity=0.2");
    }

    #[test]
    fn errors_name_the_key_and_the_allowed_range() {
        let bad = |factor: &str| {
            let text = format!("[[uncertainty.factors]]\n{factor}\n");
            UncertaintySpec::parse(&text, "s.toml")
                .unwrap_err()
                .to_string()
        };
        let e = bad("path='a.b'\ndistribution='log_uniform'\nrange=[0.0, 1.0]\nsource='x'");
        assert!(
            e.contains("uncertainty.factors[0].range") && e.contains("min > 0"),
            "{e}"
        );
        let e = bad("path='a.b'\ndistribution='normal'\nrange=[0.0, 1.0]\nsource='x'");
        assert!(
            e.contains("distribution") && e.contains("log_uniform"),
            "{e}"
        );
        let e =
            bad("path='a.b'\ndistribution='triangular'\nrange=[0.0, 1.0]\nmode=2.0\nsource='x'");
        assert!(e.contains("mode") && e.contains("outside"), "{e}");
        let e = bad("path='a.b'\ndistribution='uniform'\nrange=[0.0, 1.0]\nsource='x'\nmin=3");
        assert!(e.contains("unknown field"), "{e}");
        let e = bad("path='a.b'\ndistribution='uniform'\nrange=[1.0, 1.0]\nsource='x'");
        assert!(e.contains("min < max"), "{e}");
        let e = bad("path='a.b'\ndistribution='uniform'\nrange=[0.0, 1.0]\nsource=' '");
        assert!(e.contains("source"), "{e}");
    }

    #[test]
    fn quantiles_stay_in_range() {
        let d = [
            Distribution::Uniform {
                min: -1.0,
                max: 2.0,
            },
            Distribution::LogUniform {
                min: 1e-3,
                max: 10.0,
            },
            Distribution::Triangular {
                min: 0.0,
                mode: 0.0,
                max: 1.0,
            },
            Distribution::Triangular {
                min: 0.0,
                mode: 1.0,
                max: 1.0,
            },
        ];
        for dist in &d {
            let (lo, hi) = dist.bounds();
            for i in 0..=100 {
                let x = dist.quantile(i as f64 / 100.0).as_f64().unwrap();
                assert!((lo..=hi).contains(&x), "{dist:?} at {i}: {x}");
            }
        }
    }
}
