#!/usr/bin/env bash
# Re-record tests/golden/tiny.sha256 after a deliberate change to seeded
# results (model, random streams, maths backend, CSV format). Say why in the
# commit message. The command must match GOLDEN_ARGS in tests/golden.rs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run --quiet --release -- run configs/tiny.toml --seed 20260101 --threads 1 -q --out "$tmp/golden"
hash=$(sha256sum "$tmp/golden/timeseries.csv" | cut -d' ' -f1)
cat > tests/golden/tiny.sha256 <<EOT
# SHA-256 of timeseries.csv from:
#   airace run configs/tiny.toml --seed 20260101 --threads 1 -q
# Checked by tests/golden.rs. Update only on purpose (scripts/update-golden.sh),
# with the reason in the commit message.
$hash
EOT
echo "tests/golden/tiny.sha256: $hash"
