#!/usr/bin/env bash
# Installs the system libraries the gateway links against, only where they are missing.
set -euo pipefail
needed=()
for package in libxml2-dev libsqlite3-dev zlib1g-dev pkg-config; do
  dpkg -s "$package" >/dev/null 2>&1 || needed+=("$package")
done
if [ ${#needed[@]} -gt 0 ]; then
  echo "installing ${needed[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${needed[@]}"
fi
