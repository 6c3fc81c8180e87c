#!/bin/bash
# Direct LDAP only when asked, and then always TLS with the certificate
# verified (issue 11, item 2). The lab's slapd offers StartTLS with a
# certificate of the lab CA, kept like Carbonio's at PREFIX/conf/ca/ca.pem.
#   - install --ldap-direct --ldap-ca-file OTHER-CA: the password check is
#     refused, naming the master's URL and saying the certificate is not
#     trusted; the replica is not touched
#   - the same with [carbonio] ldap_direct = yes and no CA file: Carbonio's CA
#     is read from the master over SSH, the check passes, the install ends
#   - a recording relay between the wizard and replica1's slapd sees the
#     StartTLS request of `dashboard --once --ldap-direct` (its cn=Monitor
#     probe binds with the uid=zimbra password) and never the password
#     bytes; control: a cleartext ldapwhoami through the same relay shows it
#   - ldap_ca_file, --ldap-tls-insecure-skip-verify; a CA file that cannot be
#     read is refused before anything runs
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
# direct mode is the point here: the site lets the admin side reach LDAP
lab_needs_admin_ldap
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2)
P1=$LAB_DIR/nodes/replica1/opt/zextras
STATE=$(mktemp -d)
chmod 700 "$STATE"
export REPLICA_WIZARD_STATE_DIR=$STATE/state
RELAY_PID=
cleanup() {
	[[ -n $RELAY_PID ]] && kill "$RELAY_PID" 2>/dev/null
	rm -rf -- "$STATE"
}
lab_on_exit cleanup

PLAIN=$STATE/plain-site.ini
sed "s/^replicas = .*/replicas = $R1\nother_nodes = $R2/" "$LAB_DIR/site.ini" >"$PLAIN"
# the site asks for direct LDAP (no CA file: Carbonio's, from the master)
SITE=$STATE/site.ini
sed "s/^\[carbonio\]\$/[carbonio]\nldap_direct = yes/" "$PLAIN" >"$SITE"
grep -qx "ldap_direct = yes" "$SITE" || fail "direct site: $(cat "$SITE")"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj "/CN=not the lab CA" -keyout "$STATE/other.key" -out "$STATE/other-ca.pem" \
	>/dev/null 2>&1 || fail "openssl: other CA"

# --- (c) a certificate from another CA is refused ----------------------------
assert_rc 2 "an unreadable --ldap-ca-file is refused before anything runs" \
	"$RW" install --batch --yes --site "$SITE" --replica "$R1" --ldap-direct --ldap-ca-file "$STATE/none.pem"
assert_contains "$T_ERR" "LDAP CA file $STATE/none.pem" "the message names the CA file"
assert_rc 1 "install (ldap_direct = yes) --ldap-ca-file OTHER-CA: the password check fails" \
	"$RW" install --batch --yes --site "$SITE" --replica "$R1" --ldap-ca-file "$STATE/other-ca.pem"
assert_contains "$T_OUT" "TLS handshake with ldap://$M:$LAB_LDAP_PORT failed: the server certificate is not trusted" \
	"the error names the master's URL and says the certificate is not trusted"
assert_not_contains "$T_OUT" "invalid credentials" "no bind was attempted"
[[ ! -e $P1/common/etc/openldap/schema ]] || fail "the replica was touched (carbonio-directory-server installed)"
ok "replica1 not touched (no carbonio-directory-server)"

# --- direct from the site file, Carbonio's CA read from the master ------------
assert_rc 0 "install with ldap_direct = yes (Carbonio's CA from the master), resumed" \
	"$RW" install --batch --yes --resume --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "uid=zimbra, uid=zmreplica and cn=config bind on the master" \
	"the three passwords bind over verified TLS"

# --- no password bytes between the wizard and slapd ---------------------------
PPORT=$((LAB_LDAP_PORT + 100))
cat >"$STATE/recorder.py" <<'PY'
# A TCP relay LISTEN_IP:PORT -> TARGET_IP:TPORT that appends every byte it
# passes, both ways, to DIR/<n>.bin (one file per connection).
import socket, sys, threading
lip, port, tip, tport, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
lock = threading.Lock()
def pipe(a, b, f):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            with lock:
                f.write(d); f.flush()
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
# every address LISTEN_IP has (a name may have an IPv4 and an IPv6 one,
# and a client tries them in its own order)
ls_all = []
for fam, _, _, _, sa in socket.getaddrinfo(lip, port, 0, socket.SOCK_STREAM):
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    ls.bind(sa); ls.listen(16)
    ls_all.append(ls)
print("ready", flush=True)
import select
n = 0
while True:
    r, _, _ = select.select(ls_all, [], [])
    c, _ = r[0].accept()
    n += 1
    f = open("%s/%d.bin" % (out, n), "wb")
    t = socket.create_connection((tip, tport))
    threading.Thread(target=pipe, args=(c, t, f), daemon=True).start()
    threading.Thread(target=pipe, args=(t, c, f), daemon=True).start()
PY
mkdir "$STATE/rec" "$STATE/ctl"
# On the netns lab the recorder listens in replica1's own namespace, and the
# recorded commands run there too (the site firewall lets the admin side
# reach nothing but SSH and LDAP; nodes reach each other).
# shellcheck source=../lib/netns.sh
. "$LAB_TLIB_HOME/lib/netns.sh"
IN_R1=$(lab_nsexec replica1)
# shellcheck disable=SC2086
$IN_R1 /usr/bin/python3 "$STATE/recorder.py" "$R1" "$PPORT" "$R1" "$LAB_LDAP_PORT" "$STATE/rec" >"$STATE/recorder.out" 2>&1 &
RELAY_PID=$!
wait_until 10 grep -q ready "$STATE/recorder.out" || fail "recorder did not start: $(cat "$STATE/recorder.out")"
PSITE=$STATE/relay-site.ini
awk -v r="[host $R1]" -v p="$PPORT" '{ print } $0 == r { print "ldap_port = " p }' "$PLAIN" >"$PSITE"
# shellcheck disable=SC2086
$IN_R1 "$RW" dashboard --once --format json --ldap-direct --site "$PSITE" >"$STATE/d.json" || fail "dashboard --once --ldap-direct"
/usr/bin/python3 - "$STATE/d.json" "$R1" "$PPORT" <<'PY' || fail "dashboard through the recorder: $(cat "$STATE/d.json")"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["replicas"][0]
assert r["url"] == "ldap://%s:%s" % (sys.argv[2], sys.argv[3]), r["url"]
assert r["ldap"]["via_ssh"] is False and r["ldap"]["contextCSN"], r["ldap"]
assert r["syncrepl"]["connected"] is True, r["syncrepl"]   # bound as uid=zimbra
PY
ok "dashboard --ldap-direct: replica1 probed through the recorder, cn=Monitor bind worked"
n=$(find "$STATE/rec" -name '*.bin' -size +0 | wc -l)
((n >= 2)) || fail "the recorder saw $n connections (want the contextCSN and cn=Monitor probes)"
grep -qaF "1.3.6.1.4.1.1466.20037" "$STATE"/rec/*.bin || fail "no StartTLS request recorded"
if grep -qaF "$LAB_PASS" "$STATE"/rec/*.bin; then fail "the password crossed the recorder in clear"; fi
ok "recorder: $n connections, StartTLS requested, no password bytes"

# control: the recorder does see a password sent in clear
kill "$RELAY_PID"
wait "$RELAY_PID" 2>/dev/null
# shellcheck disable=SC2086
$IN_R1 /usr/bin/python3 "$STATE/recorder.py" "$R1" "$PPORT" "$R1" "$LAB_LDAP_PORT" "$STATE/ctl" >"$STATE/recorder.out" 2>&1 &
RELAY_PID=$!
wait_until 10 grep -q ready "$STATE/recorder.out" || fail "recorder did not restart"
printf '%s' "$LAB_PASS" >"$STATE/pw"
chmod 600 "$STATE/pw"
$IN_R1 ldapwhoami -x -H "ldap://$R1:$PPORT" -D "uid=zimbra,cn=admins,cn=zimbra" -y "$STATE/pw" >/dev/null ||
	fail "control: cleartext bind through the recorder"
grep -qaF "$LAB_PASS" "$STATE"/ctl/*.bin || fail "control: the recorder missed a cleartext password"
ok "control: a cleartext bind through the same recorder shows the password"

# --- ldap_ca_file, and the explicit way to skip the check ----------------------
CSITE=$STATE/ca-site.ini
sed "s|^\[carbonio\]\$|[carbonio]\nldap_ca_file = $LAB_DIR/ca/ca.pem|" "$SITE" >"$CSITE"
run "$RW" check --site "$CSITE"
assert_contains "$T_STDOUT" "[OK] replica $R1: In Sync" "check with ldap_ca_file = the lab CA"
run "$RW" check --site "$PLAIN" --ldap-direct --ldap-ca-file "$STATE/other-ca.pem"
assert_contains "$T_STDOUT" "[CRITICAL] replica $R1: LDAP TLS refused (TLS handshake with ldap://$R1:$LAB_LDAP_PORT failed: the server certificate is not trusted" \
	"check with another CA: TLS refused, not 'Server down'"
run "$RW" check --site "$PLAIN" --ldap-direct --ldap-ca-file "$STATE/other-ca.pem" --ldap-tls-insecure-skip-verify
assert_contains "$T_STDOUT" "[OK] replica $R1: In Sync" "--ldap-tls-insecure-skip-verify: no check, still TLS"
"$RW" dashboard --once --format json --ldap-via-ssh --site "$SITE" >"$STATE/v.json" || fail "dashboard --ldap-via-ssh"
[[ $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["master"]["via_ssh"])' "$STATE/v.json") == True ]] ||
	fail "--ldap-via-ssh did not override ldap_direct = yes: $(cat "$STATE/v.json")"
ok "--ldap-via-ssh overrides the site's ldap_direct = yes"

lab_test_end
