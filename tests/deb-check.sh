#!/bin/bash
# The built package, unpacked into a throw-away root (dpkg -x, nothing
# installed on this machine): the files are where Debian wants them, the
# packaged binary runs (--version says the Makefile's version, --help), finds
# its procedures beside it (/usr/bin -> /usr/share/replica-wizard: a dry run
# plans the install), and its bash completion completes.
#   tests/deb-check.sh build-deb/replica-wizard_<version>_<arch>.deb
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
deb=${1:?usage: tests/deb-check.sh FILE.deb}
version=$(sed -n 's/^VERSION := //p' "$ROOT/Makefile")
dest=$(mktemp -d)
trap 'rm -rf -- "$dest"' EXIT
fail() { echo "deb-check: FAIL $*"; exit 1; }

[[ $(dpkg-deb -f "$deb" Package) == replica-wizard ]] || fail "$deb: not the replica-wizard package"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "$deb: version is not $version"
dpkg-deb -f "$deb" Depends | grep -q 'libssh-4' || fail "$deb: Depends lacks the shared libraries"
dpkg -x "$deb" "$dest"
for f in usr/bin/replica-wizard usr/share/man/man1/replica-wizard.1.gz \
	usr/share/replica-wizard/procedures/install-replica.ini usr/share/replica-wizard/procedures/remove-replica.ini \
	usr/share/replica-wizard/procedures/dovecot.ini usr/share/replica-wizard/templates/10-replication.conf \
	usr/share/bash-completion/completions/replica-wizard usr/share/doc/replica-wizard/copyright; do
	[[ -e $dest/$f ]] || fail "$f is not in the package"
done
echo "deb-check: files in place"

bin=$dest/usr/bin/replica-wizard
out=$(env -u REPLICA_WIZARD_ASSETS "$bin" --version) || fail "--version exited $?"
[[ $out == "replica-wizard $version" ]] || fail "--version printed [$out]"
echo "deb-check: $out"
env -u REPLICA_WIZARD_ASSETS "$bin" --help | grep -q '^Commands:' || fail "--help"
echo "deb-check: --help"
# installed as /usr/bin/replica-wizard, the fallback is /usr/share/replica-wizard
grep -qa '/usr/share/replica-wizard' "$bin" || fail "the binary was not built with PREFIX=/usr"
state=$(mktemp -d)
out=$(cd / && env -u REPLICA_WIZARD_ASSETS REPLICA_WIZARD_STATE_DIR="$state" timeout 60 "$bin" install --batch --dry-run \
	--site "$ROOT/site.example.ini" 2>&1) || { rm -rf -- "$state"; fail "dry run: $out"; }
rm -rf -- "$state"
[[ $out == *"Plan ("*"steps"* ]] || fail "dry run printed no plan: $out"
echo "deb-check: the packaged binary reads its procedures from usr/share/replica-wizard"
zcat "$dest/usr/share/man/man1/replica-wizard.1.gz" | grep -q 'openmetrics' || fail "man page"
REPLICA_WIZARD_BIN=$bin REPLICA_WIZARD_COMPLETION=$dest/usr/share/bash-completion/completions/replica-wizard \
	bash "$ROOT/tests/shell/test_completion.sh" || fail "completion of the packaged binary"
echo "deb-check: passed"
