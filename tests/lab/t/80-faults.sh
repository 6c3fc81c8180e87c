#!/bin/bash
# Faults during `replica-wizard install --batch`, each on a fresh lab:
#   A  the replica dies (sshd and every process it started) during a short
#      remote command (install-package, slowed down to be hit)
#   B  the replica dies during the long bootstrap
#   C  the replica dies while a wait step retries (wait-replicated, with the
#      replica's syncrepl broken so that it retries)
#   D  slapd on the master stops after the preflight, before the password
#      verification (the master's LDAP is what the verification needs)
#   E  the replica hangs (SIGSTOP) during the wait: only the keepalive can tell
# Each must end with exit 1 and a clear message within a bound (no hang),
# leave the journal right (what finished is recorded, the run not marked
# complete), and `--resume` after the repair must finish the install without
# running a completed non-idempotent step again (create-test-account,
# bootstrap). FAULTS_FULL=1 also runs B and E (the slow ones, ~1 min more).
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_needs_admin_ldap

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=$ROOT/replica-wizard
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
	R1=$(node_ip replica1)
	R1DIR=$LAB_DIR/nodes/replica1
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
	grep -E 'FAILED|lost|cannot|error|refused' "$W/$1.out" | head -n 4 | sed "s/^/# $1: /"
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
	if [[ ${2:-} == preflight-only ]]; then
		assert_not_contains "$T_OUT" "done by the earlier run" "$1: the preflight checks run again"
	else
		assert_contains "$T_OUT" "done by the earlier run" "$1: completed steps are not run again"
	fi
	run lab_ssh replica1 "su - zextras -c '$R1DIR/opt/zextras/libexec/zmreplchk'"
	assert_contains "$T_OUT" "Code: 0 Status: In Sync" "$1: the replica is In Sync"
}

# FAULTS_ONLY="A C": only these (for work on one scenario).
want() { [[ -z ${FAULTS_ONLY:-} || " $FAULTS_ONLY " == *" $1 "* ]]; }

# --- A: the replica dies during a short remote command -------------------------
scenario_a() {
fresh_lab
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

# --- C: the replica dies while a wait step retries ---------------------------------
scenario_c() {
fresh_lab
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
resumed D preflight-only
}

# --- B: the replica dies during the long bootstrap ------------------------------
scenario_b() {
	fresh_lab
	start B
	wait_until 60 pgrep -f "^/bin/bash $R1DIR/usr/bin/carbonio-bootstrap|$R1DIR/usr/bin/carbonio-bootstrap -c" ||
		wait_until 60 jdone install-package || fail "B: no bootstrap: $(cat "$W/B.out")"
	sleep 1
	node_crash replica1
	ended B 20 "replica gone during the bootstrap"
	jdone bootstrap && fail "B: the journal says the bootstrap is done"
	# The node comes back as after a reboot: sshd, and slapd if the cut-short
	# bootstrap got as far as configuring it (Carbonio starts it at boot).
	"$LAB_SH" start-svc replica1 sshd >/dev/null || fail "cannot restart replica1 sshd"
	if [[ -d $R1DIR/opt/zextras/data/ldap/config/cn=config ]]; then
		"$LAB_SH" start-svc replica1 slapd >/dev/null 2>&1 && t_log "B: replica1 slapd restarted (reboot)"
	fi
	resumed B
	boots=$(cat "$W/B.out" "$W/B.resume.out" | grep -c 'Starting Carbonio Bootstrap')
	t_log "B: carbonio-bootstrap started $boots time(s) over the run and its resume"
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

for sc in A C D; do want $sc && "scenario_${sc,,}"; done
if [[ -n ${FAULTS_FULL:-} ]]; then
	for sc in B E; do want $sc && "scenario_${sc,,}"; done
else
	t_log "B (kill during the bootstrap) and E (hang, keepalive): FAULTS_FULL=1"
fi
