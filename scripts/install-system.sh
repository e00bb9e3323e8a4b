#!/usr/bin/env bash
# Install the Debian packages Assess needs, only those that are missing.
# Usage: scripts/install-system.sh run|test
# Safe to run again: it asks apt only when a package is absent.
set -euo pipefail

# What the app needs to run: pango/harfbuzz for WeasyPrint (the HarfBuzz subsetter keeps
# CJK font embedding fast), CJK fonts for reports and charts, poppler for PDF page counts.
RUN_PKGS=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
  fonts-noto-cjk fonts-wqy-microhei fonts-wqy-zenhei
  poppler-utils
)
# What the test suite adds: a real PostgreSQL server, Redis (the queue on RedisHuey),
# Debian's Chromium for Playwright, and
# npm for axe-core (scripts/install-axe.sh), unless a Node.js with npm is already there.
TEST_PKGS=(postgresql chromium redis-server)

mode=${1:-run}
pkgs=("${RUN_PKGS[@]}")
[ "$mode" = test ] && pkgs+=("${TEST_PKGS[@]}")
[ "$mode" = test ] && ! command -v npm >/dev/null && pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$mode" = test ] && "$(dirname "$0")/install-axe.sh"
exit 0
