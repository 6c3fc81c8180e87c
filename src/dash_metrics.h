/* The dashboard as metrics for Prometheus (`dashboard --once --format
 * openmetrics|prometheus`, `--textfile DIR` for node_exporter's textfile
 * collector). One renderer over the model, for both text formats:
 *
 *   replica_wizard_replica_lag_seconds{replica}             gauge
 *   replica_wizard_replica_in_sync{replica}                 gauge 0/1
 *   replica_wizard_replica_zmreplchk_code{replica}          gauge
 *   replica_wizard_replica_syncrepl_connected{replica}      gauge 0/1
 *   replica_wizard_dovecot_queued_requests{server,priority} gauge
 *   replica_wizard_dovecot_waiting_failed_requests{server}  gauge
 *   replica_wizard_dovecot_failed_users{server}             gauge
 *   replica_wizard_dovecot_known_users{server}              gauge
 *   replica_wizard_probe_success{target,role,probe}         gauge 0/1
 *   replica_wizard_probe_last_success_timestamp_seconds{target,role,probe}
 *   replica_wizard_last_run_timestamp_seconds               gauge
 *
 * A value is written only when the probe behind it answered in this round:
 * an unknown or stale value is left out (probe_success says why), never
 * written as 0 or as an old number. Labels hold site names only; no secret
 * is ever part of the text. */
#ifndef RW_DASH_METRICS_H
#define RW_DASH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct dashboard;

enum dash_metrics_format {
	/* OpenMetrics 1.0 text: # UNIT lines, ends with "# EOF" */
	DASH_METRICS_OPENMETRICS,
	/* Prometheus text exposition 0.0.4 (node_exporter's textfile collector) */
	DASH_METRICS_PROMETHEUS,
};

/* The name node_exporter reads in the textfile directory (*.prom). */
#define DASH_METRICS_TEXTFILE "replica-wizard.prom"

/* The whole exposition, lines ending in "\n". Allocated. */
char *dash_metrics_render(const struct dashboard *d, enum dash_metrics_format f, time_t now);

/* A sample value as the formats write it; false for NaN and infinities
 * (the series is left out). */
bool dash_metrics_number(char *out, size_t size, double v);

/* Write text to DIR/replica-wizard.prom atomically: a temporary file in DIR
 * (not ending in .prom, so the collector never reads it half-written),
 * mode 0644, flushed to disk, then renamed over the old one. On failure
 * nothing is left behind and err names the path and the reason. */
bool dash_metrics_write_textfile(const char *dir, const char *text, char *err, size_t err_size);

#endif
