#!/usr/bin/env bash
# Regenerate the "What the model says" table in README.md from the shipped
# scenarios: runs `airace scenarios` (baseline + configs/scenarios/*.toml,
# REPLICATES seeds each, common random numbers) and replaces everything between
#   <!-- results:start -->
#   <!-- results:end -->
# in README.md with output/scenarios/scenarios.md. Nothing outside the markers
# is touched; the markers themselves are kept.
#
# Usage: scripts/update-readme-results.sh [REPLICATES]   (default 10)
# Env:   AIRACE (binary, default target/release/airace, built if missing),
#        README (default README.md), OUT (default output/scenarios).
set -euo pipefail
cd "$(dirname "$0")/.."

REPLICATES="${1:-10}"
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
"$AIRACE" scenarios --configs configs --out "$OUT" --replicates "$REPLICATES" --quiet --force

tmp="$(mktemp "${README}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
awk -v table="$OUT/scenarios.md" '
  /^<!-- results:start -->$/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /^<!-- results:end -->$/   { skip = 0 }
  !skip { print }
' "$README" > "$tmp"
mv "$tmp" "$README"
trap - EXIT
echo "updated $README from $OUT/scenarios.md ($REPLICATES replicates)"
