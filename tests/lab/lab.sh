#!/bin/bash
# The lab: real sshd, slapd and Dovecot 2.3 per node, each node in its own
# network namespace (LAB_NETNS=1) or on a 127.x loopback address (LAB_NETNS=0),
# plus Carbonio stand-ins. Contract: tests/lab/README.md.
#   lab.sh up | down | status | site | env | ssh NODE CMD... | admin CMD...
#   lab.sh stop-svc|start-svc NODE sshd|slapd|dovecot | hang|unhang NODE
#   lab.sh syncrepl-break|syncrepl-mend NODE | dovecot-version NODE VERSION|real
#   lab.sh rebuild NODE     (wipe a Carbonio node: a fresh replica candidate)
#   lab.sh ps-sample | admin-up | leftovers | admin-ldap open|closed
# LAB_SYSTEMD_NODES="master mta" (or all) makes those Carbonio nodes systemd
# nodes: role targets per installed package, zmcontrol and bin/ldap refuse.
set -euo pipefail
umask 022
LAB_HOME=$(cd -- "$(dirname -- "$(readlink -f -- "$0")")" && pwd)
# shellcheck source=lib/common.sh
. "$LAB_HOME/lib/common.sh"
# shellcheck source=lib/netns.sh
. "$LAB_HOME/lib/netns.sh"
LABNODE=$LAB_HOME/carbonio/labnode
# Each lab runs its own copy of sshd, $LAB_DIR/bin/sshd: /proc/PID/exe then
# identifies every session process of this lab (their titles are rewritten).
SYS_SSHD=/usr/sbin/sshd
DOVECOT=/usr/sbin/dovecot

say() { printf 'lab: %s\n' "$*"; }
warn() { printf 'lab: WARNING: %s\n' "$*" >&2; }
die() {
	printf 'lab: ERROR: %s\n' "$*" >&2
	exit 1
}
usage() {
	sed -n '5,10p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
need_node() { is_node "${1:-}" || die "unknown node '${1:-}' (nodes: ${LAB_NODES[*]})"; }
# LAB_NO_CARBONIO=1 skips the Carbonio layout (sshd only on those nodes).
have_labnode() { [[ ${LAB_NO_CARBONIO:-0} != 1 && -x $LABNODE ]]; }

render() { # TEMPLATE NODE > output
	local n=$2
	local af=inet listen6="# (no IPv6 on loopback)" listen
	listen=$(node_addr "$n")
	if lab_netns; then
		af=any listen6="ListenAddress $(node_addr6 "$n")" listen="*, ::"
	fi
	sed -e "s|@NODE@|$n|g" -e "s|@IP@|$(node_addr "$n")|g" \
		-e "s|@AF@|$af|g" -e "s|@LISTEN6@|$listen6|g" -e "s|@LISTEN@|$listen|g" \
		-e "s|@NODEDIR@|$(node_dir "$n")|g" -e "s|@LAB_DIR@|$LAB_DIR|g" \
		-e "s|@SSH_PORT@|$LAB_SSH_PORT|g" -e "s|@IMAP_PORT@|$LAB_IMAP_PORT|g" \
		-e "s|@LAB_ID@|$(lab_id)|g" -e "s|@VMAIL_UID@|$(id -u vmail)|g" -e "s|@VMAIL_GID@|$(id -g vmail)|g" \
		"$LAB_HOME/templates/$1"
}

# Refuse to wipe anything that does not look like a lab directory.
check_lab_dir() {
	[[ $LAB_DIR == /* ]] || die "LAB_DIR must be absolute: $LAB_DIR"
	[[ $LAB_DIR =~ ^/[^/]+/[^/]+ ]] || die "LAB_DIR is too short to be safe: $LAB_DIR"
	[[ $LAB_DIR != *[[:space:]\|]* ]] || die "LAB_DIR must not contain spaces or '|': $LAB_DIR"
	if [[ -e $LAB_DIR && ! -e $LAB_DIR/.replica-wizard-lab ]] &&
		[[ -n $(ls -A -- "$LAB_DIR" 2>/dev/null) ]]; then
		die "$LAB_DIR exists, is not empty and is not a lab directory; refusing to use it"
	fi
}

# --- up ---------------------------------------------------------------------

ensure_system() {
	if [[ ! -d /run/sshd ]]; then
		mkdir -m 0755 /run/sshd
		say "created /run/sshd"
	fi
	if ! id zextras >/dev/null 2>&1; then
		useradd --system --create-home --home-dir /var/lib/zextras-lab --shell /bin/bash \
			--user-group zextras
		say "created system user zextras"
	fi
	if ! id vmail >/dev/null 2>&1; then
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin vmail
		say "created system user vmail"
	fi
}

# Every port of the lab on every lab address (or a wildcard) must be free.
preflight_ports() {
	local n ip p addr busy=0 line
	local -a want=()
	lab_netns && return 0 # fresh namespaces: nothing listens there yet
	for n in "${LAB_NODES[@]}"; do
		ip=$(node_addr "$n")
		want+=("$ip:$LAB_SSH_PORT")
		is_carbonio_node "$n" && want+=("$ip:$LAB_LDAP_PORT")
		is_dovecot_node "$n" && want+=("$ip:$LAB_IMAP_PORT" "$ip:$LAB_DOVEADM_PORT")
	done
	while read -r line; do
		addr=$(awk '{ print $4 }' <<<"$line")
		for p in "${want[@]}"; do
			if [[ $addr == "$p" || $addr == "0.0.0.0:${p##*:}" || $addr == "*:${p##*:}" ]]; then
				printf 'lab: port %s already in use: %s\n' "$p" "$line" >&2
				busy=1
			fi
		done
	done < <(ss -Hltnp)
	((busy == 0)) || die "ports busy (not by this lab). Override e.g. LAB_NET=127.77.9 or LAB_SSH_PORT=2223 $0 up"
}

make_ssh() {
	local d=$LAB_DIR/ssh n ip
	mkdir -m 0700 "$d"
	ssh-keygen -q -t ed25519 -N '' -C "replica-wizard-lab" -f "$d/labkey"
	cp "$d/labkey.pub" "$d/authorized_keys"
	for n in "${LAB_NODES[@]}"; do
		mkdir -p "$(node_dir "$n")/sshd"
		ssh-keygen -q -t ed25519 -N '' -C "lab-$n" -f "$(node_dir "$n")/sshd/ssh_host_ed25519_key" &
	done
	wait
	: >"$d/known_hosts"
	: >"$d/ssh_config"
	for n in "${LAB_NODES[@]}"; do
		ip=$(node_host "$n")
		local key h
		key=$(cut -d' ' -f1,2 "$(node_dir "$n")/sshd/ssh_host_ed25519_key.pub")
		for h in $(node_ssh_names "$n"); do
			printf '[%s]:%s %s\n' "$h" "$LAB_SSH_PORT" "$key" >>"$d/known_hosts"
		done
		cat >>"$d/ssh_config" <<-CFG
			Host $n $(node_ssh_names "$n" | tr '\n' ' ')
			  HostName $ip
			  Port $LAB_SSH_PORT
			  User root
			  IdentityFile $d/labkey
			  IdentitiesOnly yes
			  UserKnownHostsFile $d/known_hosts
			  GlobalKnownHostsFile /dev/null
			  StrictHostKeyChecking yes
			  BatchMode yes
			  ConnectTimeout 5
			  LogLevel ERROR

		CFG
		render sshd_config.in "$n" >"$(node_dir "$n")/sshd/sshd_config"
	done
}

# Every name and address a node is known by (its known_hosts lines), the
# site file's first.
node_ssh_names() {
	node_host "$1"
	if lab_netns; then
		if [[ $1 == master ]]; then echo "$LAB_MASTER_ALIAS"; fi
		node_addr "$1"
		node_addr6 "$1"
	fi
}

make_dovecot_node() {
	local n=$1 d
	d=$(node_dir "$n")
	mkdir -p "$d/bin" "$d/dovecot/conf.d" "$d/dovecot/state" "$d/dovecot/log" "$d/firewalld"
	render dovecot.conf.in "$n" >"$d/dovecot/dovecot.conf"
	install -m 0640 -g dovecot /dev/null "$d/dovecot/users"
	cat "$LAB_HOME/templates/dovecot-users.in" >"$d/dovecot/users"
	install -d -m 0700 -o vmail -g vmail "$d/mail"
	cp -p "$LAB_HOME"/sys/* "$d/bin/"
	# a systemd node (LAB_SYSTEMD_NODES): Dovecot is dovecot.service there
	if [[ " ${LAB_SYSTEMD_NODES:-} " == *" $n "* || ${LAB_SYSTEMD_NODES:-} == all ]]; then
		: >"$d/systemd"
	fi
	# imap1 looks like an enforcing RHEL box with firewalld, imap2 like one
	# without SELinux and firewalld: the wizard's two code paths.
	if node_has_firewalld "$n"; then
		echo Enforcing >"$d/selinux-state"
		echo running >"$d/firewalld/state"
		# as on many sites, the interface toward the partner is not in
		# the default zone: the rules must go where its traffic arrives
		# shellcheck disable=SC2046
		printf '%s internal\n' "$($(lab_nsexec "$n") ip -o route get "$(node_addr "$(dovecot_partner "$n")")" | sed -n 's/.* dev \([^ ]*\).*/\1/p')" \
			>"$d/firewalld/interfaces"
		# netns: its rich rules become rules of the node's site firewall
		if lab_netns; then echo "$NETNS_RICH_CHAIN" >"$d/firewalld/nft-chain"; fi
	else
		echo Disabled >"$d/selinux-state"
		echo "not running" >"$d/firewalld/state"
	fi
	printf '%s off\n' nis_enabled httpd_can_network_connect dovecot_can_connect_db >"$d/selinux-booleans"
	: >"$d/calls.log"
}

# The lab's own CA (as Carbonio has its own, keeping ca.pem under each
# node's prefix at conf/ca/ca.pem): labnode init signs each Carbonio node's
# slapd certificate with it, so slapd offers StartTLS with a certificate a
# client can verify against that CA. ca.key stays here, mode 0600.
make_lab_ca() {
	mkdir -p "$LAB_DIR/ca"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
		-subj "/CN=replica-wizard lab CA $LAB_NET" -keyout "$LAB_DIR/ca/ca.key" \
		-out "$LAB_DIR/ca/ca.pem" >"$LAB_DIR/ca/openssl.log" 2>&1 ||
		die "openssl: cannot make the lab CA (see $LAB_DIR/ca/openssl.log)"
	chmod 0600 "$LAB_DIR/ca/ca.key"
	chmod 0644 "$LAB_DIR/ca/ca.pem"
}

# A node rebuilt under the same name: its Carbonio state wiped and made
# again as a replica candidate (not bootstrapped), as after a reinstall.
cmd_rebuild() { # NODE
	local n=${1:-}
	is_node "$n" || die "usage: lab.sh rebuild NODE"
	lab_load_env
	make_carbonio_node "$n" replica || die "rebuild of $n failed"
	say "rebuilt $n: a fresh replica candidate"
}

make_carbonio_node() { # NODE ROLE; runs in a background job
	local n=$1 d
	d=$(node_dir "$n")
	local sysd=0
	[[ " ${LAB_SYSTEMD_NODES:-} " == *" $n "* || ${LAB_SYSTEMD_NODES:-} == all ]] && sysd=1
	NODE_NAME=$n NODE_IP=$(node_addr "$n") MASTER_NAME=master MASTER_IP=$(node_addr master) \
		NODE_HOST=$(node_host "$n") MASTER_HOST=$(node_host master) MTA_IP=$(node_host mta) \
		MASTER_ALIAS=$(lab_netns && echo "$LAB_MASTER_ALIAS") \
		LDAP_PORT=$LAB_LDAP_PORT LAB_PASS=$LAB_PASS LAB_DIR=$LAB_DIR LAB_SYSTEMD=$sysd \
		"$LABNODE" init "$d" "$2" </dev/null >"$d/labnode-init.log" 2>&1 ||
		{
			echo "lab: labnode init $n $2 failed:" >&2
			tail -n 20 "$d/labnode-init.log" >&2
			return 1
		}
}

start_sshd() {
	local n=$1 d
	d=$(node_dir "$n")
	rm -f "$d/sshd/sshd.pid"
	[[ -x $LAB_DIR/bin/sshd ]] || install -D -m 0755 "$SYS_SSHD" "$LAB_DIR/bin/sshd"
	# shellcheck disable=SC2046
	lab_spawn "$d/sshd/sshd-stderr.log" $(lab_nsexec "$n") "$LAB_DIR/bin/sshd" -f "$d/sshd/sshd_config" -E "$d/sshd/sshd.log" ||
		die "sshd of $n failed to start: $(tail -n 3 "$d/sshd/sshd-stderr.log" "$d/sshd/sshd.log" 2>/dev/null)"
	lab_wait_for 5 svc_pid "$n" sshd >/dev/null || die "sshd of $n did not write its PID file"
}

start_dovecot() {
	local n=$1 d
	d=$(node_dir "$n")
	# shellcheck disable=SC2046
	lab_spawn "$d/dovecot/log/dovecot-stderr.log" $(lab_nsexec "$n") "$DOVECOT" -c "$d/dovecot/dovecot.conf" ||
		die "dovecot of $n failed to start: $(tail -n 5 "$d/dovecot/log/dovecot-stderr.log" "$d/dovecot/log/dovecot.log" 2>/dev/null)"
	lab_wait_for 5 svc_pid "$n" dovecot >/dev/null || die "dovecot of $n did not start"
	lab_wait_for 5 test -S "$d/dovecot/run/auth-userdb" || die "dovecot of $n: no auth-userdb socket"
}

start_slapd() {
	local n=$1 prefix
	prefix=$(node_prefix "$n")
	[[ -x $prefix/bin/ldap ]] || die "$n has no $prefix/bin/ldap (Carbonio stand-ins missing)"
	# shellcheck disable=SC2046
	lab_spawn "$prefix/log/lab-ldap-start.log" $(lab_nsexec "$n") su - zextras -c "LAB_VIA_SYSTEMD=1 $prefix/bin/ldap start" ||
		die "slapd of $n failed to start: $(tail -n 5 "$prefix/log/lab-ldap-start.log")"
	lab_wait_for 10 svc_pid "$n" slapd >/dev/null || die "slapd of $n did not write its PID file"
}

stop_slapd() {
	local n=$1 prefix pid
	prefix=$(node_prefix "$n")
	[[ -x $prefix/bin/ldap ]] || die "$n has no $prefix/bin/ldap"
	pid=$(svc_pid "$n" slapd) || return 0
	lab_spawn "$prefix/log/lab-ldap-stop.log" su - zextras -c "LAB_VIA_SYSTEMD=1 $prefix/bin/ldap stop" || true
	lab_wait_for 10 pid_gone "$pid" || true
}
pid_gone() { ! pid_alive "$1"; }

listening() { # NODE PORT: something listens on the node's address (any, in its namespace)
	if lab_netns; then
		[[ -n $(ss -N "$(lab_ns "$1")" -Hltn "sport = :$2") ]]
	else
		[[ -n $(ss -Hltn "src $(node_addr "$1"):$2") ]]
	fi
}

seed_welcome() { # NODE: one Welcome message per user, on imap1 (imap3) only (see README)
	local n=${1:-imap1} d u
	d=$(node_dir "$n")
	while IFS=: read -r u _; do
		[[ -n $u ]] || continue
		sed -e "s|@USER@|$u|g" -e "s|@NODE@|$n|g" -e "s|@DATE@|$(date -R)|g" \
			"$LAB_HOME/templates/welcome.eml.in" |
			/usr/bin/doveadm -c "$d/dovecot/dovecot.conf" save -u "$u" ||
			die "doveadm save of the Welcome message for $u on $n failed"
	done <"$d/dovecot/users"
}

write_site() { cmd_site >"$LAB_DIR/site.ini"; }

lab_state() { # prints up|partial|down
	local n s total=0 running=0
	for n in "${LAB_NODES[@]}"; do
		for s in $(expected_svcs "$n"); do
			total=$((total + 1))
			svc_pid "$n" "$s" >/dev/null && [[ $(pid_state "$(svc_pid "$n" "$s")") != T ]] &&
				running=$((running + 1))
		done
	done
	if ((running == total)) && [[ -r $LAB_DIR/site.ini ]]; then
		echo up
	elif ((running > 0)) || [[ -n $(lab_procs) ]]; then
		echo partial
	else
		echo down
	fi
}

expected_svcs() {
	local n=$1
	echo sshd
	if [[ $n == master ]] && [[ -x $(node_prefix master)/bin/ldap ]]; then echo slapd; fi
	if is_dovecot_node "$n"; then echo dovecot; fi
	return 0
}

lab_where() { # where the nodes are, for messages
	if lab_netns; then
		echo "in namespaces $(lab_ns '*') ($LAB_NET4.x, $LAB_NET6::x, *.$LAB_DOMAIN)"
	else
		echo "on $LAB_NET.x"
	fi
}

up_failed() {
	local rc=$?
	trap - EXIT
	echo "lab: up failed; taking the lab down (logs stay in $LAB_DIR/nodes)" >&2
	cmd_down >&2 || true
	exit "$rc"
}

cmd_up() {
	local t0 n v state same=1
	t0=$(lab_now)
	[[ $(id -u) == 0 ]] || die "must run as root (sshd, slapd as zextras, dovecot)"
	lab_defaults
	check_lab_dir
	# What runs now is described by the old lab.env, if any.
	if [[ -r $LAB_DIR/lab.env ]]; then
		for v in "${LAB_ENV_VARS[@]}"; do
			[[ $(
				. "$LAB_DIR/lab.env"
				echo "${!v}"
			) == "${!v}" ]] || same=0
		done
		state=$(
			lab_load_env
			lab_state
		)
		if [[ $state == up && $same == 1 ]]; then
			say "lab is already up ($LAB_DIR, $(lab_where)); nothing to do"
			return 0
		fi
		if [[ $state != down ]]; then
			say "lab is partly up or has other settings: taking it down first"
			(
				lab_load_env
				cmd_down
			)
		fi
	elif [[ -n $(lab_procs) ]]; then
		cmd_down
	fi
	preflight_ports
	ensure_system
	if [[ -e $LAB_DIR ]]; then
		find "$LAB_DIR" -mindepth 1 -delete 2>/dev/null || rm -rf -- "${LAB_DIR:?}"/*
	fi
	mkdir -p -m 0755 "$LAB_DIR" "$LAB_DIR/nodes"
	chmod 0755 "$LAB_DIR"
	touch "$LAB_DIR/.replica-wizard-lab"
	lab_write_env
	install -D -m 0755 "$SYS_SSHD" "$LAB_DIR/bin/sshd"
	trap up_failed EXIT
	if lab_netns; then
		netns_down # stale namespaces of this lab (not the caller's admin one)
		netns_up
	fi
	make_ssh
	for n in "${LAB_DOVECOT_NODES[@]}"; do make_dovecot_node "$n"; done
	local -a jobs=()
	if have_labnode; then
		make_lab_ca
		for n in "${LAB_CARBONIO_NODES[@]}"; do
			mkdir -p "$(node_dir "$n")/bin"
			case $n in master) v=master ;; mta) v=mta ;; *) v=replica ;; esac
			make_carbonio_node "$n" "$v" &
			jobs+=($!)
		done
	else
		warn "$LABNODE not found or LAB_NO_CARBONIO=1: Carbonio nodes get sshd only (no prefix, no slapd)"
		for n in "${LAB_CARBONIO_NODES[@]}"; do mkdir -p "$(node_dir "$n")/bin"; done
	fi
	for n in "${LAB_NODES[@]}"; do start_sshd "$n" & jobs+=($!); done
	# imap1 first, its Welcome mail, then imap2: imap2's INBOX is never
	# opened, so replication later takes imap1's mailbox GUIDs (no conflict).
	start_dovecot imap1
	seed_welcome imap1
	start_dovecot imap2
	# the second pair (LAB_DOVECOT_PAIRS=2) the same way
	if is_node imap3; then
		start_dovecot imap3
		seed_welcome imap3
		start_dovecot imap4
	fi
	for v in "${jobs[@]}"; do wait "$v" || die "a start-up job failed (see above)"; done
	if have_labnode; then start_slapd master; fi
	for n in "${LAB_NODES[@]}"; do
		lab_wait_for 5 listening "$n" "$LAB_SSH_PORT" || die "sshd of $n is not listening"
	done
	for n in "${LAB_DOVECOT_NODES[@]}"; do
		lab_wait_for 5 listening "$n" "$LAB_IMAP_PORT" || die "dovecot of $n is not listening"
	done
	if have_labnode; then
		lab_wait_for 10 listening master "$LAB_LDAP_PORT" || die "slapd of master is not listening"
	fi
	# Prove the strict ssh path works before anyone relies on it.
	jobs=()
	for n in "${LAB_NODES[@]}"; do
		lab_admin ssh -F "$LAB_DIR/ssh/ssh_config" "$n" true </dev/null & jobs+=($!)
	done
	for v in "${jobs[@]}"; do wait "$v" || die "ssh to a node failed"; done
	write_site
	trap - EXIT
	say "up: ${#LAB_NODES[@]} nodes $(lab_where) in $LAB_DIR ($(lab_elapsed "$t0") s)"
}

# --- down -------------------------------------------------------------------

cmd_down() {
	local t0 n s pid i
	local -a main=() pids=() left=()
	t0=$(lab_now)
	for n in "${LAB_NODES[@]}"; do
		for s in sshd dovecot slapd; do
			pid=$(svc_pid "$n" "$s") || continue
			main+=("$pid")
			# sshd sessions outlive their listener: signal them too. Dovecot
			# and slapd children are left to their master (clean shutdown).
			[[ $s == sshd ]] && mapfile -t -O "${#main[@]}" main < <(pid_descendants "$pid")
			# A stopped (hung) process group never sees TERM.
			kill -CONT "$pid" $(pid_descendants "$pid") 2>/dev/null || true
		done
	done
	mapfile -t pids < <(lab_procs)
	if ((${#main[@]} == 0 && ${#pids[@]} == 0)); then
		cleanup_runtime
		netns_down
		say "lab is down"
		return 0
	fi
	if ((${#main[@]})); then
		kill -TERM "${main[@]}" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			mapfile -t left < <(for pid in "${main[@]}"; do pid_alive "$pid" && echo "$pid"; done)
			((${#left[@]})) || break
			sleep 0.05
		done
		for pid in "${left[@]}"; do
			warn "PID $pid ($(pid_cmdline "$pid")) ignored TERM for 5 s: KILL"
			kill -KILL "$pid" 2>/dev/null || true
		done
	fi
	# Whatever is left of the lab (orphaned sessions, dovecot children...):
	# TERM, 1 s of grace, then KILL.
	for ((i = 0; i < 40; i++)); do
		mapfile -t left < <(lab_procs)
		((${#left[@]})) || break
		if ((i == 0)); then
			kill -CONT "${left[@]}" 2>/dev/null || true
			kill -TERM "${left[@]}" 2>/dev/null || true
		elif ((i >= 20)); then
			kill -KILL "${left[@]}" 2>/dev/null || true
		fi
		sleep 0.05
	done
	cleanup_runtime
	netns_down
	mapfile -t left < <(lab_procs)
	if ((${#left[@]})); then
		ps -o pid=,args= -p "$(
			IFS=,
			echo "${left[*]}"
		)" >&2 || true
		die "processes of the lab survived down"
	fi
	# Nothing of ours is left, so a listener here belongs to someone else
	# (e.g. another lab on the same LAB_NET): say so, do not touch it.
	if [[ -n $(lab_listeners) ]]; then
		warn "listeners on $LAB_NET.x that are not this lab's:"
		lab_listeners >&2
	fi
	say "down ($(lab_elapsed "$t0") s)"
}

cleanup_runtime() {
	local n d
	for n in "${LAB_NODES[@]}"; do
		d=$(node_dir "$n")
		[[ -d $d ]] || continue
		rm -f "$d/sshd/sshd.pid"
		rm -rf "$d/dovecot/run"
		rm -f "$(node_prefix "$n")/run/ldapi" "$(node_prefix "$n")/run/slapd.pid"
	done
}

# --- status, site, env, ssh -------------------------------------------------

svc_cell() { # NODE SVC -> "up 1234" | "hung 1234" | "down" | "-"
	local pid
	if pid=$(svc_pid "$1" "$2"); then
		if [[ $(pid_state "$pid") == T ]]; then echo "hung $pid"; else echo "up $pid"; fi
	elif [[ $2 == dovecot ]] && ! is_dovecot_node "$1"; then
		echo "-"
	elif [[ $2 == slapd ]] && ! is_carbonio_node "$1"; then
		echo "-"
	else
		echo "down"
	fi
}

cmd_status() {
	local n s cell rc=0
	[[ -d $LAB_DIR/nodes ]] || {
		say "no lab in $LAB_DIR"
		return 3
	}
	printf '%-9s %-26s %-13s %-13s %-13s\n' NODE ADDRESS SSHD SLAPD DOVECOT
	for n in "${LAB_NODES[@]}"; do
		local -a cells=()
		for s in sshd slapd dovecot; do
			cell=$(svc_cell "$n" "$s")
			cells+=("$cell")
			# (no `| grep -q`: with pipefail its early exit is a race)
			if [[ $'\n'"$(expected_svcs "$n")"$'\n' == *$'\n'"$s"$'\n'* && $cell != up* ]]; then rc=3; fi
		done
		printf '%-9s %-26s %-13s %-13s %-13s\n' "$n" "$(node_host "$n"):$LAB_SSH_PORT" "${cells[@]}"
	done
	if ((rc == 0)); then say "all expected services are up"; else say "NOT all expected services are up"; fi
	return $rc
}

cmd_site() {
	local n
	cat <<-SITE
		[ssh]
		user = root
		port = $LAB_SSH_PORT
		identity = $LAB_DIR/ssh/labkey
		known_hosts = $LAB_DIR/ssh/known_hosts
		[carbonio]
		master = $(node_host master)
		replicas = $(node_host replica1) $(node_host replica2)
		mta = $(node_host mta)
		ldap_port = $LAB_LDAP_PORT
		[dovecot]
		servers = $(node_host imap1) $(node_host imap2)
		port = $LAB_DOVEADM_PORT
	SITE
	if is_node imap3; then
		printf '[dovecot pair2]\nservers = %s %s\n' "$(node_host imap3)" "$(node_host imap4)"
	fi
	for n in "${LAB_CARBONIO_NODES[@]}"; do
		printf '[host %s]\nprefix = %s\nbootstrap = %s/usr/bin/carbonio-bootstrap\n' \
			"$(node_host "$n")" "$(node_prefix "$n")" "$(node_dir "$n")"
	done
	for n in "${LAB_DOVECOT_NODES[@]}"; do
		printf '[host %s]\nconf_dir = %s/dovecot/conf.d\n' "$(node_host "$n")" "$(node_dir "$n")"
	done
}

cmd_ssh() {
	need_node "${1:-}"
	local n=$1
	shift
	[[ -r $LAB_DIR/ssh/ssh_config ]] || die "no lab in $LAB_DIR"
	# shellcheck disable=SC2046
	exec $(lab_nsexec admin) ssh -F "$LAB_DIR/ssh/ssh_config" "$n" -- "$@"
}

# --- faults -----------------------------------------------------------------

cmd_stop_svc() {
	need_node "${1:-}"
	local n=$1 s=${2:-} pid
	case $s in
	sshd | dovecot)
		[[ $s == sshd ]] || is_dovecot_node "$n" || die "$n has no dovecot"
		pid=$(svc_pid "$n" "$s") || {
			say "$n $s is not running"
			return 0
		}
		# Only the daemon: like systemd's KillMode=process for sshd, open
		# sessions survive; dovecot's stale sockets stay (Connection refused).
		kill -CONT "$pid" 2>/dev/null || true
		kill -TERM "$pid"
		lab_wait_for 5 pid_gone "$pid" || {
			kill -KILL "$pid" 2>/dev/null || true
		}
		;;
	slapd)
		is_carbonio_node "$n" || die "$n has no slapd"
		svc_pid "$n" slapd >/dev/null || {
			say "$n slapd is not running"
			return 0
		}
		stop_slapd "$n"
		! svc_pid "$n" slapd >/dev/null || die "slapd of $n did not stop"
		;;
	*) die "stop-svc NODE sshd|slapd|dovecot" ;;
	esac
	say "stopped $s on $n"
}

cmd_start_svc() {
	need_node "${1:-}"
	local n=$1 s=${2:-}
	if svc_pid "$n" "$s" >/dev/null 2>&1; then
		say "$n $s is already running"
		return 0
	fi
	case $s in
	sshd) start_sshd "$n" ;;
	dovecot)
		is_dovecot_node "$n" || die "$n has no dovecot"
		start_dovecot "$n"
		;;
	slapd)
		is_carbonio_node "$n" || die "$n has no slapd"
		start_slapd "$n"
		;;
	*) die "start-svc NODE sshd|slapd|dovecot" ;;
	esac
	say "started $s on $n"
}

cmd_hang() { # SIGNAL NODE
	need_node "${2:-}"
	local pid
	pid=$(svc_pid "$2" sshd) || die "sshd of $2 is not running"
	# shellcheck disable=SC2046
	kill "-$1" "$pid" $(pid_descendants "$pid")
}

cmd_syncrepl() { # break|mend NODE
	need_node "${2:-}"
	is_carbonio_node "$2" || die "$2 is not a Carbonio node"
	have_labnode || die "$LABNODE not found"
	"$LABNODE" "syncrepl-$1" "$(node_dir "$2")"
}

cmd_dovecot_version() {
	need_node "${1:-}"
	is_dovecot_node "$1" || die "$1 has no dovecot"
	local f v=${2:-}
	f=$(node_dir "$1")/dovecot-version
	[[ -n $v ]] || die "dovecot-version NODE VERSION|real"
	if [[ $v == real ]]; then
		rm -f "$f"
		say "$1: dovecot --version is the real one again"
	else
		[[ $v == *" "* ]] || v="$v (abcdef1234)"
		printf '%s\n' "$v" >"$f"
		say "$1: dovecot --version now prints '$v'"
	fi
}

# --- namespaces (LAB_NETNS=1) ------------------------------------------------

cmd_admin_up() { # only the admin namespace, for run-tests.sh
	[[ $(id -u) == 0 ]] || die "must run as root"
	lab_netns || return 0
	check_lab_dir
	netns_admin_up
	lab_ns admin
}

cmd_admin() { # CMD...: run on the admin side (the admin namespace)
	(($#)) || die "admin CMD..."
	if lab_netns; then
		netns_exists "$(lab_ns admin)" || die "no admin namespace (run up)"
		exec ip netns exec "$(lab_ns admin)" "$@"
	fi
	exec "$@"
}

cmd_admin_ldap() { # open|closed: may the admin side reach the Carbonio nodes' LDAP?
	lab_netns || die "admin-ldap: only in the network-namespace lab (LAB_NETNS=1)"
	# (written to lab.env by lab_write_env, as every LAB_ENV_VARS)
	# shellcheck disable=SC2034
	case ${1:-} in
	open) LAB_FW_ADMIN_LDAP=1 ;;
	closed) LAB_FW_ADMIN_LDAP=0 ;;
	*) die "admin-ldap open|closed" ;;
	esac
	netns_firewall_reload
	lab_write_env
	say "the admin side's LDAP access: $1"
}

cmd_leftovers() { # what `down` should have removed: processes, namespaces, links
	local out
	out=$(
		lab_procs | while read -r p; do echo "process $p $(pid_cmdline "$p")"; done
		netns_leftovers
		lab_listeners | sed 's/^/listener /'
	)
	[[ -z $out ]] && return 0
	printf '%s\n' "$out"
	return 1
}

main() {
	local cmd=${1:-}
	[[ -n $cmd ]] || usage
	shift
	lab_enter_outer "$cmd" "$@"
	case $cmd in
	up) cmd_up ;;
	*)
		lab_load_env
		case $cmd in
		down) cmd_down ;;
		status) cmd_status ;;
		site) cmd_site ;;
		env)
			[[ -r $LAB_DIR/lab.env ]] || die "no lab.env in $LAB_DIR (run up)"
			cat "$LAB_DIR/lab.env"
			;;
		ssh) cmd_ssh "$@" ;;
		stop-svc) cmd_stop_svc "$@" ;;
		start-svc) cmd_start_svc "$@" ;;
		hang) cmd_hang STOP "$@" && say "hung sshd of $1 (SIGSTOP)" ;;
		unhang) cmd_hang CONT "$@" && say "released sshd of $1 (SIGCONT)" ;;
		rebuild) cmd_rebuild "$@" ;;
		syncrepl-break) cmd_syncrepl break "$@" ;;
		syncrepl-mend) cmd_syncrepl mend "$@" ;;
		dovecot-version) cmd_dovecot_version "$@" ;;
		ps-sample) ps -e -ww -o pid=,user=,args= ;;
		admin-up) cmd_admin_up ;;
		admin) cmd_admin "$@" ;;
		leftovers) cmd_leftovers ;;
		admin-ldap) cmd_admin_ldap "$@" ;;
		-h | --help | help) usage ;;
		*) usage ;;
		esac
		;;
	esac
}

main "$@"
