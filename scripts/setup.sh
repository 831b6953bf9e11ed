#!/usr/bin/env bash
# Prepares a checkout: the pinned pnpm, then the workspace dependencies exactly as the
# lockfile records them. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9

# corepack would fetch pnpm from its own download location, which offline-minded
# environments often block; npm reaches the registry that the install needs anyway.
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "Installing pnpm $PNPM_VERSION with npm" >&2
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION"
  hash -r
fi

# sqlite3 (the issuer's and wallet's store) compiles from source. When the Node headers
# are installed locally, node-gyp must use them instead of downloading them.
if [ -d /usr/include/node ]; then
  export npm_config_nodedir=/usr
fi

pnpm install --frozen-lockfile

# The tests start their own PostgreSQL server (scripts/postgres.mjs) in a temporary
# folder, so they need the server binaries but never the system cluster: install
# Debian's package when they are missing, and leave its service alone.
if ! node --input-type=module -e "import('./scripts/postgres.mjs').then((m) => m.findPostgresBinaries())" 2>/dev/null; then
  echo "Installing PostgreSQL (Debian's postgresql package) for the tests" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "PostgreSQL's server binaries are missing and cannot be installed without root." >&2
    echo "Install Debian's postgresql package (apt-get install postgresql) as root, then run this again." >&2
    exit 1
  fi
  # policy-rc.d exit code 101 keeps the package from starting its system cluster.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    trap '"${as_root[@]}" rm -f "$policy"' EXIT
  fi
  # No main cluster either: the tests make their own in temporary folders.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    "${as_root[@]}" mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | "${as_root[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  if ! { "${as_root[@]}" apt-get update &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql; }; then
    echo "Installing Debian's postgresql package with apt-get failed; install it by hand." >&2
    exit 1
  fi
fi
