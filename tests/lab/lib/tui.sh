# Drive the ncurses wizard in a private tmux server (a 160x48 window) from a
# lab test. Source it after testlib.sh; the test sets RW (the binary) and
# STATE (its temporary folder, which it removes itself), then calls
# tui_setup once. The window's program writes its exit status to $STATE/rc.

# tui_setup NAME [WINDOW]: a tmux server of this test's own (socket NAME-pid),
# stopped when the test ends (before the test's own cleanups: the last
# registered runs first)
tui_setup() {
	command -v tmux >/dev/null || fail "tmux is not installed"
	TUI_SOCK=$1-$$
	TUI_WINDOW=${2:-rw}
	lab_on_exit tui_stop
}
TM() { tmux -L "$TUI_SOCK" -f /dev/null "$@"; }
tui_stop() { TM kill-server 2>/dev/null; }
screen() { TM capture-pane -p -t "$TUI_WINDOW"; }
keys() { TM send-keys -t "$TUI_WINDOW" "$@"; }

# tui_start [VAR=VALUE...] ARG...: (re)start the window running `$RW ARG...`
# with the journal in $STATE/state (or $REPLICA_WIZARD_STATE_DIR) and the
# VAR=VALUE pairs in its environment; the last window is gone first
tui_start() {
	local envs=(LANG=C.UTF-8 "REPLICA_WIZARD_STATE_DIR=${REPLICA_WIZARD_STATE_DIR:-$STATE/state}")
	while [[ ${1:-} == [A-Z]*=* ]]; do
		envs+=("$1")
		shift
	done
	rm -f -- "$STATE/rc"
	tui_stop
	while TM has-session 2>/dev/null; do sleep 0.1; done
	sleep 0.2 # the old server's socket gone too
	TM new-session -d -s "$TUI_WINDOW" -x 160 -y 48 \
		"env $(printf '%q ' "${envs[@]}" "$RW" "$@"); echo \$? >$(printf '%q' "$STATE/rc"); sleep 60"
}

# wait_for SECONDS TEXT: poll the screen until TEXT shows
wait_for() {
	local end=$(($(date +%s) + $1))
	until screen | grep -qF -- "$2"; do
		(($(date +%s) < end)) || { screen; fail "no \"$2\" on the screen after $1 s"; }
		sleep 0.2
	done
}

# wait_accepting SECONDS TEXT: the same, answering y to every unknown host key
wait_accepting() {
	local end=$(($(date +%s) + $1))
	until screen | grep -qF -- "$2"; do
		if screen | grep -qF "Unknown host key"; then
			keys y
			sleep 0.5
		fi
		(($(date +%s) < end)) || { screen; fail "no \"$2\" on the screen after $1 s"; }
		sleep 0.2
	done
}

# wait_rc [SECONDS]: until the program in the window has exited ($STATE/rc)
wait_rc() {
	local end=$(($(date +%s) + ${1:-10}))
	until [[ -s $STATE/rc ]]; do
		(($(date +%s) < end)) || { screen; fail "the program in the window did not exit"; }
		sleep 0.2
	done
}

# tui_nodes REPLICA: from the home screen to install's Nodes page, REPLICA
# typed as the only replica, the focus on Connect (Enter connects)
tui_nodes() {
	keys 1
	wait_for 5 "Replicas (space separated)"
	keys Tab C-u "$1"
	for _ in 1 2 3 4 5 6; do keys Tab; done
}
