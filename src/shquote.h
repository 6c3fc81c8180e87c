/* Quoting for commands run by a remote POSIX shell.
 *
 * libssh exec requests carry ONE string that the remote login shell parses,
 * so every argument we build must survive exactly one round of POSIX shell
 * parsing (two rounds for su -c, see shquote_runas()). */
#ifndef RW_SHQUOTE_H
#define RW_SHQUOTE_H

/* Who a remote command must run as. */
enum runas {
	RUNAS_ROOT,    /* root: zmldapenablereplica, carbonio-bootstrap, apt-get */
	RUNAS_ZEXTRAS, /* zextras: zmlocalconfig -e, zmprov, zmreplchk */
};

/* s in POSIX single quotes: ' becomes '\'' ; "" becomes ''.  Safe for any
 * byte string without NUL.  Returns a malloc'd string. */
char *shquote(const char *s);

/* argv (NULL-terminated) quoted and joined with single spaces.  Words made
 * only of [A-Za-z0-9_@%+=:,./-] stay bare, except a first word holding '='
 * (the shell would take it for an assignment).  Returns a malloc'd string. */
char *shquote_join(const char *const argv[]);

/* Wrap the shell command string `command` so that it runs as `how`, given
 * that the SSH login user is `login_user` (NULL means root):
 *   root    as root:      command
 *   root    as non-root:  sudo -n sh -c '<command>'
 *   zextras as root:      su - zextras -c '<command>'
 *   zextras as non-root:  sudo -n su - zextras -c '<command>'
 * su's -c string is parsed by zextras's LOGIN shell (bash on Carbonio) after
 * the login shell's profile has run, so `command` must be a complete POSIX
 * command line whose own arguments are already quoted (use shquote_join).
 * sudo -n never prompts: without passwordless sudo it fails at once.
 * Returns a malloc'd string. */
char *shquote_runas(enum runas how, const char *login_user, const char *command);

#endif
