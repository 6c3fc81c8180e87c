#!/bin/bash
# Stopping a run, and one run per site, on one lab:
#   A  install --batch held in a remote step (replica1's apt-get hangs): a
#      second run on the same site exits 1 naming the first one's PID; then
#      SIGTERM: exit 143, the remote command is gone from the node, the
#      journal says the step failed (aborted) and the run aborted, and
#      --resume finishes the install
#   B  install --batch in the LDAP password verification (the master's slapd
#      stopped right after zmldapenablereplica, so the bind hangs): SIGHUP:
#      exit 129, the verification is journaled as aborted
#   C  dovecot --batch in the built-in wait for the test message (imap1's
#      `doveadm search` hangs): ^C (SIGINT): exit 130, the wait's own command
#      is gone from the node, the journal says aborted; --resume finishes
#   D  the wizard (tmux) shows a batch run that holds the site; then, in a
#      preflight command (replica2's systemctl hangs), it holds the site
#      itself, and SIGTERM: exit 143, the terminal is restored (no alternate
#      screen, echo and icanon back), the command is gone, the journal says
#      aborted
# Run it with REPLICA_WIZARD_BIN=build-asan/replica-wizard too (.ci/run):
# the abort paths then run under ASan+UBSan.
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_up

lab_rw
SITE=$LAB_DIR/site.ini
R1=$(node_ip replica1)
W=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$W/state
export REPLICA_WIZARD_LDAP_PASSWORD=$LAB_PASS
RUN=
cleanup() {
	[[ -n $RUN ]] && kill -KILL "$RUN" 2>/dev/null
	[[ -n ${SLAPD:-} ]] && kill -CONT "$SLAPD" 2>/dev/null
	rm -rf -- "$W"
}
lab_on_exit cleanup
tui_setup rw-abort

journal() { cat "$REPLICA_WIZARD_STATE_DIR"/*."$1".journal 2>/dev/null; }
# A command on a node that hangs in `sleep MARK` (unique to this test): the
# node's bin/ is first on its PATH. hang NODE CMD MARK [ONLY_WHEN_ARG1]
hang() {
	local b=$LAB_DIR/nodes/$1/bin real=
	[[ -e $b/$2 ]] && { mv "$b/$2" "$b/$2.real"; real=$b/$2.real; }
	{
		echo '#!/bin/bash'
		if [[ -n ${4:-} ]]; then
			printf '[[ $1 == %q ]] || exec %q "$@"\n' "$4" "${real:-/usr/bin/$2}"
		fi
		printf 'exec sleep %s\n' "$3"
	} >"$b/$2"
	chmod +x "$b/$2"
}
unhang() {
	local b=$LAB_DIR/nodes/$1/bin
	if [[ -e $b/$2.real ]]; then mv "$b/$2.real" "$b/$2"; else rm -f -- "$b/$2"; fi
}
running() { pgrep -f "^sleep $1\$" >/dev/null; }
# stopped NAME SIG RC MARK: the run ends with RC after SIG and leaves no MARK
stopped() {
	kill "-$2" "$RUN"
	wait_until 30 bash -c "! kill -0 $RUN 2>/dev/null" || fail "$1: still running 30 s after SIG$2"
	wait "$RUN"
	local rc=$?
	RUN=
	[[ $rc == "$3" ]] || fail "$1: SIG$2: exit $rc, not $3: $(tail -n 15 "$W/$1.out")"
	ok "$1: SIG$2 ends the run with $3"
	assert_contains "$(cat "$W/$1.out")" "interrupted" "$1: it says it was interrupted"
	# the drain waited for the kill: at most the time the process takes to die
	wait_until 5 bash -c "! pgrep -f '^sleep $4\$'" || fail "$1: the remote command is still running"
	ok "$1: no process of the step is left on the node"
}
# journaled NAME PROC STEP: the step failed as aborted, then the run ended aborted
journaled() {
	local j
	j=$(journal "$2")
	grep -q "step=$3	.*state=failed.*aborted" <<<"$j" || fail "$1: $3 is not journaled as aborted: $j"
	assert_contains "$(tail -n 1 <<<"$j")" "event=end	state=aborted" "$1: the journal ends with the run aborted"
}
# asan_clean NAME [FILE]: no sanitizer report in $W/NAME.out (or FILE)
asan_clean() {
	if grep -E 'AddressSanitizer|runtime error:|LeakSanitizer' "${2:-$W/$1.out}"; then
		fail "$1: a sanitizer report"
	fi
}

# --- A: a second run is turned away; SIGTERM in a remote step; --resume -------
MA=3600.$$1
hang replica1 apt-get "$MA"
"$RW" install --batch --yes --site "$SITE" --replica "$R1" >"$W/A.out" 2>&1 &
RUN=$!
wait_until 120 running "$MA" || fail "A: install-package never started: $(cat "$W/A.out")"
run "$RW" install --batch --yes --site "$SITE" --replica "$R1"
assert_eq 1 "$T_RC" "A: a second run on the same site exits 1"
assert_contains "$T_OUT" "process $RUN (install-replica) since " "A: it names the holder's PID and since when"
run "$RW" dovecot --batch --yes --site "$SITE"
assert_eq 1 "$T_RC" "A: another procedure on the same site is turned away too"
assert_eq 1 "$(journal install-replica | grep -c 'event=start')" "A: the second run wrote nothing to the journal"
running "$MA" || fail "A: the first run's command was disturbed"
stopped A TERM 143 "$MA"
journaled A install-replica install-package
asan_clean A
unhang replica1 apt-get
run "$RW" install --batch --yes --resume --site "$SITE" --replica "$R1"
printf '%s\n' "$T_OUT" >"$W/A.resume.out"
assert_eq 0 "$T_RC" "A: --resume finishes (output: $(tail -n 3 "$W/A.resume.out"))"
assert_contains "$T_OUT" "install: complete." "A: the install completes"
assert_contains "$T_OUT" "done by the earlier run" "A: what the aborted run finished is not run again"
asan_clean A.resume

# --- B: SIGHUP in the LDAP verification ---------------------------------------------
# replica2 this time; the master's zmldapenablereplica stops slapd as it ends
R2=$(node_ip replica2)
export REPLICA_WIZARD_STATE_DIR=$W/state-b
E=$LAB_DIR/nodes/master/opt/zextras/libexec/zmldapenablereplica
PIDF=$LAB_DIR/nodes/master/opt/zextras/run/slapd.pid
mv "$E" "$E.real"
printf '#!/bin/bash\n%q "$@"; rc=$?\nkill -STOP "$(cat %q)"\nexit $rc\n' "$E.real" "$PIDF" >"$E"
chmod 755 "$E"
"$RW" install --batch --yes --site "$SITE" --replica "$R2" >"$W/B.out" 2>&1 &
RUN=$!
wait_until 120 bash -c "grep -q 'step=enable-replication	.*state=\(done\|already\)' $REPLICA_WIZARD_STATE_DIR/*.install-replica.journal" ||
	fail "B: replication was never enabled: $(cat "$W/B.out")"
SLAPD=$(cat "$PIDF")
stopped B HUP 129 "no-remote-process"
journaled B install-replica verify-passwords
asan_clean B
kill -CONT "$SLAPD"
SLAPD=
mv "$E.real" "$E"

# --- C: ^C in the built-in wait of dovecot; --resume ---------------------------
export REPLICA_WIZARD_STATE_DIR=$W/state-c
MC=3600.$$3
hang imap1 doveadm "$MC" search
# a script's `cmd &` ignores SIGINT, and so does the wizard then (as with nohup)
env --default-signal=INT "$RW" dovecot --batch --yes --site "$SITE" >"$W/C.out" 2>&1 &
RUN=$!
wait_until 180 running "$MC" || fail "C: the wait never polled: $(cat "$W/C.out")"
stopped C INT 130 "$MC"
journaled C dovecot verify-arrived
asan_clean C
unhang imap1 doveadm
run "$RW" dovecot --batch --yes --resume --site "$SITE"
printf '%s\n' "$T_OUT" >"$W/C.resume.out"
assert_eq 0 "$T_RC" "C: --resume finishes (output: $(tail -n 3 "$W/C.resume.out"))"
assert_contains "$T_OUT" "dovecot: complete." "C: the Dovecot run completes"
asan_clean C.resume

# --- D: the wizard gets SIGTERM in a preflight command -----------------------------
export REPLICA_WIZARD_STATE_DIR=$W/state-d
MD=3600.$$4
hang replica2 systemctl "$MD"
TM new-session -d -s rw -x 160 -y 48 \
	"bash -c 'echo \$\$ >$W/D.pid; exec \"\$@\"' - env LANG=C.UTF-8 REPLICA_WIZARD_STATE_DIR=$REPLICA_WIZARD_STATE_DIR $RW --site $SITE 2>$W/D.out; echo \$? >$W/D.rc; stty -a >$W/D.stty; sleep 60"
wait_for 10 "Install a Directory Replica"
tui_nodes "$R2"
# a batch run holds the site: the wizard shows who, and runs nothing
"$RW" install --batch --yes --site "$SITE" --replica "$R2" >"$W/D-batch.out" 2>&1 &
RUN=$!
wait_until 60 running "$MD" || fail "D: the batch run never reached systemctl: $(cat "$W/D-batch.out")"
keys Enter
wait_for 30 "another run is working on this site: process $RUN"
ok "D: the wizard shows the run that holds the site"
stopped D-batch TERM 143 "$MD"
keys Enter # the same form again, the site free now
wait_until 60 running "$MD" || { screen; fail "D: the preflight never reached systemctl"; }
[[ $(TM display -p -t rw '#{alternate_on}') == 1 ]] || fail "D: the wizard is not on the alternate screen"
run "$RW" install --batch --yes --site "$SITE" --replica "$R2"
assert_eq 1 "$T_RC" "D: a batch run beside the wizard exits 1"
assert_contains "$T_OUT" "process $(cat "$W/D.pid") (install-replica)" "D: it names the wizard as the holder"
kill -TERM "$(cat "$W/D.pid")"
wait_until 30 test -s "$W/D.rc" || fail "D: the wizard did not end after SIGTERM"
assert_eq 143 "$(cat "$W/D.rc")" "D: the wizard exits 143 after SIGTERM"
wait_until 5 bash -c "! pgrep -f '^sleep $MD\$'" || fail "D: the preflight command is still running"
ok "D: no process of the step is left on the node"
wait_until 5 test -s "$W/D.stty" || fail "D: no stty output"
assert_eq 0 "$(TM display -p -t rw '#{alternate_on}')" "D: the alternate screen is left"
grep -qE '(^| )icanon( |$)' "$W/D.stty" && grep -qE '(^| )echo( |$)' "$W/D.stty" ||
	fail "D: the terminal modes are not restored: $(cat "$W/D.stty")"
ok "D: echo and canonical mode are back"
journaled D install-replica preflight-services
asan_clean D
asan_clean D "$REPLICA_WIZARD_STATE_DIR/replica-wizard.log" # the wizard's stderr
unhang replica2 systemctl
