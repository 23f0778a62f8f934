#!/usr/bin/env bash
# screens_dqlite.sh - tests/screens.sh, the same golden screens, on a
# three-node dqlite cluster (SITEMARK_TEST_BACKEND=dqlite: tests/lib.sh
# starts it; a screen that changed the data has it made anew).
SITEMARK_TEST_BACKEND=dqlite
export SITEMARK_TEST_BACKEND
exec bash "$(dirname "$0")/screens.sh" "$@"
