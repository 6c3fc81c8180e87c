#!/bin/bash
# The bash completion (completion/replica-wizard) completes every command,
# subcommand and option, and the values it knows (formats, directories, the
# site's Dovecot pairs). Commands and options are read from the program's own
# --help, so one added there without a completion fails here.
# REPLICA_WIZARD_BIN / REPLICA_WIZARD_COMPLETION test an installed copy (the package test).
set -uo pipefail
ROOT=$(cd -- "$(dirname -- "$0")/../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
COMP=${REPLICA_WIZARD_COMPLETION:-$ROOT/completion/replica-wizard}
[[ -x $RW ]] || { echo "test_completion: build replica-wizard first (make)"; exit 1; }
# shellcheck source=/dev/null
. "$COMP" || { echo "test_completion: cannot source $COMP"; exit 1; }
fails=0 checks=0
TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT

# complete WORD...: the candidates for the last word (may be ""), one a line, sorted
complete_line() {
	COMP_WORDS=(replica-wizard "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_replica_wizard
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() { # "WORDS" EXPECTED(space separated, sorted) -- exact set
	local words=$1 want=$2 got
	read -r -a w <<<"$words"
	[[ $words == *" " || -z $words ]] && w+=("")
	got=$(complete_line "${w[@]}" | tr '\n' ' ' | sed 's/ *$//')
	checks=$((checks + 1))
	if [[ $got != "$want" ]]; then
		echo "  FAIL [replica-wizard $words<TAB>]: got [$got], want [$want]"
		fails=$((fails + 1))
	fi
}
offers() { # "WORDS" CANDIDATE -- CANDIDATE among the candidates
	local words=$1 want=$2
	read -r -a w <<<"$words"
	[[ $words == *" " || -z $words ]] && w+=("")
	checks=$((checks + 1))
	if ! complete_line "${w[@]}" | grep -qxF -- "$want"; then
		echo "  FAIL [replica-wizard $words<TAB>] does not offer $want"
		fails=$((fails + 1))
	fi
}

expect "" "check dashboard dovecot install remove site"
expect "da" "dashboard"
expect "--" "--help --site --version"
expect "--site /etc/site.ini d" "dashboard dovecot"
expect "dashboard --format " "json openmetrics prometheus text"
expect "dashboard --format o" "openmetrics"
expect "dashboard --fo" "--format"
expect "site " "check discover show"
expect "site discover --" "--accept-new-host-keys --dry-run --help --prune --site"
expect "site check --" "--help --site"
expect "check --warn-lag " ""
offers "dashboard --" "--textfile"
offers "install --" "--answer-node"
offers "dovecot --" "--pair"
# directories only after --textfile
mkdir "$TMP/dir1"
: >"$TMP/file1"
expect "dashboard --textfile $TMP/" "$TMP/dir1"
offers "dashboard --site $TMP/" "$TMP/file1"
# the pairs of the site file named on the line, else $REPLICA_WIZARD_SITE
printf '[ssh]\nuser = root\n[dovecot]\nservers = a b\n[dovecot east]\nservers = c d\n[dovecot west] ; two\n[dovecotx]\n' >"$TMP/site.ini"
expect "--site $TMP/site.ini dovecot --pair " "east west"
expect "dovecot --site $TMP/site.ini --batch --pair w" "west"
REPLICA_WIZARD_SITE=$TMP/site.ini expect "dovecot --pair " "east west"
REPLICA_WIZARD_SITE=$TMP/missing.ini expect "dovecot --pair " ""

# everything the program's --help names (prose in `backticks` aside)
help_opts() { "$RW" "$@" --help 2>&1 | sed 's/`[^`]*`//g' | grep -oE -- '--[a-z][a-z-]*' | sort -u; }
cmds=$("$RW" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[[ -n $cmds ]] || { echo "  FAIL no command in $RW --help"; fails=$((fails + 1)); }
for c in $cmds; do
	offers "" "$c"
	# site's options belong to its subcommands: discover has them all
	[[ $c == site ]] && line="site discover --" || line="$c --"
	for o in $(help_opts "$c"); do offers "$line" "$o"; done
done
for o in $(help_opts site discover); do offers "site discover --" "$o"; done
# global options: those above the command list
for o in $("$RW" --help | sed '/^Commands:/,$d' | grep -oE -- '--[a-z][a-z-]*' | sort -u); do offers "--" "$o"; done
for s in $("$RW" site --help | sed -n 's/^ *replica-wizard site \([a-z]*\).*/\1/p'); do offers "site " "$s"; done
# with bash-completion loaded too (as an installed system has it)
if [[ -r /usr/share/bash-completion/bash_completion ]]; then
	checks=$((checks + 1))
	out=$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; complete -p replica-wizard' _ "$COMP" 2>&1)
	[[ $out == "complete -F _replica_wizard replica-wizard" ]] ||
		{ echo "  FAIL with bash-completion: [$out]"; fails=$((fails + 1)); }
fi
((fails == 0)) || { echo "test_completion: $fails of $checks checks FAILED"; exit 1; }
echo "test_completion: $checks checks passed"
