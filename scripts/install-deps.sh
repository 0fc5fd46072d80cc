#!/usr/bin/env bash
# Installs the Debian 12 packages AuthShield needs to build, run and test.
# Idempotent: installs only what is missing and prints what it installs.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev
  libqt6sql6-psql libqt6sql6-sqlite libqt6opengl6-dev
  libsodium-dev libhiredis-dev libssl-dev
  postgresql postgresql-contrib redis-server
  curl ca-certificates xauth xvfb
  prometheus  # promtool: tests/system/tst_observability checks the alert rules
  qt6-charts-dev qtkeychain-qt6-dev  # console: dashboard chart, credentials in the system keyring
  libqrencode-dev oathtool  # MFA: QR codes; tests cross-check TOTP codes against oathtool
  chromium  # mail-link pages are tested in a real headless browser
  lintian desktop-file-utils  # installer tests lint the .deb packages and the console's .desktop file
  python3-yaml systemd  # installer tests: parse the compose file; systemd-analyze verify/security of the unit
  wrk linux-perf python3  # make bench: load generator, profiler, the bench's small clients
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or install them with apt-get) and try again" >&2
  exit 1
fi

echo "install-deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
