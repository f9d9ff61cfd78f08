//! Turn `scripts/bench-scaling.sh` measurements into the scaling figure and a summary table.
//!
//! Usage: `cargo run --release --example perf_chart -- docs/perf/scaling.csv docs/perf/scaling.png`
//!
//! Per (firms, threads) it takes the fastest repeat of a 1-tick and of a
//! 40-tick run; their difference over the 39 extra ticks is the per-tick time
//! with set-up and output removed (fastest, because a shared machine only ever
//! adds time). It prints per-tick time, firm-steps per second and peak RSS,
//! fits the log-log slope of per-tick time against firm count (1 = linear),
//! and draws both thread counts against a linear reference on log-log axes.

use std::collections::BTreeMap;
use std::error::Error;

use airace::math;
use plotters::prelude::*;

/// Best (minimum) wall time per tick count and the peak RSS, per (firms, threads).
#[derive(Default)]
struct Cell {
    /// Fastest wall time per tick count, seconds.
    wall: BTreeMap<u32, f64>,
    /// Smallest CPU time (user + system) per tick count, seconds: robust to a busy machine.
    cpu: BTreeMap<u32, f64>,
    /// Largest peak RSS over its runs (the longest run's, in practice), KiB.
    rss_kib: u64,
}

type Table = BTreeMap<(u64, usize), Cell>;

fn read_table(path: &str) -> Result<Table, Box<dyn Error>> {
    let mut rdr = csv::Reader::from_path(path)?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{path}: no column {name}"))
    };
    let (cf, ct, ck, cw, cr) = (
        col("firms")?,
        col("threads")?,
        col("ticks")?,
        col("wall_s")?,
        col("max_rss_kib")?,
    );
    let (cu, cs) = (col("user_s")?, col("sys_s")?);
    let mut table = Table::new();
    for rec in rdr.records() {
        let rec = rec?;
        let firms: u64 = rec[cf].parse()?;
        let threads: usize = rec[ct].parse()?;
        let ticks: u32 = rec[ck].parse()?;
        let wall: f64 = rec[cw].parse()?;
        let rss: u64 = rec[cr].parse()?;
        let cpu: f64 = rec[cu].parse::<f64>()? + rec[cs].parse::<f64>()?;
        let cell = table.entry((firms, threads)).or_default();
        let best = cell.wall.entry(ticks).or_insert(f64::INFINITY);
        *best = best.min(wall);
        let best = cell.cpu.entry(ticks).or_insert(f64::INFINITY);
        *best = best.min(cpu);
        cell.rss_kib = cell.rss_kib.max(rss);
    }
    Ok(table)
}

/// Per-tick seconds from the shortest and longest runs of a cell.
fn per_tick(cell: &Cell) -> Option<f64> {
    per_tick_of(&cell.wall)
}

/// Per-tick seconds from the shortest and longest runs in `times` (ticks → seconds).
fn per_tick_of(times: &BTreeMap<u32, f64>) -> Option<f64> {
    let (&k0, &w0) = times.iter().next()?;
    let (&k1, &w1) = times.iter().next_back()?;
    (k1 > k0).then(|| ((w1 - w0) / (k1 - k0) as f64).max(1e-9))
}

/// Least-squares slope of ln(y) on ln(x).
fn loglog_slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (lx, ly): (Vec<f64>, Vec<f64>) = points
        .iter()
        .map(|(x, y)| (math::ln(*x), math::ln(*y)))
        .unzip();
    let (mx, my) = (lx.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = lx.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

/// Per-thread-count series of (firms, per-tick seconds), from wall or CPU times.
fn series(table: &Table, cpu: bool) -> BTreeMap<usize, Vec<(f64, f64)>> {
    let mut out: BTreeMap<usize, Vec<(f64, f64)>> = BTreeMap::new();
    for (&(firms, threads), cell) in table {
        let t = if cpu {
            per_tick_of(&cell.cpu)
        } else {
            per_tick(cell)
        };
        if let Some(t) = t {
            out.entry(threads).or_default().push((firms as f64, t));
        }
    }
    out
}

fn print_summary(table: &Table) {
    println!("| firms | threads | wall ms/tick | firm-steps/s (M, wall) | CPU ms/tick | firm-steps per CPU-s (M) | peak RSS MiB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (&(firms, threads), cell) in table {
        if let Some(t) = per_tick(cell) {
            let cpu = per_tick_of(&cell.cpu).unwrap_or(f64::NAN);
            println!(
                "| {firms} | {threads} | {:.2} | {:.1} | {:.2} | {:.1} | {:.0} |",
                t * 1e3,
                firms as f64 / t / 1e6,
                cpu * 1e3,
                firms as f64 / cpu / 1e6,
                cell.rss_kib as f64 / 1024.0
            );
        }
    }
    for (kind, cpu) in [("wall", false), ("CPU", true)] {
        print_slopes(kind, &series(table, cpu));
    }
}

fn print_slopes(kind: &str, lines: &BTreeMap<usize, Vec<(f64, f64)>>) {
    for (threads, pts) in lines {
        if pts.len() >= 2 {
            let big: Vec<_> = pts.iter().copied().filter(|p| p.0 >= 1e5).collect();
            let tail = if big.len() >= 2 {
                format!(", {:.3} over >= 100k firms", loglog_slope(&big))
            } else {
                String::new()
            };
            println!(
                "log-log slope of {kind} time, {threads} thread(s): {:.3} over all sizes{tail}",
                loglog_slope(pts)
            );
        }
    }
}

fn draw(table: &Table, out: &str) -> Result<(), Box<dyn Error>> {
    let mut lines: Vec<(String, Vec<(f64, f64)>)> = series(table, false)
        .into_iter()
        .map(|(n, p)| (format!("wall, {n} thread(s)"), p))
        .collect();
    if let Some(p) = series(table, true).remove(&1) {
        lines.push(("CPU time, 1 thread".to_string(), p));
    }
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "cannot load the embedded DejaVu font")?;
    let all: Vec<(f64, f64)> = lines.iter().flat_map(|l| l.1.iter().copied()).collect();
    let (xmin, xmax) = all
        .iter()
        .fold((f64::MAX, 0f64), |a, p| (a.0.min(p.0), a.1.max(p.0)));
    let (ymin, ymax) = all
        .iter()
        .fold((f64::MAX, 0f64), |a, p| (a.0.min(p.1), a.1.max(p.1)));
    let root = BitMapBackend::new(out, (900, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "airace: time per tick vs firm count (baseline model)",
            ("sans-serif", 24),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (xmin * 0.7..xmax * 1.4).log_scale(),
            (ymin * 1e3 * 0.5..ymax * 1e3 * 2.0).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("firms")
        .y_desc("ms per tick")
        .x_label_formatter(&|x| format!("{:.0e}", x))
        .label_style(("sans-serif", 15))
        .draw()?;
    let colors = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
    ];
    for (i, (name, pts)) in lines.iter().enumerate() {
        let c = colors[i % colors.len()];
        let ms: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| (x, y * 1e3)).collect();
        chart
            .draw_series(LineSeries::new(ms.clone(), c.stroke_width(2)))?
            .label(format!("{name}: slope {:.2}", loglog_slope(pts)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart.draw_series(ms.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
    }
    // Linear reference through the largest 1-thread wall-time point.
    if let Some(&(x0, y0)) = lines.first().and_then(|l| l.1.last()) {
        let reference = vec![(xmin, y0 * 1e3 * xmin / x0), (xmax, y0 * 1e3 * xmax / x0)];
        chart
            .draw_series(LineSeries::new(reference, BLACK.mix(0.4)))?
            .label("linear (slope 1)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.4)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let input = args.get(1).map_or("docs/perf/scaling.csv", String::as_str);
    let output = args.get(2).map_or("docs/perf/scaling.png", String::as_str);
    let table = read_table(input)?;
    if series(&table, false).is_empty() {
        return Err(format!("{input}: need a short and a long run per size").into());
    }
    print_summary(&table);
    draw(&table, output)?;
    println!("wrote {output}");
    Ok(())
}
