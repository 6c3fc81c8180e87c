#!/bin/bash
# The install-replica procedure (assets/procedures/install-replica.ini) as a
# plain shell script of `ssh host cmd`, one replica, passwords given: the
# baseline of bench figure 6. Same steps, same order, same waits (3 s retry
# cadence); no journal, no resume, no dry run, no answer_queries part.
#   LAB_DIR=... bench/install-plain.sh REPLICA_IP   (password on stdin)
set -euo pipefail
LAB_DIR=${LAB_DIR:?}
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"
R=${1:?replica address}
M=$LAB_IP_MASTER
PW=$(head -n 1)
node_of() { awk -v ip="$1" '$1 == "Host" && $3 == ip { print $2 }' "$LAB_DIR/ssh/ssh_config"; }
RN=$(node_of "$R")
MP=$LAB_DIR/nodes/master/opt/zextras
RP=$LAB_DIR/nodes/$RN/opt/zextras
RB=$LAB_DIR/nodes/$RN/usr/bin/carbonio-bootstrap
S() { local h=$1; shift; ssh -F "$LAB_DIR/ssh/ssh_config" "$h" -- "$@"; }
Z() { local h=$1; shift; S "$h" "su - zextras -c $(printf %q "$*")"; }
step() { printf '== %s\n' "$*"; }
fails() { echo "install-plain: $*" >&2; exit 1; }

step preflight
for h in master "$RN"; do [[ $(S "$h" id -u) == 0 ]] || fails "not root on $h"; done
for h in master "$RN"; do S "$h" '. /etc/os-release && echo "$ID $VERSION_ID"' >/dev/null; done
Z master "$MP/bin/zmlocalconfig -m shell zimbra_server_hostname ldap_master_url ldap_url ldap_is_master" |
	grep -q "^ldap_master_url='ldap" || fails "master not bootstrapped"
S "$RN" "timeout 5 bash -c 'exec 3<>\"/dev/tcp/\$0/\$1\"' $M $LAB_LDAP_PORT" || fails "no LDAP port"
for h in master "$RN"; do
	S "$h" 'systemctl is-enabled carbonio-directory-server.target 2>/dev/null | grep -qx enabled || echo zmcontrol' >/dev/null
done
S "$RN" "$RP/bin/zmlocalconfig -m nokey zimbra_server_hostname; test -e $RP/.enable_replica || true" >/dev/null

step enable-replication
S master "$MP/libexec/zmldapenablereplica" || true

step verify-passwords
pwf=$(mktemp) && chmod 600 "$pwf" && printf '%s' "$PW" >"$pwf"
trap 'rm -f "$pwf"' EXIT
for dn in uid=zimbra,cn=admins,cn=zimbra uid=zmreplica,cn=admins,cn=zimbra cn=config; do
	ldapwhoami -x -H "ldap://$M:$LAB_LDAP_PORT" -D "$dn" -y "$pwf" >/dev/null || fails "bind $dn"
done
rm -f "$pwf"

step install-package
S "$RN" "test -d $RP/common/etc/openldap/schema || DEBIAN_FRONTEND=noninteractive apt-get install -y carbonio-directory-server" >/dev/null

step bootstrap
{
	printf 'HOSTNAME=%s\nLDAPHOST=%s\nLDAPPORT=%s\n' "$R" "$M" "$LAB_LDAP_PORT"
	for k in LDAPADMINPASS LDAPROOTPASS LDAPREPPASS LDAPPOSTPASS LDAPAMAVISPASS ldap_nginx_password; do
		printf '%s=%s\n' "$k" "$PW"
	done
} | S "$RN" "f=\$(mktemp /tmp/rw-bootstrap.XXXXXX) || exit 1
trap 'rm -f \"\$f\"' EXIT HUP INT TERM
cat > \"\$f\" || exit 1
$RB -c \"\$f\"; rc=\$?
find $RP -maxdepth 1 -name 'config.[0-9]*' -newer \"\$f\" -exec rm -f {} +
exit \$rc" >/dev/null

step bootstrap-result
Z "$RN" "$RP/bin/zmlocalconfig -m nokey ldap_url" | grep -qx "ldap://$R:$LAB_LDAP_PORT ldap://$M:$LAB_LDAP_PORT" ||
	fails "ldap_url after bootstrap"

step test-account
# a local domain, the default first (find-domain's way: `gad` lists alias
# domains too, where `ca` is refused)
d=$(Z master "p=$MP/bin/zmprov
d=\$(\$p -l gcf zimbraDefaultDomainName | sed -n 's/^zimbraDefaultDomainName: //p' | head -n 1)
if test -z \"\$d\" || ! \$p -l gd \"\$d\" zimbraDomainType | grep -qx 'zimbraDomainType: local'; then
  d=\$(\$p -l gad -v | awk '/^# name /{n=\$3} /^zimbraDomainType: local\$/{print n; exit}')
fi
echo \"\$d\"")
[[ -n $d ]] || fails "no local domain on the master"
acct=rw-plain-$$@$d
out=$(printf 'ca %s %s\n' "$acct" "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" | Z master "$MP/bin/zmprov -l")
! grep -q '^ERROR' <<<"$out" || fails "create $acct: $out"

step wait-replicated
for ((i = 0; ; i++)); do
	Z "$RN" "$RP/bin/zmprov -l gaa" | grep -Fxiq "$acct" && break
	((i < 50)) || fails "$acct did not reach the replica"
	sleep 3
done
for ((i = 0; ; i++)); do
	Z "$RN" "$RP/libexec/zmreplchk" | grep -q 'Code: 0 Status: In Sync' && break
	((i < 30)) || fails "the replica is not In Sync"
	sleep 3
done

step delete-test-account
echo y | Z master "$MP/bin/zmprov -l da $acct" >/dev/null
echo "install-plain: complete."
