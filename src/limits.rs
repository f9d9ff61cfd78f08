//! Resource limits: refuse runs that cannot fit before allocating anything.
//!
//! A run that dies of memory exhaustion halfway through a sweep wastes the
//! analyst's afternoon and may take the machine's other jobs with it. So the
//! CLI estimates the peak memory of a run from its config alone (firms,
//! countries, labs, markets, ticks) and refuses, with exit 2 and the numbers,
//! when the estimate exceeds `--max-memory` or the memory the kernel reports
//! as available. The estimate errs on the high side: it budgets for the
//! transient copies a checkpoint makes even when none is requested, because
//! an over-estimate costs a clear message while an under-estimate costs a
//! crash.

use crate::config::Config;
use crate::error::{Error, Result};
pub use crate::io::read::format_bytes;

/// Bytes of one firm in `Vec<Firm>` (checked against `size_of::<Firm>()` in the tests).
const FIRM_BYTES: u64 = 12;
/// Extra bytes per firm for transient copies: a checkpoint clones the world
/// (12 B) and encodes it into a growing buffer (up to about 24 B with slack).
const FIRM_SCRATCH_BYTES: u64 = 36;
/// Per (country, sector) group: `Group`, two `GroupTotals`, a `GroupRule`, with slack.
const GROUP_BYTES: u64 = 640;
/// Per lab: its state, history and per-tick scratch, generously.
const LAB_BYTES: u64 = 2048;
/// Per power market: its state and the per-tick requests, generously.
const MARKET_BYTES: u64 = 1024;
/// Per country pair: the trade / alignment matrix (f64) and its update buffer.
const COUNTRY_PAIR_BYTES: u64 = 16;
/// One `Row` held in memory: the struct (88 B) plus three small heap strings
/// (period, scope, metric), each at least a 32 B allocator chunk.
const ROW_BYTES: u64 = 192;
/// One row as CSV text (about 40 B measured; `to_csv_string` reserves 48 B), counted
/// twice: the file body and the copy a checkpoint keeps.
const CSV_ROW_BYTES: u64 = 2 * 48;
/// Fixed cost of the process: code, the allocator, thread stacks touched, the config.
const FIXED_BYTES: u64 = 16 << 20;

pub use crate::simulation::MAX_THREADS;

/// The environment variable rayon reads for its global pool size.
pub const RAYON_THREADS_ENV: &str = "RAYON_NUM_THREADS";

/// Check `RAYON_NUM_THREADS` against [`MAX_THREADS`], so the variable obeys
/// the same rule as `--threads`. Unset or empty is fine (rayon then uses the
/// cores); anything else must be a whole number from 0 (rayon's "default")
/// to the cap.
pub fn check_rayon_env(value: Option<&str>) -> Result<()> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    match v.parse::<usize>() {
        Ok(n) if n <= MAX_THREADS => Ok(()),
        _ => Err(Error::Usage(format!(
            "{RAYON_THREADS_ENV}={} is not a thread count from 1 to {MAX_THREADS}",
            crate::io::quote::quote(v)
        ))),
    }
}

/// Hidden environment variable: when set, `check_memory` prints its estimate to stderr.
pub const PRINT_ESTIMATE_ENV: &str = "AIRACE_PRINT_MEMORY_ESTIMATE";

/// The parts of a run's estimated peak memory, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    /// Firm state plus transient copies.
    pub firms: u64,
    /// Groups, labs, markets and country-pair matrices.
    pub agents: u64,
    /// The time-series rows and their CSV text.
    pub timeseries: u64,
    /// The process itself.
    pub fixed: u64,
}

impl Estimate {
    /// The whole estimate.
    pub fn total(&self) -> u64 {
        self.firms
            .saturating_add(self.agents)
            .saturating_add(self.timeseries)
            .saturating_add(self.fixed)
    }
}

/// Rows the recorder writes per tick: per country and bloc metrics, per market, world.
pub fn rows_per_tick(config: &Config) -> u64 {
    let countries = config.countries.len() as u64;
    let markets = config.power_markets.len() as u64;
    // 30 world/bloc rows, plus 23 from the innovation side (5 per bloc: utilisation,
    // lab revenue, capital, budget, rented compute; rent and rental pool; China's chip share); plus 10 from the diffusion side
    // (its components, downloads, usage by origin).
    (5 + countries) * 8 + markets + 63
}

/// Estimate the peak memory of running `config` to its end.
pub fn estimate(config: &Config) -> Estimate {
    let firms = config.firms.count;
    let countries = config.countries.len() as u64;
    let groups = countries.saturating_mul(config.sectors.len() as u64);
    let agents = groups.saturating_mul(GROUP_BYTES)
        + (config.labs.len() as u64).saturating_mul(LAB_BYTES)
        + (config.power_markets.len() as u64).saturating_mul(MARKET_BYTES)
        + countries
            .saturating_mul(countries)
            .saturating_mul(COUNTRY_PAIR_BYTES);
    let rows = rows_per_tick(config).saturating_mul(config.run.ticks as u64);
    Estimate {
        firms: firms.saturating_mul(FIRM_BYTES + FIRM_SCRATCH_BYTES),
        agents,
        timeseries: rows.saturating_mul(ROW_BYTES + CSV_ROW_BYTES),
        fixed: FIXED_BYTES,
    }
}

/// Parse a size such as `512M`, `4G`, `1.5GiB`, `2048k` or plain bytes `1000000`.
///
/// Suffixes are binary and case-insensitive (`K`/`KB`/`KiB` = 1024, as for
/// `ulimit` and `-Xmx`): memory is sold and reported by the kernel in those units.
pub fn parse_size(text: &str) -> Result<u64> {
    let bad = || {
        Error::Usage(format!(
            "--max-memory `{text}` is not a size; use e.g. 512M, 4G, 1.5GiB or a number of bytes"
        ))
    };
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(bad()),
    };
    let bytes = value * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as u64)
}

/// `MemAvailable` from the text of `/proc/meminfo`, in bytes.
pub fn parse_meminfo(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut parts = line["MemAvailable:".len()..].split_whitespace();
    let kib: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") | None => kib.checked_mul(1024),
        Some(_) => None,
    }
}

/// Memory the kernel says can be allocated without swapping, when it says so (Linux).
pub fn available_memory() -> Option<u64> {
    parse_meminfo(&std::fs::read_to_string("/proc/meminfo").ok()?)
}

/// The refusal message: the estimate, the limit, what drove it and the fix.
fn refusal(config: &Config, est: &Estimate, limit: u64, what: &str) -> Error {
    Error::Usage(format!(
        "estimated peak memory {} exceeds {what} {} (firms.count = {} needs {}, \
         run.ticks = {} of time series needs {}); lower firms.count or run.ticks, \
         or raise --max-memory",
        format_bytes(est.total()),
        format_bytes(limit),
        config.firms.count,
        format_bytes(est.firms),
        config.run.ticks,
        format_bytes(est.timeseries),
    ))
}

/// Check the estimated memory of a run against `--max-memory` and the machine.
///
/// `--max-memory` syntax errors and over-limit runs are usage errors (exit 2),
/// raised before the world is built, so nothing is allocated or written.
pub fn check_memory(config: &Config, max: Option<&str>) -> Result<()> {
    let limit = max.map(parse_size).transpose()?;
    let est = estimate(config);
    if std::env::var_os(PRINT_ESTIMATE_ENV).is_some() {
        eprintln!(
            "memory estimate: {} bytes ({}; firms {}, agents {}, time series {}, fixed {})",
            est.total(),
            format_bytes(est.total()),
            format_bytes(est.firms),
            format_bytes(est.agents),
            format_bytes(est.timeseries),
            format_bytes(est.fixed)
        );
    }
    if let Some(limit) = limit {
        if est.total() > limit {
            return Err(refusal(config, &est, limit, "--max-memory"));
        }
    }
    match available_memory() {
        Some(avail) if est.total() > avail => Err(refusal(
            config,
            &est,
            avail,
            "available memory (MemAvailable)",
        )),
        _ => Ok(()),
    }
}

/// Check a sweep's memory: `jobs` runs at once, each estimated at the
/// largest of its points' configs, against `--max-memory` and the machine.
pub fn check_sweep_memory<'a>(
    configs: impl IntoIterator<Item = &'a Config>,
    jobs: usize,
    max: Option<&str>,
) -> Result<()> {
    let Some(worst) = configs.into_iter().max_by_key(|c| estimate(c).total()) else {
        return Ok(());
    };
    let jobs64 = jobs.max(1) as u64;
    let one = estimate(worst);
    let total = Estimate {
        firms: one.firms.saturating_mul(jobs64),
        agents: one.agents.saturating_mul(jobs64),
        timeseries: one.timeseries.saturating_mul(jobs64),
        fixed: one.fixed,
    };
    let limit = max.map(parse_size).transpose()?;
    let over = |limit: u64, what: &str| {
        Error::Usage(format!(
            "estimated peak memory {} of {jobs} runs at once ({} each; firms.count = {}, \
             run.ticks = {}) exceeds {what} {}; lower --jobs, firms.count or run.ticks, \
             or raise --max-memory",
            format_bytes(total.total()),
            format_bytes(one.total()),
            worst.firms.count,
            worst.run.ticks,
            format_bytes(limit),
        ))
    };
    if let Some(limit) = limit.filter(|&l| total.total() > l) {
        return Err(over(limit, "--max-memory"));
    }
    match available_memory() {
        Some(avail) if total.total() > avail => Err(over(avail, "available memory (MemAvailable)")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(firms: u64, ticks: u32) -> Config {
        let sets = [format!("firms.count={firms}"), format!("run.ticks={ticks}")];
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/baseline.toml");
        crate::config::load(&path, &sets)
            .expect("baseline loads")
            .config
    }

    #[test]
    fn firm_bytes_match_the_struct() {
        assert_eq!(
            FIRM_BYTES as usize,
            std::mem::size_of::<crate::model::firm::Firm>()
        );
    }

    #[test]
    fn estimate_is_monotone_in_firms_and_ticks() {
        let small = estimate(&baseline(10_000, 40)).total();
        let more_firms = estimate(&baseline(100_000, 40)).total();
        let more_ticks = estimate(&baseline(10_000, 400)).total();
        assert!(more_firms > small && more_ticks > small);
        let mut prev = 0;
        for n in [1u64, 10, 1_000, 1_000_000, 50_000_000] {
            let mut c = baseline(20, 4);
            c.firms.count = n;
            let e = estimate(&c).total();
            assert!(e > prev, "estimate must grow with firms.count");
            prev = e;
        }
    }

    #[test]
    fn a_million_firm_baseline_fits_in_a_gib() {
        let e = estimate(&baseline(1_000_000, 40)).total();
        assert!(e < 1 << 30, "1M firms estimated at {}", format_bytes(e));
        // Print for the issue note (cargo test -- --nocapture).
        for n in [10_000u64, 100_000, 1_000_000] {
            let e = estimate(&baseline(n, 40));
            println!("firms {n}: estimate {} ({:?})", format_bytes(e.total()), e);
        }
    }

    #[test]
    fn rows_per_tick_matches_the_recorder_within_a_few_percent() {
        let c = baseline(300, 2);
        let ts = crate::simulation::with_threads(Some(1), || {
            let mut sim = crate::simulation::Simulation::new(c.clone());
            sim.run_to_end(|_| Ok(())).map(|_| sim.timeseries)
        })
        .unwrap()
        .unwrap();
        let actual = ts.rows().len() as f64 / 2.0;
        let est = rows_per_tick(&c) as f64;
        assert!(
            est >= actual && est <= actual * 1.1,
            "estimated {est} rows per tick, recorder wrote {actual}"
        );
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("4G").unwrap(), 4 << 30);
        assert_eq!(parse_size("4gb").unwrap(), 4 << 30);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("2048k").unwrap(), 2 << 20);
        assert_eq!(parse_size("1000000").unwrap(), 1_000_000);
        assert_eq!(parse_size(" 7 B ").unwrap(), 7);
        assert_eq!(parse_size("1T").unwrap(), 1 << 40);
    }

    #[test]
    fn bad_sizes_are_usage_errors() {
        for s in [
            "",
            "G",
            "abc",
            "4X",
            "1.2.3G",
            "-1G",
            "0",
            "0.1",
            "1e3",
            "4 G B",
            "99999999999T",
        ] {
            match parse_size(s) {
                Err(Error::Usage(m)) => assert!(m.contains("--max-memory"), "{m}"),
                other => panic!("`{s}` gave {other:?}"),
            }
        }
    }

    #[test]
    fn limit_is_enforced_with_the_numbers() {
        let c = baseline(10_000, 4);
        let err = check_memory(&c, Some("1K")).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let m = err.to_string();
        assert!(
            m.contains("estimated peak memory") && m.contains("1.000 KiB"),
            "{m}"
        );
        // A limit far above the estimate passes, unless the machine itself has less
        // memory available than the estimate (then the refusal names MemAvailable).
        match available_memory() {
            Some(avail) if avail < estimate(&c).total() => {
                let m = check_memory(&c, Some("64G")).unwrap_err().to_string();
                assert!(m.contains("MemAvailable"), "{m}");
            }
            _ => check_memory(&c, Some("64G")).unwrap(),
        }
    }

    #[test]
    fn sweeps_multiply_the_estimate_by_jobs() {
        let c = baseline(10_000, 4);
        let one = estimate(&c).total();
        let limit = one.to_string();
        // One job at exactly the estimate fits the limit; it can only fail on a machine
        // with less memory available than one run needs.
        match available_memory() {
            Some(avail) if avail < one => {
                assert!(check_sweep_memory([&c], 1, Some(&limit)).is_err())
            }
            _ => check_sweep_memory([&c], 1, Some(&limit)).unwrap(),
        }
        let err = check_sweep_memory([&c], 16, Some(&limit)).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("16 runs at once"), "{err}");
        assert!(check_sweep_memory([&c], 1, Some("bad")).is_err());
    }

    #[test]
    fn meminfo_parses() {
        let text = "MemTotal:       32000000 kB\nMemFree:  1 kB\nMemAvailable:   23800568 kB\n";
        assert_eq!(parse_meminfo(text), Some(23_800_568 * 1024));
        assert_eq!(parse_meminfo("MemTotal: 5 kB\n"), None);
        assert_eq!(parse_meminfo("MemAvailable: x kB\n"), None);
    }
}
