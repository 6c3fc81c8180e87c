#!/bin/bash
# The seed procedure (/work/shared/reference/seeds/003_*.txt, "Configuring
# replication between two Dovecot servers") done BY HAND over plain ssh on
# imap1/imap2, then two-way replication is checked. The doveadm password never
# appears on a command line: files go over ssh's stdin.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

N1=imap1 N2=imap2
IP1=$(node_ip $N1) IP2=$(node_ip $N2)
PORT=$LAB_DOVEADM_PORT
# conf_dir of a host, read from the site file as the wizard would.
site_conf_dir() {
	awk -v h="[host $1]" '$0 == h { f = 1; next } /^\[/ { f = 0 } f && $1 == "conf_dir" { print $3 }' \
		"$LAB_DIR/site.ini"
}
CD1=$(site_conf_dir "$IP1") CD2=$(site_conf_dir "$IP2")
[[ -n $CD1 && -n $CD2 ]] || fail "no conf_dir in site.ini"

work=$(mktemp -d)
chmod 700 "$work"
cleanup_work() { rm -rf -- "$work"; }
lab_on_exit cleanup_work
PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=\n')
[[ ${#PW} -ge 16 ]] || fail "could not make a password"

# Step 1: 10-replication.conf, built locally in a 0600 file (heredoc: no argv).
write_conf() { # PEER_IP FILE
	cat >"$2" <<-CONF
		# Written by the lab test 20-seed-dovecot (seed procedure, step 1).
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
		    port = $PORT
		  }
		}

		doveadm_password = $PW

		plugin {
		  mail_replica = tcp:$1:$PORT
		}
	CONF
}
(
	umask 077
	write_conf "$IP2" "$work/$N1.conf"
	write_conf "$IP1" "$work/$N2.conf"
)
for n in $N1 $N2; do
	[[ $n == "$N1" ]] && cd=$CD1 || cd=$CD2
	# Steps 1-2: install the file, root:root 0600, without the secret on argv.
	assert_rc 0 "$n: write $cd/10-replication.conf over ssh stdin" lab_ssh "$n" \
		"umask 077 && cat > $cd/.10-replication.conf.tmp && chown root:root $cd/.10-replication.conf.tmp && chmod 600 $cd/.10-replication.conf.tmp && mv -f $cd/.10-replication.conf.tmp $cd/10-replication.conf" \
		<"$work/$n.conf"
	run lab_ssh "$n" "stat -c '%a %U:%G' $cd/10-replication.conf"
	assert_eq "600 root:root" "$T_STDOUT" "$n: 10-replication.conf is 0600 root:root"
	run lab_ssh "$n" "cmp - $cd/10-replication.conf" <"$work/$n.conf"
	assert_eq 0 "$T_RC" "$n: remote file has the content"
done
rm -f -- "$work"/*.conf
ps_during=$("$LAB_SH" ps-sample)

# Step 4's rich rules for a peer: its IPv4 address, and its IPv6 one on the
# dual-stack (netns) lab, where names resolve to IPv6 first.
peer_rules() { # PEER_NODE: one rich rule per line, as the seed writes it
	printf 'rule family="ipv4" source address="%s/32" port protocol="tcp" port="%s" accept\n' "$(node_addr "$1")" "$PORT"
	if lab_netns; then
		printf 'rule family="ipv6" source address="%s/128" port protocol="tcp" port="%s" accept\n' "$(node_addr6 "$1")" "$PORT"
	fi
}
canonical() { sed 's/port protocol="tcp" port="\([0-9]*\)"/port port="\1" protocol="tcp"/'; }
for n in $N1 $N2; do
	[[ $n == "$N1" ]] && peer=$N2 || peer=$N1
	# Step 3: SELinux boolean, unless SELinux is disabled.
	run lab_ssh "$n" getenforce
	if [[ $T_STDOUT != Disabled ]]; then
		assert_rc 0 "$n: setsebool -P nis_enabled on ($T_STDOUT)" lab_ssh "$n" setsebool -P nis_enabled on
		run lab_ssh "$n" getsebool nis_enabled
		assert_eq "nis_enabled --> on" "$T_STDOUT" "$n: nis_enabled is on"
	else
		t_log "$n: SELinux disabled, no setsebool"
	fi
	# Step 4: firewalld rich rule for the partner only, then reload.
	run lab_ssh "$n" firewall-cmd --state
	if [[ $T_RC == 0 ]]; then
		# the seed says --zone=public; the rule belongs to the zone the
		# partner's traffic arrives in (on this lab, as on many sites, the
		# interface is in "internal": a rule in public would do nothing)
		dev=$(lab_ssh "$n" ip -o route get "$(node_addr "$peer")" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
		run lab_ssh "$n" firewall-cmd --get-zone-of-interface="$dev"
		zone=public
		[[ $T_RC == 0 && -n $T_STDOUT ]] && zone=$T_STDOUT
		t_log "$n: $peer's traffic arrives on $dev, in zone $zone"
		mapfile -t rules < <(peer_rules "$peer")
		for rule in "${rules[@]}"; do
			assert_rc 0 "$n: rich rule for $peer: $rule" lab_ssh "$n" \
				"firewall-cmd --permanent --zone=$zone '--add-rich-rule=$rule'"
			assert_eq success "$T_STDOUT" "$n: firewall-cmd says success"
		done
		assert_rc 0 "$n: firewall-cmd --reload" lab_ssh "$n" firewall-cmd --reload
	else
		assert_eq 252 "$T_RC" "$n: firewalld not running (exit 252)"
		t_log "$n: firewalld not running, no rules"
	fi
done

# Step 6 (both configured first, then reload: the replicator syncs at once).
for n in $N1 $N2; do
	assert_rc 0 "$n: doveadm reload" lab_ssh "$n" doveadm reload
done
for n in $N1 $N2; do
	wait_until 15 lab_ssh "$n" doveadm replicator status || fail "$n: replicator did not come up"
	ok "$n: replicator answers"
done
ps_during+=$'\n'$("$LAB_SH" ps-sample)
for n in $N1 $N2; do
	assert_rc 0 "$n: doveadm replicator replicate -f '*'" lab_ssh "$n" "doveadm replicator replicate -f '*'"
done

maildir() { echo "$LAB_DIR/nodes/$1/mail/example.com/$2/Maildir"; }
has_subject() { # NODE USER SUBJECT : a file with that Subject in new/ or cur/
	grep -rlsqx -- "Subject: $3" "$(maildir "$1" "$2")/new" "$(maildir "$1" "$2")/cur"
}
# The initial full sync brings every Welcome message to imap2.
for u in user1 user2 user3; do
	wait_until 30 has_subject $N2 "$u" Welcome || fail "Welcome of $u never reached $N2"
	ok "Welcome of $u replicated to $N2"
done

save_msg() { # NODE USER SUBJECT
	printf 'From: lab@example.com\nTo: %s@example.com\nSubject: %s\nDate: %s\n\nreplication test\n' \
		"$2" "$3" "$(date -R)" | lab_ssh "$1" "doveadm save -u $2@example.com"
}
s1="from-$N1-$RANDOM$RANDOM" s2="from-$N2-$RANDOM$RANDOM"
t0=$(date +%s%N)
assert_rc 0 "$N1: doveadm save ($s1)" save_msg $N1 user1 "$s1"
wait_until 30 has_subject $N2 user1 "$s1" || fail "message saved on $N1 never reached $N2"
ok "message saved on $N1 appears on $N2 after $(lab_elapsed "$t0") s"
t0=$(date +%s%N)
assert_rc 0 "$N2: doveadm save ($s2)" save_msg $N2 user2 "$s2"
wait_until 30 has_subject $N1 user2 "$s2" || fail "message saved on $N2 never reached $N1"
ok "message saved on $N2 appears on $N1 after $(lab_elapsed "$t0") s"

for n in $N1 $N2; do
	run lab_ssh "$n" "doveadm -f tab replicator status '*'"
	assert_eq 0 "$T_RC" "$n: replicator status '*'"
	for u in user1 user2 user3; do
		assert_contains "$T_STDOUT" "$u@example.com	" "$n: replicator knows $u"
	done
	run lab_ssh "$n" doveadm replicator status
	assert_contains "$T_STDOUT" "Total number of known users   3" "$n: 3 known users"
done

# Exactly the calls the procedure made, nothing else.
run cat "$LAB_DIR/nodes/$N1/calls.log"
assert_eq "setsebool -P nis_enabled on
firewall-cmd --state
firewall-cmd --get-zone-of-interface=$(lab_ssh $N1 ip -o route get "$(node_addr $N2)" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
$(peer_rules $N2 | sed "s/^/firewall-cmd --permanent --zone=internal '--add-rich-rule=/; s/\$/'/")
firewall-cmd --reload" "$T_STDOUT" "$N1: calls.log"
run cat "$LAB_DIR/nodes/$N2/calls.log"
assert_eq "firewall-cmd --state" "$T_STDOUT" "$N2: calls.log"
run lab_ssh $N1 firewall-cmd --zone=internal --list-rich-rules
assert_eq "$(peer_rules $N2 | canonical)" "$T_STDOUT" "$N1: runtime rich rules after reload"

# The secret: never on a command line, only in the two config files.
assert_not_contains "$ps_during" "$PW" "password never in a process command line"
run grep -rlF -- "$PW" "$LAB_DIR"
assert_eq "$(printf '%s\n' "$CD1/10-replication.conf" "$CD2/10-replication.conf" | sort)" \
	"$(sort <<<"$T_STDOUT")" "password only in the two 10-replication.conf files"
[[ -z $(ls -A "$work") ]] || fail "local temporary files left"
ok "no local copy of the config left"
