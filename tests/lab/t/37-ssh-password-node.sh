#!/bin/bash
# A node that accepts ONLY a password, by keyboard-interactive through PAM
# (sshd: PubkeyAuthentication no, PasswordAuthentication no,
# KbdInteractiveAuthentication yes, UsePAM yes), as many sites have it, and
# logged in as a non-root user with sudo. The wizard answers PAM's
# "Password:" prompt with REPLICA_WIZARD_SSH_PASSWORD and installs the
# replica there; a wrong password fails the login, naming the node, and
# nothing runs. The password never appears in a process list or our output.
# The test makes a login user (rwpass, random password, sudo NOPASSWD) and a
# sudoers drop-in, removed at the end; replica1's sshd is restarted with the
# password-only config in a private mount namespace whose /etc/pam.d/sshd is
# a minimal pam_unix stack (the machine's PAM files are untouched).
. "$(dirname -- "$0")/../lib/testlib.sh"
# shellcheck source=../lib/netns.sh
. "$LAB_TLIB_HOME/lib/netns.sh" # lab_nsexec: a node's namespace on the netns lab
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
R1=$(node_ip replica1)
STATE=$(mktemp -d)
chmod 0700 "$STATE"
export REPLICA_WIZARD_STATE_DIR=$STATE/state
SUDOERS=/etc/sudoers.d/replica-wizard-lab-pass
D=$LAB_DIR/nodes/replica1/sshd
PW=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
cleanup() {
	[[ -n ${SAMPLER:-} ]] && kill "$SAMPLER" 2>/dev/null
	rm -f -- "$SUDOERS"
	usermod -p '!' rwpass 2>/dev/null
	rm -rf -- "$STATE"
}
lab_on_exit cleanup

id rwpass >/dev/null 2>&1 ||
	useradd --system --create-home --home-dir /var/lib/rwpass-lab --shell /bin/bash rwpass ||
	fail "cannot create the rwpass user"
printf 'rwpass:%s\n' "$PW" | chpasswd || fail "cannot set rwpass's password"
printf 'Defaults:rwpass !secure_path\nrwpass ALL=(ALL) NOPASSWD: ALL\n' >"$SUDOERS.tmp"
chmod 0440 "$SUDOERS.tmp"
visudo -cf "$SUDOERS.tmp" >/dev/null || fail "bad sudoers drop-in"
mv "$SUDOERS.tmp" "$SUDOERS"

# --- replica1's sshd: password by keyboard-interactive only ---------------------
"$LAB_SH" stop-svc replica1 sshd >/dev/null || fail "cannot stop replica1's sshd"
sed -e 's/^PubkeyAuthentication .*/PubkeyAuthentication no/' \
	-e 's/^KbdInteractiveAuthentication .*/KbdInteractiveAuthentication yes/' \
	-e 's/^UsePAM .*/UsePAM yes/' "$D/sshd_config" >"$D/sshd_config.pass"
printf 'AuthenticationMethods keyboard-interactive\n' >>"$D/sshd_config.pass"
printf 'auth required pam_unix.so\naccount required pam_unix.so\nsession required pam_permit.so\n' \
	>"$STATE/pam-sshd"
# (in replica1's own network namespace on the netns lab)
# shellcheck disable=SC2046
LAB_OWNER=$LAB_DIR $(lab_nsexec replica1) setsid unshare -m --propagation private -- bash -c '
	mount --bind "$1" /etc/pam.d/sshd || exit 99
	exec "$2" -f "$3" -E "$4" </dev/null >/dev/null 2>&1' _ \
	"$STATE/pam-sshd" "$LAB_DIR/bin/sshd" "$D/sshd_config.pass" "$D/sshd.log" &
wait_until 10 bash -c "exec 3<>/dev/tcp/$R1/$LAB_SSH_PORT" || fail "the password-only sshd does not listen"
run ssh -F "$LAB_DIR/ssh/ssh_config" -o BatchMode=yes replica1 true
assert_eq 255 "$T_RC" "replica1 now refuses the lab key (password only)"

sed "s/^replicas = .*/replicas = $R1/" "$LAB_DIR/site.ini" >"$STATE/site.ini"
printf '[host %s]\nuser = rwpass\n' "$R1" >>"$STATE/site.ini"
# the [host] section for R1 exists already: merge the user into it instead
awk -v h="[host $R1]" '
	$0 == h { if (seen) { skip = 1; next } seen = 1; print; print "user = rwpass"; next }
	/^\[/ { skip = 0 }
	!skip' "$STATE/site.ini" | awk '!(/^user = rwpass$/ && dup++)' >"$STATE/site2.ini"
grep -c '^user = rwpass$' "$STATE/site2.ini" | grep -qx 1 || fail "could not make the site file"

# --- a wrong password: refused, nothing run --------------------------------------
REPLICA_WIZARD_SSH_PASSWORD=not-the-password \
	assert_rc 1 "a wrong password fails the login" \
	"$RW" install --batch --yes --site "$STATE/site2.ini" --replica "$R1"
assert_contains "$T_OUT" "wrong password" "it says the password is wrong"
assert_contains "$T_OUT" "nothing was run" "and that nothing was run"

# --- the right one: the whole install through keyboard-interactive + sudo ----
sample() { while :; do ps -e -ww -o args= >>"$STATE/ps" 2>/dev/null; sleep 0.05; done; }
sample &
SAMPLER=$!
REPLICA_WIZARD_SSH_PASSWORD=$PW \
	assert_rc 0 "install through a password-only node, as rwpass with sudo" \
	"$RW" install --batch --yes --site "$STATE/site2.ini" --replica "$R1"
kill "$SAMPLER" 2>/dev/null
SAMPLER=
assert_contains "$T_OUT" "connected to $R1 as rwpass" "logged in as rwpass"
assert_contains "$T_OUT" "install: complete." "the run completes"
! grep -qF -- "$PW" "$STATE/ps" || fail "the SSH password appeared in a process list"
ok "the SSH password never appeared in $(wc -l <"$STATE/ps") sampled process lines"
assert_not_contains "$T_OUT" "$PW" "nor in our output"
! grep -rqF -- "$PW" "$REPLICA_WIZARD_STATE_DIR" || fail "the SSH password is in the journal or log"
ok "nor in the journal"
