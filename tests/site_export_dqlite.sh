#!/usr/bin/env bash
# site_export_dqlite.sh - tests/site_export.sh, the same suite, on a three-node dqlite
# cluster (SITEMARK_TEST_BACKEND=dqlite: tests/lib.sh starts it).
SITEMARK_TEST_BACKEND=dqlite
export SITEMARK_TEST_BACKEND
exec bash "$(dirname "$0")/site_export.sh" "$@"
