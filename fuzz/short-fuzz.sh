#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The wrenmq Authors
#
# Runs every fuzz target of this module briefly (default 5s each), the way
# the project's test command does. Usage: ./short-fuzz.sh [fuzztime]
set -euo pipefail
cd "$(dirname "$0")"
fuzztime="${1:-5s}"
for target in FuzzReader FuzzDecode FuzzTopicMatch FuzzServer; do
	go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" ./
done
