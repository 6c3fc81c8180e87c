#!/bin/bash
# The dashboard of a large cluster's Dovecot pairs (issue 14 §3): figures,
# not assertions. Runnable alone (make bench-pairs) or as the last section of
# make bench (bench/run.sh, which keeps its lab up: BENCH_KEEP_LAB=1).
#
# BENCH_PAIRS (64) pairs of bench-only sshd nodes (bench/nodes.sh, 2 x
# BENCH_PAIRS of them) whose `doveadm` is a stand-in printing what a healthy
# Dovecot 2.3 server prints (BENCH_NODES_DOVEADM=1): the wizard's side (SSH
# sessions, three commands per server and round, JSON parsing, the model) is
# real; Dovecot's own answer time is not in it.
#   - refresh: `rw_bench dash` (the dashboard's own pollers, sessions open;
#     the driver's own CPU a refresh too: the nodes' is not the wizard's)
#     on the site of 1 pair and of BENCH_PAIRS pairs, A and B alternated
#     BENCH_REPS (5) times, 5 refreshes each (their median)
#   - idle: the live curses dashboard (interval 5 s) of the BENCH_PAIRS site
#     in tmux: CPU over BENCH_FOOT_WINDOW (60) s, peak RSS, private memory
# Prints a markdown section on stdout (progress on stderr).
set -uo pipefail
ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
export LAB_NET=${LAB_NET:-127.77.10} LAB_DIR=${LAB_DIR:-/tmp/rw-bench-lab} LAB_NETNS=0
PAIRS=${BENCH_PAIRS:-64}
REPS=${BENCH_REPS:-5}
FW=${BENCH_FOOT_WINDOW:-60}
LAB=$ROOT/tests/lab/lab.sh
B=$ROOT/build/bench/rw_bench
W=$(mktemp -d /tmp/rw-bench-pairs.XXXXXX)

cleanup() {
	bash "$ROOT/bench/nodes.sh" down >/dev/null 2>&1
	[[ -z ${BENCH_KEEP_LAB:-} ]] && "$LAB" down >/dev/null 2>&1
	rm -rf -- "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$ROOT/bench/build.sh" || { echo "bench: cannot build the driver (run make first)" >&2; exit 1; }
"$LAB" up >/dev/null || { echo "bench: lab.sh up failed" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"
set +a
echo "bench: pairs: $((2 * PAIRS)) bench nodes with a doveadm stand-in" >&2
BENCH_NODES_DOVEADM=1 bash "$ROOT/bench/nodes.sh" up $((2 * PAIRS)) ||
	{ echo "bench: bench nodes did not start" >&2; exit 1; }
ND=$LAB_DIR.bench-nodes
mapfile -t NODES < <(bash "$ROOT/bench/nodes.sh" hosts)

site_pairs() { # N FILE: [ssh] and N pairs of the bench nodes
	local k
	{
		printf '[ssh]\nuser = root\nport = %s\nidentity = %s\nknown_hosts = %s\n' \
			"$LAB_SSH_PORT" "$LAB_DIR/ssh/labkey" "$ND/known_hosts"
		for ((k = 0; k < $1; k++)); do
			printf '[dovecot p%02d]\nservers = %s %s\n' "$k" "${NODES[2 * k]}" "${NODES[2 * k + 1]}"
		done
	} >"$2"
}
site_pairs 1 "$W/pairs1.ini"
site_pairs "$PAIRS" "$W/pairsN.ini"

stats() { sort -g "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f %.4f %.4f", m, v[1], v[NR] }'; }
one() { # SITE SERIES: a run of the driver; its median refresh and own CPU a refresh
	local v c
	read -r v c < <("$B" dash -s "$1" -n 5 2>>"$W/driver.log") ||
		{ echo "bench: rw_bench dash $1 failed: $(tail -n 2 "$W/driver.log")" >&2; return; }
	echo "$v" >>"$W/s.$2"
	echo "$c" >>"$W/c.$2"
}
echo "bench: pairs: refresh, 1 pair / $PAIRS pairs, $REPS rounds" >&2
for ((r = 0; r < REPS; r++)); do
	if ((r % 2)); then one "$W/pairsN.ini" many; one "$W/pairs1.ini" one; else one "$W/pairs1.ini" one; one "$W/pairsN.ini" many; fi
done
[[ -s $W/s.one && -s $W/s.many ]] || { echo "bench: no refresh figure" >&2; cat "$W/driver.log" >&2; exit 1; }
read -r m1 lo1 hi1 <<<"$(stats "$W/s.one")"
read -r mn lon hin <<<"$(stats "$W/s.many")"
read -r c1 _ _ <<<"$(stats "$W/c.one")"
read -r cn clon chin <<<"$(stats "$W/c.many")"
first=$(grep -m1 "servers in $PAIRS pairs" "$W/driver.log")
echo "bench: pairs: footprint of the live dashboard, ${FW} s" >&2
FOOT=$(bash "$ROOT/bench/footprint.sh" "$W/pairsN.ini" "$FW" 15 2>&1 | tail -n 1)
FOOT1=$(bash "$ROOT/bench/footprint.sh" "$W/pairs1.ini" "$FW" 15 2>&1 | tail -n 1)

echo "## 8. Dashboard of $PAIRS Dovecot pairs ($((2 * PAIRS)) servers)"
echo
echo "Bench-only sshd nodes (bench/nodes.sh) whose \`doveadm\` is a stand-in printing a healthy Dovecot 2.3"
echo "server's JSON (no Dovecot runs: $((2 * PAIRS)) would not fit this machine); the wizard's side is real."
echo "Refresh: \`rw_bench dash\` (the dashboard's own pollers, sessions open, one remote shell a server running"
echo "its three doveadm commands), median"
echo "of 5 refreshes a run, $REPS runs alternated; spread = min..max of the runs."
echo
echo "| site | refresh (wall) | spread | the wizard's own CPU a refresh |"
echo "|---|---|---|---|"
echo "| 1 pair (2 servers) | $m1 s | $lo1..$hi1 s | $c1 s |"
echo "| $PAIRS pairs ($((2 * PAIRS)) servers) | $mn s | $lon..$hin s | $cn s ($clon..$chin) |"
echo
echo "Wall ratio $PAIRS pairs / 1 pair **$(awk -v a="$mn" -v b="$m1" 'BEGIN { printf "%.2f", a / b }')** (target <= 2) on this"
echo "machine, where the $((2 * PAIRS)) nodes' sshd and shells share its $(nproc) CPUs with the wizard. On a real"
echo "cluster each server answers on its own machine and the refresh takes about one server's time plus the"
echo "wizard's own CPU: ($m1 + $cn) / $m1 = **$(awk -v a="$m1" -v c="$cn" 'BEGIN { printf "%.2f", (a + c) / a }')**. First run: ${first:-?}."
echo
echo "| live dashboard, interval 5 s | CPU (% of one core) | peak RSS | private memory |"
echo "|---|---|---|---|"
set -- $FOOT1
echo "| 1 pair | ${1:-?} % | ${2:-?} KB | ${4:-?} KB |"
set -- $FOOT
echo "| $PAIRS pairs | ${1:-?} % | ${2:-?} KB | ${4:-?} KB |"
echo
echo "Targets for $PAIRS pairs: < 1 % of a core, private memory < 8 MB (8192 KB)."
