/* The install procedure (assets/procedures/install-replica.ini) as an
 * operation kind: see install.c. */
#ifndef RW_INSTALL_H
#define RW_INSTALL_H

#include "operation.h"

extern const struct operation_kind install_kind;

#endif
