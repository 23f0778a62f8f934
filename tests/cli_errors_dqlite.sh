#!/usr/bin/env bash
# cli_errors_dqlite.sh - tests/cli_errors.sh, the same suite, on a three-node dqlite
# cluster (SITEMARK_TEST_BACKEND=dqlite: tests/lib.sh starts it).
SITEMARK_TEST_BACKEND=dqlite
export SITEMARK_TEST_BACKEND
exec bash "$(dirname "$0")/cli_errors.sh" "$@"
