#!/usr/bin/env bash
# Regenerate the "How well does it fit the past?" table in README.md from the
# hindcast: runs `airace validate` (configs/history.toml against
# configs/targets/*.toml, REPLICATES seeds) and replaces everything between
#   <!-- validation:start -->
#   <!-- validation:end -->
# in README.md with output/validate/validation.md. Nothing outside the markers
# is touched; the markers themselves are kept.
#
# Usage: scripts/update-readme-validation.sh [REPLICATES]   (default 10)
# Env:   AIRACE (binary, default target/release/airace, built if missing),
#        README (default README.md), OUT (default output/validate).
set -euo pipefail
cd "$(dirname "$0")/.."

REPLICATES="${1:-10}"
AIRACE="${AIRACE:-target/release/airace}"
README="${README:-README.md}"
OUT="${OUT:-output/validate}"

if [[ ! -x "$AIRACE" ]]; then
  cargo build --release
fi
[[ -f "$README" ]] || { echo "error: $README not found" >&2; exit 2; }
grep -q '^<!-- validation:start -->$' "$README" && grep -q '^<!-- validation:end -->$' "$README" || {
  echo "error: $README lacks the <!-- validation:start --> / <!-- validation:end --> lines" >&2
  exit 2
}

"$AIRACE" validate configs/history.toml --out "$OUT" --replicates "$REPLICATES" --quiet

tmp="$(mktemp "${README}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
awk -v table="$OUT/validation.md" '
  /^<!-- validation:start -->$/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /^<!-- validation:end -->$/   { skip = 0 }
  !skip { print }
' "$README" > "$tmp"
mv "$tmp" "$README"
trap - EXIT
echo "updated $README from $OUT/validation.md ($REPLICATES replicates)"
