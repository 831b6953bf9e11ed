#!/usr/bin/env bash
# Installs Debian's chromium package when no Chromium is found (scripts/chromium.mjs says
# where it looks; CHROMIUM_PATH overrides). The browser tests (the verifier's bundle,
# examples/verifier-web) drive it through playwright-core, which never downloads a browser
# of its own. Run by scripts/test.sh; the demo and the counter page do not need it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Root or passwordless sudo, for Debian packages the tests need; empty when neither.
as_root_available() {
  if [ "$(id -u)" = 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    return 1
  fi
}

if ! node --input-type=module -e "import('./scripts/chromium.mjs').then((m) => { if (!m.findChromium()) process.exit(1) })" 2>/dev/null; then
  echo "Installing Chromium (Debian's chromium package) for the browser tests" >&2
  if ! as_root_available; then
    echo "Chromium is missing and cannot be installed without root." >&2
    echo "Install Debian's chromium package (apt-get install chromium) as root, or set CHROMIUM_PATH, then run this again." >&2
    exit 1
  fi
  if ! { "${as_root[@]}" apt-get update &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; then
    echo "Installing Debian's chromium package with apt-get failed; install it by hand." >&2
    exit 1
  fi
fi

