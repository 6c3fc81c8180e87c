#!/bin/bash
# LDAP probes of the dashboard through each node's own SSH session (issue 5;
# the default since issue 11):
#   - the plain lab site, no flag (and `--ldap-via-ssh`, kept as an alias):
#     the master's and replica1's contextCSN are read through a direct-tcpip
#     channel, shown "(via ssh)" in text and "via_ssh": true in JSON; `check`
#     is OK
#   - `--ldap-direct`: direct (verified StartTLS), no "via ssh"
#   - a site where the LDAP port is REALLY unreachable from the admin side:
#     the master's and replica1's `address` point to a relay on another
#     loopback address that passes only the SSH port (as a bastion/NAT that
#     exposes only SSH would). The default path (the node's session, which
#     connects to the node's own name, as slapd serves it) reads the CSNs
#     "via ssh"; `--ldap-direct` cannot contact the relayed address.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
# --ldap-direct is tested here too: the site lets the admin side reach LDAP
# (closed again below, where the firewalled path is checked)
lab_needs_admin_ldap
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2)
STATE=$(mktemp -d)
chmod 700 "$STATE"
export REPLICA_WIZARD_STATE_DIR=$STATE/state
RELAY_PID=
cleanup() {
	[[ -n $RELAY_PID ]] && kill "$RELAY_PID" 2>/dev/null
	rm -rf -- "$STATE"
}
lab_on_exit cleanup

SITE=$STATE/site.ini
sed "s/^replicas = .*/replicas = $R1\nother_nodes = $R2/" "$LAB_DIR/site.ini" >"$SITE"
# Dovecot replication is t/70's business: check is CRITICAL on those
# unconfigured servers here, so only the replica's own line is judged.
replica_ok() { # check exits 2 (Dovecot): judge the text, not the status
	local out
	out=$("$RW" check "$@")
	grep -qxF "[OK] replica $R1: In Sync" <<<"$out"
}
assert_rc 0 "install replica1" "$RW" install --batch --yes --site "$SITE" --replica "$R1"

json_get() { # JSON-FILE PYTHON-EXPR
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# --- through the sessions (the default) -------------------------------------------
wait_until 30 replica_ok --site "$SITE" || fail "check: replica never OK: $("$RW" check --site "$SITE")"
ok "check: replica $R1 In Sync"
replica_ok --site "$SITE" --ldap-via-ssh || fail "check --ldap-via-ssh (alias of the default)"
ok "check --ldap-via-ssh: replica $R1 In Sync"
"$RW" dashboard --once --format json --site "$SITE" >"$STATE/forced.json" ||
	fail "dashboard --once failed"
[[ $(json_get "$STATE/forced.json" 'd["master"]["via_ssh"]') == True ]] || fail "master not via ssh: $(cat "$STATE/forced.json")"
[[ $(json_get "$STATE/forced.json" 'd["replicas"][0]["ldap"]["via_ssh"]') == True ]] || fail "replica1 not via ssh"
MCSN=$(json_get "$STATE/forced.json" 'd["master"]["contextCSN"][0]')
RCSN=$(json_get "$STATE/forced.json" 'd["replicas"][0]["ldap"]["contextCSN"]')
[[ $MCSN =~ ^[0-9]{14}\.[0-9]{6}Z#[0-9a-f]{6}#[0-9a-f]{3}#[0-9a-f]{6}$ ]] || fail "master CSN via ssh: '$MCSN'"
[[ $RCSN =~ ^[0-9]{14}\.[0-9]{6}Z# ]] || fail "replica1 CSN via ssh: '$RCSN'"
ok "JSON: master and replica1 contextCSN read via ssh ($MCSN)"
COLUMNS=120 "$RW" dashboard --once --site "$SITE" >"$STATE/forced.txt" || fail "text --once"
[[ $(grep -c '^  LDAP (via ssh) ' "$STATE/forced.txt") -ge 2 ]] || fail "text lacks '(via ssh)' on both rows: $(cat "$STATE/forced.txt")"
ok "text: master and replica rows marked (via ssh)"

# --- --ldap-direct: direct ------------------------------------------------------
"$RW" dashboard --once --format json --ldap-direct --site "$SITE" >"$STATE/direct.json" || fail "direct --once"
[[ $(json_get "$STATE/direct.json" 'd["master"]["via_ssh"]') == False ]] || fail "master went via ssh with --ldap-direct"
[[ $(json_get "$STATE/direct.json" 'd["replicas"][0]["ldap"]["via_ssh"]') == False ]] || fail "replica1 went via ssh with --ldap-direct"
[[ $(json_get "$STATE/direct.json" 'd["master"]["contextCSN"][0]') =~ ^[0-9]{14}\. ]] || fail "master CSN (direct)"
ok "--ldap-direct: direct probes (verified StartTLS), no via ssh"

# --- LDAP unreachable from the admin side: only SSH passes ---------------------
relay_ip() { # NODE: an address of the admin side only (netns: its loopback)
	local a
	a=$(node_addr "$1")
	if lab_netns; then echo "127.0.0.$((${a##*.} + 200))"; else echo "${a%.*}.$((${a##*.} + 200))"; fi
}
MX=$(relay_ip master) RX=$(relay_ip replica1)
cat >"$STATE/relay.py" <<'PY'
# A TCP relay for the SSH port only: LISTEN_IP:PORT -> TARGET_IP:PORT, pairs.
import socket, sys, threading
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def serve(lip, tip, port):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((lip, port)); ls.listen(16)
    while True:
        c, _ = ls.accept()
        t = socket.create_connection((tip, port))
        threading.Thread(target=pipe, args=(c, t), daemon=True).start()
        threading.Thread(target=pipe, args=(t, c), daemon=True).start()
port = int(sys.argv[1])
pairs = sys.argv[2:]
for i in range(0, len(pairs), 2):
    threading.Thread(target=serve, args=(pairs[i], pairs[i + 1], port), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
PY
/usr/bin/python3 "$STATE/relay.py" "$LAB_SSH_PORT" "$MX" "$M" "$RX" "$R1" >"$STATE/relay.out" 2>&1 &
RELAY_PID=$!
wait_until 10 grep -q ready "$STATE/relay.out" || fail "relay did not start"
# The relayed addresses: SSH answers, the LDAP port is refused.
(exec 3<>"/dev/tcp/$MX/$LAB_SSH_PORT") 2>/dev/null || fail "relay does not pass SSH"
if (exec 3<>"/dev/tcp/$MX/$LAB_LDAP_PORT") 2>/dev/null; then fail "LDAP port reachable on $MX"; fi
if (exec 3<>"/dev/tcp/$RX/$LAB_LDAP_PORT") 2>/dev/null; then fail "LDAP port reachable on $RX"; fi
ok "relay $MX/$RX passes SSH only"

# Same host keys, known under the relay addresses too.
KH=$STATE/known_hosts
cp "$LAB_DIR/ssh/known_hosts" "$KH"
grep -F "[$M]:" "$LAB_DIR/ssh/known_hosts" | sed "s/\[$M\]/[$MX]/" >>"$KH"
grep -F "[$R1]:" "$LAB_DIR/ssh/known_hosts" | sed "s/\[$R1\]/[$RX]/" >>"$KH"
RSITE=$STATE/relay-site.ini
awk -v m="[host $M]" -v r="[host $R1]" -v mx="$MX" -v rx="$RX" -v kh="$KH" '
	/^known_hosts = / { print "known_hosts = " kh; next }
	{ print }
	$0 == m { print "address = " mx }
	$0 == r { print "address = " rx }' "$SITE" >"$RSITE"
grep -q "^address = $MX" "$RSITE" && grep -q "^address = $RX" "$RSITE" || fail "relay site: $(cat "$RSITE")"

"$RW" dashboard --once --format json --site "$RSITE" >"$STATE/relay.json" || fail "relay --once failed"
[[ $(json_get "$STATE/relay.json" 'd["master"]["via_ssh"]') == True ]] || fail "master not via ssh: $(cat "$STATE/relay.json")"
[[ $(json_get "$STATE/relay.json" 'd["replicas"][0]["ldap"]["via_ssh"]') == True ]] || fail "replica1 not via ssh: $(cat "$STATE/relay.json")"
[[ $(json_get "$STATE/relay.json" 'd["master"]["contextCSN"][0]') =~ ^[0-9]{14}\. ]] || fail "master CSN missing (relay)"
[[ $(json_get "$STATE/relay.json" 'd["replicas"][0]["ldap"]["contextCSN"]') =~ ^[0-9]{14}\. ]] || fail "replica1 CSN missing (relay)"
[[ $(json_get "$STATE/relay.json" 'd["master"]["url"]') == "ldap://$MX:$LAB_LDAP_PORT" ]] || fail "master url"
ok "LDAP unreachable from here: CSNs read through the nodes' sessions"
replica_ok --site "$RSITE" || fail "check through the relay site: $("$RW" check --site "$RSITE")"
ok "check through the relay site: replica $R1 In Sync"
"$RW" dashboard --once --format json --ldap-direct --site "$RSITE" >"$STATE/relay-direct.json" || fail "relay --ldap-direct --once"
[[ $(json_get "$STATE/relay-direct.json" 'd["master"]["error"]') == "cannot contact LDAP server ldap://$MX:$LAB_LDAP_PORT"* ]] ||
	fail "--ldap-direct on the relay site: $(cat "$STATE/relay-direct.json")"
ok "--ldap-direct on the relay site: cannot contact (no silent fallback)"

# --- the site's own firewall (netns lab): LDAP closed to the admin side ---------
if lab_netns; then
	assert_rc 0 "lab.sh admin-ldap closed" "$LAB_SH" admin-ldap closed
	if (exec 3<>"/dev/tcp/$M/$LAB_LDAP_PORT") 2>/dev/null; then fail "LDAP port of $M reachable from the admin side"; fi
	"$RW" dashboard --once --format json --site "$SITE" >"$STATE/fw.json" || fail "firewalled --once failed"
	[[ $(json_get "$STATE/fw.json" 'd["master"]["via_ssh"]') == True ]] || fail "master not via ssh: $(cat "$STATE/fw.json")"
	[[ $(json_get "$STATE/fw.json" 'd["replicas"][0]["ldap"]["via_ssh"]') == True ]] || fail "replica1 not via ssh: $(cat "$STATE/fw.json")"
	[[ $(json_get "$STATE/fw.json" 'd["master"]["contextCSN"][0]') =~ ^[0-9]{14}\. ]] || fail "master CSN missing (firewall)"
	ok "the site firewall refuses LDAP from the admin side: the dashboard reads both CSNs via ssh"
	replica_ok --site "$SITE" || fail "check behind the firewall: $("$RW" check --site "$SITE")"
	ok "check behind the site firewall: replica $R1 In Sync (fallback)"
fi

lab_test_end
