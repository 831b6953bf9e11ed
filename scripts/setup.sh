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
