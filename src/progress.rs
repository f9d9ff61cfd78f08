//! Progress of a sweep (runs) or a long run (quarters): a bar with ETA on a
//! terminal, plain lines in logs.
//!
//! Slurm and CI capture stderr to files, where a redrawn bar turns into
//! megabytes of carriage returns; there we print a line every ~5% or 10 s.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Progress reporter for `total` items.
pub struct Progress {
    total: u64,
    done: u64,
    mode: Mode,
    /// What is counted ("runs", "quarters").
    unit: &'static str,
    /// Prefix of plain log lines ("sweep", "run").
    label: &'static str,
}

enum Mode {
    Quiet,
    Bar(ProgressBar),
    Lines {
        started: Instant,
        last_line: Instant,
        last_done: u64,
    },
}

impl Progress {
    /// A reporter for a sweep's runs; silent when `quiet` or there is nothing to do.
    pub fn new(total: u64, quiet: bool) -> Progress {
        Progress::counting(total, quiet, "runs", "sweep")
    }

    /// A reporter counting `unit`s, with `label` before plain log lines.
    pub fn counting(total: u64, quiet: bool, unit: &'static str, label: &'static str) -> Progress {
        let mode = if quiet || total == 0 {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                &format!("{{bar:40.cyan/blue}} {{pos}}/{{len}} {unit}  {{elapsed_precise}} elapsed, ETA {{eta}}  {{msg}}"),
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            Mode::Bar(bar)
        } else {
            Mode::Lines {
                started: Instant::now(),
                last_line: Instant::now(),
                last_done: 0,
            }
        };
        Progress {
            total,
            done: 0,
            mode,
            unit,
            label,
        }
    }

    /// One more run finished (or skipped); `failed` so far.
    pub fn inc(&mut self, failed: usize) {
        self.done += 1;
        let (done, total, unit, label) = (self.done, self.total, self.unit, self.label);
        match &mut self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => {
                bar.inc(1);
                if failed > 0 {
                    bar.set_message(format!("{failed} failed"));
                }
            }
            Mode::Lines {
                started,
                last_line,
                last_done,
            } => {
                let step = (total / 20).max(1);
                let since = last_line.elapsed();
                let due = (done - *last_done >= step && since >= Duration::from_secs(1))
                    || since >= Duration::from_secs(10);
                if due || done == total {
                    let el = started.elapsed().as_secs_f64();
                    let eta = el / done as f64 * (total - done) as f64;
                    eprintln!(
                        "{label}: {done}/{total} {unit} ({:.0}%){}, {el:.1} s elapsed, ETA {eta:.0} s",
                        100.0 * done as f64 / total as f64,
                        if unit == "runs" { format!(", {failed} failed") } else { String::new() },
                    );
                    *last_line = Instant::now();
                    *last_done = done;
                }
            }
        }
    }

    /// Clear the bar.
    pub fn finish(self) {
        if let Mode::Bar(bar) = self.mode {
            bar.finish_and_clear();
        }
    }
}
