#!/usr/bin/env python3
"""Cross-check airace's analysis against the reference tools, on the same data.

Usage: salib_check.py DIR

DIR is written by tests/analysis_python.rs and may hold:
  sobol.json        {names, n, second_order, y, rust: {S1, S1_conf, ST, ST_conf, S2?, S2_conf?}}
  morris.json       {names, levels, x, y, rust: {mu, mu_star, sigma, mu_star_conf}}
  summary.parquet + summary.json   {rows, runs, outcomes}: loaded with pyarrow, pandas, DuckDB
  series.parquet  + series.json    {rows}

SALib is run on exactly the outputs airace analysed. Point estimates use the
same formulas (Saltelli 2010 / Jansen / Saltelli 2002, Morris' elementary
effects), so they must agree to rounding; the bootstrap intervals use
different random resamples, so those must only agree in size. The
acceptance rule is that each airace index lies within SALib's confidence
interval and vice versa. Exits 1 on any disagreement.
"""
import json
import os
import sys

import numpy as np

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)


def sobol(d):
    from SALib.analyze import sobol as salib_sobol

    names = d["names"]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    y = np.asarray(d["y"], dtype=float)
    si = salib_sobol.analyze(problem, y, calc_second_order=d["second_order"],
                             num_resamples=1000, conf_level=0.95, seed=12345)
    r = d["rust"]
    print("sobol: factor, airace S1 ± conf | SALib S1 ± conf || airace ST ± conf | SALib ST ± conf")
    worst = 0.0
    for i, n in enumerate(names):
        print(f"  {n:8s} {r['S1'][i]:8.4f} ± {r['S1_conf'][i]:.4f} | {si['S1'][i]:8.4f} ± {si['S1_conf'][i]:.4f}"
              f" || {r['ST'][i]:8.4f} ± {r['ST_conf'][i]:.4f} | {si['ST'][i]:8.4f} ± {si['ST_conf'][i]:.4f}")
        for k in ("S1", "ST"):
            diff = abs(r[k][i] - si[k][i])
            worst = max(worst, diff)
            check(diff <= min(r[k + "_conf"][i], si[k + "_conf"][i]),
                  f"sobol {k}[{n}] within both intervals (|diff| = {diff:.2e})")
            if max(r[k + "_conf"][i], si[k + "_conf"][i]) < 1e-12:
                continue  # a factor the function ignores: both intervals are empty
            ratio = r[k + "_conf"][i] / max(si[k + "_conf"][i], 1e-12)
            check(0.7 <= ratio <= 1.4, f"sobol {k}_conf[{n}] same size as SALib's (ratio {ratio:.2f})")
    if d["second_order"]:
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                ours = r["S2"][i][j]
                diff = abs(ours - si["S2"][i, j])
                worst = max(worst, diff)
                check(diff <= min(r["S2_conf"][i][j], si["S2_conf"][i, j]),
                      f"sobol S2[{names[i]},{names[j]}] {ours:.4f} vs {si['S2'][i, j]:.4f}")
    print(f"sobol: largest point-estimate difference {worst:.2e}")


def morris(d):
    from SALib.analyze import morris as salib_morris

    names = d["names"]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    x = np.asarray(d["x"], dtype=float)
    y = np.asarray(d["y"], dtype=float)
    si = salib_morris.analyze(problem, x, y, num_resamples=1000, conf_level=0.95,
                              num_levels=d["levels"], seed=12345)
    r = d["rust"]
    print("morris: factor, airace mu* ± conf | SALib mu* ± conf, sigma airace | SALib")
    for i, n in enumerate(names):
        print(f"  {n:8s} {r['mu_star'][i]:9.5f} ± {r['mu_star_conf'][i]:.5f} | "
              f"{si['mu_star'][i]:9.5f} ± {si['mu_star_conf'][i]:.5f}, {r['sigma'][i]:9.5f} | {si['sigma'][i]:9.5f}")
        for k in ("mu", "mu_star", "sigma"):
            check(abs(r[k][i] - si[k][i]) <= 1e-9 * max(1.0, abs(si[k][i])),
                  f"morris {k}[{n}] equal to SALib's")
        diff = abs(r["mu_star"][i] - si["mu_star"][i])
        check(diff <= min(r["mu_star_conf"][i], si["mu_star_conf"][i]) or diff < 1e-12,
              f"morris mu_star[{n}] within both intervals")
        if si["mu_star_conf"][i] > 1e-12:
            ratio = r["mu_star_conf"][i] / si["mu_star_conf"][i]
            check(0.7 <= ratio <= 1.4, f"morris mu_star_conf[{n}] same size as SALib's (ratio {ratio:.2f})")


def parquet(path, expect, key):
    import duckdb
    import pandas as pd
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    check(t.num_rows == expect["rows"], f"pyarrow reads {path}: {t.num_rows} rows (want {expect['rows']})")
    df = pd.read_parquet(path)
    check(len(df) == expect["rows"], f"pandas reads {path}: {len(df)} rows")
    con = duckdb.connect()
    n, distinct = con.execute(
        f"SELECT count(*), count(DISTINCT ({', '.join(key)})) FROM read_parquet(?)", [path]).fetchone()
    check(n == expect["rows"] and distinct == n, f"DuckDB: {n} rows, {distinct} distinct ({', '.join(key)})")
    if "runs" in expect:
        runs, outcomes = con.execute(
            "SELECT count(DISTINCT run_id), count(DISTINCT outcome) FROM read_parquet(?)", [path]).fetchone()
        check((runs, outcomes) == (expect["runs"], expect["outcomes"]),
              f"DuckDB: {runs} runs x {outcomes} outcomes, exactly one row each")
        nulls = con.execute(
            "SELECT count(*) FROM read_parquet(?) WHERE status <> 'ok' AND value IS NOT NULL", [path]).fetchone()[0]
        check(nulls == 0, "failed/missing runs have a null value")


def main():
    d = sys.argv[1]
    p = lambda f: os.path.join(d, f)
    if os.path.exists(p("sobol.json")):
        sobol(json.load(open(p("sobol.json"))))
    if os.path.exists(p("morris.json")):
        morris(json.load(open(p("morris.json"))))
    if os.path.exists(p("summary.parquet")):
        parquet(p("summary.parquet"), json.load(open(p("summary.json"))), ["run_id", "outcome"])
    if os.path.exists(p("series.parquet")):
        parquet(p("series.parquet"), json.load(open(p("series.json"))), ["run_id", "tick", "scope", "metric"])
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
