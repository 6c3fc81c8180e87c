#!/bin/bash
# Several Dovecot pairs (issue 14 §3): four Dovecot nodes, imap1 + imap2 in
# the site's [dovecot] (the pair "default"), imap3 + imap4 in [dovecot pair2]:
#   - without --pair the run is refused, naming both pairs; nothing changes
#   - `--pair pair2` sets up imap3 + imap4 only; `--pair default` the first
#     pair; each run has its own journal (a finished pair2 is checked, not
#     redone, when pair2 runs again; default is a run of its own)
#   - mail saved on one server of each pair reaches its partner and NOT the
#     other pair (Welcome messages and a fresh message each way)
#   - netns: the firewalld nodes (imap1, imap3) let only their partner reach
#     doveadm's port
#   - `dashboard --once` (text and JSON) and `check` show both pairs, grouped
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/mail.sh"
lab_test_begin
lab_needs_dovecot_pairs
lab_up

lab_rw
SITE=$LAB_DIR/site.ini
PORT=$LAB_DOVEADM_PORT
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
unset REPLICA_WIZARD_DOVEADM_PASSWORD
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
conf() { echo "$LAB_DIR/nodes/$1/dovecot/conf.d/10-replication.conf"; }
H1=$(node_host imap1) H2=$(node_host imap2) H3=$(node_host imap3) H4=$(node_host imap4)

grep -q "^\[dovecot pair2\]" "$SITE" || fail "the lab's site has no second pair: $(cat "$SITE")"
assert_rc 0 "site check with two pairs" "$RW" site check --site "$SITE"
assert_rc 0 "site show with two pairs" "$RW" site show --site "$SITE"
assert_contains "$T_OUT" "host $(node_host imap3)"$'\n'"  roles:        dovecot" "site show lists imap3"
assert_contains "$T_OUT" "dovecot pair: pair2" "site show gives the pair of imap3/imap4"

# --- no pair named: refused before anything connects -------------------------
assert_rc 2 "several pairs and no --pair" "$RW" dovecot --batch --yes --site "$SITE"
assert_contains "$T_ERR" "the site has 2 Dovecot pairs (default, pair2): choose one (--pair NAME)" \
	"the refusal names both pairs"
assert_rc 2 "an unknown pair" "$RW" dovecot --batch --yes --site "$SITE" --pair pair3
assert_contains "$T_ERR" 'no Dovecot pair "pair3" in the site (its pairs: default, pair2)' "the unknown name is refused"
for n in imap1 imap2 imap3 imap4; do
	[[ ! -e $(conf $n) ]] || fail "$n got a config from a refused run"
done
ok "the refused runs wrote no config"

# --- pair2 only -------------------------------------------------------------
assert_rc 0 "dovecot --batch --pair pair2" "$RW" dovecot --batch --yes --site "$SITE" --pair pair2
assert_contains "$T_OUT" "dovecot: complete." "pair2's run completes"
assert_contains "$T_OUT" "Write 10-replication.conf" "pair2's run writes the config"
assert_not_contains "$T_OUT" "$H1" "pair2's run never names imap1"
assert_not_contains "$T_OUT" "$H2" "pair2's run never names imap2"
assert_contains "$(cat "$(conf imap3)")" "mail_replica = tcp:$H4:$PORT" "imap3 replicates to imap4"
assert_contains "$(cat "$(conf imap4)")" "mail_replica = tcp:$H3:$PORT" "imap4 replicates to imap3"
[[ ! -e $(conf imap1) && ! -e $(conf imap2) ]] || fail "pair2's run configured the other pair"
ok "imap1 and imap2 are untouched"
n=$(grep -c "the partner's test message arrived after" <<<"$T_OUT")
assert_eq 2 "$n" "pair2's test messages arrived both ways"

# --- the default pair: a run of its own (not pair2's journal) -----------------
assert_rc 0 "dovecot --batch --pair default" "$RW" dovecot --batch --yes --site "$SITE" --pair default
assert_contains "$T_OUT" "dovecot: complete." "the default pair's run completes"
assert_not_contains "$T_OUT" "$H3" "the default pair's run never names imap3"
assert_contains "$(cat "$(conf imap1)")" "mail_replica = tcp:$H2:$PORT" "imap1 replicates to imap2"
assert_contains "$(cat "$(conf imap2)")" "mail_replica = tcp:$H1:$PORT" "imap2 replicates to imap1"
run ls "$REPLICA_WIZARD_STATE_DIR"
assert_contains "$T_OUT" ".dovecot.journal" "the default pair's journal"
assert_contains "$T_OUT" ".dovecot.pair2.journal" "pair2's own journal"
# pair2 again: its journal says complete, so the nodes are checked, not redone
assert_rc 0 "pair2 again" "$RW" dovecot --batch --yes --site "$SITE" --pair pair2
assert_not_contains "$T_OUT" "$H1" "pair2's second run never names imap1"
assert_contains "$T_OUT" "dovecot: already complete: the nodes confirm it; nothing changed." \
	"pair2's finished run (its own journal) is checked on its nodes"
assert_not_contains "$T_OUT" "Write 10-replication.conf" "pair2's finished run is not done again"

# --- mail stays within its pair -----------------------------------------------
for u in user1 user2 user3; do
	wait_until 30 has_body imap2 $u "mailbox on imap1" || fail "imap1's Welcome of $u never reached imap2"
	wait_until 30 has_body imap4 $u "mailbox on imap3" || fail "imap3's Welcome of $u never reached imap4"
done
ok "each pair's Welcome messages reached the partner"
S2=pairs-from-imap2-$RANDOM S4=pairs-from-imap4-$RANDOM
save_on imap2 user1 "$S2" || fail "doveadm save on imap2"
save_on imap4 user1 "$S4" || fail "doveadm save on imap4"
wait_until 60 has_body imap1 user1 "$S2" || fail "imap2's message never reached imap1"
ok "imap2's message reached its partner imap1"
wait_until 60 has_body imap3 user1 "$S4" || fail "imap4's message never reached imap3"
ok "imap4's message reached its partner imap3"
sleep 3 # a replication to the wrong pair would have happened by now
for n in imap3 imap4; do
	! has_body $n user1 "$S2" || fail "imap2's message reached $n (the other pair)"
	! has_body $n user1 "mailbox on imap1" || fail "imap1's Welcome reached $n (the other pair)"
done
for n in imap1 imap2; do
	! has_body $n user1 "$S4" || fail "imap4's message reached $n (the other pair)"
	! has_body $n user1 "mailbox on imap3" || fail "imap3's Welcome reached $n (the other pair)"
done
ok "no message crossed to the other pair"

# --- the firewall: only the partner reaches doveadm's port -------------------
if lab_netns; then
	tcp() { lab_ssh "$1" "bash -c 'exec 3<>/dev/tcp/$(node_addr "$2")/$PORT' && echo open"; }
	run tcp imap4 imap3
	assert_eq open "$T_STDOUT" "the partner imap4 reaches doveadm on imap3"
	for n in imap1 imap2; do
		run tcp $n imap3
		assert_contains "$T_ERR" "Connection refused" "$n (the other pair) does not reach doveadm on imap3"
	done
	run tcp imap2 imap1
	assert_eq open "$T_STDOUT" "the partner imap2 reaches doveadm on imap1"
	for n in imap3 imap4; do
		run tcp $n imap1
		assert_contains "$T_ERR" "Connection refused" "$n (the other pair) does not reach doveadm on imap1"
	done
fi

# --- dashboard and check: both pairs, grouped ----------------------------------
DSITE=$STATE/dovecot-only.ini
# the Dovecot servers alone (the replicas are not installed here: check would
# be CRITICAL for them): [ssh], both pairs, each server's conf_dir
{
	awk '/^\[/ { keep = ($0 == "[ssh]" || $0 ~ /^\[dovecot/) } keep' "$SITE"
	for n in imap1 imap2 imap3 imap4; do
		printf '[host %s]\nconf_dir = %s/dovecot/conf.d\n' "$(node_host $n)" "$(node_dir $n)"
	done
} >"$DSITE"
run "$RW" dashboard --once --site "$DSITE"
assert_eq 0 "$T_RC" "dashboard --once on the four servers: $T_ERR"
assert_contains "$T_STDOUT" "pair default: OK" "the text shows the default pair, OK"
assert_contains "$T_STDOUT" "pair pair2: OK" "the text shows pair2, OK"
pd=$(grep -n "pair default:" <<<"$T_STDOUT" | cut -d: -f1)
p2=$(grep -n "pair pair2:" <<<"$T_STDOUT" | cut -d: -f1)
s3=$(grep -n "OK *$H3\$" <<<"$T_STDOUT" | cut -d: -f1)
s1=$(grep -n "OK *$H1\$" <<<"$T_STDOUT" | cut -d: -f1)
[[ -n $pd && -n $p2 && -n $s1 && -n $s3 ]] && ((pd < s1 && s1 < p2 && p2 < s3)) ||
	fail "servers not grouped under their pairs: $T_STDOUT"
ok "imap1 is under the default pair, imap3 under pair2"
run "$RW" dashboard --once --format json --site "$DSITE"
assert_eq 0 "$T_RC" "dashboard --once --format json"
run python3 -c 'import json, sys
for p in json.load(sys.stdin)["pairs"]:
    print(p["name"], p["health"], " ".join(p["servers"]))' <<<"$T_STDOUT"
assert_eq "default OK $H1 $H2
pair2 OK $H3 $H4" "$T_STDOUT" "JSON: both pairs, their health and servers"
run "$RW" check --site "$DSITE"
assert_eq 0 "$T_RC" "check is OK: $T_OUT"
assert_contains "$T_OUT" "4 Dovecot servers OK in 2 pairs" "check counts the pairs"
assert_contains "$T_OUT" "[OK] dovecot pair pair2: $H3 $H4" "check lists pair2"
