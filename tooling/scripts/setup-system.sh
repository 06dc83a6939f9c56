#!/usr/bin/env bash
# System packages the real-network tests need (Debian 12, root, as in CI). Idempotent: installs
# only what is missing. The demo never needs these.
set -euo pipefail
need=()
# Filled in as suites need them (e.g. coturn for TURN relay tests, iproute2 for namespaces).
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-system: missing ${need[*]} and not root; install them or run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
echo "setup-system: ok"
