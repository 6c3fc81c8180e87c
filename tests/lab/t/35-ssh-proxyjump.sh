#!/bin/bash
# A site whose nodes the admin reaches only through a jump host, as the
# admin's ~/.ssh/config says (ProxyJump): the wizard honours ssh_config for
# the route (libssh runs `ssh -W` through the jump host), and the install
# completes. The jump host is the MTA; its sshd logs one login per jumped
# connection, which proves the route. The jump's own ssh is run with
# StrictHostKeyChecking=yes: a jump host whose key is unknown is refused,
# even though the admin's config says "StrictHostKeyChecking no".
# ~/.ssh is replaced in a private mount namespace (libssh and OpenSSH find it
# through getpwuid), so the machine's own files are untouched.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
M=$(node_ip master) R1=$(node_ip replica1) J=$(node_ip mta)
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
HOME_SSH=$(getent passwd root | cut -d: -f6)/.ssh
MADE_HOME_SSH=
cleanup() {
	rm -rf -- "$STATE"
	[[ -n $MADE_HOME_SSH ]] && rmdir -- "$HOME_SSH" 2>/dev/null
	return 0
}
lab_on_exit cleanup
if [[ ! -d $HOME_SSH ]]; then mkdir -m 0700 -- "$HOME_SSH" && MADE_HOME_SSH=1; fi

# the admin's config: every node but the jump host through the jump host
write_config() { # KNOWN_HOSTS_FOR_THE_JUMP
	mkdir -p "$STATE/dotssh"
	cat >"$STATE/dotssh/config" <<-CFG
		Host $J
		  User root
		  Port $LAB_SSH_PORT
		  IdentityFile $LAB_DIR/ssh/labkey
		  IdentitiesOnly yes
		  UserKnownHostsFile $1
		  StrictHostKeyChecking no
		Host $M $R1
		  ProxyJump root@$J:$LAB_SSH_PORT
	CFG
}
in_admin_ns() {
	unshare -m --propagation private -- bash -c '
		mount --bind "$1" "$2" || exit 99
		shift 2
		exec "$@"' _ "$STATE/dotssh" "$HOME_SSH" "$@"
}
logins() { grep -c 'Accepted publickey' "$LAB_DIR/nodes/$1/sshd/sshd.log" 2>/dev/null; }
sed "s/^replicas = .*/replicas = $R1/" "$LAB_DIR/site.ini" >"$STATE/site.ini"

# --- the jump host's key unknown: refused despite "StrictHostKeyChecking no" ---
: >"$STATE/jump_known_hosts"
write_config "$STATE/jump_known_hosts"
before=$(logins mta)
run in_admin_ns "$RW" install --batch --yes --site "$STATE/site.ini" --replica "$R1"
assert_eq 1 "$T_RC" "an unknown jump host key stops the run"
assert_contains "$T_OUT" "nothing was run" "nothing was run"
assert_eq "$before" "$(logins mta)" "no login on the jump host"
assert_eq 0 "$(wc -c <"$STATE/jump_known_hosts")" "its key was not added"

# --- the jump host known: the whole install through it --------------------------
write_config "$LAB_DIR/ssh/known_hosts"
before=$(logins mta)
assert_rc 0 "install through the jump host" \
	in_admin_ns "$RW" install --batch --yes --site "$STATE/site.ini" --replica "$R1"
assert_contains "$T_OUT" "install: complete." "the run completes"
after=$(logins mta)
(( after - before >= 2 )) || fail "the jump host saw $((after - before)) logins (want one per jumped node: 2)"
ok "the master and the replica were reached through the jump host ($((after - before)) logins on it)"
