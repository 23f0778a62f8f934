#!/bin/sh
# Install, build and run the whole test suite (Check suites, end-to-end,
# concurrency and console tests), then make distcheck.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
make -j"$(nproc)" check || { cat tests/*.log 2>/dev/null | tail -200; exit 1; }
make -j"$(nproc)" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror
