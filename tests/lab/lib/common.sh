# Shared by lab.sh, run-tests.sh and the lab tests (sourced). Settings,
# node table and process helpers of the loopback lab; see ../README.md.

# LAB_DOVECOT_PAIRS=2 (lab_needs_dovecot_pairs): a second Dovecot pair,
# imap3 + imap4, for the tests of several pairs only (two more Dovecot
# start-ups the other tests need not pay).
lab_node_table() {
	LAB_NODES=(master replica1 replica2 mta imap1 imap2)
	LAB_CARBONIO_NODES=(master replica1 replica2 mta)
	LAB_DOVECOT_NODES=(imap1 imap2)
	if [[ ${LAB_DOVECOT_PAIRS:-1} == 2 ]]; then
		LAB_NODES+=(imap3 imap4)
		LAB_DOVECOT_NODES+=(imap3 imap4)
	fi
}
lab_node_table
declare -A LAB_OCTET=([master]=2 [replica1]=3 [replica2]=4 [mta]=5 [imap1]=6 [imap2]=7 [imap3]=8 [imap4]=9)
LAB_ENV_VARS=(LAB_DIR LAB_NET LAB_SSH_PORT LAB_LDAP_PORT LAB_IMAP_PORT LAB_DOVEADM_PORT LAB_PASS LAB_NETNS
	LAB_FW_ADMIN_LDAP LAB_DOVECOT_PAIRS)
# Network-namespace mode (LAB_NETNS=1): every node in its own namespace on a
# lab switch, documentation addresses, names from a per-namespace hosts file.
LAB_DOMAIN=lab.example
LAB_NET4=192.0.2
LAB_NET6=2001:db8:0:77
LAB_ADMIN_OCTET=100
LAB_MASTER_ALIAS=ldap.$LAB_DOMAIN

lab_defaults() {
	: "${LAB_DIR:=/tmp/replica-wizard-lab}"
	: "${LAB_NET:=127.77.0}"
	: "${LAB_SSH_PORT:=2222}"
	: "${LAB_LDAP_PORT:=3389}"
	: "${LAB_IMAP_PORT:=1143}"
	: "${LAB_DOVEADM_PORT:=12345}"
	: "${LAB_PASS:=labpass}"
	: "${LAB_NETNS:=1}"
	: "${LAB_FW_ADMIN_LDAP:=0}"
	: "${LAB_DOVECOT_PAIRS:=1}"
	LAB_DIR=${LAB_DIR%/}
	lab_id >/dev/null # caches the id for this shell
}

# Settings of an existing lab win over the environment (except LAB_DIR,
# which says which lab): `LAB_DIR=x lab.sh down` must stop what `up` started.
lab_load_env() {
	lab_defaults
	if [[ -r $LAB_DIR/lab.env ]]; then
		local d=$LAB_DIR
		# shellcheck disable=SC1091
		. "$LAB_DIR/lab.env"
		LAB_DIR=$d
	fi
	lab_node_table
	lab_defaults
}

lab_write_env() {
	local v f=$LAB_DIR/lab.env
	(
		umask 077
		{
			echo "# loopback lab settings, written by lab.sh up"
			for v in "${LAB_ENV_VARS[@]}"; do printf '%s=%q\n' "$v" "${!v}"; done
			printf 'LAB_NODE_NAMES=%q\n' "${LAB_NODES[*]}"
			local n
			for n in "${LAB_NODES[@]}"; do
				printf 'LAB_IP_%s=%q\n' "${n^^}" "$(node_addr "$n")"
				printf 'LAB_HOST_%s=%q\n' "${n^^}" "$(node_host "$n")"
			done
			if lab_netns; then
				for n in "${LAB_NODES[@]}"; do printf 'LAB_IP6_%s=%q\n' "${n^^}" "$(node_addr6 "$n")"; done
				printf 'LAB_ADMIN_NS=%q\n' "$(lab_ns admin)"
			fi
		} >"$f.tmp"
		mv -f -- "$f.tmp" "$f"
	)
}

lab_netns() { [[ ${LAB_NETNS:-0} == 1 ]]; }
# The node's IPv4 address (netns: 192.0.2.x; loopback: LAB_NET.x), its IPv6
# address (netns only) and how the site file names it (netns: its name,
# loopback: its address). node_ip is the old name of node_host.
node_addr() {
	if lab_netns; then printf '%s.%s\n' "$LAB_NET4" "${LAB_OCTET[$1]}"
	else printf '%s.%s\n' "$LAB_NET" "${LAB_OCTET[$1]}"; fi
}
node_addr6() { printf '%s::%s\n' "$LAB_NET6" "${LAB_OCTET[$1]}"; }
node_host() {
	if lab_netns; then printf '%s.%s\n' "$1" "$LAB_DOMAIN"; else node_addr "$1"; fi
}
node_ip() { node_host "$1"; }
# Namespace of a node, of the admin side (`admin`) or of the switch (`sw`):
# named after the lab id, so two labs never share one.
lab_ns() { printf 'rwl-%s-%s\n' "$(lab_id)" "$1"; }
node_dir() { printf '%s/nodes/%s\n' "$LAB_DIR" "$1"; }
node_prefix() { printf '%s/nodes/%s/opt/zextras\n' "$LAB_DIR" "$1"; }
is_node() { [[ -n ${1:-} && -n ${LAB_OCTET[$1]:-} && " ${LAB_NODES[*]} " == *" $1 "* ]]; }
is_carbonio_node() { case $1 in master | replica1 | replica2 | mta) return 0 ;; esac; return 1; }
is_dovecot_node() { case $1 in imap1 | imap2 | imap3 | imap4) return 0 ;; esac; return 1; }
# The other server of a Dovecot node's pair (imap1+imap2, imap3+imap4).
dovecot_partner() { case $1 in imap1) echo imap2 ;; imap2) echo imap1 ;; imap3) echo imap4 ;; imap4) echo imap3 ;; esac; }
# imap1 (and imap3) look like a RHEL box with firewalld running, imap2 (and
# imap4) like one without.
node_has_firewalld() { [[ $1 == imap1 || $1 == imap3 ]]; }
lab_ips_regex() {
	local n re=""
	for n in "${LAB_NODES[@]}"; do re+="${re:+|}${LAB_NET//./\\.}\\.${LAB_OCTET[$n]}"; done
	printf '^(%s):[0-9]+$\n' "$re"
}

lab_now() { date +%s%N; }
lab_elapsed() { # START_NS -> "1.23"
	local d=$(($(date +%s%N) - $1))
	printf '%d.%02d\n' $((d / 1000000000)) $((d % 1000000000 / 10000000))
}

# --- processes -------------------------------------------------------------

pid_alive() {
	local st
	[[ ${1:-} =~ ^[1-9][0-9]*$ ]] || return 1
	[[ -r /proc/$1/stat ]] || return 1
	st=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}
pid_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }
pid_state() { awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null || true; }

svc_pidfile() { # NODE SVC
	case $2 in
	sshd) echo "$(node_dir "$1")/sshd/sshd.pid" ;;
	dovecot) echo "$(node_dir "$1")/dovecot/run/master.pid" ;;
	slapd) echo "$(node_prefix "$1")/run/slapd.pid" ;;
	*) return 1 ;;
	esac
}
# What the daemon's command line must mention before we signal that PID.
svc_marker() {
	case $2 in
	sshd) echo "$(node_dir "$1")/sshd/sshd_config" ;;
	dovecot) echo "$(node_dir "$1")/dovecot/dovecot.conf" ;;
	slapd) echo "$(node_dir "$1")/" ;;
	esac
}
# Print the PID of a running service of this lab, or fail.
svc_pid() {
	local f pid
	f=$(svc_pidfile "$1" "$2") || return 1
	[[ -r $f ]] || return 1
	read -r pid <"$f" 2>/dev/null || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	pid_alive "$pid" || return 1
	[[ $(pid_cmdline "$pid") == *"$(svc_marker "$1" "$2")"* ]] || return 1
	echo "$pid"
}

# All descendants of PID (children first-level first), one per line.
pid_descendants() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END {
			n = split(kids[root], q, " "); i = 1
			while (i <= n) {
				p = q[i++]; print p
				m = split(kids[p], k, " ")
				for (j = 1; j <= m; j++) q[++n] = k[j]
			}
		}'
}

# This process and its ancestors: never signalled by the lab.
lab_self_pids() {
	local p=$BASHPID
	echo $$
	while [[ -n $p && $p != 0 && $p != 1 ]]; do
		echo "$p"
		p=$(awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null) || break
	done
}

# Short id of this lab (from LAB_DIR): names its Dovecot instances, so two
# labs never mistake each other's processes.
lab_id() {
	if [[ ${LAB_ID_OF:-} != "$LAB_DIR" ]]; then
		LAB_ID=$(printf '%s' "$LAB_DIR" | md5sum | cut -c1-8)
		LAB_ID_OF=$LAB_DIR
	fi
	printf '%s\n' "$LAB_ID"
}

# Every process that belongs to this lab, identified by ownership only: the
# command line names LAB_DIR/, Dovecot children titled dovecot-lab-*-<id>/...,
# LAB_OWNER=LAB_DIR in the environment (set by lab_spawn), an executable under
# LAB_DIR (the lab's copy of sshd) or LAB_NODEDIR under LAB_DIR (session
# shells, from sshd's SetEnv).
# Never "whatever listens on a lab address": that may be another lab.
lab_procs() {
	local self id
	self=" $(lab_self_pids | tr '\n' ' ') "
	id=$(lab_id)
	{
		ps -e -ww -o pid=,args= | awk -v d="$LAB_DIR/" -v t="-$id" '
			index($0, d) { print $1; next }
			$2 ~ /^dovecot-lab-/ {
				a = $2; sub(/\/.*/, "", a)
				if (substr(a, length(a) - length(t) + 1) == t) print $1
			}' || true
		grep -lszFx -- "LAB_OWNER=$LAB_DIR" /proc/[0-9]*/environ 2>/dev/null | awk -F/ '{ print $3 }' || true
		# The lab's own sshd binary: also marks per-connection sessions,
		# whose titles ("sshd: root@notty") and environ are rewritten.
		find /proc -mindepth 2 -maxdepth 2 -name exe -lname "$LAB_DIR/*" 2>/dev/null | awk -F/ '{ print $3 }' || true
		grep -lszF -- "LAB_NODEDIR=$LAB_DIR/nodes/" /proc/[0-9]*/environ 2>/dev/null | awk -F/ '{ print $3 }' || true
	} | sort -un | while read -r p; do
		[[ $self == *" $p "* ]] && continue
		pid_alive "$p" && echo "$p"
	done
	return 0
}

lab_listeners() { # listening sockets on lab addresses, as `ss` lines
	local re
	# netns: the listeners live (and die) in the lab's namespaces.
	lab_netns && return 0
	re=$(lab_ips_regex)
	ss -Hltnp 2>/dev/null | awk -v re="$re" '$4 ~ re' || true
}

# Run a daemon detached: own session, stdin /dev/null, output to LOG, every
# fd above 2 closed (a daemon that inherits a caller's pipe hangs `up | tail`).
lab_spawn() {
	local log=$1
	shift
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[[ $fd -gt 2 ]] && eval "exec $fd>&-" 2>/dev/null
		done
		LAB_OWNER=$LAB_DIR exec setsid "$@" </dev/null >>"$log" 2>&1
	)
}

lab_wait_for() { # TIMEOUT_S CMD... : poll every 50 ms
	local end=$(($(date +%s%N) + ${1%.*} * 1000000000))
	shift
	until "$@"; do
		(($(date +%s%N) < end)) || return 1
		sleep 0.05
	done
}
