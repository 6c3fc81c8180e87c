#!/bin/bash
# Footprint of the live dashboard: run `replica-wizard dashboard --interval 5`
# in a detached tmux (it needs a terminal), let it settle, then read its CPU
# time (utime + stime from /proc/PID/stat) over a window and its peak RSS
# (VmHWM). Prints: "<cpu % of one core> <peak RSS KB> <RSS now KB> <private KB>".
#   bench/footprint.sh SITE [WINDOW_S (60)] [SETTLE_S (15)]
# No password is given (a secret must not go on a tmux command line): the
# dashboard then skips what needs one (cn=Monitor), which costs less, not more.
set -euo pipefail
SITE=${1:?site file}
WINDOW=${2:-60}
SETTLE=${3:-15}
ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
S=rw-foot-$$
tmux new-session -d -s "$S" -x 160 -y 48 \
	"exec env -u REPLICA_WIZARD_LDAP_PASSWORD $ROOT/replica-wizard dashboard --site $SITE --interval 5"
trap 'tmux kill-session -t "$S" 2>/dev/null' EXIT
PID=$(tmux display -p -t "$S" '#{pane_pid}')
sleep "$SETTLE"
[[ -d /proc/$PID ]] || { echo "footprint: the dashboard exited: $(tmux capture-pane -p -t "$S" 2>/dev/null | head -5)" >&2; exit 1; }
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$PID/stat"; }
t0=$(ticks)
sleep "$WINDOW"
t1=$(ticks)
hz=$(getconf CLK_TCK)
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status")
# private = what this process alone costs (RSS also counts shared libraries)
priv=$(awk '/^Private_(Clean|Dirty)/ { s += $2 } END { print s }' "/proc/$PID/smaps_rollup")
tmux capture-pane -p -t "$S" >"${FOOTPRINT_SCREEN:-/dev/null}" 2>/dev/null || true
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v w="$WINDOW" -v h="$hwm" -v r="$rss" -v p="$priv" \
	'BEGIN { printf "%.3f %d %d %d\n", (b - a) / hz / w * 100, h, r, p }'
