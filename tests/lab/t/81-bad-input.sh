#!/bin/bash
# Bad input on the command line, in the site file and in the password
# variables: every case exits 2 with a message naming what is wrong, prints
# no raw control byte, and NOTHING runs. The proof: every node of the site
# points at one TCP listener that counts accepted connections; it must count
# 0 after the whole table, and counts again for a good control run.
# (No lab needed: the listener stands in for every node.)
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=$ROOT/replica-wizard
[[ -x $RW ]] || fail "build replica-wizard first (make)"
W=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$W/state
unset REPLICA_WIZARD_LDAP_PASSWORD REPLICA_WIZARD_DOVEADM_PASSWORD REPLICA_WIZARD_SSH_PASSWORD
cleanup() {
	[[ -n ${LISTENER:-} ]] && kill "$LISTENER" 2>/dev/null
	rm -rf -- "$W"
}
lab_on_exit cleanup

# --- the counting listener ---------------------------------------------------
perl -MIO::Socket::INET -e '
	my ($pf, $log) = @ARGV;
	my $s = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => 0, Listen => 64, ReuseAddr => 1)
		or die "listen: $!";
	open(my $p, ">", $pf) or die; print $p $s->sockport, "\n"; close $p;
	while (my $c = $s->accept) { open(my $f, ">>", $log); print $f "accept\n"; close $f; close $c; }
' "$W/port" "$W/accepts" </dev/null >/dev/null 2>&1 &
LISTENER=$!
wait_until 5 test -s "$W/port" || fail "the counting listener did not start"
PORT=$(cat "$W/port")
: >"$W/accepts"
: >"$W/kh"
accepts() { wc -l <"$W/accepts"; }

M=127.0.0.2 R=127.0.0.3
good_site() {
	printf '[ssh]\nport = %s\nknown_hosts = %s\n[carbonio]\nmaster = %s\nreplicas = %s\n' "$PORT" "$W/kh" "$M" "$R"
	printf '[dovecot]\nservers = 127.0.0.6 127.0.0.7\n'
}
good_site >"$W/good.ini"

n=0
# bad RC NEEDLE CMD...: exits RC, says NEEDLE, no raw control byte, no connection
bad() {
	local want=$1 needle=$2 before
	shift 2
	before=$(accepts)
	run timeout 20 "$@"
	n=$((n + 1))
	[[ $T_RC == "$want" ]] || fail "case $n ($*): expected rc $want, got $T_RC: $T_OUT"
	[[ $T_OUT == *"$needle"* ]] || fail "case $n ($*): [$needle] not in [$T_OUT]"
	if printf '%s' "$T_OUT" | LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' ||
		printf '%s\n' "$T_OUT" | LC_ALL=C.UTF-8 grep -qaxv '.*'; then
		fail "case $n ($*): a raw control byte or invalid UTF-8 reached the output: $(printf '%s' "$T_OUT" | od -c | head -3)"
	fi
	[[ $(accepts) == "$before" ]] || fail "case $n ($*): a connection was made"
	ok "case $n: ${T_OUT%%$'\n'*}"
}
# site CASE TEXT NEEDLE: a site file case through install --batch --yes
site() {
	printf '%b' "$2" >"$W/$1.ini"
	bad 2 "$3" "$RW" install --batch --yes --site "$W/$1.ini"
}
S2() { printf '[ssh]\\nport = %s\\n[carbonio]\\nmaster = %s\\nreplicas = %s\\n' "$PORT" "$1" "$2"; }
LONG=$(head -c 1100 /dev/zero | tr '\0' a)

# --- the site file ---------------------------------------------------------------
site badhost "$(S2 bad_host $R)" '[carbonio] master: "bad_host" is not a valid host name'
site port0 '[ssh]\nport = 0\n[carbonio]\nmaster = 127.0.0.2\nreplicas = 127.0.0.3\n' '[ssh] port: "0" is not a valid port'
site port70000 '[ssh]\nport = 70000\n[carbonio]\nmaster = 127.0.0.2\nreplicas = 127.0.0.3\n' '[ssh] port: "70000" is not a valid port'
site same "$(S2 $M $M)" 'is the master: a replica must be another node'
site empty "$(S2 '' $R)" '[carbonio] master: a value is required'
site long "$(S2 "$LONG.com" $R)" 'at most 1024'
site ctrl "$(S2 '127.0.0\x01.2' $R)" 'control character U+0001'
site esc "$(S2 $M $R)prefix = /opt/\x1b[2Jz\n" 'control character U+001B'
site nonutf8 "$(S2 $M $R)prefix = /opt/\xff\xfe\n" 'invalid UTF-8'
site dupsec "$(S2 $M $R)[carbonio]\nmaster = 127.0.0.4\n" 'duplicate section'
site dupkey "$(S2 $M $R)master = 127.0.0.4\n" 'duplicate key'
site secret "$(S2 $M $R)password = x\n" 'looks like a secret'
site ldapport "$(S2 $M $R)ldap_port = 0\n" '[carbonio] ldap_port'
site ipv4 "$(S2 300.1.1.1 $R)" 'is not a valid IPv4 address'
bad 2 'cannot open site file' "$RW" install --batch --yes --site "$W/missing.ini"

# --- the command line ------------------------------------------------------------
bad 2 'not a replica of the site' "$RW" install --batch --yes --site "$W/good.ini" --replica 127.0.0.9
bad 2 'not a replica of the site' "$RW" install --batch --yes --site "$W/good.ini" --replica "$M"
bad 2 '"bad_host": not a replica' "$RW" install --batch --yes --site "$W/good.ini" --replica bad_host
bad 2 '"": not a replica' "$RW" install --batch --yes --site "$W/good.ini" --replica ''
bad 2 '\x1b[2J' "$RW" install --batch --yes --site "$W/good.ini" --replica $'127.0.0.3\e[2J'
bad 2 '\xff' "$RW" install --batch --yes --site "$W/good.ini" --replica $'127.0.0.3\xff'
bad 2 'option --replica needs a value' "$RW" install --batch --yes --site "$W/good.ini" --replica
bad 2 'unknown option --bogus' "$RW" install --batch --yes --site "$W/good.ini" --bogus
bad 2 'unexpected argument' "$RW" install --batch --yes --site "$W/good.ini" extra
bad 2 'nothing to resume' "$RW" install --batch --yes --resume --site "$W/good.ini"
bad 2 'name the replica(s) to remove' "$RW" remove --batch --yes --site "$W/good.ini"
bad 2 'refusing to remove the master' "$RW" remove --batch --yes --site "$W/good.ini" --replica "$M"
bad 2 "unknown command 'frobnicate'" "$RW" frobnicate
bad 2 '--format yaml' "$RW" dashboard --once --site "$W/good.ini" --format yaml
bad 2 'not a directory' "$RW" dashboard --site "$W/good.ini" --textfile "$W/missing"
bad 2 'not a directory' "$RW" dashboard --site "$W/good.ini" --textfile "$W/good.ini"
bad 2 'leave out --format' "$RW" dashboard --site "$W/good.ini" --textfile "$W" --format json

# --- passwords Carbonio refuses: checked before anything connects -------------------
for pw in 'a$b1234' 'a\b1234' "it's1234" 'with space' 'abc12' $'new\nline12'; do
	REPLICA_WIZARD_LDAP_PASSWORD=$pw bad 2 'REPLICA_WIZARD_LDAP_PASSWORD: the password' \
		"$RW" install --batch --yes --site "$W/good.ini"
	[[ $T_OUT != *"$pw"* ]] || fail "the refused password is printed"
done
REPLICA_WIZARD_DOVEADM_PASSWORD='short' bad 2 'REPLICA_WIZARD_DOVEADM_PASSWORD' \
	"$RW" dovecot --batch --yes --site "$W/good.ini"
REPLICA_WIZARD_DOVEADM_PASSWORD='has space and $ in it' bad 2 'REPLICA_WIZARD_DOVEADM_PASSWORD' \
	"$RW" dovecot --batch --yes --site "$W/good.ini"

((n >= 30)) || fail "only $n cases"
assert_eq 0 "$(accepts)" "$n bad inputs, not one connection"

# --- control: the listener does count a run that gets going ---------------------
REPLICA_WIZARD_LDAP_PASSWORD=goodpass1 run timeout 30 "$RW" install --batch --yes --site "$W/good.ini"
(($(accepts) > 0)) || fail "the control run made no connection: the listener proves nothing ($T_OUT)"
ok "control: a good site and password do connect ($(accepts) accepts; rc $T_RC: ${T_OUT##*$'\n'})"
