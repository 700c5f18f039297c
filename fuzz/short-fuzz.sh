#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The wrenmq Authors
#
# Runs every fuzz target of this module briefly, the way the project's test
# command does: a fixed number of inputs per target (about 5 s each on a
# 2-core machine), not a duration. With a duration, Go 1.26's fuzzing
# coordinator can report "context deadline exceeded" as a failure when the
# time runs out while a worker is mid-input (golang/go#75804, fixed in Go
# 1.27); a count has no deadline to race.
#
# Usage: ./short-fuzz.sh [scale]   (scale multiplies every count; default 1)
set -euo pipefail
cd "$(dirname "$0")"
scale="${1:-1}"
run() {
	go test -run '^$' -fuzz "^$1\$" -fuzztime "$(($2 * scale))x" ./
}
run FuzzReader 25000
run FuzzDecode 60000
run FuzzTopicMatch 60000
run FuzzServer 10000
