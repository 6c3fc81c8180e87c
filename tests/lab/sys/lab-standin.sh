# Shared by the bash stand-ins in a node's bin/ (sourced, not run).
# A stand-in finds its node from its own path: NODEDIR/bin/<name>.
LAB_SELF=$(readlink -f -- "$0")
NODEDIR=$(dirname -- "$(dirname -- "$LAB_SELF")")

# Append one line "name arg..." to NODEDIR/calls.log; args quoted like
# Python's shlex.quote so a test can compare exact calls.
lab_record() {
	local line q a
	line=$(basename -- "$0")
	for a in "$@"; do
		if [[ -n $a && $a =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
			q=$a
		else
			q="'${a//\'/\'\"\'\"\'}'"
		fi
		line+=" $q"
	done
	printf '%s\n' "$line" >>"$NODEDIR/calls.log"
}

lab_selinux_state() { # the whole file: a test may add a stray line
	if [[ -r $NODEDIR/selinux-state ]]; then cat -- "$NODEDIR/selinux-state"; else echo Disabled; fi
}
