#!/bin/bash
# Bench-only sshd nodes: N extra sshd on $LAB_NET.100 .. $LAB_NET.(100+N-1),
# port $LAB_SSH_PORT, root login with the lab's client key. Each node has a
# HOME of its own without dotfiles (SetEnv HOME=...), so a remote command
# costs what a plain root shell costs on a real server, not what this
# machine's root ~/.bashrc (pyenv init, ~0.3 s) costs. Stopped by PID.
#
#   bench/nodes.sh up N      start (needs the lab up: its key and lab.env);
#                            BENCH_NODES_DOVEADM=1: `doveadm` on the nodes'
#                            PATH is a stand-in answering the dashboard's
#                            three `doveadm -f json replicator ...` commands
#                            as a healthy Dovecot 2.3 server does (no Dovecot
#                            runs: 128 real ones would not fit this machine)
#   bench/nodes.sh down      stop every node started by `up`
#   bench/nodes.sh hosts     print the node addresses
# Files: $BENCH_NODES_DIR (default $LAB_DIR.bench-nodes): known_hosts,
# host key, one sshd_config and pid file per node.
set -euo pipefail
LAB_DIR=${LAB_DIR:?LAB_DIR must be set}
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"
D=${BENCH_NODES_DIR:-$LAB_DIR.bench-nodes}

node_ip() { echo "$LAB_NET.$((100 + $1))"; }

up() {
	local n=$1 i ip
	down
	mkdir -p "$D/home"
	[[ -f $D/hostkey ]] || ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey"
	: >"$D/known_hosts"
	local setenv="HOME=$D/home"
	rm -rf -- "$D/bin"
	if [[ ${BENCH_NODES_DOVEADM:-0} == 1 ]]; then
		doveadm_standin
		setenv+=" PATH=$D/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	fi
	for ((i = 0; i < n; i++)); do
		ip=$(node_ip "$i")
		echo "[$ip]:$LAB_SSH_PORT $(cut -d' ' -f1,2 "$D/hostkey.pub")" >>"$D/known_hosts"
		cat >"$D/sshd_config.$i" <<-EOF
			ListenAddress $ip
			Port $LAB_SSH_PORT
			AddressFamily inet
			HostKey $D/hostkey
			PidFile $D/sshd.$i.pid
			AuthorizedKeysFile $LAB_DIR/ssh/authorized_keys
			PermitRootLogin prohibit-password
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			UsePAM no
			StrictModes no
			MaxSessions 64
			MaxStartups 200:30:400
			PrintMotd no
			PrintLastLog no
			UseDNS no
			LogLevel ERROR
			SetEnv $setenv
		EOF
		setsid /usr/sbin/sshd -f "$D/sshd_config.$i" -E "$D/sshd.$i.log" </dev/null
	done
	for ((i = 0; i < n; i++)); do
		for _ in $(seq 50); do [[ -s $D/sshd.$i.pid ]] && break; sleep 0.1; done
		[[ -s $D/sshd.$i.pid ]] || { echo "nodes: sshd $i did not start" >&2; exit 1; }
	done
	echo "$n" >"$D/count"
}

# What Dovecot 2.3.19 prints (doveadm -f json, one line each) for a healthy
# server with three users: the overview, the users, the dsync slots.
doveadm_standin() {
	mkdir -p "$D/bin"
	cat >"$D/bin/doveadm" <<-'EOF'
		#!/bin/sh
		# bench stand-in (bench/nodes.sh): doveadm -f json replicator ...
		case "$*" in
		"-f json replicator status")
			printf '%s\n' '[{"field":"Queued '"'"'sync'"'"' requests","value":"0"},{"field":"Queued '"'"'high'"'"' requests","value":"0"},{"field":"Queued '"'"'low'"'"' requests","value":"0"},{"field":"Queued '"'"'failed'"'"' requests","value":"0"},{"field":"Queued '"'"'full resync'"'"' requests","value":"0"},{"field":"Waiting '"'"'failed'"'"' requests","value":"0"},{"field":"Total number of known users","value":"3"}]' ;;
		"-f json replicator status *")
			printf '%s\n' '[{"username":"user1@example.com","priority":"none","fast sync":"00:00:01","full sync":"00:00:07","success sync":"00:00:01","failed":"-"},{"username":"user2@example.com","priority":"none","fast sync":"00:00:00","full sync":"00:00:07","success sync":"00:00:07","failed":"-"},{"username":"user3@example.com","priority":"none","fast sync":"00:00:07","full sync":"00:00:07","success sync":"00:00:07","failed":"-"}]' ;;
		"-f json replicator dsync-status")
			printf '%s\n' '[{"username":"","type":"-","status":"Not connected"},{"username":"","type":"-","status":"Not connected"}]' ;;
		*)
			echo "doveadm (bench stand-in): unsupported: $*" >&2
			exit 64 ;;
		esac
	EOF
	chmod 0755 "$D/bin/doveadm"
}

down() {
	local f pid
	[[ -d $D ]] || return 0
	for f in "$D"/sshd.*.pid; do
		[[ -f $f ]] || continue
		pid=$(cat "$f")
		# Only a sshd started with our config (its command line names it).
		if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$D/sshd_config."; then
			pkill -TERM -P "$pid" 2>/dev/null || true
			kill -TERM "$pid" 2>/dev/null || true
		fi
		rm -f -- "$f"
	done
	rm -f -- "$D/count"
}

hosts() {
	local n i
	n=$(cat "$D/count")
	for ((i = 0; i < n; i++)); do node_ip "$i"; done
}

case ${1:-} in
up) up "${2:?N}" ;;
down) down ;;
hosts) hosts ;;
*) echo "usage: $0 up N | down | hosts" >&2; exit 2 ;;
esac
