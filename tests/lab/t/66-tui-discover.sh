#!/bin/bash
# Site discovery in the ncurses wizard, on the lab through tmux (160x48):
#   - home 6, the Discover view, on a site file naming only the master (with
#     [ssh] and the [host] sections): the master's unknown host key asked,
#     then the MTA's (checked node by node); the MTA listed as new, reachable
#     and calling itself by its directory name; w writes it: one line added,
#     `mta = MTA`, the rest of the file as it was
#   - install's Nodes page on the same kind of file: the master typed, F5, the
#     review (host keys asked again for a fresh known_hosts), Enter: the page
#     says what was discovered, the answer-queries checklist holds the MTA and
#     the master (it held only the master before), and Connect saves
#     `mta = MTA` into the site file; ^C leaves without running anything
#   - the Remove wizard's page: F5, the review (Enter write), the file written
#     as `site discover` writes it (one line: mta), the page says so and
#     lists the replicas the file now has (none on the lab: none installed)
#   - a passphrase-protected key: the Discover view asks in the wizard's masked
#     SSH login dialog, the master then the MTA (Esc on the MTA: it fails and
#     says so; r asks again, typed: reachable); the passphrase is never on the
#     screen, in the log or in the file
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_up

lab_rw
M=$(node_ip master) R1=$(node_ip replica1) MTA=$(node_ip mta)
STATE=$(mktemp -d)
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
tui_setup rw-discover

start() { # SITE
	tui_start --site "$1"
	wait_for 10 "What do you want to do?"
}

# --- home 6: the Discover view, w writes ------------------------------------------------
# The admin's file: the lab's without replicas and mta; a known_hosts with no key yet.
no_nodes=('/^replicas = /d' '/^mta = /d')
site_with_known_hosts "$LAB_DIR/site.ini" "$STATE/a.ini" "$STATE/known_hosts_a" "${no_nodes[@]}"
cp -p -- "$STATE/a.ini" "$STATE/a.orig"
start "$STATE/a.ini"
assert_contains "$(screen)" "6) Discover the site" "home shows the Discover entry"
keys 6
wait_for 10 "Discover the site"
wait_for 20 "Unknown host key"
assert_contains "$(screen)" "ssh-ed25519 SHA256:" "the master's unknown host key is asked with its fingerprint"
wait_accepting 90 "reachable, calls itself $MTA"
assert_eq 2 "$(grep -c . "$STATE/known_hosts_a")" \
	"two host keys asked and accepted: the master's, then the MTA's (checked node by node)"
S=$(screen)
assert_contains "$S" "The master's directory lists 2 server(s):" "the directory's servers"
assert_contains "$S" "reachable (asked)" "the master's row"
assert_contains "$(grep -F "$MTA " <<<"$S")" "mta" "the MTA's row says mta"
assert_contains "$(grep -F "$MTA " <<<"$S")" "new" "and new to the site file"
assert_contains "$S" "[carbonio] mta: (not set) -> $MTA" "the change is shown"
assert_contains "$S" "w write" "the key row offers the write"
cmp -s "$STATE/a.ini" "$STATE/a.orig" || fail "the file changed before w"
keys w
wait_for 10 "site file $STATE/a.ini updated."
run diff "$STATE/a.orig" "$STATE/a.ini"
assert_eq "> mta = $MTA" "$(grep '^[<>]' <<<"$T_STDOUT")" "one line added: the MTA"
wait_for 5 "The site file already says so: nothing to change."
keys q
wait_for 5 "What do you want to do?"
keys q
wait_rc 15
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0"
assert_rc 0 "the written file checks" "$RW" site check --site "$STATE/a.ini"

# --- the Nodes page: the master typed, F5, Enter, Connect saves ---------------------------
site_with_known_hosts "$LAB_DIR/site.ini" "$STATE/b.ini" "$STATE/known_hosts_b" "${no_nodes[@]}"
cp -p -- "$STATE/b.ini" "$STATE/b.orig"
start "$STATE/b.ini"
keys 1
wait_for 5 "Replicas (space separated)"
assert_contains "$(screen)" "F5 discover" "the key row offers F5 discover"
# before: the answer checklist has the master only
for _ in 1 2 3 4 5 6; do keys Tab; done
keys Enter
wait_for 5 "Answer queries: which nodes get the new ldap_url"
assert_not_contains "$(screen)" "$MTA " "before Discover the checklist has no MTA"
keys Escape
for _ in 1 2 3 4 5 6; do keys BTab; done
# the master typed (the file's, typed again)
keys C-u "$M"
keys F5
wait_for 20 "Unknown host key"
wait_accepting 90 "reachable, calls itself $MTA"
assert_eq 2 "$(grep -c . "$STATE/known_hosts_b")" "in the review too, the master's and the MTA's host keys asked"
assert_contains "$(screen)" "Enter use these" "the review's key row"
assert_contains "$(screen)" "[carbonio] mta: (not set) -> $MTA" "the review shows the change"
keys Enter
wait_for 5 "Discovered on $M (into the site file on Connect): replicas (none), MTA $MTA, other nodes (none)."
ok "the Nodes page says what was discovered"
cmp -s "$STATE/b.ini" "$STATE/b.orig" || fail "the file changed before Connect"
# the answer checklist: the discovered MTA, the master last
keys Tab Tab Tab Tab Tab Tab Enter
wait_for 5 "Answer queries: which nodes get the new ldap_url"
S=$(screen)
assert_contains "$S" "[x] $MTA" "the checklist holds the discovered MTA"
assert_contains "$S" "master (last)" "and the master"
keys Escape
# one replica typed, Connect: the site file saved with the discovered MTA
for _ in 1 2 3 4 5; do keys BTab; done
keys C-u "$R1"
for _ in 1 2 3 4 5 6; do keys Tab; done
keys Enter
wait_for 10 "1 Connect"
grep -q "^mta = $MTA$" "$STATE/b.ini" || { cat "$STATE/b.ini"; fail "Connect did not save mta = $MTA"; }
ok "Connect saved mta = $MTA (the key site discover writes)"
grep -q "^master = $M$" "$STATE/b.ini" || fail "the master is not in the saved file"
keys C-c
wait_rc 15
assert_eq 0 "$(cat "$STATE/rc")" "^C before the run: the wizard exits 0"
assert_rc 0 "the saved file checks" "$RW" site check --site "$STATE/b.ini"

# --- the Remove page: F5, Enter writes the file -----------------------------------------
site_with_known_hosts "$STATE/a.orig" "$STATE/d.ini" "$STATE/known_hosts_b"
cp -p -- "$STATE/d.ini" "$STATE/d.orig"
start "$STATE/d.ini"
keys 2
wait_for 5 "The site file lists no replica"
assert_contains "$(screen)" "F5 discover" "the Remove page's key row offers F5 discover"
keys F5
wait_for 30 "reachable, calls itself $MTA"
assert_contains "$(screen)" "Enter write" "the review's key row: Enter writes"
cmp -s "$STATE/d.ini" "$STATE/d.orig" || fail "the file changed before Enter"
keys Enter
wait_for 10 "Discover: site file $STATE/d.ini updated."
assert_contains "$(screen)" "The site file lists no replica" "the page lists the file's replicas (none yet)"
run diff "$STATE/d.orig" "$STATE/d.ini"
assert_eq "> mta = $MTA" "$(grep '^[<>]' <<<"$T_STDOUT")" "one line added: the MTA, as site discover writes it"
keys Escape
wait_for 5 "What do you want to do?"
keys q
wait_rc 15
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0"

# --- a key with a passphrase: asked in the masked dialog, node by node --------------------
PP="rw-pp-$RANDOM-Dv3"
KEY=$STATE/labkey-pp
cp "$LAB_DIR/ssh/labkey" "$KEY"
chmod 600 "$KEY"
# the passphrase on ssh-keygen's command line is this test's, not the wizard's
ssh-keygen -q -p -N "$PP" -f "$KEY" >/dev/null || fail "cannot protect the key copy"
site_with_known_hosts "$STATE/a.orig" "$STATE/c.ini" "$STATE/known_hosts_b" "s|^identity = .*|identity = $KEY|"
start "$STATE/c.ini"
keys 6
wait_for 20 "$M asks for the passphrase for key $KEY"
assert_contains "$(screen)" "SSH login" "the master's login asks in the masked dialog"
keys -l "$PP"
assert_not_contains "$(screen)" "$PP" "the typed passphrase is not on the screen"
keys Enter
wait_for 30 "$MTA asks for the passphrase for key $KEY"
ok "then the MTA's own login asks (checked node by node)"
keys Escape
wait_for 10 "no passphrase given for key $KEY"
ok "Esc: none, the MTA fails and says why"
keys r
wait_for 20 "$M asks for the passphrase for key $KEY"
keys -l "$PP"
keys Enter
wait_for 30 "$MTA asks for the passphrase for key $KEY"
keys -l "$PP"
keys Enter
wait_for 30 "reachable, calls itself $MTA"
assert_not_contains "$(screen)" "$PP" "the passphrase is not on the screen"
keys q
wait_for 5 "What do you want to do?"
keys q
wait_rc 15
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0"
for f in "$STATE/c.ini" "$STATE/state"/*; do
	[[ -f $f ]] || continue
	! grep -qF -- "$PP" "$f" || fail "the passphrase is in $f"
done
ok "the passphrase is in no file the wizard wrote"
