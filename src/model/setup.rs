//! Setting up a world: where each country sits in the config, how many firm
//! agents each (country, sector) group gets and what each stands for, and the
//! power markets. Split from the tick in `model/mod.rs`.

use super::*;

/// Index of a country code (validated to exist).
pub fn country_index(cfg: &Config, code: &str) -> usize {
    cfg.countries
        .iter()
        .position(|c| c.code == code)
        .unwrap_or(0)
}

/// Firm agents per (country, sector): every group with firms gets `firms.min_per_group`,
/// and the rest of `firms.count` is apportioned by GDP × sector share (largest remainder).
pub fn firm_counts(cfg: &Config) -> Vec<Vec<u64>> {
    let weights: Vec<f64> = cfg
        .countries
        .iter()
        .flat_map(|c| cfg.sectors.iter().map(move |s| c.gdp_usd_tn * s.share))
        .collect();
    let floor = cfg.firms.min_per_group;
    let groups = weights.iter().filter(|w| **w > 0.0).count() as u64;
    let rest = cfg.firms.count.saturating_sub(floor * groups);
    let flat: Vec<u64> = apportion(rest, &weights)
        .iter()
        .zip(&weights)
        .map(|(n, w)| if *w > 0.0 { n + floor } else { *n })
        .collect();
    flat.chunks(cfg.sectors.len()).map(|c| c.to_vec()).collect()
}

/// Total firm agents of a run (`firms.count`, or more when the group floor needs it).
pub fn firm_agents(cfg: &Config) -> u64 {
    firm_counts(cfg).iter().flatten().sum()
}

/// Real firms each agent stands for, per (country, sector): the country's firms
/// (millions) × the sector's share, over the group's agents.
pub fn firm_weights(cfg: &Config, counts: &[Vec<u64>]) -> Vec<Vec<f64>> {
    cfg.countries
        .iter()
        .zip(counts)
        .map(|(c, row)| {
            let firms = c.firms_m(cfg.firms.firms_m_per_usd_tn);
            cfg.sectors
                .iter()
                .zip(row)
                .map(|(s, n)| {
                    if *n > 0 {
                        firms * s.share / *n as f64
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}

/// Split `total` into integers proportional to `weights` (largest remainder, ties by index).
pub fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut left = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// Power markets: the explicit ones, plus one `<code>-grid` per country without any.
pub(crate) fn build_markets(cfg: &Config) -> Vec<Market> {
    let mut out = Vec::new();
    for (c, ct) in cfg.countries.iter().enumerate() {
        let explicit: Vec<_> = cfg
            .power_markets
            .iter()
            .filter(|m| m.country == ct.code)
            .collect();
        let specs: Vec<(String, f64, f64, f64, f64)> = if explicit.is_empty() {
            vec![(
                format!("{}-grid", ct.code),
                ct.capacity_gw.unwrap_or(0.0),
                ct.peak_gw.unwrap_or(0.0),
                ct.load_growth.unwrap_or(0.0),
                1.0,
            )]
        } else {
            explicit
                .iter()
                .map(|m| {
                    (
                        m.id.clone(),
                        m.capacity_gw,
                        m.peak_gw,
                        m.load_growth,
                        m.dc_share,
                    )
                })
                .collect()
        };
        let build = cfg.blocs.get(ct.bloc).dc_build_ticks.max(1);
        for (id, cap, peak, growth, share) in specs {
            let pipeline = (0..build)
                .map(|t| utility::Project {
                    ready_tick: t,
                    gw: ct.dc_pipeline_gw * share / build as f64,
                })
                .filter(|p| p.gw > 0.0)
                .collect();
            out.push(Market {
                id,
                country: c,
                bloc: ct.bloc,
                capacity_gw: cap,
                base_peak_gw: peak,
                growth_per_tick: math::powf(1.0 + growth, 0.25),
                dc_share: share,
                dc_operational_gw: ct.dc_gw * share * cfg.datacenters.ai_share_start,
                dc_other_gw: ct.dc_gw * share * (1.0 - cfg.datacenters.ai_share_start),
                dc_building: pipeline,
                queue: Vec::new(),
                gen_building: Vec::new(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_proportional() {
        let v = apportion(10, &[1.0, 1.0, 1.0]);
        assert_eq!(v.iter().sum::<u64>(), 10);
        assert_eq!(v, vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 1.0]), vec![0, 7]);
    }
}
