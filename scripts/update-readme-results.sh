#!/usr/bin/env bash
# Regenerate the "What the model says" table in README.md from the shipped
# scenarios: runs `airace scenarios --uncertainty DRAWS` (baseline +
# configs/scenarios/*.toml, each over the same DRAWS parameter draws from
# configs/uncertainty.toml x REPLICATES seeds, common random numbers) and
# replaces everything between
#   <!-- results:start -->
#   <!-- results:end -->
# in README.md with output/scenarios/scenarios.md. Nothing outside the markers
# is touched; the markers themselves are kept.
#
# Usage: scripts/update-readme-results.sh [DRAWS [REPLICATES]]   (default 64 2)
# 8 scenarios x 64 draws x 2 seeds = 1,024 runs of the baseline size: about a
# minute on 2 idle cores (~45 ms of CPU per run) and ~1.1 GB in OUT while
# per-run folders are kept.
# Env:   AIRACE (binary, default target/release/airace, built if missing),
#        README (default README.md), OUT (default output/scenarios).
set -euo pipefail
cd "$(dirname "$0")/.."

DRAWS="${1:-64}"
REPLICATES="${2:-2}"
AIRACE="${AIRACE:-target/release/airace}"
README="${README:-README.md}"
OUT="${OUT:-output/scenarios}"

if [[ ! -x "$AIRACE" ]]; then
  cargo build --release
fi
[[ -f "$README" ]] || { echo "error: $README not found" >&2; exit 2; }
grep -q '^<!-- results:start -->$' "$README" && grep -q '^<!-- results:end -->$' "$README" || {
  echo "error: $README lacks the <!-- results:start --> / <!-- results:end --> lines" >&2
  exit 2
}

# --force: this script regenerates the folder on purpose, even after the
# model changed (which makes it a different scenario set).
"$AIRACE" scenarios --configs configs --out "$OUT" --uncertainty "$DRAWS" --replicates "$REPLICATES" --quiet --force

tmp="$(mktemp "${README}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
awk -v table="$OUT/scenarios.md" '
  /^<!-- results:start -->$/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /^<!-- results:end -->$/   { skip = 0 }
  !skip { print }
' "$README" > "$tmp"
mv "$tmp" "$README"
trap - EXIT
echo "updated $README from $OUT/scenarios.md ($DRAWS draws x $REPLICATES replicates)"
