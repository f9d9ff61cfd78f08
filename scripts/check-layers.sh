#!/usr/bin/env bash
# The dependency rule of docs/architecture.md, checked: only src/cli/ and
# src/main.rs may mention clap or crate::cli, and no file under src/ may
# exceed 900 lines (split it by responsibility, or move tests to a tests.rs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
status=0
while IFS= read -r f; do
    case "$f" in
        src/cli/*|src/main.rs) continue ;;
    esac
    if grep -nE '\bclap\b|crate::cli\b' "$f"; then
        echo "error: $f mentions clap or crate::cli; only src/cli/ and src/main.rs may" >&2
        status=1
    fi
done < <(find src -name '*.rs' | sort)
while IFS= read -r f; do
    n=$(wc -l < "$f")
    if [ "$n" -gt 900 ]; then
        echo "error: $f has $n lines (limit 900)" >&2
        status=1
    fi
done < <(find src -type f | sort)
[ "$status" -eq 0 ] && echo "layers: ok (no clap below src/cli/, no file over 900 lines)"
exit "$status"
