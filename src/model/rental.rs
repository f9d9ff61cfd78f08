//! Renting compute abroad ("train abroad").
//!
//! Chinese labs may rent accelerators in other countries' data centers
//! (Singapore, Malaysia, the Gulf) unless a US remote-access rule forbids it.
//! The rentable pool is shared pro-rata among the labs that want it.

use super::lab::Lab;
use crate::config::Config;

/// Chinese labs rent compute abroad where remote access is allowed, pro-rata to a shared pool.
pub fn rent_abroad(cfg: &Config, labs: &mut [Lab]) {
    let d = &cfg.lab_dynamics;
    let want: Vec<f64> = labs
        .iter()
        .zip(&cfg.labs)
        .map(|(l, lc)| l.budgets(cfg, lc).1 / d.rent_usd_per_h100e_tick)
        .collect();
    let total: f64 = want.iter().sum();
    let scale = if total > d.abroad_pool_h100e {
        d.abroad_pool_h100e / total
    } else {
        1.0
    };
    for (lab, w) in labs.iter_mut().zip(&want) {
        lab.rented_h100e = w * scale;
    }
}
