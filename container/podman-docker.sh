#!/usr/bin/env bash
# What `wrangler deploy` (and its --dry-run) runs as `docker` where no Docker engine runs: podman and runc from
# Debian's packages over base images made from Debian's packages (container/verify-image.sh --bases makes them).
# WRANGLER_DOCKER_BIN=container/podman-docker.sh. It answers `info` and builds what wrangler asks to build, the
# repository's container/Dockerfile, unchanged; `cargo xtask test` uses it for the production dry run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${WRIT_IMAGE_WORK:-/var/tmp/writ-image}
engine=(podman --runtime runc)
case "${1:-}" in
  info) exec "${engine[@]}" info >/dev/null ;;
  build)
    shift
    if ! "${engine[@]}" image exists localhost/rust:1-slim-bookworm; then
      bash "$here/verify-image.sh" --bases >&2
    fi
    # wrangler passes the Dockerfile on stdin (`-f -`), a socket podman cannot open as /dev/stdin: a file.
    dockerfile=$(mktemp)
    trap 'rm -f "$dockerfile"' EXIT
    args=()
    prev=
    for a in "$@"; do
      case "$a" in
        --load | --provenance=*) ;;
        -) if [ "$prev" = "-f" ]; then cat >"$dockerfile"; args+=("$dockerfile"); else args+=("$a"); fi ;;
        *) args+=("$a") ;;
      esac
      prev=$a
    done
    toolchain=$(readlink -f "$(rustc --print sysroot)")
    mkdir -p "$cache/target"
    # The build stage's target directory persists between builds, so a rebuild compiles only what changed.
    "${engine[@]}" build --network host --pull=never \
      --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096 \
      -v "$toolchain:/opt/rust:ro" -v "$HOME/.cargo/registry:/usr/local/cargo/registry" \
      -v "$cache/target:/src/target" "${args[@]}" ;;
  *) exec "${engine[@]}" "$@" ;;
esac
