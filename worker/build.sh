#!/usr/bin/env bash
# The build command wrangler runs. worker-build cannot reach GitHub here, so it gets the tools from the
# project's own installs; a freshness check skips the build when nothing changed since the last one with the
# same profile (wrangler dev runs the build twice at start-up).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profile=${WRIT_WORKER_PROFILE:-release}
stamp=worker/build/.writ-build-$profile-opt${WRIT_WASM_OPT:-0}

export WASM_BINDGEN_BIN=${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}
export ESBUILD_BIN=${ESBUILD_BIN:-$root/node_modules/@esbuild/linux-x64/bin/esbuild}
export WASM_OPT_BIN=${WASM_OPT_BIN:-$root/node_modules/binaryen/bin/wasm-opt}

# One build at a time: `wrangler dev` starts one on every change, and one that outlived its wrangler (a restart
# mid-build) must finish before the next decides whether the output is fresh.
exec 9>worker/.build.lock
flock 9

if [ -f "$stamp" ] && [ -f worker/build/worker/shim.mjs ]; then
  newer=$(find worker/src worker/Cargo.toml worker/openapi.json crates catalog packs Cargo.toml Cargo.lock -newer "$stamp" \
    -not -path '*/tests/*' -not -name '*.snap' -print -quit 2>/dev/null || true)
  if [ -z "$newer" ]; then
    echo "writ: worker build is up to date ($profile)"
    exit 0
  fi
fi

rm -f worker/build/.writ-build-*
# The stamp is the time the build started: a file edited while it compiles is newer, so the next start rebuilds.
started=worker/.build-started
touch "$started"
# wasm-opt adds ~45 s for a smaller bundle; deployments opt in with WRIT_WASM_OPT=1.
opt=(--no-opt)
if [ "${WRIT_WASM_OPT:-0}" = "1" ]; then opt=(); fi
(cd worker && worker-build --profile "$profile" "${opt[@]}")
mkdir -p worker/build
mv "$started" "$stamp"
