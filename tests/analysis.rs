//! The analysis on functions with known answers, through the same design →
//! evaluate → outcome table → estimate path a sweep of the model takes.
//! (Issue 15, acceptance 1 and 2.)

use airace::analysis::bootstrap::Bootstrap;
use airace::analysis::functions::{
    self, evaluate, g_function, ishigami, ishigami_indices, ishigami_spec, planted_box,
    uniform_spec, G_COEFFICIENTS,
};
use airace::analysis::prim::{self, BoxRule, PrimOptions};
use airace::analysis::{morris, sobol, AnalysisError, MorrisDesign, SaltelliDesign};

const N: usize = 4096;

fn sobol_opts() -> sobol::SobolOptions {
    sobol::SobolOptions {
        bootstrap: Bootstrap {
            resamples: 1000,
            confidence: 0.95,
            seed: 42,
        },
        ..Default::default()
    }
}

/// Ishigami (a = 7, b = 0.1) at N = 4096 plus a dummy factor.
fn ishigami_study() -> (Vec<String>, Vec<Option<f64>>) {
    let spec = ishigami_spec();
    let design = SaltelliDesign::new(N, spec.factors.len(), false, 2026).unwrap();
    let table = evaluate(&spec, &design.rows, "y", ishigami);
    let y = table.point_outcomes("y", design.len()).unwrap();
    (spec.factor_names(), y)
}

#[test]
fn ishigami_indices_within_their_bootstrap_intervals() {
    let (names, y) = ishigami_study();
    let r = sobol::analyze(&names, N, false, &y, &sobol_opts()).unwrap();
    let (s1, st) = ishigami_indices();
    for (i, row) in r.indices.iter().take(3).enumerate() {
        eprintln!("{row:?} (true S1 {:.4}, ST {:.4})", s1[i], st[i]);
        assert!(
            (row.s1 - s1[i]).abs() <= row.s1_conf,
            "S1 {row:?} vs {}",
            s1[i]
        );
        assert!(
            (row.st - st[i]).abs() <= row.st_conf,
            "ST {row:?} vs {}",
            st[i]
        );
    }
    for row in &r.indices {
        assert!(
            row.s1 <= row.st + row.s1_conf.max(row.st_conf),
            "S1 > ST: {row:?}"
        );
    }
    let dummy = &r.indices[3];
    assert_eq!(dummy.factor, "dummy");
    assert!(dummy.st < 0.05, "dummy ST {dummy:?}");
    assert_eq!((r.blocks_used, r.runs_missing), (N, 0));
    // Convergence table: N/4, N/2, N for each of the 4 factors.
    let ns: Vec<usize> = r.convergence.iter().map(|c| c.n).collect();
    assert_eq!(
        ns,
        [1024; 4]
            .into_iter()
            .chain([2048; 4])
            .chain([4096; 4])
            .collect::<Vec<_>>()
    );
    let last = &r.convergence[8..];
    assert!(last
        .iter()
        .zip(&r.indices)
        .all(|(c, i)| c.s1 == i.s1 && c.st == i.st));
}

#[test]
fn ishigami_second_order_picks_the_x1_x3_interaction() {
    let spec = ishigami_spec();
    let design = SaltelliDesign::new(1024, 4, true, 7).unwrap();
    let table = evaluate(&spec, &design.rows, "y", ishigami);
    let y = table.point_outcomes("y", design.len()).unwrap();
    let opts = sobol::SobolOptions {
        second_order: true,
        ..sobol_opts()
    };
    let r = sobol::analyze(&spec.factor_names(), 1024, true, &y, &opts).unwrap();
    let (_, st) = ishigami_indices();
    for p in &r.second_order {
        let truth = if (p.factor_a.as_str(), p.factor_b.as_str()) == ("x1", "x3") {
            st[2] // S13 = V13 / V: all of x3's effect is its interaction with x1
        } else {
            0.0
        };
        eprintln!("{p:?} (true {truth:.4})");
        assert!(
            (p.s2 - truth).abs() <= p.s2_conf.max(0.02),
            "{p:?} vs {truth}"
        );
    }
}

#[test]
fn same_seed_same_design_and_indices_at_1_and_2_threads() {
    let d1 = SaltelliDesign::new(256, 4, true, 11).unwrap();
    assert_eq!(d1, SaltelliDesign::new(256, 4, true, 11).unwrap());
    assert_ne!(d1, SaltelliDesign::new(256, 4, true, 12).unwrap());
    assert_eq!(
        MorrisDesign::new(10, 4, 4, 3).unwrap(),
        MorrisDesign::new(10, 4, 4, 3).unwrap()
    );
    let (names, y) = ishigami_study();
    let opts = sobol::SobolOptions {
        second_order: false,
        ..sobol_opts()
    };
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| sobol::analyze(&names, N, false, &y, &opts).unwrap())
    };
    assert_eq!(run(1), run(2));
    let m = MorrisDesign::new(20, 4, 8, 5).unwrap();
    let spec = uniform_spec(&["a", "b", "c", "d", "e", "f", "g", "h"], 0.0, 1.0, false);
    let t = evaluate(&spec, &m.rows, "y", g_function(&G_COEFFICIENTS));
    let y = t.point_outcomes("y", m.rows.len()).unwrap();
    let mrun = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| morris::analyze(&spec.factor_names(), &m, &y, &Default::default()).unwrap())
    };
    assert_eq!(mrun(1), mrun(2));
}

#[test]
fn missing_runs_are_counted_and_too_many_refused() {
    let (names, mut y) = ishigami_study();
    let block = 4 + 2;
    // Kill every 25th run: blocks are 6 runs long, so about a quarter of them break.
    for v in y.iter_mut().step_by(25) {
        *v = None;
    }
    let r = sobol::analyze(&names, N, false, &y, &sobol_opts()).unwrap();
    assert_eq!(r.runs_missing, y.len().div_ceil(25));
    assert!(
        r.blocks_used < N && r.blocks_used >= N / 2,
        "{}",
        r.blocks_used
    );
    let (s1, _) = ishigami_indices();
    assert!((r.indices[1].s1 - s1[1]).abs() <= 2.0 * r.indices[1].s1_conf);
    // A sweep killed a third of the way through: refused, exit code 1.
    for v in y.iter_mut().skip(N * block / 3) {
        *v = None;
    }
    let e = sobol::analyze(&names, N, false, &y, &sobol_opts()).unwrap_err();
    assert!(
        matches!(
            e,
            AnalysisError::TooFewRuns {
                method: "sobol",
                ..
            }
        ),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("too few usable runs") && msg.contains("resume"),
        "{msg}"
    );
    assert_eq!(airace::Error::from(e).exit_code(), 1);
}

#[test]
fn morris_ranks_the_g_function_factors() {
    let names = ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8"];
    let spec = uniform_spec(&names, 0.0, 1.0, true);
    let design = MorrisDesign::new(50, 4, spec.factors.len(), 99).unwrap();
    let t = evaluate(&spec, &design.rows, "g", g_function(&G_COEFFICIENTS));
    let y = t.point_outcomes("g", design.rows.len()).unwrap();
    let r = morris::analyze(&spec.factor_names(), &design, &y, &Default::default()).unwrap();
    for row in &r.rows {
        eprintln!("{row:?}");
    }
    let ranking = r.ranking();
    assert_eq!(&ranking[..4], ["x1", "x2", "x3", "x4"], "{ranking:?}");
    // The negligible factors (a = 99) sit far below x4 (a = 9): their effects
    // scale roughly as 1/(1 + a), a ratio of 0.1; allow 0.25. The dummy's is 0.
    let mu = |n: &str| r.rows.iter().find(|x| x.factor == n).unwrap().mu_star;
    for n in ["x5", "x6", "x7", "x8"] {
        assert!(mu(n) < 0.25 * mu("x4"), "{n}: {}", mu(n));
    }
    assert_eq!(mu("dummy"), 0.0);
}

/// PRIM on a planted box x1 ∈ [0.2, 0.6], x2 ∈ [0.5, 0.9] in 5 uniform factors.
///
/// Tolerance: a peel removes α = 5% of the box's runs along one factor, so a
/// bound can overshoot by at most one slice, α × (box width) ≤ 0.05 of the
/// range, and pasting then re-adds slices of the same size; with n = 4096
/// runs the sampling gap between neighbouring values (~1/n) is negligible.
/// Hence each recovered bound is within 0.05 of the truth, and unrestricted
/// factors keep at least 90% of their range.
#[test]
fn prim_recovers_a_planted_box() {
    let truth = [(0.2, 0.6), (0.5, 0.9)];
    let spec = uniform_spec(&["x1", "x2", "x3", "x4", "x5"], 0.0, 1.0, false);
    let design = SaltelliDesign::new(4096, 5, false, 5).unwrap();
    // Use the A matrix only: independent Sobol points.
    let rows: Vec<Vec<f64>> = design
        .rows
        .iter()
        .step_by(design.block_len())
        .cloned()
        .collect();
    let t = evaluate(&spec, &rows, "inside", planted_box(&truth));
    let x = functions::param_matrix(&t);
    // 5% label noise, deterministic: the box's density is then ~0.95, not 1.
    let y: Vec<Option<bool>> = t
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| Some((r.values[0] == Some(1.0)) != (i % 20 == 7)))
        .collect();
    let opts = PrimOptions {
        rule: BoxRule::MaxCoverageAtDensity(0.9),
        ..Default::default()
    };
    let r = prim::analyze(&spec.factor_names(), &x, &y, &opts).unwrap();
    let b = &r.chosen;
    eprintln!("{b:#?}");
    for (j, (lo, hi)) in truth.iter().enumerate() {
        let l = &b.limits[j];
        assert!(
            l.restricted && (l.min - lo).abs() <= 0.05 && (l.max - hi).abs() <= 0.05,
            "{l:?}"
        );
    }
    for l in &b.limits[2..] {
        assert!(l.max - l.min >= 0.9, "{l:?}");
    }
    // With 5% noise the best possible box has density 0.95 and coverage
    // 0.16·0.95 / (0.16·0.95 + 0.84·0.05) = 0.78 (true runs outside it are noise).
    assert!(b.density >= 0.9 && b.coverage >= 0.7, "{b:?}");
    let overlay = prim::overlay_toml(b, &spec, "inside");
    assert!(
        overlay.contains("path = \"test.x1\"") && !overlay.contains("test.x5"),
        "{overlay}"
    );
    // The overlay is a valid [uncertainty] section in its own right.
    let parsed = airace::analysis::UncertaintySpec::parse(&overlay, "overlay").unwrap();
    assert_eq!(
        parsed.factors.len(),
        b.limits.iter().filter(|l| l.restricted).count()
    );
}

#[test]
fn morris_and_prim_count_missing_runs() {
    let spec = uniform_spec(&["x1", "x2", "x3"], 0.0, 1.0, false);
    let design = MorrisDesign::new(20, 4, 3, 1).unwrap();
    let t = evaluate(&spec, &design.rows, "g", g_function(&G_COEFFICIENTS[..3]));
    let mut y = t.point_outcomes("g", design.rows.len()).unwrap();
    y[5] = None; // the second run of trajectory 1: two effects lost
    let r = morris::analyze(&spec.factor_names(), &design, &y, &Default::default()).unwrap();
    assert_eq!(r.runs_missing, 1);
    assert_eq!(r.rows.iter().map(|x| x.effects).sum::<usize>(), 3 * 20 - 2);
    for v in y.iter_mut().take(4 * 12) {
        *v = None; // 12 of 20 trajectories gone
    }
    let e = morris::analyze(&spec.factor_names(), &design, &y, &Default::default()).unwrap_err();
    assert!(
        matches!(
            e,
            AnalysisError::TooFewRuns {
                method: "morris",
                ..
            }
        ),
        "{e}"
    );
    // PRIM leaves runs without an outcome out, and says how many.
    let x = functions::param_matrix(&t);
    let flags: Vec<Option<bool>> = t
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| (i % 7 != 0).then(|| r.values[0].unwrap() > 1.0))
        .collect();
    let p = prim::analyze(&spec.factor_names(), &x, &flags, &PrimOptions::default()).unwrap();
    assert_eq!(p.runs_missing, design.rows.len().div_ceil(7));
    assert_eq!(p.runs_used + p.runs_missing, design.rows.len());
}
