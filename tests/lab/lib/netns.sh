# Network namespaces of the lab (LAB_NETNS=1), sourced by lab.sh; see
# ../README.md. Every name derives from the lab id, so labs never collide:
#   rwl-<id>-sw      the lab switch: bridge br0 and one veth port p-<ns> per
#                    namespace below (the host's own network is untouched)
#   rwl-<id>-admin   the admin's machine: the wizard and the tests run here
#   rwl-<id>-<node>  one per node: its daemons, its firewall (nftables)
# Addresses come from the documentation ranges only (192.0.2.0/24,
# 2001:db8::/32) and no namespace has a route anywhere else.
# Names: /etc/netns/<ns>/hosts, which `ip netns exec` mounts on /etc/hosts.

LAB_BRIDGE=br0
# Where the firewall-cmd stand-in puts the node's rich rules (netns_firewall;
# lab.sh writes it to the node's firewalld/nft-chain).
# shellcheck disable=SC2034
NETNS_RICH_CHAIN="inet rwlab firewalld_rich"

netns_names() { # every namespace of this lab, the switch first, the admin second
	local n
	lab_ns sw
	lab_ns admin
	for n in "${LAB_NODES[@]}"; do lab_ns "$n"; done
}
netns_exists() { [[ -e /run/netns/$1 ]]; }
netns_inode() { stat -L -c %i "/run/netns/$1" 2>/dev/null; }

# The words that run a command in a node's namespace (NODE or `admin`):
# `ip netns exec NS` in netns mode, nothing on loopback. For external
# wrappers (setsid, exec): $(lab_nsexec NODE) CMD...
lab_nsexec() { if lab_netns; then echo "ip netns exec $(lab_ns "$1")"; fi; }
# Run a command on the admin side.
lab_admin() {
	# shellcheck disable=SC2046
	$(lab_nsexec admin) "$@"
}

netns_hosts() { # the hosts file of every namespace of the lab
	local n a
	printf '# written by tests/lab/lab.sh up: names of the lab %s\n' "$LAB_DIR"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
	# The namespaces share the machine's hostname: it resolves, as on any
	# Debian box (sudo complains on stderr when it does not).
	printf '127.0.1.1\t%s\n' "$(uname -n)"
	for a in "$LAB_NET4.$LAB_ADMIN_OCTET" "$LAB_NET6::$LAB_ADMIN_OCTET"; do
		printf '%s\tadmin.%s admin\n' "$a" "$LAB_DOMAIN"
	done
	for n in "${LAB_NODES[@]}"; do
		for a in "$(node_addr "$n")" "$(node_addr6 "$n")"; do
			printf '%s\t%s %s%s\n' "$a" "$(node_host "$n")" "$n" \
				"$([[ $n == master ]] && printf ' %s' "$LAB_MASTER_ALIAS")"
		done
	done
}

# The site's firewall on a node: the admin reaches SSH only (as on a real
# site: no LDAP, no doveadm, no IMAP from the admin's machine); the nodes
# reach each other. Rejected, not dropped: a refusal is immediate. TCP gets a
# reset: an ICMP error that arrives while connect() still holds its socket
# (on a lab's fast links it always does) is only noted, and the connection
# fails a SYN retransmission (1 s) later.
# On a node with firewalld (imap1), doveadm's port opens only to what its rich
# rules accept (the firewall-cmd stand-in fills chain firewalld_rich).
# LAB_FW_ADMIN_LDAP=1 opens the Carbonio nodes' LDAP port to the admin side
# too: for tests running `install`, whose password check binds to the master
# directly (src/install.c) until the wizard does it through SSH.
netns_firewall() { # NODE
	local n v4="" v6="" doveadm="" ldap=""
	if [[ $LAB_FW_ADMIN_LDAP == 1 ]] && is_carbonio_node "$1"; then
		ldap="ip saddr $LAB_NET4.$LAB_ADMIN_OCTET tcp dport $LAB_LDAP_PORT accept
				ip6 saddr $LAB_NET6::$LAB_ADMIN_OCTET tcp dport $LAB_LDAP_PORT accept"
	fi
	if node_has_firewalld "$1"; then
		doveadm="tcp dport $LAB_DOVEADM_PORT jump firewalld_rich
				tcp dport $LAB_DOVEADM_PORT reject with tcp reset"
	fi
	for n in "${LAB_NODES[@]}"; do
		v4+="${v4:+, }$(node_addr "$n")"
		v6+="${v6:+, }$(node_addr6 "$n")"
	done
	cat <<-NFT
		# the site firewall of lab node $1, written by tests/lab/lab.sh up
		table inet rwlab {
			set nodes4 { type ipv4_addr; elements = { $v4 }; }
			set nodes6 { type ipv6_addr; elements = { $v6 }; }
			chain input {
				type filter hook input priority filter; policy drop;
				iif "lo" accept
				ct state established,related accept
				ct state invalid drop
				meta l4proto { icmp, ipv6-icmp } accept
				tcp dport $LAB_SSH_PORT accept
				$ldap
				$doveadm
				ip saddr @nodes4 accept
				ip6 saddr @nodes6 accept
				meta l4proto tcp reject with tcp reset
				reject with icmpx type admin-prohibited
			}
			chain firewalld_rich {
			}
		}
	NFT
}

# Inside a namespace: loopback up, eth0 with its two addresses (no duplicate
# address detection: it would delay IPv6 by a second or two), firewall.
netns_setup_inside() { # NS ADDR ADDR6 [NFT_FILE]
	ip netns exec "$1" sh -euc '
		sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.eth0.accept_dad=0
		ip link set lo up
		ip addr add "$1/24" dev eth0
		ip addr add "$2/64" dev eth0 nodad
		ip link set eth0 up
		if [ -n "${3:-}" ]; then nft -f "$3"; fi
	' sh "$2" "$3" "${4:-}"
}

netns_add() { # NS [HOSTS]: the namespace and its hosts file
	netns_exists "$1" || ip netns add "$1"
	mkdir -p "/etc/netns/$1"
	if (($# > 1)); then printf '%s\n' "$2"; else netns_hosts; fi >"/etc/netns/$1/hosts"
}

# Only the admin namespace (run-tests.sh puts a test in it before the test
# brings the lab up); `up` connects it.
netns_admin_up() {
	netns_add "$(lab_ns admin)"
	ip -n "$(lab_ns admin)" link set lo up
}

netns_up() {
	local sw n ns f hosts
	local -a jobs=() batch=()
	command -v nft >/dev/null || die "nft not found: install the Debian package nftables"
	sw=$(lab_ns sw)
	hosts=$(netns_hosts)
	while read -r ns; do netns_add "$ns" "$hosts"; done < <(netns_names)
	# A reused admin namespace may hold a port of a lab that is gone.
	ip -n "$(lab_ns admin)" link del eth0 2>/dev/null || true
	batch+=("link add $LAB_BRIDGE type bridge" "link set $LAB_BRIDGE up")
	while read -r ns; do
		[[ $ns == "$sw" ]] && continue
		f=p-${ns#rwl-*-}
		batch+=("link add $f type veth peer name eth0 netns $ns" "link set $f master $LAB_BRIDGE" "link set $f up")
	done < <(netns_names)
	printf '%s\n' "${batch[@]}" | ip -n "$sw" -batch - || die "cannot build the lab switch in $sw"
	netns_setup_inside "$(lab_ns admin)" "$LAB_NET4.$LAB_ADMIN_OCTET" "$LAB_NET6::$LAB_ADMIN_OCTET" &
	jobs+=($!)
	for n in "${LAB_NODES[@]}"; do
		mkdir -p "$(node_dir "$n")"
		f=$(node_dir "$n")/firewall.nft
		netns_firewall "$n" >"$f"
		netns_setup_inside "$(lab_ns "$n")" "$(node_addr "$n")" "$(node_addr6 "$n")" "$f" &
		jobs+=($!)
	done
	for f in "${jobs[@]}"; do wait "$f" || die "cannot set up a namespace of the lab"; done
}

# Rewrite and reload the site firewall of the Carbonio nodes (after a change
# of LAB_FW_ADMIN_LDAP); one nft transaction each.
netns_firewall_reload() {
	local n f
	for n in "${LAB_CARBONIO_NODES[@]}"; do
		f=$(node_dir "$n")/firewall.nft
		netns_firewall "$n" >"$f"
		{ printf 'table inet rwlab\ndelete table inet rwlab\n'; cat "$f"; } |
			ip netns exec "$(lab_ns "$n")" nft -f - || die "cannot reload the firewall of $n"
	done
}

# Is this process or one of its ancestors in the admin namespace? (a test
# calling `lab.sh down` lives there: its namespace stays until the runner's
# own `down`).
netns_caller_in_admin() {
	local ino p
	ino=$(netns_inode "$(lab_ns admin)") || return 1
	for p in $(lab_self_pids); do
		[[ $(readlink "/proc/$p/ns/net" 2>/dev/null) == "net:[$ino]" ]] && return 0
	done
	return 1
}

# PIDs of the processes in the given namespaces (minus this one's ancestors).
netns_procs() { # NS...
	local ns ino self re=""
	for ns in "$@"; do
		ino=$(netns_inode "$ns") || continue
		re+="${re:+|}net:\\[$ino\\]"
	done
	[[ -n $re ]] || return 0
	self=" $(lab_self_pids | tr '\n' ' ') "
	find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%p %l\n' 2>/dev/null |
		awk -v re="^($re)\$" '$2 ~ re { split($1, a, "/"); print a[3] }' |
		while read -r p; do [[ $self == *" $p "* ]] || echo "$p"; done
	return 0
}

# The namespaces `down` removes: all, but the admin one while the caller is in it.
netns_to_remove() {
	local ns admin
	admin=$(lab_ns admin)
	while read -r ns; do
		[[ $ns == "$admin" ]] && netns_caller_in_admin && continue
		netns_exists "$ns" && echo "$ns"
	done < <(netns_names)
	return 0
}

netns_down() {
	local i ns
	local -a nss=() left=()
	mapfile -t nss < <(netns_to_remove)
	((${#nss[@]})) || return 0
	# What still runs in a namespace of the lab belongs to the lab.
	for ((i = 0; i < 40; i++)); do
		mapfile -t left < <(netns_procs "${nss[@]}")
		((${#left[@]})) || break
		if ((i == 0)); then
			kill -CONT "${left[@]}" 2>/dev/null || true
			kill -TERM "${left[@]}" 2>/dev/null || true
		elif ((i >= 20)); then
			kill -KILL "${left[@]}" 2>/dev/null || true
		fi
		sleep 0.05
	done
	for ns in "${nss[@]}"; do
		ip netns del "$ns" 2>/dev/null || ! netns_exists "$ns" || warn "cannot delete namespace $ns"
		rm -rf -- "/etc/netns/${ns:?}"
	done
	rmdir /etc/netns 2>/dev/null || true
}

# What `down` leaves of the network side, one line each (nothing: clean).
netns_leftovers() {
	local ns
	while read -r ns; do echo "namespace $ns"; done < <(netns_to_remove)
	for ns in /etc/netns/"rwl-$(lab_id)"-*; do
		[[ -e $ns ]] || continue
		netns_exists "${ns##*/}" || echo "hosts file directory $ns"
	done
	# The admin namespace the caller stays in keeps nothing but loopback.
	if netns_caller_in_admin; then
		ip -n "$(lab_ns admin)" -o link show | awk -F': ' '$2 != "lo" { print "link " $2 " in " ns }' \
			ns="$(lab_ns admin)"
	fi
	return 0
}

# lab.sh run from a test in the admin namespace (run-tests.sh exports
# LAB_OUTER_PID, its own PID): namespaces are made and removed in the
# runner's mount namespace (the admin one is a slave of it), so lab.sh
# re-executes itself there.
lab_enter_outer() {
	local p=${LAB_OUTER_PID:-}
	[[ $p =~ ^[1-9][0-9]*$ && -e /proc/$p/ns/mnt ]] || return 0
	[[ $(readlink /proc/self/ns/mnt) != "$(readlink "/proc/$p/ns/mnt")" ||
		$(readlink /proc/self/ns/net) != "$(readlink "/proc/$p/ns/net")" ]] || return 0
	exec nsenter --mount="/proc/$p/ns/mnt" --net="/proc/$p/ns/net" -- "$0" "$@"
}
