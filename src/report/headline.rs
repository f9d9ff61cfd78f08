//! The earned headline of a run: who leads each race on 4-quarter means
//! (or "too close to call"), what each index measures, and why, with the
//! "why" chosen from the index components that actually drive the
//! difference rather than from fixed text.
//!
//! The verdict comes from [`crate::plot::race`], the same function the
//! dashboard's scoreboard and the terminal summary use, so the three agree.

use std::fmt::Write as _;

use super::escape_html;
use super::run::crossing;
use crate::catalogue;
use crate::io::timeseries::Timeseries;
use crate::plot::race::{self, Component, Lead, Race};

/// The three indices: (race name, metric).
pub const INDICES: [(&str, &str); 3] = [
    ("innovation", "innovation_index"),
    ("diffusion", "diffusion_index"),
    ("overall dominance", "dominance_index"),
];

/// One sentence per index: what it measures (also in the README).
pub const DEFINITIONS: [(&str, &str); 3] = [
    (
        "Innovation index",
        "the US (or China) share of the two blocs' innovation standing: half from the frontier gap \
         (a logistic of the US lead in months, so a 6-month lead counts as 73%), half from the share \
         of the two blocs' powered AI compute; 0.5 means level.",
    ),
    (
        "Diffusion index",
        "the mean of four US-versus-China shares built from what agents did: AI use on each side's \
         models worldwide (firms × intensity), the same in embodied sectors, open-model downloads, \
         and the GDP of countries aligned with each side; 0.5 means level.",
    ),
    (
        "Dominance index",
        "the geometric mean of the innovation and diffusion indices, so a bloc dominates only by \
         leading on both; 0.5 means level.",
    ),
];

/// One race as an HTML clause: "<b>the US leads on innovation</b> (0.57 vs 0.43)".
fn clause(name: &str, r: &Race) -> String {
    let (u, c) = super::format_pair(r.us, r.cn);
    match r.lead {
        Lead::Us => format!("<span class=\"us\">the US leads on {name}</span> ({u} vs {c})"),
        Lead::China => {
            format!("<span class=\"cn\">China leads on {name}</span> ({c} vs {u} for the US)")
        }
        Lead::TooClose => format!("{name} is <b>too close to call</b> (US {u}, China {c})"),
    }
}

/// The answer paragraph (HTML): the three verdicts, the window, and the rule.
pub fn answer(ts: &Timeseries) -> String {
    let races: Vec<(&str, Race)> = INDICES
        .iter()
        .filter_map(|(n, m)| race::race(ts, m).map(|r| (*n, r)))
        .collect();
    let Some((_, first)) = races.first() else {
        return "This run has no index data.".into();
    };
    let clauses: Vec<String> = races.iter().map(|(n, r)| clause(n, r)).collect();
    let list = match clauses.len() {
        1 => clauses[0].clone(),
        n => format!("{}, and {}", clauses[..n - 1].join(", "), clauses[n - 1]),
    };
    let mut s = format!(
        "Over {}–{} (4-quarter means), {list}.",
        escape_html(&first.from),
        escape_html(&first.to)
    );
    s.push_str(
        " A lead is called only when it holds in each of those quarters and exceeds one \
         quarter's noise; this is one seed, so compare scenario sets for seed noise.",
    );
    if let Some(g) = gap_mean(ts) {
        let _ = write!(
            s,
            " US lead at the frontier: {} (4-quarter mean).",
            escape_html(&catalogue::metric("frontier_gap_months").format(g))
        );
    }
    s
}

/// The 4-quarter mean of the frontier gap (US lead, months).
pub fn gap_mean(ts: &Timeseries) -> Option<f64> {
    let g = ts.series("frontier_gap_months", "world");
    let last = &g[g.len().saturating_sub(race::WINDOW)..];
    (!last.is_empty()).then(|| last.iter().map(|p| p.1 / last.len() as f64).sum())
}

/// "What the indices measure": one sentence each.
pub fn definitions_html() -> String {
    let mut h = String::from("<h2>What the indices measure</h2>\n<ul>\n");
    for (name, text) in DEFINITIONS {
        let _ = writeln!(h, "<li><b>{name}</b>: {}</li>", escape_html(text));
    }
    h.push_str(
        "</ul>\n<p>The components chart shows each part as its own small chart, \
         US blue and China red.</p>\n",
    );
    h
}

/// Mean of the last [`race::WINDOW`] values of `metric` in `scope`.
fn recent_mean(ts: &Timeseries, metric: &str, scope: &str) -> Option<f64> {
    let s = ts.series(metric, scope);
    let last = &s[s.len().saturating_sub(race::WINDOW)..];
    (!last.is_empty()).then(|| last.iter().map(|p| p.1 / last.len() as f64).sum())
}

/// A fact behind one component, in plain words (4-quarter means).
fn component_fact(ts: &Timeseries, c: &Component) -> Option<String> {
    let pct = |v: f64| catalogue::fixed(v * 100.0, 0) + "%";
    match c.key {
        "frontier" => {
            let g = gap_mean(ts)?;
            Some(if g >= 0.0 {
                format!(
                    "China's best model trails the US frontier by {} months",
                    catalogue::fixed(g, 1)
                )
            } else {
                format!(
                    "China's best model is {} months ahead of the US frontier",
                    catalogue::fixed(-g, 1)
                )
            })
        }
        "compute" => {
            let (u, cn) = (
                recent_mean(ts, "compute_h100e", "US")?,
                recent_mean(ts, "compute_h100e", "CN")?,
            );
            (cn > 0.0).then(|| {
                format!(
                    "the US has {}× China's powered compute ({} vs {})",
                    catalogue::significant(u / cn, 2),
                    catalogue::metric("compute_h100e").format(u),
                    catalogue::metric("compute_h100e").format(cn)
                )
            })
        }
        "downloads" => {
            let (u, cn) = (
                recent_mean(ts, "open_download_share.US", "world")?,
                recent_mean(ts, "open_download_share.CN", "world")?,
            );
            Some(format!(
                "Chinese open models take {} of open-model downloads, US models {}",
                pct(cn),
                pct(u)
            ))
        }
        "aligned_gdp" => {
            let (u, cn) = (
                recent_mean(ts, "aligned_gdp_share.US", "world")?,
                recent_mean(ts, "aligned_gdp_share.CN", "world")?,
            );
            Some(format!(
                "countries aligned with the US hold {} of world GDP, with China {}",
                pct(u),
                pct(cn)
            ))
        }
        _ => {
            let us = recent_mean(ts, &format!("diffusion_component.{}", c.key), "US")?;
            Some(format!(
                "US models carry {} of this AI use, Chinese models {}",
                pct(us),
                pct(1.0 - us)
            ))
        }
    }
}

/// The "why" bullets of one index: its components, largest contribution to
/// the US − China difference first, each with its direction, size and a fact.
pub fn why_bullets(ts: &Timeseries, index: &str) -> Vec<String> {
    race::drivers(ts, index)
        .iter()
        .map(|(c, contrib)| {
            let toward = if *contrib > 0.0 {
                "toward the US"
            } else if *contrib < 0.0 {
                "toward China"
            } else {
                "neither way"
            };
            let mut s = format!(
                "{} (weight {}%): pushes the index {toward} by {}",
                c.label,
                catalogue::fixed(c.weight * 100.0, 0),
                catalogue::fixed(contrib.abs() / 2.0, 3)
            );
            if let Some(f) = component_fact(ts, c) {
                let _ = write!(s, "; {f}");
            }
            s + "."
        })
        .collect()
}

/// Why each race stands as it does, then context that is not in an index.
pub fn why_html(ts: &Timeseries) -> String {
    let mut h = String::new();
    for (title, index) in [
        ("Why: innovation", "innovation_index"),
        ("Why: diffusion", "diffusion_index"),
    ] {
        let _ = write!(h, "<h3>{title}</h3>\n<ul>\n");
        let items = why_bullets(ts, index);
        if items.is_empty() {
            h.push_str("<li>No component metrics in this run's data.</li>\n");
        }
        for item in items {
            let _ = writeln!(h, "<li>{}</li>", escape_html(&item));
        }
        h.push_str("</ul>\n");
    }
    h.push_str(
        "<p class=\"sub\">Each component is the US share of the two blocs' standing on one thing; \
         its push is weight × (US share − China share) ÷ 2, the amount it moves the US index away \
         from 0.5 (4-quarter means). Largest first.</p>\n",
    );
    let context = context_bullets(ts);
    if !context.is_empty() {
        h.push_str("<h3>Context (not part of an index)</h3>\n<ul>\n");
        for item in context {
            let _ = writeln!(h, "<li>{}</li>", escape_html(&item));
        }
        h.push_str("</ul>\n");
    }
    h
}

/// Facts a reader asks about next: firms using AI, power, chips.
fn context_bullets(ts: &Timeseries) -> Vec<String> {
    let mut v = Vec::new();
    let pct = |x: f64| catalogue::fixed(x * 100.0, 0) + "%";
    if let Some(w) = recent_mean(ts, "adoption_share", "world") {
        let mut s = format!("{} of firms worldwide use some AI model", pct(w));
        if let (Some(u), Some(c)) = (
            recent_mean(ts, "adoption_share", "US"),
            recent_mean(ts, "adoption_share", "CN"),
        ) {
            let _ = write!(s, " (US {}, China {})", pct(u), pct(c));
        }
        v.push(s + "; whose models they use is what the diffusion index counts.");
    }
    if let Some(n) = ts.last_value("us_markets_below_critical", "US") {
        let total = ts
            .scopes_of("reserve_margin")
            .iter()
            .filter(|s| s.starts_with("US-"))
            .count();
        v.push(format!(
            "{n:.0} of {total} US power markets end below the critical reserve margin."
        ));
    }
    if let Some(r) = ts.last_value("cn_spare_power_over_global_dc_demand", "world") {
        let side = if r >= 3.0 { "at or above" } else { "below" };
        v.push(format!(
            "China's spare power is {} world data-centre demand ({side} the 3× line).",
            catalogue::metric("cn_spare_power_over_global_dc_demand").format(r)
        ));
    }
    v.extend(self_sufficiency_sentence(ts));
    v
}

/// When domestic chips meet 90% of China's AI-chip demand by value for good
/// (Bernstein's measure; it forecasts ~93% for 2028).
fn self_sufficiency_sentence(ts: &Timeseries) -> Option<String> {
    let end = ts.last_value("cn_chip_self_sufficiency", "CN")?;
    let end = catalogue::fixed(end * 100.0, 0) + "%";
    Some(match crossing(ts, "cn_chip_self_sufficiency", "CN", 0.9) {
        (Some(first), Some(from)) if first != from => format!(
            "Domestic chips meet 90% of China's AI-chip demand from {from} onwards (first in {first}, then lost; {end} at the end)."
        ),
        (_, Some(from)) => {
            format!("Domestic chips meet 90% of China's AI-chip demand from {from} onwards ({end} at the end).")
        }
        (Some(first), None) => format!(
            "Domestic chips met 90% of China's AI-chip demand in {first} but not at the end ({end})."
        ),
        (None, None) => format!("Domestic chips never meet 90% of China's AI-chip demand ({end} at the end)."),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::timeseries::period_label;

    fn ts(inn_us: &[f64]) -> Timeseries {
        let mut ts = Timeseries::default();
        for (t, &u) in inn_us.iter().enumerate() {
            let p = period_label(2030, 1, t as u32);
            ts.push(t as u32, &p, "US", "innovation_index", u);
            ts.push(t as u32, &p, "CN", "innovation_index", 1.0 - u);
            ts.push(t as u32, &p, "US", "compute_h100e", 3.0);
            ts.push(t as u32, &p, "CN", "compute_h100e", 1.0);
            ts.push(t as u32, &p, "world", "frontier_gap_months", -6.0);
        }
        ts
    }

    #[test]
    fn the_answer_calls_only_earned_leads() {
        let a = answer(&ts(&[0.6, 0.6, 0.61, 0.6, 0.6]));
        assert!(a.contains("the US leads on innovation"), "{a}");
        let a = answer(&ts(&[0.5, 0.52, 0.49, 0.52, 0.49]));
        assert!(a.contains("innovation is <b>too close to call</b>"), "{a}");
    }

    #[test]
    fn why_bullets_rank_components_and_say_which_way_they_push() {
        let b = why_bullets(&ts(&[0.5; 4]), "innovation_index");
        // Compute share 75% pushes toward the US by 0.5 × 0.5 ÷ 2 = 0.125;
        // the frontier (China 6 months ahead, US share 27%) toward China by 0.116.
        assert!(b[0].starts_with("Powered compute") && b[0].contains("toward the US by 0.125"));
        assert!(
            b[1].contains("toward China") && b[1].contains("6.0 months ahead"),
            "{b:?}"
        );
    }
}
