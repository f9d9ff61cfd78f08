#!/usr/bin/env bash
# Install what the browser test needs (Debian's Chromium) and check that it
# really works headless here. Idempotent: apt-get runs only when
# /usr/bin/chromium is missing; the self-check (~1-2 s) runs every time so a
# broken browser is reported here rather than as a confusing test failure.
#
# Used by .ci/run; developers can run it by hand (as root).
set -euo pipefail

log() { printf '[install-test-deps] %s\n' "$*"; }
die() { printf '[install-test-deps] ERROR: %s\n' "$*" >&2; exit 1; }

CHROMIUM=/usr/bin/chromium

# ---- install ----------------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
    [ "$(id -u)" -eq 0 ] || die "$CHROMIUM is missing and installing it needs root"
    log "installing chromium (apt-get; takes about a minute)"
    export DEBIAN_FRONTEND=noninteractive
    apt_log=/tmp/install-test-deps-apt.log
    apt-get update -q >"$apt_log" 2>&1 \
        || { tail -n 20 "$apt_log" >&2; die "apt-get update failed"; }
    # Recommends are kept on purpose: they bring fonts-liberation (text in
    # screenshots) and the Mesa drivers Chromium's software rendering uses.
    apt-get install -y -q chromium >>"$apt_log" 2>&1 \
        || { tail -n 20 "$apt_log" >&2; die "apt-get install chromium failed"; }
fi
log "$("$CHROMIUM" --version 2>/dev/null)"

# ---- self-check -------------------------------------------------------------
# Flags (the same ones the Rust browser test uses):
#   --headless                  no display here
#   --no-sandbox                we run as root; Chromium's sandbox refuses root
#   --disable-gpu               no GPU; use software rendering
#   --disable-quic, --disable-background-networking, --disable-component-update,
#   --disable-sync, --no-first-run
#                               the machine has no internet: without these,
#                               Chromium keeps trying (and failing) to reach
#                               Google's services at every start
#   --user-data-dir=<fresh dir> an empty throwaway profile, so parallel runs
#                               do not fight over ~/.config/chromium
#   --virtual-time-budget=5000  let the page's scripts/timers run (5 s of
#                               *virtual* time, i.e. fast) before --dump-dom
#                               or --screenshot captures the page
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync)

# A tiny PNG (1x1) next to a page with one good and one broken <img> and a
# script that records each image's naturalWidth into the DOM.
printf '%s' 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC' \
    | base64 -d > "$work/ok.png"
cat > "$work/page.html" <<'EOF'
<!doctype html>
<html><body>
<img id="good" src="ok.png"><img id="broken" src="missing.png">
<pre id="result">script did not run</pre>
<script>
window.addEventListener('load', function () {
  var r = [];
  document.querySelectorAll('img').forEach(function (im) {
    r.push(im.id + '=' + im.naturalWidth);
  });
  document.getElementById('result').textContent = 'IMGS ' + r.join(' ');
});
</script>
</body></html>
EOF

# 1. --dump-dom prints the DOM *after* the script ran.
dom=$("$CHROMIUM" "${FLAGS[@]}" --user-data-dir="$work/profile1" \
          --virtual-time-budget=5000 --dump-dom "file://$work/page.html" \
          </dev/null 2>"$work/dump.err") \
    || { tail -n 20 "$work/dump.err" >&2; die "chromium --dump-dom failed"; }
if ! grep -q 'IMGS good=1 broken=0' <<<"$dom"; then
    printf '%s\n' "$dom" | tail -n 20 >&2
    tail -n 20 "$work/dump.err" >&2
    die "chromium --dump-dom did not show the script's result 'IMGS good=1 broken=0'"
fi
log "dump-dom OK (script ran; good image naturalWidth=1, broken image 0)"

# 2. --screenshot writes a PNG.
"$CHROMIUM" "${FLAGS[@]}" --user-data-dir="$work/profile2" --window-size=800,600 \
    --screenshot="$work/shot.png" "file://$work/page.html" </dev/null >"$work/shot.err" 2>&1 \
    || { tail -n 20 "$work/shot.err" >&2; die "chromium --screenshot failed"; }
[ -s "$work/shot.png" ] || { tail -n 20 "$work/shot.err" >&2; die "chromium wrote no screenshot"; }
log "screenshot OK"
log "chromium is ready"

# ---- Python venv for the analysis cross-checks ------------------------------
# tests/analysis_python.rs runs scripts/salib_check.py to compare our Sobol and
# Morris indices with SALib's on the same sample, and to load our Parquet files
# in pyarrow, pandas and DuckDB. The venv lives in target/pyenv (git-ignored,
# next to the build it tests); the pinned versions are in
# scripts/requirements-analysis.txt. Idempotent: pip runs only when the venv
# is missing or the requirements file changed (a stamp holds its hash); the
# import check (~1 s) runs every time.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$repo/target/pyenv"
REQS="$repo/scripts/requirements-analysis.txt"
stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$REQS" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        [ "$(id -u)" -eq 0 ] || die "python3 with venv is missing and installing it needs root"
        log "installing python3-venv (apt-get)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/tmp/install-test-deps-apt.log 2>&1 || die "apt-get update failed"
        apt-get install -y -q python3 python3-venv >>/tmp/install-test-deps-apt.log 2>&1 \
            || die "apt-get install python3-venv failed"
    fi
    log "creating $VENV (pip; takes about a minute)"
    python3 -m venv "$VENV" || die "python3 -m venv failed"
    pip_log=/tmp/install-test-deps-pip.log
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQS" >"$pip_log" 2>&1 \
        || { tail -n 20 "$pip_log" >&2; die "pip install -r $REQS failed"; }
    echo "$want" >"$stamp"
fi
"$VENV/bin/python" -c 'import SALib, pyarrow, pandas, duckdb, numpy
from importlib.metadata import version as v
print("[install-test-deps] python venv OK:", *(p + " " + v(p) for p in ("SALib", "pyarrow", "duckdb")))' || die "$VENV cannot import SALib/pyarrow/pandas/duckdb"
