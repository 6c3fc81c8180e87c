#!/bin/bash
# The running wizard holds its passwords only in its own memory: the
# REPLICA_WIZARD_*_PASSWORD values are gone from its environment (what a
# child process would inherit, and /proc/PID/environ), and it can leave no
# core dump (RLIMIT_CORE 0 0; PR_SET_DUMPABLE is checked by test_harden). The wizard is caught while it
# waits for an SSH banner from a listener that accepts and never answers.
# (No lab needed.)
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
W=$(mktemp -d)
cleanup() {
	[[ -n ${RWPID:-} ]] && kill "$RWPID" 2>/dev/null
	[[ -n ${LISTENER:-} ]] && kill "$LISTENER" 2>/dev/null
	rm -rf -- "$W"
}
lab_on_exit cleanup

# --- a listener that accepts and stays silent --------------------------------------
perl -MIO::Socket::INET -e '
	my ($pf, $log) = @ARGV;
	my $s = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => 0, Listen => 64, ReuseAddr => 1)
		or die "listen: $!";
	open(my $p, ">", $pf) or die; print $p $s->sockport, "\n"; close $p;
	my @keep;
	while (my $c = $s->accept) { push @keep, $c; open(my $f, ">>", $log); print $f "accept\n"; close $f; }
' "$W/port" "$W/accepts" </dev/null >/dev/null 2>&1 &
LISTENER=$!
wait_until 5 test -s "$W/port" || fail "the silent listener did not start"
: >"$W/kh"
printf '[ssh]\nport = %s\nknown_hosts = %s\n[carbonio]\nmaster = 127.0.0.2\nreplicas = 127.0.0.3\n' \
	"$(cat "$W/port")" "$W/kh" >"$W/site.ini"

SSH_PW='ssh-Pw-8231' LDAP_PW='ldapPw8232' DOVEADM_PW='doveadm-Pw-8233-long-enough'
REPLICA_WIZARD_STATE_DIR=$W/state REPLICA_WIZARD_SSH_PASSWORD=$SSH_PW \
	REPLICA_WIZARD_LDAP_PASSWORD=$LDAP_PW REPLICA_WIZARD_DOVEADM_PASSWORD=$DOVEADM_PW \
	"$RW" install --batch --yes --site "$W/site.ini" >"$W/out" 2>&1 &
RWPID=$!
wait_until 20 test -s "$W/accepts" || fail "the wizard never connected: $(cat "$W/out")"
pid_alive "$RWPID" || fail "the wizard ended early: $(cat "$W/out")"

env_now=$(tr '\0' '\n' <"/proc/$RWPID/environ")
for pw in "$SSH_PW" "$LDAP_PW" "$DOVEADM_PW"; do
	assert_not_contains "$env_now" "$pw" "a password value is not in /proc/PID/environ"
done
assert_contains "$env_now" "REPLICA_WIZARD_STATE_DIR=$W/state" "other variables stay"
core=$(grep '^Max core file size' "/proc/$RWPID/limits")
[[ $core =~ ^Max\ core\ file\ size\ +0\ +0\  ]] || fail "core dumps still possible: $core"
ok "no core file (RLIMIT_CORE 0 0)"
kill "$RWPID"
wait "$RWPID" 2>/dev/null
RWPID=
