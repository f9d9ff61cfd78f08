//! The policy levers of a config: US export rules, remote access, grid policy
//! and friction; China's import rules, subsidies and promotion; and the
//! schedule of changes. Split from [`super::schema`] so each file stays small;
//! `schema` re-exports everything here.

use serde::{Deserialize, Serialize};

use super::schema::*;

/// All policy levers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyCfg {
    /// Washington's levers.
    pub us: UsPolicy,
    /// Beijing's levers.
    pub china: ChinaPolicy,
}

/// US policy.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UsPolicy {
    /// Export rules per (chip, destination bloc); unlisted pairs are allowed.
    pub export: Vec<ExportRuleCfg>,
    /// Share of banned demand that leaks through smuggling (enforcement gap).
    pub leakage: f64,
    /// Price markup on smuggled chips.
    pub leak_markup: f64,
    /// May Chinese labs rent compute abroad?
    pub remote_access: RemoteAccess,
    /// Multiplier on US generation build rate (solar/wind slowed by policy < 1).
    pub green_build_factor: f64,
    /// Quarters cut from US generation lead time by permitting reform.
    pub permitting_speedup_ticks: u32,
    /// Critical reserve margin override for interconnection in US markets (None = bloc's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interconnect_margin: Option<f64>,
    /// Friction with trade partners (tariffs, threats), 0–1: alienates them.
    pub friction: f64,
    /// US labs may not release open weights.
    pub open_weights_ban: bool,
    /// US buyers may not buy Chinese AI chips (Huawei is on the Entity List).
    #[serde(default = "yes")]
    pub block_chinese_chips: bool,
    /// Public money for US labs' compute, USD per quarter (a lever; 0 by default).
    #[serde(default)]
    pub state_capital_usd_per_tick: f64,
}

/// One US export rule.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExportRuleCfg {
    /// Chip name.
    pub chip: String,
    /// Destination bloc.
    pub dest: Bloc,
    /// allow, ban or license.
    pub rule: ExportRule,
    /// Government's share of licensed sales (added to the buyer's price).
    #[serde(default)]
    pub revenue_share: f64,
    /// Licensed volume to the bloc as a share of volume sold to US buyers last quarter (None = no cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_cap: Option<f64>,
}

/// Chinese policy.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChinaPolicy {
    /// Import stance per foreign chip; unlisted chips are allowed.
    pub import: Vec<ImportRuleCfg>,
    /// Adaptive rule: block every foreign chip once the domestic share of China's AI-chip
    /// purchases by value (`cn_chip_self_sufficiency`, 0–1) reaches this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_all_foreign_at_self_sufficiency: Option<f64>,
    /// Adaptive rule: lift the listed import blocks while the domestic share of China's
    /// AI-chip purchases (0–1) is below this (and no block-all is in force).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lift_blocks_below_self_sufficiency: Option<f64>,
    /// Subsidy to domestic chip capacity, USD per quarter.
    pub chip_subsidy_usd_per_tick: f64,
    /// Extra yearly capacity growth of domestic chips per $10B of quarterly subsidy.
    pub subsidy_growth_per_10bn: f64,
    /// Extra yearly capacity growth of domestic chips per unit of demand foreign chips cannot serve.
    pub protection_growth: f64,
    /// Data-center capacity state telecoms add per quarter regardless of demand, GW.
    pub state_telecom_dc_gw_per_tick: f64,
    /// Multiplier on adoption hazard of embodied sectors in China.
    pub embodied_priority: f64,
    /// Promotion of open weights (0–1): reach of Chinese open models, and the extra weight
    /// open-weight labs get in state capital (× 1 + promotion).
    pub open_weight_promotion: f64,
    /// State capital for Chinese labs' compute, USD per quarter (state funds, local
    /// governments, state-owned clouds).
    #[serde(default)]
    pub state_capital_usd_per_tick: f64,
    /// Growth of state capital per year of frontier gap China trails by (share per year behind).
    #[serde(default)]
    pub state_capital_gap_response: f64,
    /// Growth of Huawei presence abroad per quarter (digital diplomacy).
    pub digital_diplomacy: f64,
    /// US closed models are unavailable to Chinese firms.
    pub foreign_closed_models_blocked: bool,
}

/// One Chinese import rule.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImportRuleCfg {
    /// Chip name.
    pub chip: String,
    /// allow or block.
    pub stance: ImportStance,
}

/// A scheduled policy change.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntry {
    /// Tick from which the change applies (the step computing this tick sees it).
    pub tick: u32,
    /// `--set`-style assignments, e.g. `policy.us.friction=0.6`.
    #[serde(default)]
    pub set: Vec<String>,
    /// Capability events imposed at exactly this tick (a history replaying releases the
    /// model does not produce itself; see [`CapabilityEvent`]). Empty in the baseline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capability: Vec<CapabilityEvent>,
}

/// An observed model release imposed on a lab: its capability is raised (never lowered)
/// to where the US frontier stood `behind_us_months` earlier, so the measured frontier
/// gap right after it is at most that. Exists so a hindcast can say which catch-ups it
/// imposes rather than produces; the lab's own training continues from there.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CapabilityEvent {
    /// Lab name (must exist).
    pub lab: String,
    /// How far behind the US frontier the released model stood, months (0–120).
    pub behind_us_months: f64,
}

/// A range check as `validate.rs` defines it: key, value, lowest, highest.
type RangeCheck<T> = fn(String, T, T, T) -> Result<(), (String, String)>;

/// Schedule entries: ticks inside the run, something to do, capability events naming a
/// lab that exists and a plausible lag.
pub(super) fn check_schedule(
    c: &super::schema::Config,
    range: RangeCheck<f64>,
    irange: RangeCheck<u64>,
) -> Result<(), (String, String)> {
    for (i, e) in c.schedule.iter().enumerate() {
        irange(
            format!("schedule[{i}].tick"),
            e.tick as u64,
            0,
            c.run.ticks.saturating_sub(1) as u64,
        )?;
        if e.set.is_empty() && e.capability.is_empty() {
            return Err((
                format!("schedule[{i}].set"),
                "must list at least one assignment (or a capability event)".into(),
            ));
        }
        for (j, ev) in e.capability.iter().enumerate() {
            let key = format!("schedule[{i}].capability[{j}]");
            if !c.labs.iter().any(|l| l.name == ev.lab) {
                return Err((format!("{key}.lab"), format!("no lab `{}`", ev.lab)));
            }
            range(
                format!("{key}.behind_us_months"),
                ev.behind_us_months,
                0.0,
                120.0,
            )?;
        }
    }
    Ok(())
}
