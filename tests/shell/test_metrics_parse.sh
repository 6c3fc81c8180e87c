#!/bin/bash
# The metrics the renderer makes (the unit test's expected files,
# tests/unit/dashboard/metrics-*) go through the real parsers of
# python3-prometheus-client: OpenMetrics and the Prometheus text format, label
# values with quotes, backslashes and line feeds read back as they were.
set -euo pipefail
cd "$(dirname -- "$0")/../.."
check=tests/shell/metrics_check.py
dir=tests/unit/dashboard
fails=0
run() {
	if out=$("$@" 2>&1); then
		echo "  ok   ${*:2:2}: $out"
	else
		echo "  FAIL ${*:2:2}: $out"
		fails=$((fails + 1))
	fi
}
run $check openmetrics $dir/metrics-healthy.om \
	'replica_wizard_replica_in_sync{replica=127.77.9.3}=1' \
	'replica_wizard_replica_lag_seconds{replica=127.77.9.3}=0' \
	'replica_wizard_probe_success{target=127.77.9.7,role=dovecot,probe=doveadm}=1'
run $check prometheus $dir/metrics-healthy.prom \
	'replica_wizard_dovecot_known_users{server=127.77.9.7}=3'
run $check openmetrics $dir/metrics-broken.om \
	'replica_wizard_replica_lag_seconds{replica=127.77.9.3}=14' \
	'replica_wizard_replica_syncrepl_connected{replica=127.77.9.3}=0' \
	'replica_wizard_dovecot_known_users{server=127.77.9.7}=absent' \
	'replica_wizard_probe_success{target=127.77.9.7,role=dovecot,probe=doveadm}=0'
run $check prometheus $dir/metrics-broken.prom \
	'replica_wizard_dovecot_failed_users{server=127.77.9.6}=1'
run $check openmetrics $dir/metrics-escaping.om \
	$'replica_wizard_replica_zmreplchk_code{replica=a"b\\c\nd}=4' \
	'replica_wizard_dovecot_known_users{server=imap "1"}=3'
# the parsers are not lenient: each refuses the other format's text
if $check openmetrics $dir/metrics-broken.prom >/dev/null 2>&1; then
	echo "  FAIL the OpenMetrics parser took a text without # EOF"
	fails=$((fails + 1))
else
	echo "  ok   the OpenMetrics parser refuses a text without # EOF"
fi
((fails == 0)) || { echo "test_metrics_parse: $fails FAILED"; exit 1; }
echo "test_metrics_parse: passed"
