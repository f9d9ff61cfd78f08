//! Data centers: where chips meet power.
//!
//! Chips only compute inside a running, grid-connected data center. Each
//! quarter a country's developers (labs, cloud firms, state telecoms) file
//! interconnection requests for the capacity their chips need and do not yet
//! have; the local utilities decide when to connect them and the bloc's build
//! time decides when they run. Chips beyond running capacity sit idle.

use super::utility::{GridRules, Market, Request};
use crate::config::{Bloc, Config};

/// Power a country's chips need at full use, including cooling (GW).
pub fn required_gw(cfg: &Config, chip_power_gw: f64) -> f64 {
    chip_power_gw * cfg.datacenters.pue
}

/// Share of a country's chips that can run: running capacity over what they need.
pub fn utilisation(cfg: &Config, chip_power_gw: f64, operational_gw: f64) -> f64 {
    let need = required_gw(cfg, chip_power_gw);
    if need <= 0.0 {
        1.0
    } else {
        (operational_gw / need).min(1.0)
    }
}

/// File new interconnection requests for one country, split over its markets by `dc_share`.
///
/// Developers aim for the chips' needs plus headroom, start at most `dc_start_rate`
/// of running capacity per quarter (plus a small floor so a country can start from
/// nothing), and Chinese state telecoms add their own build-ahead capacity.
pub fn file_requests(
    cfg: &Config,
    bloc: Bloc,
    chip_power_gw: f64,
    markets: &mut [&mut Market],
    tick: u32,
) -> f64 {
    let operational: f64 = markets.iter().map(|m| m.dc_operational_gw).sum();
    let committed: f64 = markets.iter().map(|m| m.dc_committed_gw()).sum();
    let target = required_gw(cfg, chip_power_gw) * (1.0 + cfg.datacenters.headroom);
    let gap = (target - committed).max(0.0);
    let limit = cfg.blocs.get(bloc).dc_start_rate * operational + cfg.datacenters.start_floor_gw;
    let mut new_gw = gap.min(limit);
    if bloc == Bloc::CN {
        new_gw += cfg.policy.china.state_telecom_dc_gw_per_tick;
    }
    if new_gw <= 0.0 {
        return 0.0;
    }
    let weights = siting_weights(cfg, markets);
    for (m, w) in markets.iter_mut().zip(weights) {
        let gw = new_gw * w;
        if gw > 0.0 {
            m.queue.push(Request { since: tick, gw });
        }
    }
    new_gw
}

/// Developers go where the power is: each market's usual share (`dc_share`),
/// scaled by the data-center capacity its grid could still connect. When no
/// market has room, they queue everywhere by the usual shares.
fn siting_weights(cfg: &Config, markets: &[&mut Market]) -> Vec<f64> {
    let lf = cfg.datacenters.load_factor;
    let room: Vec<f64> = markets
        .iter()
        .map(|m| {
            // Data-center GW the grid could still take at the critical margin, net of the queue.
            let critical = GridRules::for_bloc(cfg, m.bloc).critical_margin;
            let carry = (m.capacity_gw / (1.0 + critical) - m.base_peak_gw) / lf - m.dc_other_gw;
            m.dc_share * (carry - m.dc_committed_gw()).max(0.0)
        })
        .collect();
    let total: f64 = room.iter().sum();
    if total > 0.0 {
        room.iter().map(|r| r / total).collect()
    } else {
        let shares: f64 = markets.iter().map(|m| m.dc_share).sum();
        markets
            .iter()
            .map(|m| {
                if shares > 0.0 {
                    m.dc_share / shares
                } else {
                    0.0
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_chips_when_unpowered() {
        let cfg = crate::model::testing::tiny_config();
        let pue = cfg.datacenters.pue;
        assert_eq!(
            utilisation(&cfg, 10.0, 0.0),
            0.0,
            "no data center: no compute"
        );
        assert!((utilisation(&cfg, 10.0, 5.0 * pue) - 0.5).abs() < 1e-12);
        assert_eq!(utilisation(&cfg, 10.0, 100.0), 1.0);
    }
}
