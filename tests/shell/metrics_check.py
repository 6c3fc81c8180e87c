#!/usr/bin/python3
"""Parse replica-wizard's metrics with the real parser of python3-prometheus-client
and check them against expectations.

    metrics_check.py openmetrics|prometheus FILE|- [EXPECT...]

EXPECT is NAME{label=value,...}=NUMBER (exactly one sample of NAME has those labels,
maybe among others, and it has that value) or NAME{label=value,...}=absent (no
sample of NAME has those labels). Also
checked: every family has the replica_wizard_ prefix, a HELP text and a type; no
series twice.
Exit 0 when all hold, 1 with the reason otherwise."""
import re
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families as parse_prom


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("openmetrics", "prometheus"):
        sys.exit(__doc__)
    text = sys.stdin.read() if sys.argv[2] == "-" else open(sys.argv[2], encoding="utf-8").read()
    parse = parse_om if sys.argv[1] == "openmetrics" else parse_prom
    try:
        families = list(parse(text))
    except Exception as e:  # the parser's own words: ValueError mostly
        sys.exit(f"metrics_check: {sys.argv[1]} parser refused the text: {e!r}")
    samples = []
    for f in families:
        if not f.name.startswith("replica_wizard_"):
            sys.exit(f"metrics_check: family {f.name} lacks the replica_wizard_ prefix")
        if not f.documentation or f.type == "unknown":
            sys.exit(f"metrics_check: family {f.name} lacks HELP or TYPE")
        for s in f.samples:
            if any(o.name == s.name and o.labels == s.labels for o in samples):
                sys.exit(f"metrics_check: {s.name}{s.labels} twice (a scrape would refuse it)")
            samples.append(s)
    for exp in sys.argv[3:]:
        m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})?=(.+)", exp, re.DOTALL)
        if not m:
            sys.exit(f"metrics_check: bad expectation {exp!r}")
        want = dict(kv.split("=", 1) for kv in m.group(2).split(",")) if m.group(2) else {}
        found = [s for s in samples if s.name == m.group(1) and want.items() <= s.labels.items()]
        if m.group(3) == "absent":
            if found:
                sys.exit(f"metrics_check: {exp}: present: {found}")
        elif len(found) != 1:
            sys.exit(f"metrics_check: {exp}: {len(found)} samples match: {found}")
        elif found[0].value != float(m.group(3)):
            sys.exit(f"metrics_check: {exp}: value is {found[0].value}")
    print(f"metrics_check: {sys.argv[1]}: {len(families)} families, {len(samples)} samples, "
          f"{len(sys.argv) - 3} expectations hold")


main()
