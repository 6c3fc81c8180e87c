/* How the wizard reaches a node of the site over SSH: the connection
 * settings of a site host, one place for every operation and view. */
#ifndef RW_SITE_CONN_H
#define RW_SITE_CONN_H

#include "site.h"
#include "transport.h"

/* h's address, port, user, key and known_hosts, with ~/.ssh/config
 * honoured; connect_timeout_s 0: the transport's default. */
struct conn_config site_host_conn_config(const struct site_host *h, int connect_timeout_s);

#endif
