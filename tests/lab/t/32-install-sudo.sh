#!/bin/bash
# install --batch logged in as a NON-ROOT user with passwordless sudo: root
# steps run through `sudo -n sh -c`, zextras steps through
# `sudo -n su - zextras -c`, secrets still only on stdin.
# The test makes the login user itself (rwadmin, no password, key login to
# the lab's sshd only) and a sudoers drop-in that it removes at the end.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_needs_admin_ldap
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
R1=$(node_ip replica1)
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
SUDOERS=/etc/sudoers.d/replica-wizard-lab-test
id rwadmin >/dev/null 2>&1 ||
	useradd --system --create-home --home-dir /var/lib/rwadmin-lab --shell /bin/bash rwadmin ||
	fail "cannot create the rwadmin user"
# no password but not locked ('!' is locked: sshd without PAM refuses the key)
usermod -p '*' rwadmin || fail "cannot unlock rwadmin"
# sshd reads AuthorizedKeysFile as the login user: let rwadmin read the
# public keys (the private key stays 0600 root)
chmod o+x "$LAB_DIR" "$LAB_DIR/ssh"
chmod o+r "$LAB_DIR/ssh/authorized_keys"
# keep PATH: the lab's node stand-ins (apt-get for carbonio-*) come first on it
printf 'Defaults:rwadmin !secure_path\nrwadmin ALL=(ALL) NOPASSWD: ALL\n' >"$SUDOERS.tmp"
chmod 0440 "$SUDOERS.tmp"
visudo -cf "$SUDOERS.tmp" >/dev/null || fail "bad sudoers drop-in"
mv "$SUDOERS.tmp" "$SUDOERS"
cleanup() { rm -f -- "$SUDOERS"; rm -rf -- "$STATE"; }
lab_on_exit cleanup

sed 's/^user = root$/user = rwadmin/' "$LAB_DIR/site.ini" >"$STATE/site.ini"
grep -q '^user = rwadmin$' "$STATE/site.ini" || fail "could not make the rwadmin site"

run "$RW" install --batch --yes --dry-run --site "$STATE/site.ini" --replica "$R1"
assert_contains "$T_OUT" "sudo -n su - zextras -c" "zextras steps go through sudo -n su - zextras"
assert_contains "$T_OUT" "sudo -n sh -c" "root steps go through sudo -n sh -c"

assert_rc 0 "install as rwadmin through sudo" \
	"$RW" install --batch --yes --site "$STATE/site.ini" --replica "$R1"
assert_contains "$T_OUT" "connected to $R1 as rwadmin" "logged in as rwadmin"
assert_contains "$T_OUT" "install: complete." "the run completes"
assert_not_contains "$T_OUT" "$LAB_PASS" "no password in the output"
run lab_ssh replica1 "su - zextras -c '$LAB_DIR/nodes/replica1/opt/zextras/libexec/zmreplchk'"
assert_contains "$T_OUT" "Code: 0 Status: In Sync" "the replica is In Sync"

# without passwordless sudo, the first step fails at once with sudo's message
rm -f -- "$SUDOERS"
rm -rf -- "$REPLICA_WIZARD_STATE_DIR"
run "$RW" install --batch --yes --site "$STATE/site.ini" --replica "$(node_ip replica2)"
assert_eq 1 "$T_RC" "without sudo rights the run fails"
assert_contains "$T_OUT" "Root privileges" "at the privileges check"
assert_contains "$T_OUT" "a password is required" "with sudo's own reason"
