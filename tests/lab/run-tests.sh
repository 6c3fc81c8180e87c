#!/bin/bash
# Run the lab tests: every tests/lab/t/*.sh in order (or the ones named),
# each in its own fresh lab (the test calls `lab.sh up`, traps `lab.sh down`).
#   tests/lab/run-tests.sh [TEST...]      TEST = path or name (00-lab-selftest)
# Environment: LAB_DIR (default /tmp/replica-wizard-lab-test), LAB_NET
# (default 127.77.1, so a demo lab on 127.77.0 is left alone),
# LAB_TEST_TIMEOUT (s, default 300), LAB_TEST_LOGDIR (default $LAB_DIR.logs).
set -uo pipefail
HERE=$(cd -- "$(dirname -- "$(readlink -f -- "$0")")" && pwd)
export LAB_DIR=${LAB_DIR:-/tmp/replica-wizard-lab-test}
export LAB_NET=${LAB_NET:-127.77.1}
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

pass=0 failed=0
for t in "${tests[@]}"; do
	name=$(basename -- "$t" .sh)
	log=$LOGDIR/$name.log
	t0=$(date +%s%N)
	# Fresh lab for every test: `up` would otherwise keep a lab that is up.
	"$HERE/lab.sh" down >"$log" 2>&1 9>&-
	timeout -k 10 "$TIMEOUT" bash "$t" </dev/null >>"$log" 2>&1 9>&-
	rc=$?
	# Safety net: a test killed by the timeout cannot run its own trap.
	"$HERE/lab.sh" down >>"$log" 2>&1 9>&- || rc=1
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
