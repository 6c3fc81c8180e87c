#!/bin/bash
# Build the bench driver against build/libcore.a (make builds that first).
set -euo pipefail
cd "$(dirname -- "$0")/.."
mkdir -p build/bench
${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wwrite-strings -g -O2 -Isrc \
	bench/rw_bench.c build/libcore.a $(pkg-config --libs libssh ldap lber inih jansson libcrypto) \
	-o build/bench/rw_bench
${CC:-cc} -std=c11 -Wall -Wextra -Werror -O2 -shared -fPIC bench/nodelay.c -ldl -o build/bench/nodelay.so
