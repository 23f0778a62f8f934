#!/usr/bin/env bash
# notify_dqlite.sh - tests/notify.sh, the same suite, on a three-node dqlite
# cluster (SITEMARK_TEST_BACKEND=dqlite: tests/lib.sh starts it).
SITEMARK_TEST_BACKEND=dqlite
export SITEMARK_TEST_BACKEND
exec bash "$(dirname "$0")/notify.sh" "$@"
