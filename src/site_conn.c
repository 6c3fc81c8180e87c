/* The SSH connection settings of a site host (site_conn.h). */
#include "site_conn.h"

struct conn_config site_host_conn_config(const struct site_host *h, int connect_timeout_s)
{
	struct conn_config cfg = {
		.name = h->name,
		.address = h->address,
		.port = (int)h->port,
		.user = h->user,
		.identity = h->identity,
		.known_hosts = h->known_hosts,
		.process_ssh_config = true,
		.connect_timeout_s = connect_timeout_s,
	};
	return cfg;
}
