#!/bin/bash
# The master named by another name than its own (carbonio-tools.md §10.4):
# the master calls itself master.lab.example (zimbra_server_hostname, first
# ldap_master_url); admins often name it otherwise.
#   - a site file naming it by its alias ldap.lab.example: install of replica1
#     with --answer-queries works end to end; preflight shows both names, the
#     replica is bootstrapped against the master's own name, its ldap_url ends
#     with the master's URL byte-identical to ldap_master_url, and the
#     master's rewritten ldap_url too (no duplicate of the master under the
#     alias); replication runs (In Sync) over StartTLS, the master's
#     certificate checked for its own name
#   - a replica that cannot resolve the master's own name is refused at
#     preflight, both names shown, before anything changes on it
#   - a site file naming it by its address: the same for replica2, and the
#     master's ldap_url keeps replica1
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up
lab_netns || { ok "skipped: names and aliases need the netns lab"; exit 0; }

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
M=$(node_host master) R1=$(node_host replica1) R2=$(node_host replica2)
PORT=$LAB_LDAP_PORT
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
lc() { # NODE KEY
	lab_ssh "$1" "su - zextras -c '$(node_prefix "$1")/bin/zmlocalconfig -m nokey $2'"
}
in_sync() { lab_ssh "$1" "su - zextras -c '$(node_prefix "$1")/libexec/zmreplchk'" | grep -q "Code: 0 Status: In Sync"; }

site_naming_master() { # NAME: the lab's site file, the master (and its [host]) renamed
	sed -e "s/^master = $M\$/master = $1/" -e "s/^\[host $M\]\$/[host $1]/" "$LAB_DIR/site.ini"
}

# --- by its alias ---------------------------------------------------------------
site_naming_master "$LAB_MASTER_ALIAS" >"$STATE/alias.ini"
grep -qx "master = $LAB_MASTER_ALIAS" "$STATE/alias.ini" && grep -qx "\[host $LAB_MASTER_ALIAS\]" "$STATE/alias.ini" ||
	fail "alias site: $(cat "$STATE/alias.ini")"
assert_rc 0 "install replica1, the site naming the master $LAB_MASTER_ALIAS, --answer-queries" \
	"$RW" install --batch --yes --answer-queries --site "$STATE/alias.ini" --replica "$R1"
assert_contains "$T_OUT" "the site names the master $LAB_MASTER_ALIAS; it calls itself $M (ldap_master_url)" \
	"preflight shows both names"
assert_contains "$T_OUT" "the replica will be bootstrapped against $M (LDAPHOST), not $LAB_MASTER_ALIAS" \
	"preflight says which name the replica uses"
assert_contains "$T_OUT" "install: complete." "the run completes"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc replica1 ldap_url)" "replica1's ldap_url: itself, then the master's own URL"
assert_eq "ldap://$M:$PORT" "$(lc replica1 ldap_master_url)" "replica1's ldap_master_url is the master's own"
assert_eq "ldap://$M:$PORT" "$(lc master ldap_master_url)" "the master's ldap_master_url unchanged"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc master ldap_url)" \
	"the master's ldap_url: replica1, then its own URL (not the alias)"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc mta ldap_url)" "the MTA's ldap_url the same"
wait_until 90 in_sync replica1 || fail "replica1 not In Sync"
ok "replica1 In Sync"
assert_syncrepl_starttls replica1

# --- a replica that cannot resolve the master's own name: refused before ------
# replica2's hosts file (bind-mounted over its /etc/hosts: edited in place,
# same inode) loses the master's lines; the run stops at preflight, naming
# both names, and nothing is installed on replica2
H2=/etc/netns/$(lab_ns replica2)/hosts
cp -- "$H2" "$STATE/hosts2"
awk -v m="$M" '{ for (i = 2; i <= NF; i++) if ($i == m) next } 1' "$STATE/hosts2" >"$STATE/hosts2.cut"
cat -- "$STATE/hosts2.cut" >"$H2"
restore_hosts2() { [[ -s $STATE/hosts2 ]] && cat -- "$STATE/hosts2" >"$H2"; }
lab_on_exit restore_hosts2
run lab_ssh replica2 getent ahosts "$M"
assert_eq 2 "$T_RC" "replica2 no longer resolves $M"
assert_rc 1 "install replica2 (the site naming the master $LAB_MASTER_ALIAS): refused" \
	"$RW" install --batch --yes --site "$STATE/alias.ini" --replica "$R2"
assert_contains "$T_OUT" "this replica cannot resolve $M, the name the master calls itself (the site file names it $LAB_MASTER_ALIAS)" \
	"the refusal names both names"
assert_not_contains "$T_OUT" "Starting Carbonio Bootstrap" "no bootstrap ran"
[[ ! -e $(node_prefix replica2)/common/etc/openldap/schema ]] || fail "replica2 was touched (carbonio-directory-server installed)"
ok "replica2 not touched"
restore_hosts2
run lab_ssh replica2 getent ahosts "$M"
assert_eq 0 "$T_RC" "replica2 resolves $M again"

# --- by its address ---------------------------------------------------------------
A=$(node_addr master)
site_naming_master "$A" >"$STATE/addr.ini"
assert_rc 0 "install replica2, the site naming the master $A, --answer-queries" \
	"$RW" install --batch --yes --answer-queries --site "$STATE/addr.ini" --replica "$R2"
assert_contains "$T_OUT" "the replica will be bootstrapped against $M (LDAPHOST), not $A" \
	"preflight says which name the replica uses"
assert_eq "ldap://$R2:$PORT ldap://$M:$PORT" "$(lc replica2 ldap_url)" "replica2's ldap_url: itself, then the master's own URL"
assert_eq "ldap://$R1:$PORT ldap://$R2:$PORT ldap://$M:$PORT" "$(lc master ldap_url)" \
	"the master's ldap_url keeps replica1, adds replica2, its own URL last"
for n in replica1 replica2; do
	wait_until 90 in_sync "$n" || fail "$n not In Sync"
	ok "$n In Sync"
done
assert_syncrepl_starttls replica2
