#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The wrenmq Authors
#
# Installs the Debian packages the tests need, when missing. Idempotent.
# Each line of NEEDED is "command package" (the package is installed when
# the command is not on PATH) or "/path package" (when the file is missing).
set -euo pipefail

NEEDED=(
  "redis-server redis-server"
  "chromium chromium"
  "mosquitto mosquitto"
  "/usr/share/nodejs/mqtt/package.json node-mqtt" # MQTT.js, for the interop test
)

missing=()
for pair in "${NEEDED[@]}"; do
  what=${pair%% *}
  pkg=${pair##* }
  case "$what" in
    /*) [ -e "$what" ] || missing+=("$pkg") ;;
    *)
      if ! command -v "$what" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$what" ]; then
        missing+=("$pkg")
      fi
      ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
# The packages' own services are not used: tests start their own servers.
for svc in redis-server mosquitto; do
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then $SUDO service "$svc" stop >/dev/null 2>&1 || true; fi
done
