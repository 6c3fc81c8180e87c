#!/bin/bash
# Run the lab tests: every tests/lab/t/*.sh in order (or the ones named),
# each in its own fresh lab (the test calls `lab.sh up`, traps `lab.sh down`).
# With LAB_NETNS=1 a test runs in the lab's admin namespace (made here before
# the test; its `lab.sh up` connects it), as the admin's machine of a site.
#   tests/lab/run-tests.sh [TEST...]      TEST = path or name (00-lab-selftest)
# Environment: LAB_DIR (default /tmp/replica-wizard-lab-test), LAB_NET
# (default 127.77.1, so a demo lab on 127.77.0 is left alone),
# LAB_TEST_TIMEOUT (s, default 300), LAB_TEST_LOGDIR (default $LAB_DIR.logs),
# LAB_NETNS (see lib/common.sh), LAB_JOBS (default 1): that many queues side
# by side, each with its own LAB_DIR ($LAB_DIR.jN), LAB_NET and LAB_PASS (a
# test that samples process lists for its password must not see another
# lab's), the longest tests first; one summary at the end.
set -uo pipefail
HERE=$(cd -- "$(dirname -- "$(readlink -f -- "$0")")" && pwd)
export LAB_DIR=${LAB_DIR:-/tmp/replica-wizard-lab-test}
export LAB_NET=${LAB_NET:-127.77.1}
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
lab_defaults
export LAB_NETNS
LOGDIR=${LAB_TEST_LOGDIR:-$LAB_DIR.logs}
TIMEOUT=${LAB_TEST_TIMEOUT:-300}
mkdir -p "$LOGDIR"
# Two runs on the same LAB_DIR would wreck each other's labs: queue instead.
exec 9>"$LAB_DIR.run-tests.lock"
if ! flock -n 9; then
	echo "run-tests: another run uses $LAB_DIR; waiting (up to 15 min)..." >&2
	flock -w 900 9 || { echo "run-tests: gave up waiting for $LAB_DIR" >&2; exit 1; }
fi

tests=()
if (($#)); then
	for t in "$@"; do
		if [[ -f $t ]]; then tests+=("$t")
		elif [[ -f $HERE/t/$t ]]; then tests+=("$HERE/t/$t")
		elif [[ -f $HERE/t/$t.sh ]]; then tests+=("$HERE/t/$t.sh")
		else echo "run-tests: no such test: $t" >&2; exit 2
		fi
	done
else
	tests=("$HERE"/t/*.sh)
fi

# --- LAB_JOBS > 1: children take tests from one queue ---------------------------
JOBS=${LAB_JOBS:-1}
if ((JOBS > 1 && ${#tests[@]} > 1)) && [[ -z ${LAB_JOB_QUEUE:-} ]]; then
	queue=$(mktemp "$LOGDIR/queue.XXXXXX")
	# longest first: the bigger the script, the longer it runs (roughly)
	for t in "${tests[@]}"; do printf '%s\t%s\n' "$(wc -c <"$t")" "$t"; done |
		sort -t$'\t' -k1,1nr | cut -f2- >"$queue"
	base=${LAB_NET##*.}
	pids=()
	for ((k = 1; k <= JOBS; k++)); do
		LAB_JOB_QUEUE=$queue LAB_DIR=$LAB_DIR.j$k LAB_TEST_LOGDIR=$LOGDIR \
			LAB_NET=${LAB_NET%.*}.$(((base + 100 * k) % 250 + 1)) LAB_PASS=labpass$k$RANDOM \
			"$0" >"$LOGDIR/job$k.out" 2>&1 9>&- &
		pids+=($!)
	done
	pass=0 failed=0 rc=0
	for ((k = 1; k <= JOBS; k++)); do
		wait "${pids[k - 1]}" || rc=1
		out=$LOGDIR/job$k.out
		grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$out"
		read -r p _ f _ < <(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1) || { p=0 f=1; }
		pass=$((pass + p)) failed=$((failed + f))
	done
	rm -f -- "$queue"
	echo "$pass passed, $failed failed"
	((failed == 0 && rc == 0))
	exit
fi
# the next test of the shared queue (LAB_JOBS), or of the list (the loop,
# not this subshell, moves ti on)
next_test() {
	if [[ -n ${LAB_JOB_QUEUE:-} ]]; then
		exec 8<>"$LAB_JOB_QUEUE.lock"
		flock 8
		local t
		t=$(head -n 1 -- "$LAB_JOB_QUEUE")
		[[ -n $t ]] && sed -i '1d' -- "$LAB_JOB_QUEUE"
		flock -u 8
		exec 8>&-
		[[ -n $t ]] && printf '%s\n' "$t"
	elif ((ti < ${#tests[@]})); then
		printf '%s\n' "${tests[ti]}"
	else
		return 1
	fi
}

pass=0 failed=0 ti=0
while t=$(next_test) && [[ -n $t ]]; do
	[[ -z ${LAB_JOB_QUEUE:-} ]] && ti=$((ti + 1))
	name=$(basename -- "$t" .sh)
	log=$LOGDIR/$name.log
	t0=$(date +%s%N)
	# Fresh lab for every test: `up` would otherwise keep a lab that is up.
	"$HERE/lab.sh" down >"$log" 2>&1 9>&-
	# netns: the test runs on the admin side; lab.sh, called from there,
	# makes namespaces in this process's mount namespace (LAB_OUTER_PID).
	runner=()
	if lab_netns; then
		admin=$("$HERE/lab.sh" admin-up 2>>"$log" 9>&-) || admin=""
		runner=(ip netns exec "${admin:-no-admin-namespace}" env LAB_OUTER_PID=$$ LAB_IN_ADMIN=1)
	fi
	timeout -k 10 "$TIMEOUT" "${runner[@]}" bash "$t" </dev/null >>"$log" 2>&1 9>&-
	rc=$?
	# Safety net: a test killed by the timeout cannot run its own trap.
	"$HERE/lab.sh" down >>"$log" 2>&1 9>&- || rc=1
	# Nothing of the lab may remain: processes, namespaces, links, listeners.
	if ! "$HERE/lab.sh" leftovers >>"$log" 2>&1 9>&-; then
		echo "run-tests: leftovers of the lab after down (above)" >>"$log"
		rc=1
	fi
	d=$(($(date +%s%N) - t0))
	secs=$(printf '%d.%01d' $((d / 1000000000)) $((d % 1000000000 / 100000000)))
	if ((rc == 0)); then
		echo "PASS $name (${secs}s)"
		pass=$((pass + 1))
	else
		echo "FAIL $name (${secs}s) rc=$rc, log $log:"
		tail -n 25 -- "$log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "$pass passed, $failed failed"
((failed == 0))
