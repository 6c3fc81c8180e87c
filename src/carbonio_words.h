/* Words the install and remove procedures share (operation_word): the
 * node's own values from the site file and its conditions (service
 * manager, roles), answered the same way for both. */
#ifndef RW_CARBONIO_WORDS_H
#define RW_CARBONIO_WORDS_H

#include <stdbool.h>

struct operation;

const char *carbonio_word_prefix(struct operation *op, const char *node);
const char *carbonio_word_node(struct operation *op, const char *node);
/* service_manager as preflight read it on the node */
bool carbonio_word_systemd(struct operation *op, const char *node);
bool carbonio_word_zmcontrol(struct operation *op, const char *node);
/* its roles in the site file */
bool carbonio_word_runs_slapd(struct operation *op, const char *node);
bool carbonio_word_mta(struct operation *op, const char *node);

#endif
