//! The metric catalogue: one entry per metric of `timeseries.csv`, with the
//! plain-language label, the unit and the kind of quantity it is.
//!
//! Charts, tables and reports read labels and rounding from here, so a
//! reader sees "US lead at the frontier (months)" rather than
//! `frontier_gap_months @ world`, and the same quantity is rounded the same
//! way everywhere. The kind decides how a chart draws it: shares in %,
//! counts with whole-number ticks, ratios on a log axis with a 1× line,
//! indices around a 0.5 line, non-negative stocks from zero.
//!
//! ```
//! use airace::catalogue;
//! let m = catalogue::metric("adoption_share.cn_open");
//! assert_eq!(m.label, "Firms using China's open models");
//! assert_eq!(m.format(0.4567), "45.7%");
//! assert_eq!(catalogue::metric("frontier_gap_months").format(-4.94), "−4.9 months");
//! assert_eq!(catalogue::scope_label("CN"), "China");
//! ```

/// What kind of quantity a metric is; decides axis, ticks and rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A fraction in 0..1 shown as a percentage (firms using AI, GDP share).
    Share,
    /// A whole number of things (countries, markets): integer ticks.
    Count,
    /// A quotient where 1 is the threshold (supply ÷ demand): log axis with a 1× line.
    Ratio,
    /// A 0..1 score of the US (or China) in a two-way race; 0.5 means level.
    Index,
    /// Months, signed (the frontier gap: positive = US ahead).
    Months,
    /// Gigawatts of capacity.
    Gigawatts,
    /// US dollars.
    Usd,
    /// H100-equivalent chips.
    H100e,
    /// log10 of effective training FLOP (frontier capability).
    LogFlop,
    /// A plain number with no better description.
    Number,
}

/// One catalogue entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metric {
    /// The metric's name in `timeseries.csv` (with its `.suffix`, if any).
    pub name: String,
    /// Plain-language label, capitalised, without the unit.
    pub label: String,
    /// Unit as written after a value or in an axis title ("%", "months", "GW").
    pub unit: &'static str,
    /// Kind of quantity.
    pub kind: Kind,
    /// True when the quantity cannot be negative (axes then start at zero).
    pub non_negative: bool,
    /// One sentence for tables and captions; empty for unknown metrics.
    pub description: &'static str,
}

/// A catalogue row: name, label, unit, kind, non-negative, description.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    Kind,
    bool,
    &'static str,
);

/// Every metric the model writes (suffixed families are matched on their prefix).
const ROWS: &[Row] = &[
    ("adoption_share", "Firms using AI", "%", Kind::Share, true,
     "Share of firms using any AI model, whoever made it."),
    ("aligned_countries", "Countries aligned", "countries", Kind::Count, true,
     "Number of countries whose government sides with a bloc's AI stack."),
    ("aligned_gdp_share", "World GDP aligned", "%", Kind::Share, true,
     "Share of world GDP in countries aligned with a bloc's AI stack."),
    ("cn_inference_self_sufficiency", "China's inference-chip self-sufficiency", "×", Kind::Ratio, true,
     "Domestic inference-chip supply divided by demand; above 1× China covers its own needs."),
    ("cn_spare_power_over_global_dc_demand", "China's spare power ÷ world data-centre demand", "×", Kind::Ratio, true,
     "Spare Chinese generating capacity relative to the world's data-centre power demand."),
    ("cn_chip_self_sufficiency", "China's AI-chip self-sufficiency", "%", Kind::Share, true,
     "Domestic chips' share of China's AI-chip demand, by value (Bernstein's measure; 90% is the threshold)."),
    ("compute_h100e", "Installed compute", "H100e", Kind::H100e, true,
     "Installed, powered AI chips in H100 equivalents."),
    ("critical_reserve_margin", "Critical reserve margin", "%", Kind::Share, true,
     "Reserve margin below which a power market turns data centres away."),
    ("dc_capacity_gw", "Data-centre capacity", "GW", Kind::Gigawatts, true,
     "Powered data-centre capacity."),
    ("diffusion_component", "Diffusion component", "index", Kind::Index, true,
     "A bloc's share of the two blocs' standing on one part of the diffusion index; 0.5 = level."),
    ("diffusion_index", "Diffusion index", "index", Kind::Index, true,
     "Mean of four shares: AI use on each side's models, the same in embodied sectors, open-model downloads, aligned GDP; 0.5 = level."),
    ("dominance_index", "Dominance index", "index", Kind::Index, true,
     "Geometric mean of the innovation and diffusion indices; 0.5 = level."),
    ("embodied_deployment", "Embodied-AI deployment", "%", Kind::Share, true,
     "Share of firms in embodied (robotics) sectors that deploy AI."),
    ("frontier_capability", "Frontier capability", "log10 effective FLOP", Kind::LogFlop, false,
     "Best model's capability: log10 of effective training compute, raised by data quality."),
    ("frontier_gap_months", "US lead at the frontier", "months", Kind::Months, false,
     "How many months ago the leader's frontier stood where the follower's is now; positive = US ahead."),
    ("innovation_index", "Innovation index", "index", Kind::Index, true,
     "Half the frontier gap (as a share), half the share of US + China powered compute; 0.5 = level."),
    ("intensity_mean", "AI intensity of adopters", "index", Kind::Number, true,
     "Mean intensity of AI use among firms that use AI."),
    ("open_download_share", "Open-model downloads", "%", Kind::Share, true,
     "Share of this quarter's open-weight model downloads by the model's origin."),
    ("reserve_margin", "Reserve margin", "%", Kind::Share, false,
     "Spare generating capacity over peak demand in a power market."),
    ("us_license_revenue_usd", "US chip licence revenue", "USD per quarter", Kind::Usd, true,
     "Revenue the US collects per quarter from licensed chip exports."),
    ("us_markets_below_critical", "US power markets below the critical margin", "markets", Kind::Count, true,
     "Number of US power markets whose reserve margin is below the critical margin."),
];

/// The catalogue entry of `name` (a `timeseries.csv` metric, suffix included).
///
/// Suffixed families get a specific label (`adoption_share.cn_open` →
/// "Firms using China's open models", `aligned_countries.US` → "Countries
/// aligned with the US"). An unknown metric gets its own name as label, kind
/// [`Kind::Number`] and no sign assumption, so nothing is hidden or clipped.
pub fn metric(name: &str) -> Metric {
    let (base, suffix) = match name.split_once('.') {
        Some((b, s)) => (b, Some(s)),
        None => (name, None),
    };
    let Some(&(_, label, unit, kind, non_negative, description)) =
        ROWS.iter().find(|r| r.0 == base)
    else {
        return Metric {
            name: name.to_string(),
            label: name.to_string(),
            unit: "",
            kind: Kind::Number,
            non_negative: false,
            description: "",
        };
    };
    let label = match suffix {
        None => label.to_string(),
        Some(s) if base == "adoption_share" => format!("Firms using {}", stack_phrase(s)),
        Some(s) if base == "open_download_share" => format!("{label} from {}", side_phrase(s)),
        Some(s) => format!("{label} with {}", side_phrase(s)),
    };
    Metric {
        name: name.to_string(),
        label,
        unit,
        kind,
        non_negative,
        description,
    }
}

/// "the US" / "China" for a bloc suffix.
fn side_phrase(code: &str) -> String {
    match code {
        "US" => "the US".into(),
        "CN" => "China".into(),
        other => scope_label(other),
    }
}

/// "the US's closed models" etc. for a model-stack suffix.
fn stack_phrase(code: &str) -> String {
    match code {
        "us_closed" => "US closed models".into(),
        "us_open" => "US open models".into(),
        "cn_open" => "China's open models".into(),
        "cn_closed" => "China's closed models".into(),
        "other" => "other models".into(),
        s => format!("{s} models"),
    }
}

/// Reader-facing name of a scope ("CN" → "China", "US-PJM" → "PJM (US)").
pub fn scope_label(scope: &str) -> String {
    match scope {
        "US" => "US".into(),
        "CN" => "China".into(),
        "ALLY" => "US allies".into(),
        "NONALIGNED" => "Non-aligned (Global South)".into(),
        "world" => "World".into(),
        s => match s.split_once('-') {
            Some((country, market)) if !market.is_empty() && country.len() == 2 => {
                format!("{market} ({})", scope_label(country))
            }
            _ => s.to_string(),
        },
    }
}

impl Metric {
    /// Axis title: "label (unit)", e.g. "Data-centre capacity (GW)".
    pub fn axis_title(&self) -> String {
        match self.unit {
            "" => self.label.clone(),
            u => format!("{} ({u})", self.label),
        }
    }

    /// Label with a scope: "Firms using AI, China"; a world-only metric keeps its label.
    pub fn label_in(&self, scope: &str) -> String {
        match scope {
            "world" if self.name.contains('.') || !self.name.starts_with("adoption") => {
                self.label.clone()
            }
            "US" if self.name.starts_with("us_") => self.label.clone(),
            "CN" if self.name.starts_with("cn_") => self.label.clone(),
            s => format!("{}, {}", self.label, scope_label(s)),
        }
    }

    /// Whether a chart of this metric starts its y axis at zero.
    pub fn zero_based(&self) -> bool {
        self.non_negative && !matches!(self.kind, Kind::Index | Kind::Ratio | Kind::LogFlop)
    }

    /// A value rounded for its unit, never in e-notation:
    /// shares "45.7%", counts "26", ratios "2.3×", indices "0.51", months
    /// "+4.9 months", power "12.4 GW", money "$2.4B", chips "170M H100e".
    pub fn format(&self, v: f64) -> String {
        if !v.is_finite() {
            return "n/a".into();
        }
        match self.kind {
            Kind::Share => format!("{}%", fixed(v * 100.0, 1)),
            Kind::Count => fixed(v, if (v - v.round()).abs() < 0.05 { 0 } else { 1 }),
            Kind::Ratio => format!("{}×", significant(v, 2)),
            Kind::Index => fixed(v, 2),
            Kind::Months => format!("{} months", signed(fixed(v, 1), v)),
            Kind::Gigawatts => format!("{} GW", significant(v, 3)),
            Kind::Usd => format!("${}", significant(v, 2)),
            Kind::H100e => format!("{} H100e", significant(v, 2)),
            Kind::LogFlop => fixed(v, 1),
            Kind::Number => significant(v, 3),
        }
    }

    /// The difference `d` between two values of this metric, in its unit:
    /// shares in percentage points ("+2.1 pp"), the rest like [`Metric::format`] with a sign.
    pub fn format_delta(&self, d: f64) -> String {
        if !d.is_finite() {
            return "n/a".into();
        }
        match self.kind {
            Kind::Share => format!("{} pp", signed(fixed(d * 100.0, 1), d)),
            Kind::Index => signed(fixed(d, 2), d),
            Kind::Ratio => format!("{}×", signed(significant(d, 2), d)),
            Kind::Months => format!("{} months", signed(fixed(d, 1), d)),
            _ => signed(self.format(d.abs()), d),
        }
    }
}

/// `v` with `d` decimals; "-0.0" prints as "0.0"; minus as U+2212.
pub fn fixed(v: f64, d: usize) -> String {
    let s = format!("{v:.d$}");
    let zero = s
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.');
    match s.strip_prefix('-') {
        Some(rest) if zero => rest.to_string(),
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// Prefix `s` (a formatted magnitude or signed value) with "+" when `v` > 0
/// and with "−" when `v` < 0 and `s` has no sign yet.
fn signed(s: String, v: f64) -> String {
    let zero = s.trim_start_matches(['−', '+', '$']).starts_with('0')
        && !s.chars().any(|c| c.is_ascii_digit() && c != '0');
    if zero || s.starts_with('−') {
        s
    } else if v > 0.0 {
        format!("+{s}")
    } else if v < 0.0 {
        format!("−{s}")
    } else {
        s
    }
}

/// About `sig` significant digits with a k/M/B/T suffix: 2_358_000 → "2.4M".
pub fn significant(v: f64, sig: usize) -> String {
    let a = v.abs();
    let (div, suffix) = match a {
        a if a >= 1e12 => (1e12, "T"),
        a if a >= 1e9 => (1e9, "B"),
        a if a >= 1e6 => (1e6, "M"),
        a if a >= 1e4 => (1e3, "k"),
        _ => (1.0, ""),
    };
    let x = v / div;
    let digits = if x.abs() >= 1.0 {
        (x.abs().max(1.0) as u64).to_string().len()
    } else {
        1
    };
    let d = if x.abs() >= 1e15 {
        0
    } else if x.abs() < 1.0 && x != 0.0 {
        sig + 1
    } else {
        sig.saturating_sub(digits)
    };
    let s = fixed(x, d.min(6));
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}{suffix}")
}

/// Plain-language label of a sweep parameter's config path.
///
/// Known paths have hand-written labels; any other path is read out
/// (`chips[Ascend910C].capacity_growth` → "Ascend910C capacity growth",
/// `policy.us.friction` → "US friction").
pub fn parameter_label(path: &str) -> String {
    const KNOWN: &[(&str, &str)] = &[
        (
            "policy.us.export[H200_CN].rule",
            "US export rule for H200 to China",
        ),
        (
            "chips[Ascend910C].capacity_growth",
            "Ascend 910C capacity growth (per year)",
        ),
        ("blocs.US.gen_build_rate", "US power-generation build rate"),
        ("policy.us.friction", "US adoption friction"),
        ("firms.count", "Number of firms"),
    ];
    if let Some((_, l)) = KNOWN.iter().find(|(p, _)| *p == path) {
        return l.to_string();
    }
    let words: Vec<String> = path
        .split('.')
        .filter(|s| !matches!(*s, "policy" | "blocs" | "run"))
        .map(|seg| {
            let (key, sel) = match seg.split_once('[') {
                Some((k, rest)) => (k, Some(rest.trim_end_matches(']'))),
                None => (seg, None),
            };
            let key = match key {
                "us" | "US" => "US".to_string(),
                "china" | "cn" | "CN" => "China".to_string(),
                "chips" | "labs" | "countries" if sel.is_some() => String::new(),
                k => k.replace('_', " "),
            };
            match sel {
                Some(s) if key.is_empty() => s.to_string(),
                Some(s) => format!("{key} {s}"),
                None => key,
            }
        })
        .filter(|w| !w.is_empty())
        .collect();
    let s = words.join(" ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_units() {
        let m = metric("frontier_gap_months");
        assert_eq!(m.axis_title(), "US lead at the frontier (months)");
        assert_eq!(m.format(4.94), "+4.9 months");
        assert_eq!(m.format(-0.01), "0.0 months");
        assert_eq!(
            metric("aligned_countries.CN").label,
            "Countries aligned with China"
        );
        assert_eq!(metric("aligned_countries.CN").format(21.0), "21");
        assert_eq!(metric("us_license_revenue_usd").format(2.358e8), "$236M");
        assert_eq!(metric("compute_h100e").format(1.7e8), "170M H100e");
        assert_eq!(metric("cn_inference_self_sufficiency").format(19.4), "19×");
        assert_eq!(metric("dc_capacity_gw").format(12.345), "12.3 GW");
        assert_eq!(metric("adoption_share").format_delta(0.021), "+2.1 pp");
        assert_eq!(metric("innovation_index").format_delta(-0.02), "−0.02");
        let gap = metric("frontier_gap_months");
        assert_eq!(gap.format_delta(0.1), "+0.1 months");
        assert_eq!(gap.format_delta(-0.1), "−0.1 months");
        assert_eq!(metric("dc_capacity_gw").format_delta(-2.0), "−2 GW");
        let unknown = metric("mystery");
        assert_eq!(
            (unknown.label.as_str(), unknown.kind),
            ("mystery", Kind::Number)
        );
        assert!(!unknown.zero_based());
        assert!(metric("dc_capacity_gw").zero_based() && !metric("innovation_index").zero_based());
    }

    #[test]
    fn no_e_notation_for_any_magnitude() {
        for v in [1e-300, 3.2e-7, 0.0, 1.0, 2.5e8, 1e30, -1e308, 1e308] {
            for name in [
                "adoption_share",
                "us_license_revenue_usd",
                "mystery",
                "frontier_gap_months",
            ] {
                let s = metric(name).format(v);
                assert!(!s.contains('e'), "{name} {v}: {s}");
            }
        }
    }

    #[test]
    fn scopes_and_parameters_read_plainly() {
        assert_eq!(scope_label("US-PJM"), "PJM (US)");
        assert_eq!(scope_label("CN-East"), "East (China)");
        assert_eq!(
            metric("adoption_share").label_in("CN"),
            "Firms using AI, China"
        );
        assert_eq!(
            metric("frontier_gap_months").label_in("world"),
            "US lead at the frontier"
        );
        assert_eq!(
            parameter_label("chips[Ascend950].capacity_growth"),
            "Ascend950 capacity growth"
        );
        assert_eq!(
            parameter_label("policy.china.embodied_priority"),
            "China embodied priority"
        );
        assert_eq!(
            parameter_label("policy.us.export[H200_CN].rule"),
            "US export rule for H200 to China"
        );
    }
}
