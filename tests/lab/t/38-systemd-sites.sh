#!/bin/bash
# Install (--answer-queries) and removal (--disable-ldap) on systemd sites
# (carbonio-tools.md §10.1-10.3), with the lab's systemctl stand-in that
# behaves like systemd 252 (is-enabled stops at the first unknown unit):
#   - an all-systemd site (two replicas), then a mixed one (master legacy,
#     MTA and replica on systemd; one replica): every run ends with exit 0;
#   - the service manager is told target by target: the MTA (no directory
#     target) is a systemd node;
#   - services restart through the ENABLED role targets only, never
#     carbonio.target (which would start a target the admin disabled);
#     zmcontrol, which refuses on a systemd node, is never run there;
#   - the removed replica's directory target and openldap service are
#     disabled (and stopped): they stay down after a reboot.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
STATE=$(mktemp -d)
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup

P() { printf '%s/nodes/%s/opt/zextras' "$LAB_DIR" "$1"; }
lc() { lab_ssh "$1" "su - zextras -c '$(P "$1")/bin/zmlocalconfig -m nokey $2'"; }
calls() { grep -h '^systemctl \|^zmcontrol' "$LAB_DIR/nodes/$1/calls.log" 2>/dev/null; }
sysctl() { local n=$1; shift; lab_ssh "$n" systemctl "$@"; }

site_round() { # LABEL N: install N replicas (1 or 2) answering queries, then remove replica1
	local label=$1 two=$2 M R1 R2 PORT reps
	M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2) PORT=$LAB_LDAP_PORT
	export REPLICA_WIZARD_STATE_DIR=$STATE/state-$label
	# one replica: replica2's [host] section stays (a spare host)
	reps=$R1
	[[ $two == 2 ]] && reps="$R1 $R2"
	sed "s/^replicas = .*/replicas = $reps/" "$LAB_DIR/site.ini" >"$STATE/site-$label.ini"
	local SITE=$STATE/site-$label.ini
	for n in master replica1 replica2 mta; do : >"$LAB_DIR/nodes/$n/calls.log"; done

	local want="ldap://$R1:$PORT ldap://$M:$PORT" after="ldap://$M:$PORT"
	if [[ $two == 2 ]]; then
		want="ldap://$R1:$PORT ldap://$R2:$PORT ldap://$M:$PORT" after="ldap://$R2:$PORT ldap://$M:$PORT"
		assert_rc 0 "$label: install both replicas with --answer-queries" \
			"$RW" install --batch --yes --answer-queries --site "$SITE"
	else
		assert_rc 0 "$label: install replica1 with --answer-queries" \
			"$RW" install --batch --yes --answer-queries --site "$SITE" --replica "$R1"
	fi
	printf '%s\n' "$T_OUT" >"$STATE/install-$label.out"
	assert_eq "$want" "$(lc mta ldap_url)" "$label: the MTA asks the replicas first"
	assert_eq "$want" "$(lc master ldap_url)" "$label: the master too"

	assert_rc 0 "$label: remove replica1 with --disable-ldap" \
		"$RW" remove --batch --yes --disable-ldap --site "$SITE" --replica "$R1"
	printf '%s\n' "$T_OUT" >"$STATE/remove-$label.out"
	assert_eq "$after" "$(lc mta ldap_url)" "$label: the MTA's ldap_url no longer lists replica1"
	run lab_ssh replica1 "su - zextras -c 'LAB_VIA_SYSTEMD=1 $(P replica1)/bin/ldap status'"
	assert_eq 1 "$T_RC" "$label: the removed replica's slapd is stopped"
}

# ================================ all systemd ================================
LAB_SYSTEMD_NODES=all lab_up
# The stand-in is as strict as systemd 252: one unknown unit ends the answer.
run sysctl mta is-enabled carbonio-directory-server.target carbonio-mta.target
assert_eq 1 "$T_RC" "systemctl is-enabled stops at the first unknown unit (exit 1)"
assert_eq "" "$T_STDOUT" "and says nothing of the units after it"
assert_contains "$T_ERR" "Failed to get unit file state for carbonio-directory-server.target" \
	"it names the unknown unit"
run lab_ssh mta "su - zextras -c '$(P mta)/bin/zmcontrol restart'"
assert_eq 1 "$T_RC" "zmcontrol refuses on a systemd node (exit 1)"
assert_contains "$T_STDOUT" "Services are now handled by systemd" "with the real message"

# a second role on the MTA, disabled by the admin: it must stay down
lab_ssh mta "apt-get install -y carbonio-proxy" >/dev/null || fail "install carbonio-proxy on the MTA"
sysctl mta disable carbonio-proxy.target 2>/dev/null || fail "disable carbonio-proxy.target"

site_round systemd 2
for n in master mta; do
	c=$(calls "$n")
	assert_not_contains "$c" "carbonio.target" "systemd: $n: carbonio.target never started or stopped"
	assert_not_contains "$c" "zmcontrol" "systemd: $n: zmcontrol never run"
done
assert_contains "$(calls mta)" "systemctl stop carbonio-mta.target" "systemd: the MTA's own target stopped (systemd node without a directory target)"
assert_contains "$(calls mta)" "systemctl start carbonio-mta.target" "systemd: and started again"
assert_contains "$(calls mta)" "systemctl restart carbonio-mta.target" "systemd: and restarted by the removal"
assert_eq "" "$(calls mta | grep -E '^systemctl (start|restart|stop) .*carbonio-proxy')" \
	"systemd: the disabled proxy target is left alone"
run sysctl mta is-active carbonio-proxy.target
assert_eq inactive "$T_STDOUT" "systemd: the disabled proxy target is still down"
assert_contains "$(calls master)" "systemctl restart carbonio-directory-server.target" "systemd: the master's directory target restarted"
run sysctl replica1 is-enabled carbonio-directory-server.target carbonio-openldap.service
assert_eq $'disabled\ndisabled' "$T_STDOUT" "systemd: the removed replica's target and service are disabled"
assert_contains "$(cat "$STATE/remove-systemd.out")" "stay down after a reboot" "systemd: the removal says so"
"$LAB_SH" down >/dev/null || fail "lab down"

# ================================== mixed ===================================
LAB_SYSTEMD_NODES="mta replica1" lab_up
site_round mixed 1
assert_eq "" "$(calls master | grep -E '^systemctl (start|stop|restart|enable|disable)')" \
	"mixed: the legacy master is not driven through systemctl (only asked, target by target)"
run lab_ssh master "su - zextras -c '$(P master)/bin/ldap status'"
assert_eq 0 "$T_RC" "mixed: the legacy master's slapd runs (restarted with zmcontrol)"
assert_contains "$(calls mta)" "systemctl restart carbonio-mta.target" "mixed: the systemd MTA restarted through its target"
run sysctl replica1 is-enabled carbonio-directory-server.target
assert_eq disabled "$T_STDOUT" "mixed: the removed systemd replica's target is disabled"
