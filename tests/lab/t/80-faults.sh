#!/bin/bash
# Faults during `replica-wizard install --batch`, a node lost in each long
# step; three labs, two replicas each (replica1, then replica2):
#   A  (lab 1, replica1) the replica dies (sshd and every process it started)
#      during the package install (slowed down to be hit)
#   F  (lab 1, replica2) the run is aborted (TERM) during the bootstrap: the
#      remote command gets TERM; its answers file and config.<pid> are gone
#      without any resume
#   C  (lab 2, replica1) the replica dies while a wait step retries
#      (wait-replicated, with the replica's syncrepl broken so that it retries)
#   B  (lab 2, replica2) the replica dies during the bootstrap, after it made
#      the replica marker (.enable_replica) and before it restarted slapd:
#      the resume must run the bootstrap again, and removes what the killed
#      one left (answers file, config.<pid>)
#   D  (lab 3) slapd on the master stops after the preflight, before the
#      password verification (the master's LDAP is what it needs); its
#      resume meets stderr noise from the master's zmprov
#   E  the replica hangs (SIGSTOP) during the wait: only the keepalive can
#      tell (FAULTS_FULL=1: ~1 min more)
# Each must end with exit 1 and a clear message within a bound (no hang),
# leave the journal right (what finished is recorded, the run not marked
# complete), and ONE `--resume` after the repair must finish the install
# without running a completed non-idempotent step again (create-test-account,
# bootstrap). No password file is left on the replica at the end.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
[[ -x $RW ]] || fail "build replica-wizard first (make)"
W=$(mktemp -d)
cleanup() {
	[[ -n ${RUN:-} ]] && kill "$RUN" 2>/dev/null
	rm -rf -- "$W"
}
lab_on_exit cleanup

fresh_lab() {
	"$LAB_SH" down >/dev/null 2>&1
	lab_up >/dev/null
	SITE=$LAB_DIR/site.ini
	use_replica replica1
}
# use_replica NODE: the replica the next start/resumed/node_crash act on
use_replica() {
	RNODE=$1
	R1=$(node_ip "$1")
	R1DIR=$LAB_DIR/nodes/$1
}
journal() { cat "$REPLICA_WIZARD_STATE_DIR"/*.install-replica.journal 2>/dev/null; }
jdone() { journal | grep -q "step=$1	node=[^	]*	state=done"; }

# The node dies: its sshd and every process started through it.
node_crash() {
	local pid
	pid=$(cat "$LAB_DIR/nodes/$1/sshd/sshd.pid")
	# shellcheck disable=SC2046
	kill -KILL "$pid" $(pid_descendants "$pid") 2>/dev/null
}

# start NAME: a run in the background, output in $W/NAME.out
start() {
	export REPLICA_WIZARD_STATE_DIR=$W/state-$1
	REPLICA_WIZARD_LDAP_PASSWORD=$LAB_PASS "$RW" install --batch --yes --site "$SITE" --replica "$R1" \
		>"$W/$1.out" 2>&1 &
	RUN=$!
}
# ended NAME BOUND_S WHAT: the run ends with 1 within BOUND_S of the fault
ended() {
	local t0 rc took
	t0=$(date +%s%N)
	for ((i = 0; i < $2 * 10; i++)); do kill -0 "$RUN" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$RUN" 2>/dev/null; then
		kill "$RUN"
		fail "$1: still running $2 s after the fault: $(tail -n 5 "$W/$1.out")"
	fi
	wait "$RUN"
	rc=$? RUN=
	took=$(lab_elapsed "$t0")
	assert_eq 1 "$rc" "$1: the run fails ($3)"
	ok "$1: ended $took s after the fault (bound $2 s)"
	assert_contains "$(cat "$W/$1.out")" "--resume" "$1: the summary points at --resume"
	grep -E 'FAILED|lost|cannot|error|refused|^hint' "$W/$1.out" | head -n 5 | sed "s/^/# $1: /"
	journal | grep -q 'event=end	state=complete' && fail "$1: the journal says complete"
	ok "$1: the journal does not mark the run complete"
}
# resumed NAME [preflight-only]: --resume finishes; completed steps are not
# rerun. preflight-only: the earlier run finished nothing but preflight
# checks, which a resume always runs again (the nodes may have changed).
resumed() {
	REPLICA_WIZARD_LDAP_PASSWORD=$LAB_PASS run "$RW" install --batch --yes --resume --site "$SITE" --replica "$R1"
	printf '%s\n' "$T_OUT" >"$W/$1.resume.out"
	assert_eq 0 "$T_RC" "$1: --resume finishes (output: $(tail -n 3 "$W/$1.resume.out"))"
	assert_contains "$T_OUT" "install: complete." "$1: the install completes"
	assert_not_contains "$T_OUT" "cannot prepare" "$1: no step lacks a value on --resume"
	if [[ ${2:-} == preflight-only ]]; then
		assert_not_contains "$T_OUT" "done by the earlier run" "$1: the preflight checks run again"
	else
		assert_contains "$T_OUT" "done by the earlier run" "$1: completed steps are not run again"
	fi
	run lab_ssh "$RNODE" "su - zextras -c '$R1DIR/opt/zextras/libexec/zmreplchk'"
	assert_contains "$T_OUT" "Code: 0 Status: In Sync" "$1: the replica is In Sync"
	no_leftovers "$1"
}
# What holds passwords on the replica when a bootstrap is cut short: our
# answers file (and its stamp) and setup.pl's config.<pid>.
leftovers() { find "$R1DIR/opt/zextras" -maxdepth 1 \( -name '.rw-bootstrap.*' -o -name 'config.[0-9]*' \); }
no_leftovers() {
	local left
	left=$(leftovers)
	[[ -z $left ]] || fail "$1: files with passwords left on the replica: $left"
	ok "$1: no bootstrap answers file nor config.<pid> on the replica"
}
# slow_ldap_stop: the replica's `ldap stop` waits 5 s, so that the bootstrap
# can be hit right after it enabled replication (.enable_replica made) and
# before slapd runs again; fast_ldap undoes it.
slow_ldap_stop() {
	local b=$R1DIR/opt/zextras/bin
	mv "$b/ldap" "$b/ldap.real"
	printf '#!/bin/bash\nif [ "$1" = stop ]; then sleep 5; fi\nexec %q "$@"\n' "$b/ldap.real" >"$b/ldap"
	chmod 755 "$b/ldap"
}
fast_ldap() { mv "$R1DIR/opt/zextras/bin/ldap.real" "$R1DIR/opt/zextras/bin/ldap"; }
in_ldap_stop() { pgrep -f "^/bin/bash $R1DIR/opt/zextras/bin/ldap stop"; }

# FAULTS_ONLY="A C": only these (for work on one scenario).
want() { [[ -z ${FAULTS_ONLY:-} || " $FAULTS_ONLY " == *" $1 "* ]]; }

# --- A: the replica dies during a short remote command -------------------------
scenario_a() {
use_replica replica1
B=$R1DIR/bin
mv "$B/apt-get" "$B/apt-get.real"
printf '#!/bin/bash\ntouch %q\nsleep 4\nexec %q "$@"\n' "$W/apt-started" "$B/apt-get.real" >"$B/apt-get"
chmod +x "$B/apt-get"
start A
wait_until 60 test -e "$W/apt-started" || fail "A: install-package never started: $(cat "$W/A.out")"
node_crash replica1
ended A 20 "replica gone during install-package"
jdone verify-passwords || fail "A: the journal lost the steps done before the fault"
jdone install-package && fail "A: the journal says install-package is done"
ok "A: journal: the steps before are done, install-package is not"
mv "$B/apt-get.real" "$B/apt-get"
"$LAB_SH" start-svc replica1 sshd >/dev/null || fail "cannot restart replica1 sshd"
resumed A
assert_contains "$(cat "$W/A.resume.out")" "Enable replication on the master (zmldapenablereplica): done by the earlier run" \
	"A: enabling replication is not repeated"
}

# --- F: the run is aborted (TERM) during the bootstrap -----------------------------
scenario_f() {
	use_replica replica2
	slow_ldap_stop
	start F
	wait_until 90 in_ldap_stop || fail "F: the bootstrap never reached ldap stop: $(cat "$W/F.out")"
	[[ -n $(leftovers) ]] || fail "F: no answers file during the bootstrap (the test missed its window)"
	kill -TERM "$RUN"
	wait_until 20 bash -c "! kill -0 $RUN" || fail "F: still running 20 s after TERM: $(tail -n 5 "$W/F.out")"
	wait "$RUN"
	local rc=$?
	RUN=
	((rc != 0)) || fail "F: an aborted run exits 0"
	journal | grep -q 'event=end	state=complete' && fail "F: the journal says complete"
	ok "F: the aborted run fails ($rc), the journal does not mark it complete"
	grep -E 'FAILED|^hint' "$W/F.out" | head -n 3 | sed "s/^/# F: /"
	# The hint says what was cleaned only when the command ended: when the
	# wizard did not wait for it, what may be left.
	if grep -q "were removed" "$W/F.out"; then
		no_leftovers "F (the hint says they were removed)"
	else
		assert_contains "$(cat "$W/F.out")" "may still be in the prefix" "F: the hint says what may be left"
	fi
	# the remote shell got TERM: it cleans up once the bootstrap has ended
	wait_until 30 test -z "$(leftovers)" || fail "F: left on the replica after the abort: $(leftovers)"
	ok "F: the aborted bootstrap left no answers file nor config.<pid>"
	fast_ldap
	resumed F
	assert_contains "$(cat "$W/F.resume.out")" "Starting Carbonio Bootstrap" \
		"F: the resume runs the cut-short bootstrap again"
}

# --- C: the replica dies while a wait step retries ---------------------------------
scenario_c() {
use_replica replica1
start C
wait_until 90 jdone bootstrap-result || fail "C: no bootstrap-result: $(cat "$W/C.out")"
"$LAB_SH" syncrepl-break replica1 >/dev/null || fail "C: syncrepl-break failed"
wait_until 60 jdone create-test-account || fail "C: no create-test-account: $(cat "$W/C.out")"
sleep 4 # wait-replicated retries every 3 s
jdone wait-replicated && fail "C: wait-replicated did not wait (syncrepl not broken?)"
node_crash replica1
ended C 20 "replica gone during wait-replicated"
"$LAB_SH" start-svc replica1 sshd >/dev/null || fail "cannot restart replica1 sshd"
"$LAB_SH" syncrepl-mend replica1 >/dev/null || fail "C: syncrepl-mend failed"
resumed C
assert_contains "$(cat "$W/C.resume.out")" "Create a throw-away account on the master: done by the earlier run" \
	"C: the non-idempotent account creation is not repeated"
boots=$(cat "$W/C.out" "$W/C.resume.out" | grep -c 'Starting Carbonio Bootstrap')
assert_eq 1 "$boots" "C: carbonio-bootstrap ran once over the run and its resume"
}

# --- D: the master's slapd stops before the verification ----------------------------
scenario_d() {
fresh_lab
start D
wait_until 60 jdone preflight-replica-state || fail "D: no preflight: $(cat "$W/D.out")"
"$LAB_SH" stop-svc master slapd >/dev/null || fail "D: cannot stop slapd on the master"
ended D 30 "master's slapd down"
jdone install-package && fail "D: the replica was changed although the master's LDAP was down"
ok "D: nothing was installed on the replica"
"$LAB_SH" start-svc master slapd >/dev/null || fail "D: cannot start slapd on the master"
# The resume meets what a real master prints on stderr besides the values a
# step reads (Java's "Picked up JAVA_TOOL_OPTIONS", a login shell's noise):
# the domain must still be read, the test account named.
local zb=$LAB_DIR/nodes/master/opt/zextras/bin
mv "$zb/zmprov" "$zb/zmprov.real"
printf '#!/bin/bash\necho "Picked up JAVA_TOOL_OPTIONS: -Dlab=noise" >&2\nexec %q "$@"\n' "$zb/zmprov.real" >"$zb/zmprov"
chmod 755 "$zb/zmprov"
resumed D preflight-only
mv "$zb/zmprov.real" "$zb/zmprov"
}

# --- B: the replica dies during the bootstrap -----------------------------------
scenario_b() {
	use_replica replica2
	slow_ldap_stop
	start B
	wait_until 90 in_ldap_stop || fail "B: the bootstrap never reached ldap stop: $(cat "$W/B.out")"
	[[ -e $R1DIR/opt/zextras/.enable_replica ]] || fail "B: no .enable_replica before ldap stop"
	node_crash replica2
	ended B 20 "replica gone during the bootstrap"
	jdone bootstrap && fail "B: the journal says the bootstrap is done"
	assert_contains "$(cat "$W/B.out")" "may still be in the prefix" "B: the hint says what may be left"
	assert_not_contains "$(cat "$W/B.out")" "were removed" "B: the hint claims no cleanup that did not happen"
	[[ -n $(leftovers) ]] || fail "B: the killed bootstrap left nothing (the test missed its window)"
	ok "B: the killed bootstrap left $(leftovers | wc -l) file(s) with passwords, for the resume to remove"
	fast_ldap
	# The node comes back with sshd only: what the killed bootstrap had
	# stopped stays stopped.
	"$LAB_SH" start-svc replica2 sshd >/dev/null || fail "cannot restart replica2 sshd"
	resumed B
	assert_contains "$(cat "$W/B.resume.out")" "Starting Carbonio Bootstrap" \
		"B: the resume runs the cut-short bootstrap again"
}

# --- E: the replica hangs during the wait: the keepalive (3 x 10 s) ends it ------
scenario_e() {
	fresh_lab
	start E
	wait_until 90 jdone bootstrap-result || fail "E: no bootstrap-result: $(cat "$W/E.out")"
	"$LAB_SH" syncrepl-break replica1 >/dev/null || fail "E: syncrepl-break failed"
	wait_until 60 jdone create-test-account || fail "E: no create-test-account: $(cat "$W/E.out")"
	"$LAB_SH" hang replica1 >/dev/null || fail "E: hang failed"
	ended E 60 "replica hung"
	"$LAB_SH" unhang replica1 >/dev/null
	"$LAB_SH" syncrepl-mend replica1 >/dev/null || fail "E: syncrepl-mend failed"
	resumed E
	assert_contains "$(cat "$W/E.resume.out")" "Create a throw-away account on the master: done by the earlier run" \
		"E: the non-idempotent account creation is not repeated"
}

# One lab for A then F, one for C then B, one for D.
if want A || want F; then
	fresh_lab
	if want A; then scenario_a; fi
	if want F; then scenario_f; fi
fi
if want C || want B; then
	fresh_lab
	if want C; then scenario_c; fi
	if want B; then scenario_b; fi
fi
if want D; then scenario_d; fi
if [[ -n ${FAULTS_FULL:-} ]]; then
	if want E; then scenario_e; fi
else
	t_log "E (hang, keepalive): FAULTS_FULL=1"
fi
