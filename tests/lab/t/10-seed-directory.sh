#!/bin/bash
# The seed "Directory Replica" procedure done BY HAND over plain ssh, against
# the lab's Carbonio stand-ins and real slapd: enable replication on the
# master, bootstrap replica1 with a 0600 answers file, check that an account
# created on the master reaches replica1, zmreplchk In Sync, delete it; then
# point the master's ldap_url at the replica (ldap_bind_url first), restart,
# and refresh the MTA's Postfix maps with zmmtainit.
# Secrets: the password travels only on ssh stdin and in 0600 files removed
# afterwards; it is never printed nor put on a command line.
. "$(dirname "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

M=$LAB_IP_MASTER R=$LAB_IP_REPLICA1 T=$LAB_IP_MTA
PORT=$LAB_LDAP_PORT
PM=$LAB_DIR/nodes/master/opt/zextras
PR=$LAB_DIR/nodes/replica1/opt/zextras
PT=$LAB_DIR/nodes/mta/opt/zextras
ssh_() { lab_ssh "$@"; }
zx() { # NODE CMD : run CMD as zextras on NODE (the real way: su - zextras -c)
	local n=$1
	shift
	ssh_ "$n" "su - zextras -c \"$*\""
}

# --- Step 1: activate the replica on the master (root), twice -------------
run ssh_ master "$PM/libexec/zmldapenablereplica"
assert_eq 0 "$T_RC" "zmldapenablereplica on master rc"
assert_contains "$T_OUT" "Enabling sync provider on master..." "master mode message"
assert_contains "$T_OUT" "succeeded" "master mode succeeded"
run ssh_ master "$PM/libexec/zmldapenablereplica"
assert_eq 1 "$T_RC" "second zmldapenablereplica on master rc"
assert_eq "Accesslog is already enabled. Exiting..." "$T_OUT" "second run message"
run ssh_ master "ldapsearch -LLL -Q -Y EXTERNAL -H ldapi://${PM//\//%2F}%2Frun%2Fldapi -b cn=config '(olcSuffix=cn=accesslog)' dn"
assert_contains "$T_OUT" "olcDatabase={2}mdb,cn=config" "accesslog DB is {2}mdb on the master"
run zx master "$PM/bin/zmlocalconfig -e lab_test_key=y && $PM/bin/zmlocalconfig -m nokey lab_test_key && $PM/bin/zmlocalconfig -u lab_test_key"
assert_eq "y" "$T_OUT" "zmlocalconfig -e/-u as zextras"
run zx master "$PM/bin/zmlocalconfig lab_test_key"
assert_eq "Warning: null valued key 'lab_test_key'" "$T_OUT" "unset key is gone (LocalConfigCLI's warning, on stderr)"
run ssh_ master "$PM/bin/zmlocalconfig -e x=y"
assert_eq 1 "$T_RC" "zmlocalconfig -e as root refused"
assert_eq "cannot use -e when running as root" "$T_OUT" "root refusal text"

# --- Step 2: the password, as zextras on the master (never printed) -------
PW=$(zx master "$PM/bin/zmlocalconfig -s -m nokey zimbra_ldap_password") || fail "cannot read zimbra_ldap_password"
[[ -n $PW ]] || fail "empty zimbra_ldap_password"
ok "zimbra_ldap_password read (${#PW} characters)"
run zx master "$PM/bin/zmlocalconfig zimbra_ldap_password"
assert_eq "zimbra_ldap_password = *" "$T_OUT" "password hidden without -s"

# --- Step 3: install carbonio-directory-server on replica1 ----------------
run zx replica1 "$PR/bin/zmlocalconfig -m nokey zimbra_server_hostname"
assert_eq "localhost" "$T_OUT" "replica1 not bootstrapped yet"
run ssh_ replica1 "apt-get install carbonio-directory-server </dev/null"
assert_eq 1 "$T_RC" "apt-get install without -y aborts at end of input"
assert_contains "$T_OUT" "Do you want to continue? [Y/n] Abort." "apt-get prompt"
assert_rc 0 "apt-get install -y carbonio-directory-server" ssh_ replica1 "apt-get install -y carbonio-directory-server"
assert_rc 0 "schema dir present" ssh_ replica1 "test -d $PR/common/etc/openldap/schema"

# --- Step 4: bootstrap answers, 0600, through ssh stdin --------------------
CONF=/root/rw-test-bootstrap.conf
printf 'HOSTNAME=%s\nLDAPHOST=%s\nLDAPPORT=%s\nLDAPADMINPASS=%s\nLDAPROOTPASS=%s\nLDAPREPPASS=%s\nLDAPPOSTPASS=%s\nLDAPAMAVISPASS=%s\nldap_nginx_password=%s\n' \
	"$R" "$M" "$PORT" "$PW" "$PW" "$PW" "$PW" "$PW" "$PW" |
	ssh_ replica1 "umask 077; cat > $CONF" || fail "cannot write the bootstrap file"
run ssh_ replica1 "stat -c %a $CONF"
assert_eq 600 "$T_OUT" "bootstrap file mode"
timed BOOT_S run ssh_ replica1 "carbonio-bootstrap -c $CONF"
t_log "carbonio-bootstrap -c took ${BOOT_S}s"
assert_eq 0 "$T_RC" "carbonio-bootstrap -c rc"
assert_contains "$T_OUT" "Bootstrap mode: new install" "bootstrap mode"
assert_contains "$T_OUT" "Saving config in $PR/config." "config saved"
assert_contains "$T_OUT" "Enabling sync replication on replica...succeeded" "replica syncrepl"
assert_contains "$T_OUT" "Enabling ldap replication..." "setup.pl replication step"
assert_not_contains "$T_OUT" "Configuration complete" "no 'Configuration complete' in -c mode"
assert_not_contains "$T_OUT" "$PW" "no password in the bootstrap output"
SAVED=$(printf '%s\n' "$T_OUT" | sed -n "s|^Saving config in \($PR/config\.[0-9]*\)\.\.\.done\.\$|\1|p")
[[ -n $SAVED ]] || fail "no config.<pid> named in the output"
run ssh_ replica1 "rm -f -- $CONF $SAVED && ! test -e $CONF && ! test -e $SAVED"
assert_eq 0 "$T_RC" "answers file and $SAVED removed"
run zx replica1 "$PR/bin/zmlocalconfig -m nokey ldap_url"
assert_eq "ldap://$R:$PORT ldap://$M:$PORT" "$T_OUT" "replica1 ldap_url"
run ssh_ replica1 "grep -c 'CONFIGURED END' $PR/.install_history; test -e $PR/.enable_replica"
assert_eq 0 "$T_RC" "CONFIGURED END and .enable_replica"

# --- Step 5: account on the master, password on zmprov's stdin ------------
ACCT="rwtest$$@example.com"
run bash -c "printf 'ca %s %s\n' '$ACCT' \"\$1\" | ssh -F '$LAB_DIR/ssh/ssh_config' master \"su - zextras -c '$PM/bin/zmprov'\"" _ "$PW"
assert_eq 0 "$T_RC" "zmprov ca (batch on stdin)"
[[ $T_OUT =~ ^[0-9a-f-]{36}$ ]] || fail "zmprov ca did not print a zimbraId: $T_OUT"
ok "zmprov ca printed zimbraId $T_OUT"
run zx master "$PM/bin/zmprov -l ca $ACCT x"
assert_eq 2 "$T_RC" "second ca fails with rc 2"
assert_contains "$T_OUT" "ERROR: account.ACCOUNT_EXISTS (email address already exists: $ACCT" "ACCOUNT_EXISTS text"

in_gaa() { zx replica1 "$PR/bin/zmprov -l gaa" | grep -qx -- "$ACCT"; }
t0=$(lab_now)
wait_until 90 in_gaa || fail "$ACCT not on replica1 after 90 s"
ok "$ACCT listed by zmprov -l gaa on replica1 after $(lab_elapsed "$t0") s"

# --- Step 6: zmreplchk on replica1 ----------------------------------------
run zx replica1 "$PR/libexec/zmreplchk"
assert_eq 0 "$T_RC" "zmreplchk rc"
assert_contains "$T_OUT" "Replica: ldap://$R:$PORT Code: 0 Status: In Sync CSNs:" "zmreplchk In Sync"

# --- Step 7: delete the account, answering the confirmation ---------------
run ssh_ master "echo n | su - zextras -c '$PM/bin/zmprov -l da $ACCT'"
assert_contains "$T_OUT" "Continue? [Y]es, [N]o: aborted" "da asks, 'n' aborts"
run ssh_ master "su - zextras -c '$PM/bin/zmprov -l da $ACCT' </dev/null"
assert_contains "$T_OUT" "aborted" "da at end of input aborts"
run zx master "$PM/bin/zmprov -l ga $ACCT mail"
assert_eq 0 "$T_RC" "account still there after the aborts"
run ssh_ master "echo y | su - zextras -c '$PM/bin/zmprov -l da $ACCT'"
assert_eq 0 "$T_RC" "da confirmed"
run zx master "$PM/bin/zmprov -l ga $ACCT"
assert_eq 2 "$T_RC" "ga after da rc"
assert_eq "ERROR: account.NO_SUCH_ACCOUNT (no such account: $ACCT)" "$T_OUT" "NO_SUCH_ACCOUNT text"
gone() { ! zx replica1 "$PR/bin/zmprov -l gaa" | grep -qx -- "$ACCT"; }
wait_until 90 gone || fail "$ACCT still on replica1 after 90 s"
ok "deletion replicated"

# --- Step 8: the master's ldap_url lists the replica first ----------------
run zx master "$PM/bin/zmlocalconfig -e ldap_bind_url=ldap://$M:$PORT"
assert_eq 0 "$T_RC" "ldap_bind_url set on master"
run zx master "$PM/bin/zmcontrol stop"
assert_eq 0 "$T_RC" "zmcontrol stop on master"
assert_contains "$T_OUT" "Stopping directory-server...Done." "directory server stopped"
run zx master "$PM/bin/zmlocalconfig -e ldap_url='ldap://$R:$PORT ldap://$M:$PORT'"
assert_eq 0 "$T_RC" "ldap_url edited on master"
run zx master "$PM/bin/zmcontrol start"
assert_eq 0 "$T_RC" "zmcontrol start on master"
assert_contains "$T_OUT" "Starting directory server...Done." "directory server started"
run zx master "$PM/bin/ldap status"
assert_eq "openldap is running." "$T_OUT" "master slapd running on ldap_bind_url"
run ssh_ master "ss -Hltn 'src $M:$PORT' | wc -l"
assert_eq 1 "$T_OUT" "master slapd listens on its own address"
run zx master "$PM/libexec/zmreplchk"
assert_contains "$T_OUT" "Replica: ldap://$R:$PORT Code: 0 Status: In Sync" "zmreplchk on the master lists replica1"

# without ldap_bind_url the master's slapd would bind the replica's address:
# it must fail like the real one (a node cannot bind a foreign address)
run zx master "$PM/bin/zmlocalconfig -u ldap_bind_url && $PM/bin/ldap stop && $PM/bin/ldap start"
assert_eq 1 "$T_RC" "ldap start with the replica first and no ldap_bind_url fails"
assert_contains "$T_OUT" "Starting openldap...failed." "failure text"
run zx master "$PM/bin/zmlocalconfig -e ldap_bind_url=ldap://$M:$PORT && $PM/bin/ldap start"
assert_eq 0 "$T_RC" "ldap start again with ldap_bind_url"

# --- Step 9: the MTA follows the new ldap_url -----------------------------
run zx mta "$PT/bin/zmlocalconfig -e ldap_url='ldap://$R:$PORT ldap://$M:$PORT'"
assert_eq 0 "$T_RC" "ldap_url edited on the MTA"
run ssh_ mta "$PT/libexec/zmmtainit"
assert_eq 0 "$T_RC" "zmmtainit rc"
for m in vmm vmd vam vad canonical transport slm splitdomain; do
	run ssh_ mta "grep '^server_host = ' $PT/conf/ldap-$m.cf"
	assert_eq "server_host = ldap://$R:$PORT ldap://$M:$PORT" "$T_OUT" "ldap-$m.cf server_host"
done
# (the MTA says ldap_starttls_supported=1: the maps start TLS)
run ssh_ mta "grep -c -e '^start_tls = yes\$' -e '^bind_dn = uid=zmpostfix,cn=appaccts,cn=zimbra\$' -e '^bind_pw = ' $PT/conf/ldap-vmm.cf; stat -c %a $PT/conf/ldap-vmm.cf"
assert_eq "3
640" "$T_OUT" "ldap-vmm.cf start_tls/bind_dn/bind_pw, mode 0640"
run zx mta "$PT/libexec/zmmtainit"
assert_eq 1 "$T_RC" "zmmtainit refuses zextras"

ok "seed directory procedure done"
