#!/bin/bash
# make bench: figures, not assertions. Brings up a private lab (LAB_NET,
# LAB_DIR below), starts bench-only sshd nodes, then measures each figure as
# a ratio of two things run side by side in the same run, A and B
# alternated, BENCH_REPS times; prints median and spread (min..max) and
# writes bench/RESULTS.md (BENCH_RESULTS=... to write elsewhere).
#
# Environment: LAB_NET (127.77.10), LAB_DIR (/tmp/rw-bench-lab), BENCH_REPS
# (5), BENCH_STREAM_MB (100), BENCH_SKIP_INSTALL=1 (skip figures 4, 6 and 7:
# they install replicas), BENCH_ROUNDS (3, figure 7's rounds),
# BENCH_SKIP_PAIRS=1 (skip figure 8, the dashboard of many Dovecot pairs:
# bench/pairs.sh, also alone as `make bench-pairs`).
#   bench/run.sh [SECTION...]   only these figures (e.g. `bench/run.sh 7`,
#                               or BENCH_ONLY="6 7" make bench); their
#                               sections of RESULTS.md are replaced, the
#                               others kept.
set -uo pipefail
ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
export LAB_NET=${LAB_NET:-127.77.10} LAB_DIR=${LAB_DIR:-/tmp/rw-bench-lab}
# The loopback lab: the bench's own sshd nodes live on LAB_NET too, and the
# figures compare the wizard with plain tools on the same (loopback) network.
export LAB_NETNS=0
REPS=${BENCH_REPS:-5}
ONLY=" ${*:-${BENCH_ONLY:-}} "
want() { [[ $ONLY == "  " || $ONLY == *" $1 "* ]]; }
installs() { [[ -z ${BENCH_SKIP_INSTALL:-} ]] && want "$1"; }
MB=${BENCH_STREAM_MB:-100}
OUT=${BENCH_RESULTS:-$ROOT/bench/RESULTS.md}
LAB=$ROOT/tests/lab/lab.sh
B=$ROOT/build/bench/rw_bench
W=$(mktemp -d /tmp/rw-bench.XXXXXX)
RES=$W/results

cleanup() {
	bash "$ROOT/bench/nodes.sh" down >/dev/null 2>&1
	[[ -n ${CM_UP:-} ]] && ssh "${SSHO[@]}" -o ControlPath="$W/cm" -O exit "root@$N0" >/dev/null 2>&1
	"$LAB" down >/dev/null 2>&1
	rm -rf -- "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$ROOT/bench/build.sh" || { echo "bench: cannot build the driver (run make first)"; exit 1; }
"$LAB" up >/dev/null || { echo "bench: lab.sh up failed"; exit 1; }
set -a
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"
set +a
ND=$LAB_DIR.bench-nodes
NODES=()
if want 1 || want 2 || want 3 || want 5; then
	bash "$ROOT/bench/nodes.sh" up 16 || { echo "bench: bench nodes did not start"; exit 1; }
	mapfile -t NODES < <(bash "$ROOT/bench/nodes.sh" hosts)
fi
N0=${NODES[0]:-}
KEY=$LAB_DIR/ssh/labkey
SSHO=(-F /dev/null -i "$KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$ND/known_hosts"
	-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -p "$LAB_SSH_PORT")
DRV=(-p "$LAB_SSH_PORT" -i "$KEY" -k "$ND/known_hosts")

# wall CMD...: seconds the command took (stdout/stderr to $W/last.*).
wall() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >"$W/last.out" 2>"$W/last.err"
	local rc=$?
	t1=$(date +%s%N)
	((rc == 0)) || { echo "bench: failed ($rc): $* : $(tail -n 3 "$W/last.err")" >&2; echo NaN; return; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}
# stats FILE: "median min max" of one number per line
stats() { sort -g "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f %.4f %.4f", m, v[1], v[NR] }'; }
# record NAME VALUE: append to the series NAME
record() { echo "$2" >>"$W/s.$1"; }
med() { stats "$W/s.$1" | cut -d' ' -f1; }
spread() { stats "$W/s.$1" | awk '{ printf "%s..%s", $2, $3 }'; }
ratio() { awk -v a="$(med "$1")" -v b="$(med "$2")" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
line() { printf '%s\n' "$*" | tee -a "$RES"; }
row() { # LABEL SERIES: a table row with median and spread
	line "| $1 | $(med "$2") s | $(spread "$2") s |"
}

ssh_loop() { local i; for ((i = 0; i < $2; i++)); do ssh "${SSHO[@]}" "root@$1" true || return 1; done; }
cm_loop() {
	local i cp=$W/cm
	ssh "${SSHO[@]}" -o ControlMaster=yes -o ControlPath="$cp" -o ControlPersist=no -N -f "root@$1" || return 1
	for ((i = 0; i < $2; i++)); do ssh "${SSHO[@]}" -o ControlPath="$cp" "root@$1" true || return 1; done
	ssh "${SSHO[@]}" -o ControlPath="$cp" -O exit "root@$1" 2>/dev/null
}
serial_ssh() { local h; for h in "$@"; do ssh "${SSHO[@]}" "root@$h" true || return 1; done; }

: >"$RES"
echo "bench: $REPS repetitions, A and B alternated" >&2

# 1. per-step cost ---------------------------------------------------------
want 1 && echo "bench: 1. per-step cost" >&2
want 1 && for ((r = 0; r < REPS; r++)); do
	record eng "$(wall "$B" exec -H "$N0" "${DRV[@]}" -n 50)"
	record ssh "$(wall ssh_loop "$N0" 50)"
	record cm "$(wall cm_loop "$N0" 50)"
	record engnd "$(wall "$B" exec -N -H "$N0" "${DRV[@]}" -n 50)"
done
# the lab's own node: root's login shell there runs this machine's ~/.bashrc
want 1 && for ((r = 0; r < 2; r++)); do
	record englab "$(wall "$B" exec -H "$LAB_IP_REPLICA1" -p "$LAB_SSH_PORT" -i "$KEY" -k "$LAB_DIR/ssh/known_hosts" -n 50)"
	record sshlab "$(wall bash -c "for i in \$(seq 50); do ssh -F $LAB_DIR/ssh/ssh_config replica1 true || exit 1; done")"
done

# 2. streaming ---------------------------------------------------------------
if want 2; then
echo "bench: 2. streaming ${MB} MB" >&2
SF=$W/stream.txt
yes 'Nov 22 19:32:01 replica1 slapd[4242]: conn=1042 op=7 SRCH base="" scope=0 deref=0 filter="(objectClass=*)"' |
	head -c $((MB * 1024 * 1024)) >"$SF"
for ((r = 0; r < REPS; r++)); do
	record streng "$(wall "$B" stream -H "$N0" "${DRV[@]}" -c "cat $SF" -l "$W/stream.log")"
	record strssh "$(wall bash -c "ssh ${SSHO[*]} root@$N0 cat $SF >/dev/null")"
done
rm -f -- "$SF" "$W/stream.log"
fi

# 3. fan-out -----------------------------------------------------------------
want 3 && echo "bench: 3. fan-out" >&2
want 3 && for n in 1 4 16; do
	for ((r = 0; r < REPS; r++)); do
		record fan$n "$(wall "$B" fanout "${DRV[@]}" -c true "${NODES[@]:0:n}")"
		record fanc$n "$(wall "$B" fanout -C "${DRV[@]}" -c true "${NODES[@]:0:n}")"
		record ser$n "$(wall serial_ssh "${NODES[@]:0:n}")"
	done
done
# the driver's own figure (refresh only, sessions open) is on its stdout
want 3 && for n in 1 4 16; do
	for ((r = 0; r < REPS; r++)); do
		"$B" fanout "${DRV[@]}" -c true "${NODES[@]:0:n}" 2>/dev/null >>"$W/s.fanr$n"
	done
done

# 6. whole install (also gives the LDAP figure a real replica) --------------
# An install cannot be repeated on a node: each round is a fresh lab, the
# wizard on one replica and the script on the other, sides and order swapped
# every round; the last round runs the wizard with bench/nodelay.so
# (TCP_NODELAY, the what-if of the per-step figure).
fresh_lab() { # an install cannot be repeated on a node: a new lab
	"$LAB" down >/dev/null 2>&1
	"$LAB" up >/dev/null || { echo "bench: lab.sh up failed" >&2; return 1; }
	# Replication enabled on the master beforehand: both start equal.
	ssh -F "$LAB_DIR/ssh/ssh_config" master "$LAB_DIR/nodes/master/opt/zextras/libexec/zmldapenablereplica" >/dev/null 2>&1
	export REPLICA_WIZARD_STATE_DIR=$W/state-$RANDOM
}
wizard_install() { # REPLICA... : the wizard's install of these replicas, timed
	local a=() h
	for h in "$@"; do a+=(--replica "$h"); done
	REPLICA_WIZARD_LDAP_PASSWORD=$LAB_PASS LD_PRELOAD=${PRELOAD:-} wall ./replica-wizard install --batch \
		--yes --site "$LAB_DIR/site.ini" "${a[@]}"
}
plain_install() { wall bash -c "printf '%s\n' \"\$LAB_PASS\" | bash '$ROOT/bench/install-plain.sh' '$1'"; }
install_round() { # WIZARD_REPLICA SCRIPT_REPLICA SERIES_W [PRELOAD] [SERIES_S]
	fresh_lab || return
	local w s
	if ((RANDOM % 2)); then w=$(PRELOAD=${4:-} wizard_install "$1"); s=$(plain_install "$2")
	else s=$(plain_install "$2"); w=$(PRELOAD=${4:-} wizard_install "$1"); fi
	record "$3" "$w"
	record "${5:-insts}" "$s"
}
if installs 6 || installs 4; then
	echo "bench: 6. whole install" >&2
	install_round "$LAB_IP_REPLICA1" "$LAB_IP_REPLICA2" instw
	if installs 6; then
		install_round "$LAB_IP_REPLICA2" "$LAB_IP_REPLICA1" instw
		install_round "$LAB_IP_REPLICA1" "$LAB_IP_REPLICA2" instwnd "$ROOT/build/bench/nodelay.so"
	fi

	# 4. LDAP probe ----------------------------------------------------------
	want 4 && echo "bench: 4. LDAP probe" >&2
	want 4 && MU=ldap://$LAB_IP_MASTER:$LAB_LDAP_PORT RU=ldap://$LAB_IP_REPLICA1:$LAB_LDAP_PORT
	want 4 && for n in 1 16; do
		urls=()
		for ((i = 0; i < n; i++)); do urls+=("$RU"); done
		for ((r = 0; r < REPS; r++)); do
			record ldapc$n "$(wall bash -c "printf '%s\n' \"\$LAB_PASS\" | '$B' ldap -P -m $MU ${urls[*]}")"
			record ldapi$n "$(cat "$W/last.out")"
			record ldapp$n "$(wall bash -c "printf '%s\n' \"\$LAB_PASS\" | perl '$ROOT/bench/replchk.pl' $MU ${urls[*]}")"
		done
	done
fi

# 7. replicas side by side -------------------------------------------------------
# Each round: a fresh lab where one run installs both replicas, and a fresh
# lab where the wizard installs one replica and the plain script the other
# (sides and order swapped every round).
if installs 7; then
	echo "bench: 7. replicas side by side" >&2
	for ((r = 0; r < ${BENCH_ROUNDS:-3}; r++)); do
		if fresh_lab; then record two "$(wizard_install "$LAB_IP_REPLICA1" "$LAB_IP_REPLICA2")"; fi
		if ((r % 2)); then install_round "$LAB_IP_REPLICA2" "$LAB_IP_REPLICA1" one "" plain7
		else install_round "$LAB_IP_REPLICA1" "$LAB_IP_REPLICA2" one "" plain7; fi
	done
fi

# 5. footprint ---------------------------------------------------------------
# The live dashboard at its 5 s interval, in tmux: the lab site (6 nodes)
# and a site of the lab master + the 16 bench nodes as replicas (their
# zmreplchk is replica1's, on this machine; they run no slapd, so their LDAP
# probes fail fast: "connection refused").
make_site16() {
	local h
	{
		sed -n '/^\[ssh\]/,/^\[/p' "$LAB_DIR/site.ini" | sed '$d'
		printf '[carbonio]\nmaster = %s\nreplicas = %s\nldap_port = %s\n' "$LAB_IP_MASTER" "${NODES[*]}" "$LAB_LDAP_PORT"
		printf '[host %s]\nprefix = %s\n' "$LAB_IP_MASTER" "$LAB_DIR/nodes/master/opt/zextras"
		for h in "${NODES[@]}"; do
			printf '[host %s]\nknown_hosts = %s\nprefix = %s\n' "$h" "$ND/known_hosts" "$LAB_DIR/nodes/replica1/opt/zextras"
		done
	} >"$1"
}
FW=${BENCH_FOOT_WINDOW:-60}
if want 5; then
	echo "bench: 5. footprint" >&2
	make_site16 "$W/site16.ini"
	FOOT6=$(bash "$ROOT/bench/footprint.sh" "$LAB_DIR/site.ini" "$FW" 15 2>&1 | tail -n 1)
	FOOT16=$(bash "$ROOT/bench/footprint.sh" "$W/site16.ini" "$FW" 15 2>&1 | tail -n 1)
	BASE_RSS=$( { /usr/bin/time -f '%M' ./replica-wizard --version >/dev/null; } 2>&1 | tail -n 1)
	for ((r = 0; r < REPS; r++)); do
		record dash "$(wall ./replica-wizard dashboard --once --site "$LAB_DIR/site.ini")"
	done
fi

# 8. many Dovecot pairs (bench/pairs.sh restarts the bench nodes: last) -------
if [[ -z ${BENCH_SKIP_PAIRS:-} ]] && want 8; then
	BENCH_KEEP_LAB=1 bash "$ROOT/bench/pairs.sh" >"$W/pairs.md" || echo "bench: 8. pairs failed" >&2
fi

# ---- report -----------------------------------------------------------------
{
	echo "# Bench results (make bench)"
	echo
	echo "Figures, not assertions: each is a ratio of two runs made side by side in the same"
	echo "run (A and B alternated, $REPS repetitions; median, spread = min..max). Generated by"
	echo "\`bench/run.sh\`; the notes below the tables are written by hand."
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
	echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD)"
	echo
	want 1 && {
	echo "## 1. Per-step cost: 50 trivial commands (\`true\`) on one node"
	echo
	echo "| what | median | spread |"
	echo "|---|---|---|"
	row "engine, one session reused (connect included)" eng
	row "OpenSSH \`ssh host true\` x 50" ssh
	row "OpenSSH ControlMaster (master + 50 + exit)" cm
	row "engine with TCP_NODELAY set on its socket (-N, what-if)" engnd
	row "engine, lab node replica1 (root's ~/.bashrc runs pyenv: ~0.3 s a shell)" englab
	row "OpenSSH x 50, lab node replica1" sshlab
	echo
	echo "Ratios: engine/ssh **$(ratio eng ssh)** (target <= 0.25), engine/ControlMaster **$(ratio eng cm)** (target <= 1);"
	echo "with TCP_NODELAY: engine/ssh $(ratio engnd ssh), engine/ControlMaster $(ratio engnd cm)."
	echo
	}
	want 2 && {
	echo "## 2. Streaming ${MB} MB of remote output"
	echo
	echo "| what | median | spread |"
	echo "|---|---|---|"
	row "engine: linebuf + bounded store (5000 lines) + log file" streng
	row "\`ssh host cat file >/dev/null\`" strssh
	echo
	echo "Throughput ratio engine/ssh **$(ratio strssh streng)** (target >= 0.9)."
	echo
	}
	want 3 && {
	echo "## 3. Fan-out: one command on N hosts"
	echo
	echo "| N | engine refresh (sessions open, driver's clock) | engine process incl. connects | serial \`ssh host true\` |"
	echo "|---|---|---|---|"
	for n in 1 4 16; do
		echo "| $n | $(med fanr$n) s ($(spread fanr$n)) | $(med fanc$n) s ($(spread fanc$n)) | $(med ser$n) s ($(spread ser$n)) |"
	done
	echo
	echo "16 hosts / 1 host: engine refresh **$(ratio fanr16 fanr1)**, engine incl. connects $(ratio fanc16 fanc1), serial ssh $(ratio ser16 ser1) (target <= 1.5)."
	echo
	}
	if installs 4; then
		echo "## 4. LDAP probe: contextCSN of the master (cn=config bind) and R replicas"
		echo
		echo "R = 16 is the same replica URL 16 times (one replica in the lab)."
		echo
		echo "| R | engine (ldapprobe, one process) | Perl Net::LDAP (zmreplchk's way) | ratio |"
		echo "|---|---|---|---|"
		for n in 1 16; do
			echo "| $n | $(med ldapc$n) s ($(spread ldapc$n)) | $(med ldapp$n) s ($(spread ldapp$n)) | **$(ratio ldapc$n ldapp$n)** |"
		done
		echo
		echo "In-process probe time (driver's clock, no process start: what the dashboard pays): R=1 $(med ldapi1) s"
		echo "($(spread ldapi1)), R=16 $(med ldapi16) s ($(spread ldapi16)); against the Perl process: **$(ratio ldapi1 ldapp1)** and"
		echo "**$(ratio ldapi16 ldapp16)**. Target <= 0.1."
		echo
	fi
	want 5 && {
	echo "## 5. Footprint of the live dashboard (interval 5 s, ${FW} s window after 15 s)"
	echo
	echo "| site | CPU (% of one core) | peak RSS | private memory |"
	echo "|---|---|---|---|"
	set -- $FOOT6
	echo "| lab site: master, 2 replicas, MTA, 2 Dovecot | ${1:-?} % | ${2:-?} KB | ${4:-?} KB |"
	set -- $FOOT16
	echo "| master + 16 replicas (bench nodes) | ${1:-?} % | ${2:-?} KB | ${4:-?} KB |"
	echo
	echo "Targets: <= 0.5 % of a core, <= 12 MB (12288 KB). For scale: \`replica-wizard --version\` peaks at"
	echo "${BASE_RSS:-?} KB (the shared libraries mapped); \`dashboard --once\` on the lab site takes $(med dash) s ($(spread dash))."
	echo
	}
	if installs 6; then
		echo "## 6. Whole install of one replica"
		echo
		echo "Three rounds, each on a fresh lab (an install cannot be repeated): wizard on one replica, the"
		echo "script on the other, sides and order swapped; the third round's wizard runs with TCP_NODELAY."
		echo
		echo "| what | median | spread |"
		echo "|---|---|---|"
		row "\`replica-wizard install --batch --yes\` (2 rounds)" instw
		row "bench/install-plain.sh, the same steps as plain \`ssh\` (3 rounds)" insts
		row "the wizard with TCP_NODELAY (bench/nodelay.so, 1 round)" instwnd
		echo
		echo "Ratio wizard/script **$(ratio instw insts)** (target <= 1); with TCP_NODELAY $(ratio instwnd insts)."
		echo
	fi
	if installs 7; then
		echo "## 7. Replicas side by side"
		echo
		echo "${BENCH_ROUNDS:-3} rounds, each two fresh labs: one run installing both replicas; the wizard on one"
		echo "replica and bench/install-plain.sh on the other (sides and order swapped). Measured"
		echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD)."
		echo
		echo "| what | median | spread |"
		echo "|---|---|---|"
		row "\`replica-wizard install --batch --yes\`, two replicas in one run" two
		row "\`replica-wizard install --batch --yes\`, one replica" one
		row "bench/install-plain.sh, one replica" plain7
		echo
		echo "Ratios: two replicas / one replica **$(ratio two one)** (target <= 1.2); one replica / plain script"
		echo "**$(ratio one plain7)** (target <= 0.8)."
		echo
	fi
	if [[ -s $W/pairs.md ]]; then
		cat "$W/pairs.md"
		echo
	fi
} >"$W/report.md"
if [[ $ONLY != "  " && -f $OUT ]]; then
	# some figures: replace their sections, keep the others and the notes
	awk -v new="$W/report.md" '
		BEGIN { while ((getline l < new) > 0) { if (l ~ /^## [0-9]+\./) { split(l, f, " "); cur = f[2] }
			else if (l ~ /^# /) cur = ""; if (cur != "") { sec[cur] = sec[cur] l "\n"; if (!(cur in seen)) { seen[cur] = 1; order[++n] = cur } } } }
		/^## / { split($0, f, " "); id = ($0 ~ /^## [0-9]+\./) ? f[2] : ""
			if (id in sec) { printf "%s", sec[id]; done[id] = 1; skip = 1; next }
			if ($0 ~ /^## Notes/) for (i = 1; i <= n; i++) if (!(order[i] in done)) { printf "%s", sec[order[i]]; done[order[i]] = 1 }
			skip = 0 }
		!skip { print }' "$OUT" >"$W/merged.md" && cp "$W/merged.md" "$OUT"
elif [[ -f $OUT ]] && grep -q '^## Notes' "$OUT"; then
	sed -n '/^## Notes/,$p' "$OUT" >"$W/notes.md"
	{ cat "$W/report.md"; cat "$W/notes.md"; } >"$OUT"
else
	cp "$W/report.md" "$OUT"
fi
cat "$W/report.md"
