//! Who leads each race, decided once for the dashboard, the report and the
//! terminal summary, so the three never disagree; and the components each
//! index is built from, so a reader can see which one moves the lead.
//!
//! A lead is *earned*: it is judged on 4-quarter means (a release-cadence
//! sawtooth must not flip the headline), and stated only when the US–China
//! difference has the same sign in each of the last four quarters **and**
//! its mean is larger than one quarter's noise (the spread of the
//! quarter-to-quarter changes of the difference over the last eight
//! quarters). One run has one seed, so that quarter-to-quarter noise stands
//! in for seed noise; pages built from several seeds judge on those.

use crate::io::timeseries::Timeseries;
use crate::math;

/// Quarters a headline averages over.
pub const WINDOW: usize = 4;
/// Quarters whose changes estimate one quarter's noise.
const NOISE_WINDOW: usize = 8;

/// The verdict on one race.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lead {
    /// The US leads beyond the noise.
    Us,
    /// China leads beyond the noise.
    China,
    /// The lead changed hands within the window, or is smaller than the noise.
    TooClose,
}

/// One race (an index, US vs China) over the last [`WINDOW`] quarters.
#[derive(Clone, Debug, PartialEq)]
pub struct Race {
    /// 4-quarter mean of the US value.
    pub us: f64,
    /// 4-quarter mean of China's value.
    pub cn: f64,
    /// One quarter's noise of the difference (US − China); 0 when too short to tell.
    pub noise: f64,
    /// The verdict.
    pub lead: Lead,
    /// The first quarter of the window (period label).
    pub from: String,
    /// The last quarter of the window (period label).
    pub to: String,
}

impl Race {
    /// "US leads", "China leads" or "too close to call".
    pub fn verdict(&self) -> &'static str {
        match self.lead {
            Lead::Us => "US leads",
            Lead::China => "China leads",
            Lead::TooClose => "too close to call",
        }
    }
}

/// Mean without overflow for huge values (divide before adding).
fn mean(v: &[f64]) -> f64 {
    v.iter().map(|x| x / v.len() as f64).sum()
}

/// Judge `metric` (scopes `US` and `CN`); `None` when either is missing.
pub fn race(ts: &Timeseries, metric: &str) -> Option<Race> {
    let us = ts.series(metric, "US");
    let cn = ts.series(metric, "CN");
    if us.is_empty() || us.len() != cn.len() {
        return None;
    }
    let diff: Vec<f64> = us.iter().zip(&cn).map(|(a, b)| a.1 - b.1).collect();
    let n = diff.len();
    let w = n.min(WINDOW);
    let last = &diff[n - w..];
    let tail = &diff[n.saturating_sub(NOISE_WINDOW)..];
    let steps: Vec<f64> = tail.windows(2).map(|p| p[1] - p[0]).collect();
    // Changes of a noisy series have √2 times one quarter's noise.
    let noise = if steps.len() >= 2 {
        let m = mean(&steps);
        let var = steps.iter().map(|s| (s - m) * (s - m)).sum::<f64>() / (steps.len() - 1) as f64;
        (var / 2.0).sqrt()
    } else {
        0.0
    };
    let d = mean(last);
    let clear = d.abs() > noise;
    let lead = if clear && last.iter().all(|x| *x > 0.0) {
        Lead::Us
    } else if clear && last.iter().all(|x| *x < 0.0) {
        Lead::China
    } else {
        Lead::TooClose
    };
    let period = |i: usize| {
        let tick = us[i].0;
        ts.periods()
            .into_iter()
            .find(|p| p.0 == tick)
            .map_or_else(|| format!("tick {tick}"), |p| p.1)
    };
    Some(Race {
        us: mean(&us[n - w..].iter().map(|p| p.1).collect::<Vec<_>>()),
        cn: mean(&cn[n - w..].iter().map(|p| p.1).collect::<Vec<_>>()),
        noise,
        lead,
        from: period(n - w),
        to: period(n - 1),
    })
}

/// One component of an index: the US share of the two blocs' standing on
/// one thing (China's is 1 − it), and its weight in the index.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// `innovation_index` or `diffusion_index`.
    pub index: &'static str,
    /// Short key (`frontier`, `compute`, `adoption`, …).
    pub key: &'static str,
    /// Plain label for charts and bullets.
    pub label: &'static str,
    /// Weight in the index (the index is the weighted sum of its components).
    pub weight: f64,
    /// The US share per quarter.
    pub us: Vec<(u32, f64)>,
}

impl Component {
    /// Its 4-quarter contribution to the index difference (US − China):
    /// `weight × (2 × US share − 1)`; positive pushes toward the US.
    pub fn contribution(&self) -> Option<f64> {
        let n = self.us.len();
        if n == 0 {
            return None;
        }
        let last: Vec<f64> = self.us[n.saturating_sub(WINDOW)..]
            .iter()
            .map(|p| p.1)
            .collect();
        Some(self.weight * (2.0 * mean(&last) - 1.0))
    }
}

/// Diffusion components the model records (`diffusion_component.*`), equal weights.
const DIFFUSION: [(&str, &str); 4] = [
    ("adoption", "AI use by firms"),
    ("embodied", "Embodied AI (robots, vehicles)"),
    ("downloads", "Open-model downloads"),
    ("aligned_gdp", "GDP of aligned countries"),
];

/// Innovation components, rebuilt from recorded metrics exactly as
/// `model::metrics` builds them: half the frontier (a logistic of the gap,
/// 6-month scale), half the US share of US + China powered compute.
fn innovation_components(ts: &Timeseries) -> Vec<Component> {
    let gap = ts.series("frontier_gap_months", "world");
    let frontier = gap
        .iter()
        .map(|&(t, g)| (t, 1.0 / (1.0 + math::exp(-g / 6.0))))
        .collect();
    let (us, cn) = (
        ts.series("compute_h100e", "US"),
        ts.series("compute_h100e", "CN"),
    );
    let compute = us
        .iter()
        .zip(&cn)
        .map(|(u, c)| (u.0, u.1 / (u.1 + c.1).max(1e-9)))
        .collect();
    vec![
        Component {
            index: "innovation_index",
            key: "frontier",
            label: "Frontier lead",
            weight: 0.5,
            us: frontier,
        },
        Component {
            index: "innovation_index",
            key: "compute",
            label: "Powered compute",
            weight: 0.5,
            us: compute,
        },
    ]
}

/// The components of both indices, innovation first; a component whose
/// metrics are missing has no points.
pub fn components(ts: &Timeseries) -> Vec<Component> {
    let mut v = innovation_components(ts);
    for (key, label) in DIFFUSION {
        v.push(Component {
            index: "diffusion_index",
            key,
            label,
            weight: 1.0 / DIFFUSION.len() as f64,
            us: ts.series(&format!("diffusion_component.{key}"), "US"),
        });
    }
    v
}

/// The components of `index`, largest contribution to the US − China
/// difference first (ties keep catalogue order).
pub fn drivers(ts: &Timeseries, index: &str) -> Vec<(Component, f64)> {
    let mut v: Vec<(Component, f64)> = components(ts)
        .into_iter()
        .filter(|c| c.index == index)
        .filter_map(|c| c.contribution().map(|x| (c, x)))
        .collect();
    v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts_of(us: &[f64]) -> Timeseries {
        let mut ts = Timeseries::default();
        for (t, &u) in us.iter().enumerate() {
            let p = crate::io::timeseries::period_label(2030, 1, t as u32);
            ts.push(t as u32, &p, "US", "i", u);
            ts.push(t as u32, &p, "CN", "i", 1.0 - u);
        }
        ts
    }

    #[test]
    fn a_steady_lead_is_called() {
        let r = race(&ts_of(&[0.6, 0.61, 0.6, 0.62, 0.61, 0.6]), "i").unwrap();
        assert_eq!(r.lead, Lead::Us);
        assert!((r.us - 0.6075).abs() < 1e-9, "{r:?}");
        let r = race(&ts_of(&[0.4, 0.39, 0.41, 0.4, 0.4]), "i").unwrap();
        assert_eq!(r.lead, Lead::China);
    }

    #[test]
    fn a_sawtooth_or_a_lead_within_the_noise_is_too_close() {
        // The lead changes hands within the last four quarters.
        let r = race(&ts_of(&[0.5, 0.52, 0.49, 0.52, 0.49, 0.52]), "i").unwrap();
        assert_eq!(r.lead, Lead::TooClose);
        // Always ahead, but by less than the quarter-to-quarter swing.
        let r = race(
            &ts_of(&[0.501, 0.56, 0.501, 0.56, 0.501, 0.56, 0.501, 0.502]),
            "i",
        )
        .unwrap();
        assert_eq!(r.lead, Lead::TooClose, "{r:?}");
    }

    #[test]
    fn drivers_rank_by_contribution() {
        let mut ts = Timeseries::default();
        for t in 0..4u32 {
            let p = crate::io::timeseries::period_label(2030, 1, t);
            for (k, v) in [
                ("adoption", 0.55),
                ("embodied", 0.5),
                ("downloads", 0.2),
                ("aligned_gdp", 0.6),
            ] {
                ts.push(t, &p, "US", &format!("diffusion_component.{k}"), v);
            }
        }
        let d = drivers(&ts, "diffusion_index");
        let keys: Vec<&str> = d.iter().map(|c| c.0.key).collect();
        assert_eq!(keys, ["downloads", "aligned_gdp", "adoption", "embodied"]);
        assert!((d[0].1 + 0.15).abs() < 1e-12, "{}", d[0].1);
    }
}
