/* Fuzz the ldap_url rules.  Input: "<master>\n<current>\n<target>".
 * Invariants: a strictly valid list joins back to the same bytes; a lenient
 * list joins into a strictly valid one; install/remove results are strictly
 * valid and end with the master value byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldapurl.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_result(char *v, const char *master)
{
	if (!v)
		return;
	size_t vl = strlen(v), ml = strlen(master);
	if (vl < ml || strcmp(v + vl - ml, master) != 0 || (vl > ml && v[vl - ml - 1] != ' '))
		abort();
	struct ldapurl_list *l = ldapurl_list_parse(v, LDAPURL_STRICT, NULL);
	if (!l)
		abort();
	ldapurl_list_free(l);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	const char *master = s, *current = "", *target = "";
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		current = nl + 1;
		nl = strchr(nl + 1, '\n');
		if (nl) {
			*nl = '\0';
			target = nl + 1;
		}
	}

	char *err = NULL;
	struct ldapurl_list *l = ldapurl_list_parse(current, LDAPURL_STRICT, &err);
	if (l) {
		char *j = ldapurl_list_join(l);
		if (strcmp(j, current) != 0)
			abort();
		free(j);
		ldapurl_list_free(l);
	} else {
		if (!err)
			abort();
		free(err);
	}
	err = NULL;
	l = ldapurl_list_parse(current, LDAPURL_LENIENT, &err);
	if (l) {
		char *j = ldapurl_list_join(l);
		struct ldapurl_list *l2 = l->n ? ldapurl_list_parse(j, LDAPURL_STRICT, NULL) : NULL;
		if (l->n && (!l2 || l2->n != l->n))
			abort();
		ldapurl_list_free(l2);
		free(j);
		ldapurl_list_free(l);
	} else {
		free(err);
	}

	const char *targets[] = {target};
	err = NULL;
	fuzz_check_result(ldapurl_install(master, targets, 1, &err), master);
	free(err);
	err = NULL;
	fuzz_check_result(ldapurl_remove(current, master, targets, 1, &err), master);
	free(err);
	(void)ldapurl_list_names(current, target, 389);
	free(s);
	return 0;
}
