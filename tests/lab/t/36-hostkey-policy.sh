#!/bin/bash
# The host-key policy is the wizard's own, whatever ssh_config says. The
# admin's ~/.ssh/config and /etc/ssh/ssh_config both say
# "StrictHostKeyChecking no" (libssh finds ~/.ssh through getpwuid, so a
# private mount namespace binds a directory over root's ~/.ssh and a file over
# /etc/ssh/ssh_config; the machine's own files are untouched). Then:
#   - a CHANGED key: install, dashboard --once and check exit 3 (even with
#     --accept-new-host-keys), naming the known_hosts file and line and both
#     SHA256 fingerprints; nothing authenticates on any node;
#   - an UNKNOWN key: install exits 3, known_hosts unchanged, no login;
#   - a key listed @revoked (and plainly too): exit 3 "REVOKED", never offered;
#   - --accept-new-host-keys with HashKnownHosts yes writes hashed entries
#     that OpenSSH's own ssh-keygen -F finds, and the next run connects.
# Logins are seen from the nodes' side: sshd logs "Accepted publickey" at
# LogLevel VERBOSE, set for this test.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
M=$(node_ip master) R1=$(node_ip replica1)
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

# --- the admin's permissive ssh_config, in a private mount namespace --------
mkdir -p "$STATE/dotssh"
cat >"$STATE/dotssh/config" <<'CFG'
Host *
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel QUIET
CFG
printf 'Host *\n  StrictHostKeyChecking no\n  HashKnownHosts yes\n' >"$STATE/ssh_config"
if [[ ! -d $HOME_SSH ]]; then
	mkdir -m 0700 -- "$HOME_SSH" && MADE_HOME_SSH=1
fi
# in_admin_ns CMD...: CMD sees the permissive configuration above
in_admin_ns() {
	unshare -m --propagation private -- bash -c '
		mount --bind "$1" "$2" && mount --bind "$3" /etc/ssh/ssh_config || exit 99
		shift 3
		exec "$@"' _ "$STATE/dotssh" "$HOME_SSH" "$STATE/ssh_config" "$@"
}
run in_admin_ns grep -h StrictHostKeyChecking "$HOME_SSH/config" /etc/ssh/ssh_config
assert_eq $'  StrictHostKeyChecking no\n  StrictHostKeyChecking no' "$T_STDOUT" \
	"inside the namespace, both ssh_config files say StrictHostKeyChecking no"

# --- logins as the nodes see them --------------------------------------------
for n in master replica1 mta; do
	d=$LAB_DIR/nodes/$n/sshd
	sed -i 's/^\([[:space:]]*\)LogLevel .*/\1LogLevel VERBOSE/' "$d/sshd_config"
	kill -HUP "$(cat "$d/sshd.pid")"
done
logins() { # NODE...: logins so far on these nodes
	local n c=0
	for n; do c=$((c + $(grep -c 'Accepted publickey' "$LAB_DIR/nodes/$n/sshd/sshd.log" 2>/dev/null))); done
	echo "$c"
}
wait_until 10 lab_ssh master true || fail "master sshd did not come back after HUP"
before=$(logins master)
((before >= 1)) || fail "sshd does not log logins: the checks below would prove nothing"

ok "sshd logs each login (VERBOSE)"

site_with_known_hosts() { # FILE KH
	sed "s|^known_hosts = .*|known_hosts = $2|" "$LAB_DIR/site.ini" >"$1"
}
fp_of() { ssh-keygen -lf "$1" | awk '{print $2}'; }

# --- a changed key -----------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C impostor -f "$STATE/impostor" || fail "ssh-keygen"
KH=$STATE/known_hosts.changed
cp "$LAB_DIR/ssh/known_hosts" "$KH"
line=$(grep -n "^\[$M\]:" "$KH" | cut -d: -f1)
sed -i "s|^\[$M\]:\([0-9]*\) .*|[$M]:\1 $(cut -d' ' -f1,2 "$STATE/impostor.pub")|" "$KH"
site_with_known_hosts "$STATE/changed.ini" "$KH"
sum=$(sha256sum <"$KH")
real_fp=$(fp_of "$LAB_DIR/nodes/master/sshd/ssh_host_ed25519_key.pub")
old_fp=$(fp_of "$STATE/impostor.pub")

assert_rc 3 "install: a changed key exits 3 despite StrictHostKeyChecking no" \
	in_admin_ns "$RW" install --batch --yes --accept-new-host-keys --site "$STATE/changed.ini" --replica "$R1"
assert_contains "$T_OUT" "has CHANGED" "the refusal says the key changed"
assert_contains "$T_OUT" "$KH line $line" "it names the known_hosts file and line"
assert_contains "$T_OUT" "$old_fp" "it shows the known fingerprint"
assert_contains "$T_OUT" "$real_fp" "and the offered one"
assert_contains "$T_OUT" "nothing was run" "no step ran on any node"
# (wide: the message must not wrap in its column, whatever the names' length)
COLUMNS=200 assert_rc 3 "dashboard --once: exit 3" \
	in_admin_ns "$RW" dashboard --once --accept-new-host-keys --site "$STATE/changed.ini"
assert_contains "$T_OUT" "has CHANGED" "the dashboard shows why"
# check, on the Dovecot pair alone (every target refused: UNKNOWN; where
# another target is CRITICAL for its own reasons, CRITICAL wins, as before)
sed "s|^\(\[[^ ]*\]:[0-9]*\) .*|\1 $(cut -d' ' -f1,2 "$STATE/impostor.pub")|" \
	"$LAB_DIR/ssh/known_hosts" >"$STATE/known_hosts.allchanged"
site_with_known_hosts "$STATE/allchanged.ini" "$STATE/known_hosts.allchanged"
awk '/^\[/ { keep = ($0 ~ /^\[(ssh|dovecot)\]$/ || $0 == "[host '"$(node_ip imap1)"']" ||
	$0 == "[host '"$(node_ip imap2)"']") } keep' "$STATE/allchanged.ini" >"$STATE/pair.ini"
assert_rc 3 "check: UNKNOWN (3)" in_admin_ns "$RW" check --site "$STATE/pair.ini"
assert_contains "$T_OUT" "has CHANGED" "check says why"
assert_eq "$sum" "$(sha256sum <"$KH")" "known_hosts unchanged"

assert_eq "$before" "$(logins master)" "no login on the master (the others' keys are fine)"

# --- an unknown key ----------------------------------------------------------
: >"$STATE/known_hosts.empty"
site_with_known_hosts "$STATE/unknown.ini" "$STATE/known_hosts.empty"
all_before=$(logins master replica1 mta)
assert_rc 3 "install: an unknown key exits 3 despite StrictHostKeyChecking no" \
	in_admin_ns "$RW" install --batch --yes --site "$STATE/unknown.ini" --replica "$R1"
assert_contains "$T_OUT" "unknown host key ssh-ed25519 SHA256:" "the refusal shows the fingerprint"
assert_eq 0 "$(wc -c <"$STATE/known_hosts.empty")" "known_hosts unchanged (empty)"
assert_eq "$all_before" "$(logins master replica1 mta)" "not one login on any node"

# --- a revoked key -----------------------------------------------------------
KH=$STATE/known_hosts.revoked
{
	printf '@revoked * %s\n' "$(cut -d' ' -f1,2 "$LAB_DIR/nodes/master/sshd/ssh_host_ed25519_key.pub")"
	cat "$LAB_DIR/ssh/known_hosts"
} >"$KH"
site_with_known_hosts "$STATE/revoked.ini" "$KH"
assert_rc 3 "install: a revoked key exits 3, even listed plainly and with --accept-new-host-keys" \
	in_admin_ns "$RW" install --batch --yes --accept-new-host-keys --site "$STATE/revoked.ini" --replica "$R1"
assert_contains "$T_OUT" "is REVOKED (@revoked in $KH line 1)" "the refusal says revoked, file and line"

assert_contains "$T_OUT" "nothing was run" "no step ran on any node"
assert_eq "$before" "$(logins master)" "no login on the master"

# --- accepted keys are written hashed (HashKnownHosts yes) -------------------
: >"$STATE/known_hosts.new"
site_with_known_hosts "$STATE/new.ini" "$STATE/known_hosts.new"
in_admin_ns "$RW" dashboard --once --accept-new-host-keys --site "$STATE/new.ini" >"$STATE/new.out" 2>&1
grep -q "accepted" "$STATE/new.out" || grep -q . "$STATE/known_hosts.new" ||
	fail "no key was accepted: $(cat "$STATE/new.out")"
n=$(grep -c . "$STATE/known_hosts.new")
h=$(grep -c '^|1|' "$STATE/known_hosts.new")
((n >= 3)) || fail "expected the site's keys in known_hosts, got $n lines"
assert_eq "$n" "$h" "every accepted key is written hashed"
run ssh-keygen -F "[$M]:$LAB_SSH_PORT" -f "$STATE/known_hosts.new"
assert_eq 0 "$T_RC" "OpenSSH's ssh-keygen -F finds the master's hashed entry"
run in_admin_ns "$RW" dashboard --once --site "$STATE/new.ini"
assert_eq 0 "$T_RC" "the next run connects with the hashed known_hosts (no question)"
assert_not_contains "$T_OUT" "host key" "and says nothing about host keys"
