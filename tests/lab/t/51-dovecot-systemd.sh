#!/bin/bash
# Dovecot two-way replication on a site whose servers run Dovecot as a
# systemd service (LAB_SYSTEMD_NODES=all: the lab's systemctl knows
# dovecot.service there): the wizard sees it (systemctl is-active) and reloads
# with `systemctl reload dovecot` instead of `doveadm reload`; the run
# completes with its test messages replicated both ways, and only the partner
# reaches doveadm's port through imap1's firewall (IPv4 and IPv6).
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
LAB_SYSTEMD_NODES=all lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
unset REPLICA_WIZARD_DOVEADM_PASSWORD
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup

run lab_ssh imap1 systemctl is-active dovecot
assert_eq active "$T_STDOUT" "imap1 runs Dovecot as dovecot.service"

assert_rc 0 "dovecot --batch on systemd servers" "$RW" dovecot --batch --yes --site "$LAB_DIR/site.ini"
assert_contains "$T_OUT" "reload with systemctl reload dovecot" "the plan reloads through systemd"
assert_contains "$T_OUT" "dovecot: complete." "the run completes"
n=$(grep -c "the partner's test message arrived after" <<<"$T_OUT")
assert_eq 2 "$n" "the test messages arrived both ways"
for n in imap1 imap2; do
	assert_contains "$(cat "$LAB_DIR/nodes/$n/calls.log")" "systemctl reload dovecot" "$n: reloaded by systemctl"
done
# netns: the firewall on a systemd site too (imap1 runs firewalld): the
# partner reaches doveadm's port, a third node does not, over IPv4 and IPv6.
if lab_netns; then
	for a in "$(node_addr imap1)" "$(node_addr6 imap1)"; do
		run lab_ssh imap2 "bash -c 'exec 3<>/dev/tcp/$a/$LAB_DOVEADM_PORT' && echo open"
		assert_eq open "$T_STDOUT" "the partner imap2 reaches doveadm on $a"
		run lab_ssh master "bash -c 'exec 3<>/dev/tcp/$a/$LAB_DOVEADM_PORT' && echo open"
		assert_contains "$T_ERR" "Connection refused" "a third node (master) does not reach doveadm on $a"
	done
fi
