#!/bin/bash
# The lab itself: up, strict ssh to every node, Dovecot state (users, Welcome
# mail on imap1 only, no replication), Carbonio master slapd (if the stand-ins
# exist), the fault commands, down leaving nothing behind. Prints up/down times.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin

timed T_UP lab_up
t_log "up took ${T_UP} s"
(( ${T_UP%.*} < 15 )) || fail "up took ${T_UP} s (limit 15 s)"
assert_rc 0 "lab.sh up on a lab that is up" "$LAB_SH" up
assert_contains "$T_STDOUT" "already up" "second up does nothing"
assert_rc 0 "status: everything expected is up" "$LAB_SH" status

# --- ssh: strict host keys, every node ---------------------------------------
for n in "${LAB_NODES[@]}"; do
	run lab_ssh "$n" 'echo "$LAB_NODE $(id -un)"'
	assert_eq "$n root" "$T_STDOUT" "ssh -F ssh_config $n (strict known_hosts)"
done
grep -q "^\[$(node_ip master)\]:$LAB_SSH_PORT ssh-ed25519 " "$LAB_DIR/ssh/known_hosts" ||
	fail "known_hosts lacks [IP]:PORT ssh-ed25519 lines"
empty_kh=$(mktemp)
assert_rc 255 "ssh refuses an unknown host key" \
	ssh -F "$LAB_DIR/ssh/ssh_config" -o UserKnownHostsFile="$empty_kh" master true
assert_contains "$T_ERR" "Host key verification failed" "ssh says why"
rm -f "$empty_kh"
run "$LAB_SH" ssh imap1 'echo "a b"'
assert_eq "a b" "$T_STDOUT" "lab.sh ssh NODE CMD"

# --- site file ----------------------------------------------------------------
run "$LAB_SH" site
assert_eq "$(cat "$LAB_DIR/site.ini")" "$T_STDOUT" "lab.sh site prints site.ini"
assert_contains "$T_STDOUT" "[host $(node_ip imap1)]
conf_dir = $LAB_DIR/nodes/imap1/dovecot/conf.d" "site has imap1 conf_dir"
assert_contains "$T_STDOUT" "prefix = $LAB_DIR/nodes/master/opt/zextras" "site has the master prefix"
assert_not_contains "$T_STDOUT" '$LAB_DIR' "site has no literal \$LAB_DIR"

# --- Dovecot ------------------------------------------------------------------
users=$'user1@example.com\nuser2@example.com\nuser3@example.com'
for n in "${LAB_DOVECOT_NODES[@]}"; do
	run lab_ssh "$n" "doveadm user '*' | sort"
	assert_eq "$users" "$T_STDOUT" "$n: doveadm user '*' lists the users"
	assert_rc 75 "$n: doveadm replicator status (not configured)" lab_ssh "$n" doveadm replicator status
	assert_contains "$T_ERR" "replicator-doveadm) failed: No such file or directory" "$n: no replicator socket"
	run lab_ssh "$n" 'dovecot --version'
	assert_contains "$T_STDOUT" "2.3." "$n: dovecot --version is 2.3"
done
d1=$LAB_DIR/nodes/imap1 d2=$LAB_DIR/nodes/imap2
for u in user1 user2 user3; do
	run lab_ssh imap1 "find $d1/mail/example.com/$u/Maildir/new $d1/mail/example.com/$u/Maildir/cur -type f | wc -l"
	assert_eq 1 "$T_STDOUT" "imap1: one Welcome message for $u"
done
grep -q '^Subject: Welcome' "$d1"/mail/example.com/user1/Maildir/new/* || fail "the message is not the Welcome"
# Count files only: opening a mailbox on imap2 would create its INBOX.
run lab_ssh imap2 "find $d2/mail -type f | wc -l"
assert_eq 0 "$T_STDOUT" "imap2: no mail file at all"
run lab_ssh imap2 "find $d2/mail -mindepth 1 | wc -l"
assert_eq 0 "$T_STDOUT" "imap2: no mailbox created"
# Ports other than SSH are probed from another node: on a site (netns lab)
# the firewall lets the admin's side reach SSH only.
probe() { # FROM_NODE CMD: the exit status of CMD run on FROM_NODE, as "rc=N"
	lab_ssh "$1" "$2 >/dev/null 2>&1; echo rc=\$?"
}
tcp_cmd() { echo "bash -c 'exec 3<>/dev/tcp/$1/$2'"; } # HOST PORT
run lab_ssh imap2 "bash -c 'exec 3<>/dev/tcp/$(node_ip imap1)/$LAB_IMAP_PORT; head -c 4 <&3'"
assert_eq "* OK" "$T_STDOUT" "imap1 answers IMAP on $LAB_IMAP_PORT (from imap2)"

"$LAB_SH" dovecot-version imap2 2.4.1 >/dev/null || fail "dovecot-version"
run lab_ssh imap2 'dovecot --version'
assert_eq "2.4.1 (abcdef1234)" "$T_STDOUT" "dovecot-version imap2 2.4.1"
"$LAB_SH" dovecot-version imap2 real >/dev/null
run lab_ssh imap2 'dovecot --version'
assert_eq "$(/usr/sbin/dovecot --version)" "$T_STDOUT" "dovecot-version imap2 real"

# --- system stand-ins ----------------------------------------------------------
run lab_ssh imap1 getenforce
assert_eq Enforcing "$T_STDOUT" "imap1: getenforce"
run lab_ssh imap2 getenforce
assert_eq Disabled "$T_STDOUT" "imap2: getenforce"
assert_rc 0 "imap1: firewall-cmd --state" lab_ssh imap1 firewall-cmd --state
assert_eq running "$T_STDOUT" "imap1: firewalld running"
assert_rc 252 "imap2: firewall-cmd --state" lab_ssh imap2 firewall-cmd --state
assert_eq "not running" "$T_STDOUT" "imap2: firewalld not running"
assert_rc 1 "imap2: setsebool fails with SELinux disabled" lab_ssh imap2 setsebool -P nis_enabled on
assert_contains $'\n'"$T_ERR"$'\n' $'\nsetsebool:  SELinux is disabled.\n' "imap2: setsebool message (a line of stderr)"
assert_rc 122 "imap1: malformed rich rule refused" lab_ssh imap1 \
	"firewall-cmd --permanent --zone=public --add-rich-rule='rule family=ipv4 bogus accept'"
assert_contains "$T_ERR" "Error: INVALID_RULE: unknown element bogus" "firewall-cmd error text"
run cat "$d1/calls.log"
assert_eq "firewall-cmd --state
firewall-cmd --permanent --zone=public '--add-rich-rule=rule family=ipv4 bogus accept'" "$T_STDOUT" "imap1 calls.log"
run cat "$d2/calls.log"
assert_eq "firewall-cmd --state
setsebool -P nis_enabled on" "$T_STDOUT" "imap2 calls.log"

# --- the site's network (LAB_NETNS=1): names, dual stack, firewall ---------------
if lab_netns; then
	assert_contains "$(cat "$LAB_DIR/site.ini")" "master = $(node_ip master)" "the site file names nodes: $(node_ip master)"
	run getent hosts "$LAB_MASTER_ALIAS"
	assert_contains "$T_STDOUT" "$(node_ip master)" "$LAB_MASTER_ALIAS is an alias of the master"
	assert_not_contains "$(cat "/proc/$LAB_OUTER_PID/root/etc/hosts")" "$LAB_DOMAIN" "the machine's /etc/hosts is untouched"
	cfg=$LAB_DIR/ssh/ssh_config
	for h in "$(node_addr master)" "$(node_addr6 master)" "$LAB_MASTER_ALIAS"; do
		run ssh -F "$cfg" -o HostName="$h" master 'echo $SSH_CONNECTION'
		assert_contains "$T_STDOUT" " ${h/$LAB_MASTER_ALIAS/$(node_addr6 master)} $LAB_SSH_PORT" "ssh to the master as $h (known_hosts knows it)"
	done
	for h in "$(node_ip master)" "$(node_addr master)" "$(node_addr6 master)"; do
		run bash -c "exec 3<>/dev/tcp/$h/$LAB_LDAP_PORT"
		assert_eq 1 "$T_RC" "the admin side cannot reach LDAP on $h"
		assert_contains "$T_ERR" "Connection refused" "the master's firewall rejects it (TCP reset)"
		assert_eq rc=0 "$(probe replica1 "$(tcp_cmd "$h" "$LAB_LDAP_PORT")")" "replica1 reaches LDAP on $h"
	done
	run bash -c "exec 3<>/dev/tcp/$(node_ip imap1)/$LAB_IMAP_PORT"
	assert_contains "$T_ERR" "Connection refused" "the admin side cannot reach IMAP on imap1"
	run lab_ssh replica1 "getent ahostsv4 $(node_ip master) | head -n1; getent ahostsv6 $(node_ip master) | head -n1"
	assert_contains "$T_STDOUT" "$(node_addr master) " "replica1 resolves the master's IPv4 address"
	assert_contains "$T_STDOUT" "$(node_addr6 master) " "replica1 resolves the master's IPv6 address"
fi

# --- Carbonio (only when the stand-ins are there) --------------------------------
ldap_probe() { # HOST: rc=0 when its slapd answers, from another node
	local from=replica1
	[[ $1 == "$(node_ip replica1)" ]] && from=master
	T_RC=$(probe $from "ldapsearch -x -LLL -o nettimeout=3 -H ldap://$1:$LAB_LDAP_PORT -s base -b '' namingContexts")
	[[ $T_RC == rc=0 ]]
}
if [[ -x $LAB_TLIB_HOME/carbonio/labnode && ${LAB_NO_CARBONIO:-0} != 1 ]]; then
	ldap_probe "$(node_ip master)"
	assert_eq rc=0 "$T_RC" "master slapd answers the root DSE (from replica1)"
	for n in replica1 replica2 mta; do
		svc_pid "$n" slapd >/dev/null && fail "$n runs slapd"
		ldap_probe "$(node_ip "$n")"
		assert_eq rc=255 "$T_RC" "$n has no slapd"
	done
	assert_rc 0 "stop-svc master slapd" "$LAB_SH" stop-svc master slapd
	ldap_probe "$(node_ip master)"
	assert_eq rc=255 "$T_RC" "master slapd is down"
	assert_rc 3 "status says not everything is up" "$LAB_SH" status
	assert_rc 0 "start-svc master slapd" "$LAB_SH" start-svc master slapd
	wait_until 10 ldap_probe "$(node_ip master)" || fail "master slapd did not come back"
	ok "master slapd is back"
else
	t_log "SKIP Carbonio checks: no tests/lab/carbonio/labnode (or LAB_NO_CARBONIO=1)"
fi

# --- faults -----------------------------------------------------------------------
assert_rc 0 "stop-svc imap2 sshd" "$LAB_SH" stop-svc imap2 sshd
assert_rc 255 "ssh to imap2 fails while its sshd is stopped" lab_ssh imap2 true
assert_rc 3 "status exit 3 with sshd down" "$LAB_SH" status
assert_contains "$T_STDOUT" "$(printf '%-9s %-26s %-13s' imap2 "$(node_ip imap2):$LAB_SSH_PORT" down)" "status shows imap2 sshd down"
assert_rc 0 "start-svc imap2 sshd" "$LAB_SH" start-svc imap2 sshd
assert_rc 0 "ssh to imap2 works again" lab_ssh imap2 true

assert_rc 0 "stop-svc imap1 dovecot" "$LAB_SH" stop-svc imap1 dovecot
assert_eq rc=1 "$(probe imap2 "$(tcp_cmd "$(node_ip imap1)" "$LAB_IMAP_PORT")")" "imap1 IMAP port closed"
assert_rc 0 "start-svc imap1 dovecot" "$LAB_SH" start-svc imap1 dovecot
assert_eq rc=0 "$(probe imap2 "$(tcp_cmd "$(node_ip imap1)" "$LAB_IMAP_PORT")")" "imap1 IMAP port open again"

assert_rc 0 "hang master" "$LAB_SH" hang master
assert_rc 0 "hung master still accepts TCP" timeout 2 bash -c "exec 3<>/dev/tcp/$(node_ip master)/$LAB_SSH_PORT"
assert_rc 124 "ssh to the hung master never answers" timeout 3 ssh -F "$LAB_DIR/ssh/ssh_config" master true
assert_rc 3 "status exit 3 while master hangs" "$LAB_SH" status
assert_contains "$T_STDOUT" "hung" "status shows the hung sshd"
assert_rc 0 "unhang master" "$LAB_SH" unhang master
assert_rc 0 "ssh to master works again" lab_ssh master true
assert_rc 0 "status: all up again" "$LAB_SH" status

run "$LAB_SH" ps-sample
assert_contains "$T_STDOUT" "$LAB_DIR/bin/sshd -f $LAB_DIR/nodes/master/sshd/sshd_config" "ps-sample lists the lab's sshd"

# --- netns: a second lab at once, same addresses and names, its own namespaces ------
if lab_netns; then
	L2=$LAB_DIR.second
	lab_on_exit "LAB_DIR='$L2' '$LAB_SH' down >/dev/null 2>&1; rm -rf -- '$L2'"
	LAB_DIR=$L2 LAB_NO_CARBONIO=1 "$LAB_SH" up >/dev/null || fail "a second lab did not come up"
	run env LAB_DIR="$L2" "$LAB_SH" ssh master 'echo "$LAB_DIR $SSH_CONNECTION"'
	assert_contains "$T_STDOUT" "$L2 " "the second lab's master answers on $(node_ip master)"
	assert_contains "$T_STDOUT" " $(node_addr6 master) $LAB_SSH_PORT" "at the same address as the first lab's"
	run lab_ssh master 'echo "$LAB_DIR"'
	assert_eq "$LAB_DIR" "$T_STDOUT" "the first lab's master still answers here"
	assert_rc 0 "the second lab goes down" env LAB_DIR="$L2" "$LAB_SH" down
	assert_rc 0 "and leaves nothing (processes, namespaces, links)" env LAB_DIR="$L2" "$LAB_SH" leftovers
	rm -rf -- "$L2"
fi

# --- down: twice, nothing left --------------------------------------------------------
# A session left open must not survive down either.
lab_ssh imap1 'sleep 300' &
sleep 0.5
timed T_DOWN "$LAB_SH" down || fail "lab.sh down failed"
t_log "down took ${T_DOWN} s"
wait
assert_lab_gone
assert_rc 0 "second down" "$LAB_SH" down
assert_contains "$T_STDOUT" "lab is down" "second down says the lab is down"
assert_rc 3 "status exit 3 when down" "$LAB_SH" status
echo "TIMES up=${T_UP}s down=${T_DOWN}s"
