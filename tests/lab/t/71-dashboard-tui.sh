#!/bin/bash
# The dashboard's curses view on the lab, driven through tmux (160x48):
#   after an install of replica1 and Dovecot replication, `replica-wizard
#   dashboard` shows the replica row (zmreplchk In Sync, our CSN lag,
#   syncrepl connected) and both Dovecot panels; Tab, ? and q answer; the
#   exit status is 0 and the terminal is restored. With an empty
#   known_hosts the unknown host keys are asked with their SHA256
#   fingerprint (n rejects; nothing is added to known_hosts; the exit
#   status is 3, a host key refused, as for the batch commands). From the
#   wizard's home screen, 4 pushes the same view over the wizard (live
#   rows), q pops it back to the home screen, and q there quits with 0.
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_up

lab_rw
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2)
I1=$(node_ip imap1) I2=$(node_ip imap2)
STATE=$(mktemp -d)
chmod 700 "$STATE"
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
tui_setup rw-dash dash
export REPLICA_WIZARD_STATE_DIR=$STATE/state

SITE=$STATE/site.ini
sed "s/^replicas = .*/replicas = $R1\nother_nodes = $R2/" "$LAB_DIR/site.ini" >"$SITE"
assert_rc 0 "install replica1" "$RW" install --batch --yes --site "$SITE" --replica "$R1"

# Dovecot two-way replication by hand, as t/70-dashboard.sh does
PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=\n')
conf() {
	cat <<-CONF
		mail_plugins = \$mail_plugins notify replication
		service replicator {
		  process_min_avail = 1
		  unix_listener replicator-doveadm {
		    mode = 0600
		    user = vmail
		  }
		}
		service aggregator {
		  fifo_listener replication-notify-fifo {
		    user = vmail
		  }
		  unix_listener replication-notify {
		    user = vmail
		  }
		}
		service doveadm {
		  inet_listener {
		    port = $LAB_DOVEADM_PORT
		  }
		}
		doveadm_password = $PW
		plugin {
		  mail_replica = tcp:$1:$LAB_DOVEADM_PORT
		}
	CONF
}
for n in imap1 imap2; do
	[[ $n == imap1 ]] && peer=$I2 || peer=$I1
	conf "$peer" | lab_ssh $n "umask 077 && cat > $LAB_DIR/nodes/$n/dovecot/conf.d/10-replication.conf" ||
		fail "$n: cannot write 10-replication.conf"
	[[ $n == imap1 ]] && other=imap2 || other=imap1
	lab_allow_doveadm "$n" "$other" || fail "$n: cannot open doveadm's port to $other"
done
for n in imap1 imap2; do lab_ssh $n doveadm reload || fail "$n: reload"; done
for n in imap1 imap2; do
	wait_until 15 lab_ssh $n doveadm replicator status || fail "$n: replicator did not come up"
done
for n in imap1 imap2; do lab_ssh $n "doveadm replicator replicate -f '*'" >/dev/null || fail "$n: replicate"; done
wait_until 30 bash -c "! ssh -F $LAB_DIR/ssh/ssh_config imap1 \"doveadm -f tab replicator status '*'\" | grep -q '	y\$'" ||
	fail "initial Dovecot sync has failed users"
ok "Dovecot replication configured"
wait_until 30 "$RW" check --site "$SITE" >/dev/null || fail "check never OK after the install: $("$RW" check --site "$SITE")"

start() { tui_start dashboard --site "$1"; } # SITE

# --- healthy site -----------------------------------------------------------------
start "$SITE"
wait_for 10 "Directory replication"
wait_for 30 "zmreplchk: Code 0 In Sync"
wait_for 30 "syncrepl connected"
wait_for 30 "CSN lag 0 s"
s=$(screen)
assert_contains "$s" "OK       $R1" "the replica row"
assert_contains "$s" "Dovecot replication" "the Dovecot side"
wait_for 30 "$I2"
s=$(screen)
assert_contains "$s" "$I1" "imap1's panel"
assert_contains "$s" "known users" "the replicator counters"
assert_contains "$s" "History" "the sparklines"
assert_contains "$s" "▁" "UTF-8 block characters in a UTF-8 locale"
ok "replica row and both Dovecot panels on screen"
keys Tab
keys '?'
wait_for 5 "requeue the selected user"
keys x
keys q
wait_rc
assert_eq 0 "$(cat "$STATE/rc")" "dashboard exit status after q"
s=$(screen)
assert_not_contains "$s" "Directory replication" "the terminal is restored (alternate screen left)"
ok "q quits with 0"

# --- from the wizard: the dashboard is a view pushed over home, q pops it -----------
tui_start --site "$SITE"
wait_for 10 "What do you want to do?"
keys 4
wait_for 10 "Directory replication"
wait_for 30 "zmreplchk: Code 0 In Sync"
keys q
wait_for 10 "What do you want to do?"
assert_not_contains "$(screen)" "Directory replication" "the home screen drawn whole again"
keys q
wait_rc
assert_eq 0 "$(cat "$STATE/rc")" "wizard exit status after the dashboard"
ok "home 4 pushes the dashboard, q returns home, q quits"

# --- unknown host keys are asked, never accepted silently ---------------------------
site_with_known_hosts "$SITE" "$STATE/site-unknown.ini" "$STATE/empty_known_hosts"
start "$STATE/site-unknown.ini"
wait_for 20 "Unknown host key"
assert_contains "$(screen)" "SHA256:" "the fingerprint is shown"
# reject every key asked, then quit
end=$(($(date +%s) + 20))
while screen | grep -qF "Unknown host key"; do
	keys n
	sleep 0.5
	(($(date +%s) < end)) || fail "host key dialogs never ended"
done
# "host key ssh-ed25519 SHA256:... of HOST not accepted" (since the wizard's
# own known_hosts policy), wrapped where the pane's width says
wait_for 10 "not accepted"
keys q
wait_rc
# every host-key refusal exits 3, the live dashboard's too (since the
# wizard's own known_hosts policy)
assert_eq 3 "$(cat "$STATE/rc")" "exit status 3 after rejecting the keys"
assert_eq 0 "$(wc -c <"$STATE/empty_known_hosts")" "nothing added to known_hosts"
ok "unknown host keys asked by fingerprint and rejected"
lab_test_end
