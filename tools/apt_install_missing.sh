#!/usr/bin/env bash
# apt_install_missing.sh PACKAGE...: installs, through apt-get, those of the
# named Debian packages that are not installed yet (as root, or with sudo).
# Adds nodejs and npm when node or npm is missing. Does nothing, quickly,
# when everything is there; exits with apt-get's status otherwise.
set -uo pipefail

packages=("$@")
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm  >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing ${missing[*]}"
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
