# tests/lib_tmux.sh - the console under tmux (sourced after lib.sh).
#
# A private tmux server (-L) that is killed at the end, whatever happens;
# one 80x24 session "sm" whose pane the tests respawn with the console.
#
#   TM ARGS...              tmux on the private server
#   screen_text             the pane as text
#   wait_for DESC TEXT [S]  TEXT (a fixed string) appears on the screen
#   wait_match DESC ERE [S] a line of the screen matches ERE
#   keys KEY...             tmux send-keys (key names)
#   type_text TEXT          TEXT as typed (Chinese too), not as key names
#   tmux_start              the server and the session
#   leave                   F10, y: the console ends with status 0 (the
#                           pane's command writes it to $T/exit)

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

SOCK="sitemark-$TESTNAME-$$"
SOCK_PATH="${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
PANE=sm:0.0

TM() {
	tmux -L "$SOCK" -f /dev/null "$@"
}
trap '_rc=$?; TM kill-server >/dev/null 2>&1; rm -f "$SOCK_PATH"; (exit $_rc); _cleanup' EXIT

screen_text() {
	TM capture-pane -p -t "$PANE" 2>/dev/null
}

# _wait DESC GREP-FLAG PATTERN [SECONDS]
_wait() {
	local desc=$1 flag=$2 pat=$3 tenths=$((${4:-10} * 10)) i=0
	while [ "$i" -lt "$tenths" ]; do
		if screen_text | grep "$flag" -q -- "$pat"; then
			pass "$desc"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	fail "$desc" "waited ${4:-10}s for: $pat" "the screen:" "$(screen_text)"
	return 1
}

wait_for() {
	_wait "$1" -F "$2" "${3:-10}"
}

wait_match() {
	_wait "$1" -E "$2" "${3:-10}"
}

keys() {
	TM send-keys -t "$PANE" "$@"
}

type_text() {
	TM send-keys -t "$PANE" -l "$1"
}

tmux_start() {
	TM new-session -d -s sm -x 80 -y 24 "sleep 100000" || die "tmux new-session"
	TM set-option -g remain-on-exit on >/dev/null
	TM set-option -g status off >/dev/null
}

leave() {
	local i=0
	keys F10
	wait_for "F10 asks before leaving" "(y/n"
	keys y
	while [ ! -s "$T/exit" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "F10, y leave the console with exit status 0" "0" "$(cat "$T/exit" 2>/dev/null)"
}
