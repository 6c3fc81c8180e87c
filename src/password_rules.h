/* What Carbonio accepts as an LDAP password (zimbra_ldap_password,
 * ldap_root_password, ...), checked before anything connects: setup.pl's
 * askPassword refuses '$' and '\' ("Invalid metacharater used.") and fewer
 * than 6 characters; the tools later embed the password in '...' shell
 * strings (zmldappasswd -l '<pw>'), so a single quote breaks them; the
 * bootstrap answers file is KEY=value lines, so a blank, a newline or any
 * control character would cut or inject a line, and setup.pl strips every
 * '"' from its values (setup.pl:309). */
#ifndef RW_PASSWORD_RULES_H
#define RW_PASSWORD_RULES_H

#include <stddef.h>

#define PASSWORD_RULES_MIN 6
#define PASSWORD_RULES_MAX 256

/* NULL when pw may be a Carbonio LDAP password, else a static message
 * saying what is wrong. The message never quotes the password. */
const char *password_rules_ldap_problem(const char *pw);

#endif
