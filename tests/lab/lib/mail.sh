# Mail on the lab's Dovecot nodes: where a user's messages are, and a new
# message saved by a node's own Dovecot. Source it after testlib.sh.

# maildir NODE USER
maildir() { echo "$LAB_DIR/nodes/$1/mail/example.com/$2/Maildir"; }
# has_body NODE USER TEXT: one of USER's messages on NODE holds TEXT
has_body() { grep -rlsq -- "$3" "$(maildir "$1" "$2")/new" "$(maildir "$1" "$2")/cur"; }
# save_on NODE USER SUBJECT: a new message (its body the subject again),
# saved by the node's own Dovecot
save_on() {
	printf 'From: t@example.com\nTo: %s@example.com\nSubject: %s\n\n%s\n' "$2" "$3" "$3" |
		lab_ssh "$1" /usr/bin/doveadm -c "$LAB_DIR/nodes/$1/dovecot/dovecot.conf" save -u "$2@example.com"
}
