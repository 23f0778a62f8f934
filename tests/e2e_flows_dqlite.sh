#!/usr/bin/env bash
# e2e_flows_dqlite.sh - tests/e2e_flows.sh, the same suite, on a three-node dqlite
# cluster (SITEMARK_TEST_BACKEND=dqlite: tests/lib.sh starts it).
SITEMARK_TEST_BACKEND=dqlite
export SITEMARK_TEST_BACKEND
exec bash "$(dirname "$0")/e2e_flows.sh" "$@"
