#!/bin/sh
# Install, build and run the whole test suite (Check suites, end-to-end,
# concurrency and console tests), then make distcheck, then (as root) the
# Debian package: built, installed, used by two users, upgraded, purged.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
make -j"$(nproc)" check || { cat tests/*.log 2>/dev/null | tail -200; exit 1; }
make -j"$(nproc)" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror
if [ "$(id -u)" -eq 0 ]; then
	bash tests/package.sh || { echo "tests/package.sh failed" >&2; exit 1; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo -n bash tests/package.sh || { echo "tests/package.sh failed" >&2; exit 1; }
else
	echo "test.sh: neither root nor sudo: the package test (tests/package.sh) is left out"
fi
