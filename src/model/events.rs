//! Capability events: observed releases a hindcast imposes rather than produces.
//!
//! The 2023–2025 history replays Chinese releases (DeepSeek-V3, R1, ...) whose
//! closeness to the US frontier the model's own training does not reach. A
//! scheduled [`CapabilityEvent`](crate::config::CapabilityEvent) raises the named
//! lab's capability to where the US frontier stood a stated number of months
//! earlier, so the measured gap right after it is at most that. It never lowers a
//! capability, counts as a release (the open model's age restarts), and is applied
//! after the labs train, at exactly its tick. No event in a config: nothing happens,
//! so runs without events are unchanged.

use super::lab::Lab;
use crate::config::{Bloc, Config};

/// Apply the capability events scheduled for tick `t`. `us_before` is the US frontier
/// after each earlier tick; `pace_per_tick` extrapolates it before the run started.
pub fn apply(cfg: &Config, t: u32, labs: &mut [Lab], us_before: &[f64], pace_per_tick: f64) {
    let events = cfg
        .schedule
        .iter()
        .filter(|e| e.tick == t)
        .flat_map(|e| &e.capability);
    for ev in events {
        let now = labs
            .iter()
            .filter(|l| l.bloc == Bloc::US)
            .map(|l| l.capability)
            .fold(0.0, f64::max);
        let level = us_level_ago(us_before, now, ev.behind_us_months / 3.0, pace_per_tick);
        if let Some(lab) = labs.iter_mut().find(|l| l.name == ev.lab) {
            if level > lab.capability {
                lab.capability = level;
                lab.own_capability = lab.own_capability.max(level);
                lab.last_release = t as i64;
            }
        }
    }
}

/// Where the US frontier stood `ticks_ago` ticks before now (`now` is this tick's value,
/// `before` the earlier ticks'), interpolated linearly; before tick 0 it is extrapolated
/// back at `pace_per_tick`.
pub fn us_level_ago(before: &[f64], now: f64, ticks_ago: f64, pace_per_tick: f64) -> f64 {
    let mut series = before.to_vec();
    series.push(now);
    let last = (series.len() - 1) as f64;
    let at = last - ticks_ago;
    if at < 0.0 {
        return series[0] + at * pace_per_tick;
    }
    let i = at.floor() as usize;
    let frac = at - i as f64;
    match series.get(i + 1) {
        Some(next) => series[i] + frac * (next - series[i]),
        None => series[i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_lifts_a_lab_to_the_us_level_months_ago() {
        use crate::config::{CapabilityEvent, ScheduleEntry};
        let mut cfg = crate::model::testing::tiny_config();
        let cn = cfg
            .labs
            .iter()
            .position(|l| {
                cfg.countries
                    .iter()
                    .any(|c| c.code == l.country && c.bloc == Bloc::CN)
            })
            .expect("tiny config has a Chinese lab");
        let us = cfg
            .labs
            .iter()
            .position(|l| {
                cfg.countries
                    .iter()
                    .any(|c| c.code == l.country && c.bloc == Bloc::US)
            })
            .expect("tiny config has a US lab");
        let lab_of = |i: usize| {
            let lc = &cfg.labs[i];
            let ci = cfg
                .countries
                .iter()
                .position(|c| c.code == lc.country)
                .unwrap();
            Lab::new(&cfg, lc, ci, cfg.countries[ci].bloc)
        };
        let mut labs = vec![lab_of(us), lab_of(cn)];
        labs[0].capability = 20.0;
        labs[1].capability = 1.0;
        // US frontier 10, 12, 14, 16 over ticks 0-3, 20 now (tick 4).
        let before = [10.0, 12.0, 14.0, 16.0];
        cfg.schedule = vec![ScheduleEntry {
            tick: 4,
            set: vec![],
            capability: vec![CapabilityEvent {
                lab: cfg.labs[cn].name.clone(),
                behind_us_months: 6.0,
            }],
        }];
        // Another tick: nothing happens.
        apply(&cfg, 3, &mut labs, &before, 0.5);
        assert_eq!(labs[1].capability, 1.0);
        // Six months = two quarters before tick 4: the level at tick 2.
        apply(&cfg, 4, &mut labs, &before, 0.5);
        assert_eq!(labs[1].capability, 14.0);
        assert_eq!(labs[1].last_release, 4);
        // Never lowers a capability.
        labs[1].capability = 30.0;
        apply(&cfg, 4, &mut labs, &before, 0.5);
        assert_eq!(labs[1].capability, 30.0);
    }

    #[test]
    fn level_ago_interpolates_and_extrapolates() {
        let before = [10.0, 11.0];
        assert_eq!(us_level_ago(&before, 12.0, 0.0, 0.5), 12.0);
        assert!((us_level_ago(&before, 12.0, 0.5, 0.5) - 11.5).abs() < 1e-12);
        assert!((us_level_ago(&before, 12.0, 2.0, 0.5) - 10.0).abs() < 1e-12);
        assert!(
            (us_level_ago(&before, 12.0, 4.0, 0.5) - 9.0).abs() < 1e-12,
            "two ticks before the start at 0.5 a tick"
        );
    }
}
