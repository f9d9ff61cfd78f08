#!/usr/bin/env bash
# Mutation testing within a time budget (docs/testing.md).
#
#   scripts/mutants.sh [FILE...]      mutate these files (default: the lines this
#                                     branch changed since its merge base with main,
#                                     restricted to the files in .cargo/mutants.toml)
#   scripts/mutants.sh --all          every file in .cargo/mutants.toml (use with
#                                     MUTANTS_SHARD: the whole set takes days on 2 cores)
#
# Environment:
#   MUTANTS_BUDGET   wall-clock budget in seconds (default 1800); the run stops
#                    there and reports what it finished
#   MUTANTS_SHARD    k/n: only every n-th mutant, starting at k (a systematic sample,
#                    round-robin), e.g. 0/25 for 4% of them
#   MUTANTS_JOBS     parallel mutants (default 1: each already builds on every core)
#   MUTANTS_OUT      output folder (default mutants.out under the repo)
#   MUTANTS_BUILD_TIMEOUT  seconds one mutant's build may take (default 900)
#   MUTANTS_IN_PLACE 1: mutate this tree and reuse its target/ instead of building a
#                    scratch copy from cold (do not edit the tree meanwhile)
#
# Exit: 0 when every mutant tested was caught or unviable, 2 when some were
# missed, 3 on a timeout, 124 when the budget ran out (partial results kept in
# $MUTANTS_OUT/outcomes.json and summarised at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

budget=${MUTANTS_BUDGET:-1800}
jobs=${MUTANTS_JOBS:-1}
out=${MUTANTS_OUT:-mutants.out}
args=(mutants --output "$out" --no-shuffle --build-timeout "${MUTANTS_BUILD_TIMEOUT:-900}")
if [[ "${MUTANTS_IN_PLACE:-0}" == 1 ]]; then
    args+=(--in-place)
else
    args+=(--jobs "$jobs")
fi
if [[ -n "${MUTANTS_SHARD:-}" ]]; then
    args+=(--shard "$MUTANTS_SHARD" --sharding round-robin)
fi

if [[ "${1:-}" == "--all" ]]; then
    :
elif [[ $# -gt 0 ]]; then
    for f in "$@"; do args+=(--file "$f"); done
else
    base=$(git merge-base HEAD "${MUTANTS_BASE:-main}")
    diff=$(mktemp)
    trap 'rm -f "$diff"' EXIT
    git diff "$base" -- src > "$diff"
    if [[ ! -s "$diff" ]]; then
        echo "mutants: no source change since $(git rev-parse --short "$base"); nothing to test"
        exit 0
    fi
    args+=(--in-diff "$diff")
fi

if ! command -v cargo-mutants >/dev/null; then
    echo "mutants: cargo-mutants is not installed (cargo install cargo-mutants --locked)" >&2
    exit 2
fi

echo "mutants: cargo ${args[*]} (budget ${budget}s)"
set +e
timeout --signal=INT "$budget" cargo "${args[@]}"
code=$?
set -e

summary() {
    local f="$out/mutants.out/outcomes.json"
    [[ -f "$f" ]] || f="$out/outcomes.json"
    [[ -f "$f" ]] || return 0
    python3 - "$f" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
counts = {}
for o in data.get("outcomes", []):
    if o.get("scenario") == "Baseline":
        continue
    s = o.get("summary", "?")
    counts[s] = counts.get(s, 0) + 1
tested = sum(v for k, v in counts.items() if k != "Unviable")
caught = counts.get("CaughtMutant", 0)
print("mutants:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
if tested:
    print(f"mutants: caught {caught}/{tested} viable ({100 * caught / tested:.0f}%)")
PY
}
summary
if [[ $code -eq 124 || $code -eq 130 ]]; then
    echo "mutants: time budget of ${budget}s reached; results above are partial"
    exit 124
fi
exit $code
