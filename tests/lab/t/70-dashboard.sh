#!/bin/bash
# `replica-wizard dashboard --once` and `check` on the lab (issue 5):
#   - all green after an install of replica1 and Dovecot replication
#   - replica1's slapd stopped -> "Server down" at once, CRITICAL (2); back when restarted
#   - the master's slapd stopped -> zmreplchk's real form (Code 6, empty status): "master down"
#   - syncrepl broken + a write on the master -> behind / no consumer, CRITICAL
#   - imap2's Dovecot stopped -> its panel shows the error, imap1 keeps
#     updating and its failed user appears; CRITICAL
#   - an unknown host key is refused by check (UNKNOWN, 3)
#   - --format openmetrics|prometheus and --textfile DIR, read by the real
#     parser of python3-prometheus-client (tests/shell/metrics_check.py)
#   - the LDAP password never appears in our output or a process list
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
lab_test_begin
lab_up

lab_rw
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2)
I1=$(node_ip imap1) I2=$(node_ip imap2)
STATE=$(mktemp -d)
chmod 700 "$STATE"
export REPLICA_WIZARD_STATE_DIR=$STATE/state
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup

# replica1 only: replica2 stays a plain node of the site
SITE=$STATE/site.ini
sed "s/^replicas = .*/replicas = $R1\nother_nodes = $R2/" "$LAB_DIR/site.ini" >"$SITE"
assert_rc 0 "install replica1" "$RW" install --batch --yes --site "$SITE" --replica "$R1"

# Dovecot two-way replication by hand, as t/20-seed-dovecot.sh does
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

once() { "$RW" dashboard --once --site "$SITE" "$@"; }
# metrics FORMAT EXPECT...: --once --format FORMAT through the real parser
metrics() {
	local format=$1
	shift
	run once --format "$format"
	assert_eq 0 "$T_RC" "--format $format"
	assert_not_contains "$T_OUT" "$LAB_PASS" "no LDAP password in the $format metrics"
	printf '%s\n' "$T_STDOUT" | /usr/bin/python3 "$ROOT/tests/shell/metrics_check.py" "$format" - "$@" ||
		fail "--format $format: $T_STDOUT"
	ok "--format $format parsed; ${*:-no expectation} hold"
}

# --- healthy --------------------------------------------------------------------
wait_until 30 "$RW" check --site "$SITE" || fail "check never OK after the install: $("$RW" check --site "$SITE")"
assert_rc 0 "check: healthy site is OK" "$RW" check --site "$SITE"
assert_contains "$T_OUT" "REPLICATION OK - 1 replica in sync, 2 Dovecot servers OK | 'lag_$R1'=0s;60;300;0;" "OK status line with perfdata"
COLUMNS=80 run once
assert_eq 0 "$T_RC" "dashboard --once"
t_log "healthy --once output:"
printf '%s\n' "$T_OUT" | sed 's/^/#   /'
assert_contains "$T_OUT" "overall OK" "overall OK"
assert_contains "$T_OUT" "zmreplchk: Code 0 In Sync" "zmreplchk column"
assert_contains "$T_OUT" "syncrepl connected" "cn=Monitor says connected"
assert_contains "$T_OUT" "EVENTS (none)" "no event on a healthy site"
maxw=$(printf '%s\n' "$T_OUT" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
((maxw <= 80)) || fail "a line is $maxw columns wide at COLUMNS=80"
ok "fits 80 columns"
for w in 120 160; do
	COLUMNS=$w run once
	maxw=$(printf '%s\n' "$T_OUT" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
	((maxw <= w && maxw > 80)) || fail "COLUMNS=$w: widest line $maxw"
	ok "fits $w columns (widest $maxw)"
done
run once --format json
assert_eq 0 "$T_RC" "--format json"
printf '%s' "$T_OUT" | perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
	exit !($j->{overall} eq "OK" && $j->{replicas}[0]{syncrepl}{connected} && @{$j->{servers}} == 2
	       && $j->{servers}[0]{overview}{total_users} == 3)' || fail "JSON shape: $T_OUT"
ok "JSON document: overall OK, syncrepl connected, 3 users"
metrics openmetrics "replica_wizard_replica_in_sync{replica=$R1}=1" \
	"replica_wizard_replica_lag_seconds{replica=$R1}=0" \
	"replica_wizard_replica_zmreplchk_code{replica=$R1}=0" \
	"replica_wizard_replica_syncrepl_connected{replica=$R1}=1" \
	"replica_wizard_dovecot_known_users{server=$I1}=3" \
	"replica_wizard_dovecot_failed_users{server=$I2}=0" \
	"replica_wizard_dovecot_queued_requests{server=$I1,priority=full_resync}=0" \
	"replica_wizard_probe_success{target=$M,role=master,probe=contextcsn}=1" \
	"replica_wizard_probe_success{target=$R1,role=replica,probe=zmreplchk}=1" \
	"replica_wizard_probe_success{target=$R1,role=replica,probe=contextcsn}=1" \
	"replica_wizard_probe_success{target=$R1,role=replica,probe=monitor}=1" \
	"replica_wizard_probe_success{target=$I1,role=dovecot,probe=doveadm}=1" \
	"replica_wizard_probe_success{target=$I2,role=dovecot,probe=doveadm}=1"
metrics prometheus "replica_wizard_dovecot_known_users{server=$I2}=3"

# --textfile: node_exporter's collector never sees half a file. A reader polls
# the file while three runs replace it: every read is a whole exposition
# (ends with the run's timestamp), the old one or a new one.
TF=$STATE/textfile
mkdir "$TF"
printf '# HELP replica_wizard_last_run_timestamp_seconds old\n# TYPE replica_wizard_last_run_timestamp_seconds gauge\nreplica_wizard_last_run_timestamp_seconds 1\n' \
	>"$TF/replica-wizard.prom"
(
	umask 077 # the file is 0644 whatever the umask
	for _ in 1 2 3; do "$RW" dashboard --site "$SITE" --textfile "$TF" || exit 1; done
) &
writer=$!
reads=0 torn=0
while kill -0 "$writer" 2>/dev/null; do
	last=$(tail -n 1 "$TF/replica-wizard.prom")
	[[ $last =~ ^replica_wizard_last_run_timestamp_seconds\ [0-9]+$ ]] || torn=$((torn + 1))
	reads=$((reads + 1))
done
wait "$writer" || fail "dashboard --textfile failed"
assert_eq 0 "$torn" "no torn read of the textfile in $reads reads"
assert_eq "644" "$(stat -c %a "$TF/replica-wizard.prom")" "textfile mode 0644"
assert_eq "replica-wizard.prom" "$(ls -A "$TF")" "no temporary file left in the directory"
assert_not_contains "$(<"$TF/replica-wizard.prom")" "$LAB_PASS" "no LDAP password in the textfile"
/usr/bin/python3 "$ROOT/tests/shell/metrics_check.py" prometheus "$TF/replica-wizard.prom" \
	"replica_wizard_replica_in_sync{replica=$R1}=1" "replica_wizard_dovecot_known_users{server=$I1}=3" ||
	fail "textfile not parsable: $(<"$TF/replica-wizard.prom")"
ok "--textfile: atomic, 0644, parsed ($reads reads while it was replaced)"
assert_rc 2 "--textfile to a missing directory is refused before polling" \
	"$RW" dashboard --site "$SITE" --textfile "$STATE/missing"

# --- replica slapd down -----------------------------------------------------------
"$LAB_SH" stop-svc replica1 slapd >/dev/null
timed took run once
assert_contains "$T_OUT" "Server down" "replica1 slapd stopped: Server down"
awk -v t="$took" 'BEGIN { exit !(t < 5) }' || fail "--once took $took s (interval 5 s)"
ok "shown within one interval ($took s)"
assert_rc 2 "check: CRITICAL while the replica is down" "$RW" check --site "$SITE"
assert_contains "$T_OUT" "replica $R1: Server down" "check names the replica"
assert_contains "$T_OUT" "'lag_$R1'=U" "lag perfdata unknown"
metrics openmetrics "replica_wizard_replica_in_sync{replica=$R1}=0" \
	"replica_wizard_replica_lag_seconds{replica=$R1}=absent" \
	"replica_wizard_probe_success{target=$R1,role=replica,probe=contextcsn}=0"
"$LAB_SH" start-svc replica1 slapd >/dev/null
wait_until 20 "$RW" check --site "$SITE" || fail "not OK again after slapd restarted"
ok "back to OK after slapd restarted"

# --- the master's slapd down: zmreplchk's real form (Code 6, empty status) --------
"$LAB_SH" stop-svc master slapd >/dev/null
run lab_ssh replica1 "su - zextras -c '$LAB_DIR/nodes/replica1/opt/zextras/libexec/zmreplchk'"
assert_contains "$T_STDOUT" "Code: 6 Status:  CSNs:" "zmreplchk prints replchk.pl's master-down form"
run once
assert_contains "$T_OUT" "master down" "the dashboard says master down"
"$LAB_SH" start-svc master slapd >/dev/null
wait_until 20 "$RW" check --site "$SITE" || fail "not OK again after the master's slapd restarted"
ok "back to OK after the master's slapd restarted"

# --- syncrepl broken, write on the master -----------------------------------------------
"$LAB_SH" syncrepl-break replica1 >/dev/null
sleep 1.2 # CSN times are compared in seconds
# on the master (the site firewall keeps LDAP from the admin side): the
# password first on ssh's stdin, into a 0600 file removed at once, then the LDIF
printf '%s\ndn: cn=zimbra\nchangetype: modify\nreplace: description\ndescription: dash %s\n' "$LAB_PASS" "$RANDOM" |
	lab_ssh master 'umask 077; f=$(mktemp); IFS= read -r pw; printf %s "$pw" >"$f"
		ldapmodify -x -H "ldap://'"$M:$LAB_LDAP_PORT"'" -D uid=zimbra,cn=admins,cn=zimbra -y "$f"; rc=$?
		rm -f -- "$f"; exit $rc' >/dev/null ||
	fail "write on the master"
run once
broken_ldap=$T_OUT
assert_contains "$T_OUT" "s behind" "replica shown behind"
assert_contains "$T_OUT" "no syncrepl consumer" "and without a syncrepl consumer"
assert_rc 1 "check: WARNING with --warn-lag 1 --crit-lag 100000" "$RW" check --site "$SITE" --warn-lag 1 --crit-lag 100000
assert_rc 2 "check: CRITICAL with --crit-lag 1" "$RW" check --site "$SITE" --warn-lag 1 --crit-lag 1
"$LAB_SH" syncrepl-mend replica1 >/dev/null
wait_until 20 "$RW" check --site "$SITE" || fail "not OK again after syncrepl-mend"
ok "back to OK after syncrepl-mend"

# --- one Dovecot down ---------------------------------------------------------------
"$LAB_SH" stop-svc imap2 dovecot >/dev/null
printf 'From: a@example.com\nTo: user3@example.com\nSubject: dash\n\nx\n' |
	lab_ssh imap1 "doveadm save -u user3@example.com" || fail "doveadm save on imap1"
wait_until 30 bash -c "ssh -F $LAB_DIR/ssh/ssh_config imap1 \"doveadm -f tab replicator status '*'\" | grep -q '^user3@example.com	.*	y\$'" ||
	fail "user3 never failed on imap1"
COLUMNS=120 run once
broken_dovecot=$T_OUT
t_log "broken --once output (COLUMNS=120):"
printf '%s\n' "$T_OUT" | sed 's/^/#   /'
assert_contains "$T_OUT" "replication not configured or dovecot down" "imap2 shows the doveadm error"
assert_contains "$T_OUT" "user3@example.com failed on $I1" "event: user3 failed on imap1"
assert_contains "$T_OUT" "WARNING  $I1" "imap1 still updates (WARNING, not an error)"
assert_rc 2 "check: CRITICAL with one Dovecot down" "$RW" check --site "$SITE"
assert_contains "$T_OUT" "'failed_$I1'=1;1;5;0;" "failed perfdata of imap1"
assert_contains "$T_OUT" "'queued_$I2'=U" "imap2 perfdata unknown"
metrics openmetrics "replica_wizard_probe_success{target=$I2,role=dovecot,probe=doveadm}=0" \
	"replica_wizard_dovecot_known_users{server=$I2}=absent" \
	"replica_wizard_dovecot_failed_users{server=$I1}=1" \
	"replica_wizard_probe_success{target=$I1,role=dovecot,probe=doveadm}=1"
"$LAB_SH" start-svc imap2 dovecot >/dev/null || t_log "start-svc imap2 dovecot failed"

# --- host keys: never accepted by check --------------------------------------------------
site_with_known_hosts "$SITE" "$STATE/site-unknown.ini" "$STATE/empty_known_hosts"
assert_rc 3 "check: unknown host keys give UNKNOWN" "$RW" check --site "$STATE/site-unknown.ini"
assert_contains "$T_OUT" "REPLICATION UNKNOWN - unknown SSH host key refused" "the status line says why"
assert_eq 0 "$(wc -c <"$STATE/empty_known_hosts")" "nothing added to known_hosts"
assert_rc 3 "check: bad usage is UNKNOWN" "$RW" check --site "$SITE" --warn-lag x

# --- the password never shows -----------------------------------------------------------
for out in "$broken_ldap" "$broken_dovecot"; do
	assert_not_contains "$out" "$LAB_PASS" "no LDAP password in the output"
done
"$RW" dashboard --once --site "$SITE" >/dev/null &
pid=$!
samples=""
while kill -0 "$pid" 2>/dev/null; do
	samples+=$(ps -e -ww -o args=)
	sleep 0.05
done
assert_not_contains "$samples" "$LAB_PASS" "no LDAP password in any process command line"
