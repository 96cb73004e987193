#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages in scripts/packages.txt that are missing.
# Quiet and quick when everything is already there.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lists=("$here/packages.txt")
[ $# -gt 0 ] && lists=("$@")
missing=()
for list in "${lists[@]}"; do
  while read -r pkg _; do
    case "$pkg" in ''|'#'*) continue ;; esac
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done < "$list"
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# wait for another apt (unattended upgrades, a parallel build) rather than fail
apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
