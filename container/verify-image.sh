#!/usr/bin/env bash
# Builds container/Dockerfile with a container engine from Debian's packages (podman + runc) over base images
# made from Debian's packages (debootstrap), then checks the image the way production runs it:
#   1. started without the privileges its isolation needs, the server refuses to start, naming the layers;
#   2. with CAP_SYS_ADMIN it starts with every layer in force (/health says so);
#   3. the escape suite and the isolation tests run inside the image against the image's own server.
# No registry image is pulled: `debian:bookworm-slim` is a debootstrap of bookworm, and `rust:1-slim-bookworm`
# is that plus gcc, with this machine's Rust toolchain and crate cache mounted read-only for the build.
# Needs root. Usage: bash container/verify-image.sh   (WRIT_IMAGE_WORK=/var/tmp/writ-image by default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WRIT_IMAGE_WORK:-/var/tmp/writ-image}
port=${WRIT_IMAGE_PORT:-18980}
mkdir -p "$work"

need() { command -v "$1" >/dev/null || apt-get install -y "$2" >/dev/null; }
need debootstrap debootstrap
need podman podman
need runc runc
# runc, not crun: crun refuses hosts whose cgroups are in hybrid mode (as here). The rlimits are this host's
# own hard limits: podman's defaults are above them and the runtime may not raise them.
engine=(podman --runtime runc)
limits=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096)

# ---- the base images, from Debian's packages ----
if ! "${engine[@]}" image exists localhost/debian:bookworm-slim; then
  if [ ! -x "$work/rootfs/usr/bin/python3" ]; then
    rm -rf "$work/rootfs"
    debootstrap --variant=minbase --include=python3,ca-certificates bookworm "$work/rootfs" \
      http://deb.debian.org/debian
  fi
  tar -C "$work/rootfs" -c . | "${engine[@]}" import - localhost/debian:bookworm-slim
fi
toolchain=$(readlink -f "$(rustc --print sysroot)")
if ! "${engine[@]}" image exists localhost/rust:1-slim-bookworm; then
  cat >"$work/Containerfile.rust" <<RUST
FROM localhost/debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
ENV PATH=/opt/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    CARGO_HOME=/usr/local/cargo
RUST
  "${engine[@]}" build --network host --pull=never "${limits[@]}" -t localhost/rust:1-slim-bookworm \
    -f "$work/Containerfile.rust" "$work"
fi

# `--bases`: only the base images (for container/podman-docker.sh, which wrangler runs as its docker).
[ "${1:-}" = "--bases" ] && exit 0

# ---- the image itself, from the repository's Dockerfile, unchanged ----
# Through the same wrapper wrangler's production dry run uses, so both share the layer and target caches.
bash "$root/container/podman-docker.sh" build -t localhost/writ-sandbox -f "$root/container/Dockerfile" "$root"
echo "verify-image: built localhost/writ-sandbox ($("${engine[@]}" image inspect localhost/writ-sandbox --format '{{.Size}}') bytes)"

run=("${engine[@]}" run --rm --network host "${limits[@]}")

# 1. Without CAP_SYS_ADMIN (the engine's default capabilities): refused, layers named.
set +e
refusal=$("${run[@]}" localhost/writ-sandbox --listen "127.0.0.1:$port" 2>&1)
code=$?
set -e
echo "$refusal" | grep -q "isolation layers missing: netns,fs_jail" || {
  echo "verify-image: FAIL: the server started without its layers (exit $code): $refusal"; exit 1; }
[ "$code" -ne 0 ] || { echo "verify-image: FAIL: exit 0 without its layers"; exit 1; }
echo "verify-image: without CAP_SYS_ADMIN the server refuses to start: $(echo "$refusal" | grep -m1 'isolation layers missing' | cut -c1-160)…"

# 2. With CAP_SYS_ADMIN: every layer in force.
cid=$("${engine[@]}" run -d --rm --network host "${limits[@]}" --cap-add SYS_ADMIN localhost/writ-sandbox \
  --listen "127.0.0.1:$port")
trap '"${engine[@]}" stop -t 2 "$cid" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 100); do
  health=$(python3 -c "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=2).read().decode())" 2>/dev/null) && break
  sleep 0.2
done
echo "verify-image: /health with CAP_SYS_ADMIN: $health"
echo "$health" | grep -q '"missing":\[\]' || { echo "verify-image: FAIL: layers missing"; exit 1; }
"${engine[@]}" stop -t 2 "$cid" >/dev/null
trap - EXIT

# 3. The escape suite and the isolation tests inside the image, against the image's server binary.
cd "$root"
mapfile -t tests < <(cargo test -q -p writ-sandbox --test escape --test isolation --test api --no-run \
  --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "test" in m["target"]["kind"]:
        print(m["executable"])')
for t in "${tests[@]}"; do
  name=$(basename "$t")
  set +e
  "${run[@]}" --cap-add SYS_ADMIN -v "$root:$root:ro" -e WRIT_SANDBOX_BIN=/opt/writ/bin/writ-sandbox \
    -e RUST_BACKTRACE=0 --entrypoint "$t" localhost/writ-sandbox --test-threads=1 --nocapture \
    >"$work/$name.log" 2>&1
  code=$?
  set -e
  echo "verify-image: $name inside the image:"
  grep -E "attacks,|ESCAPED|test result|panicked|skipped" "$work/$name.log" | sed 's/^/    /'
  [ "$code" -eq 0 ] || { echo "verify-image: FAIL: $name (log: $work/$name.log)"; exit 1; }
done
echo "verify-image: ok"
