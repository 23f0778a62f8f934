#!/usr/bin/env bash
# tui_tmux_dqlite.sh - tests/tui_tmux.sh, the same suite, on a three-node dqlite
# cluster (SITEMARK_TEST_BACKEND=dqlite: tests/lib.sh starts it).
SITEMARK_TEST_BACKEND=dqlite
export SITEMARK_TEST_BACKEND
exec bash "$(dirname "$0")/tui_tmux.sh" "$@"
