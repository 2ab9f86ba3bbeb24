#!/usr/bin/env bash
# Runs a TypeScript script against the sources (dev helper): bundles it with esbuild, then runs it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$root/node_modules/.cache"
out="$root/node_modules/.cache/run-ts-$$.mjs"
"$root/node_modules/.bin/esbuild" "$1" --bundle --platform=node --format=esm --packages=external --log-level=warning --outfile="$out"
shift
DSPGD_WASM="${DSPGD_WASM:-$root/build/dspgd.wasm}" DSPGD_WASM_SHARED="${DSPGD_WASM_SHARED:-$root/build/dspgd-shared.wasm}" node "$out" "$@"
