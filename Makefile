# replica-wizard: GNU make build.
#
#   make                 build ./replica-wizard (objects in build/)
#   make unit            build and run every tests/unit/test_*.c
#   make shell-tests     run every tests/shell/test_*.sh (metrics parser, completion, package)
#   make check           deps if missing, all, unit, lab-check
#   make asan-check      unit tests under ASan+UBSan (build-asan/)
#   make valgrind        unit tests under valgrind
#   make fuzz            every tests/fuzz/fuzz_*.c for FUZZ_SECONDS each (build-fuzz/)
#   make bench           performance figures on a private lab (bench/run.sh; never fails on a figure);
#                        BENCH_ONLY="7" make bench: only those figures
#   make bench-pairs     only the figure of the dashboard of 64 Dovecot pairs (bench/pairs.sh)
#   make install         PREFIX=/usr/local DESTDIR=
#   make V=1 ...         show the full commands
#   make deb             the Debian package build-deb/replica-wizard_<version>_<arch>.deb, lintian-checked
#
# Three layers, found by wildcard: src/*.c -> build/libcore.a (no curses, no
# ui/ or cli/ header in reach), ui/*.c -> build/libui.a (sees src/),
# cli/*.c (minus main.c) -> build/libcli.a (sees both); the program is
# cli/main.c linked with the three. tests/unit/support/*.c ->
# build/libtestsupport.a. Tests named test_ui_* link libui; the others link
# libcli and libcore only, so the core is built and tested without ui/.

VERSION := 0.1.0

CC ?= cc
CLANG ?= clang
AR ?= ar
PKG_CONFIG ?= pkg-config
CFLAGS ?= -g -O2
CPPFLAGS ?=
LDFLAGS ?=
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
DATADIR = $(PREFIX)/share/replica-wizard
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
LAB_DIR ?= /tmp/replica-wizard-lab
LAB_TEST_DIR ?= /tmp/replica-wizard-lab-test
LAB_TEST_NET ?= 127.77.1
# The demo lab's firewall: the admin side reaches SSH only, as on a real site
# (the wizard's LDAP goes through SSH); 1 opens LDAP too (--ldap-direct).
LAB_FW_ADMIN_LDAP ?= 0
LAB_JOBS ?= 2
FUZZ_SECONDS ?= 20

# Overridden by the asan target (sub-make).
BUILD ?= build
PROGRAM ?= replica-wizard
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=

STD_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700
WARN_CFLAGS = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wwrite-strings
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

PKGS = ncursesw libssh ldap lber inih jansson libcrypto

# pkg-config runs lazily, once, on first use: `make check` on a fresh
# machine installs pkg-config and the -dev packages before anything needs
# them. ncursesw's own -D_XOPEN_SOURCE=600 would clash with ours.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(filter-out -D_XOPEN_SOURCE=% -D_DEFAULT_SOURCE,$$(shell $(PKG_CONFIG) --cflags $(PKGS))))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $$(shell $(PKG_CONFIG) --libs $(PKGS)))$(PKG_LIBS)
CMOCKA_CFLAGS = $(eval CMOCKA_CFLAGS := $$(shell $(PKG_CONFIG) --cflags cmocka))$(CMOCKA_CFLAGS)
CMOCKA_LIBS = $(eval CMOCKA_LIBS := $$(shell $(PKG_CONFIG) --libs cmocka))$(CMOCKA_LIBS)

ALL_CFLAGS = $(STD_CFLAGS) $(WARN_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) \
	-DRW_VERSION=\"$(VERSION)\" -DRW_DATADIR=\"$(DATADIR)\" $(PKG_CFLAGS)
# Which headers each layer may include: its own and the ones below it.
CORE_INC = -Isrc
UI_INC = -Iui -Isrc
CLI_INC = -Icli -Iui -Isrc
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)

CORE_SRC := $(sort $(wildcard src/*.c))
UI_SRC := $(sort $(wildcard ui/*.c ui/*/*.c))
CLI_SRC := $(filter-out cli/main.c,$(sort $(wildcard cli/*.c)))
SUPPORT_SRC := $(sort $(wildcard tests/unit/support/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
UI_OBJ := $(UI_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/cli/main.o
TEST_OBJ := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

LIBCORE := $(BUILD)/libcore.a
LIBUI := $(BUILD)/libui.a
LIBCLI := $(BUILD)/libcli.a
LIBSUPPORT := $(BUILD)/libtestsupport.a

# Quiet rules: "  CC  src/x.c"; V=1 prints the commands instead.
ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-3s %s\n' '$(1)' '$(2)';
endif

.DEFAULT_GOAL := all
.PHONY: all deps unit tests run-tests check lab-check lab-up lab-down lab-status demo \
	asan asan-check valgrind fuzz bench bench-pairs install uninstall clean

all: $(PROGRAM)

$(PROGRAM): $(MAIN_OBJ) $(LIBCLI) $(LIBUI) $(LIBCORE)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIBCLI) $(LIBUI) $(LIBCORE) \
		$(PKG_LIBS)

$(CORE_OBJ): $(BUILD)/%.o: %.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(CORE_INC) -MMD -MP -c -o $@ $<

$(UI_OBJ): $(BUILD)/%.o: %.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(UI_INC) -MMD -MP -c -o $@ $<

$(CLI_OBJ) $(MAIN_OBJ): $(BUILD)/%.o: %.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(CLI_INC) -MMD -MP -c -o $@ $<

$(TEST_OBJ): $(BUILD)/tests/%.o: tests/unit/%.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(CLI_INC) -Itests/unit/support $(CMOCKA_CFLAGS) -MMD -MP -c -o $@ $<

$(SUPPORT_OBJ): $(BUILD)/%.o: %.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(CORE_INC) -Itests/unit/support $(CMOCKA_CFLAGS) -MMD -MP -c -o $@ $<

# Archives are rebuilt from scratch so a deleted source leaves no stale member.
$(LIBCORE): $(CORE_OBJ)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBUI): $(UI_OBJ)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBCLI): $(CLI_OBJ)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBSUPPORT): $(SUPPORT_OBJ)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# test_ui_* get libui; every other test links without it (the core stands alone).
test_layers = $(if $(filter test_ui_%,$(notdir $(1))),$(LIBUI),$(LIBCLI))

$(TEST_BIN): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIBSUPPORT) $(LIBCLI) $(LIBUI) $(LIBCORE)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBSUPPORT) \
		$(call test_layers,$@) $(LIBCORE) $(CMOCKA_LIBS) $(PKG_LIBS)

tests: $(TEST_BIN)

# Run every test binary; print each cmocka summary, the whole output of a
# failing one, and fail at the end if any failed.
TEST_ENV ?=
TEST_WRAPPER ?=
run-tests:
	@fail=0; for t in $(TEST_BIN); do \
		out=$$(env CMOCKA_MESSAGE_OUTPUT=stdout $(TEST_ENV) $(TEST_WRAPPER) ./$$t 2>&1); rc=$$?; \
		if [ $$rc -eq 0 ]; then \
			printf '  %-34s %s\n' "$${t##*/}" \
				"$$(printf '%s\n' "$$out" | grep -E '^\[ *(PASSED|FAILED|SKIPPED) *\]' | tr '\n' ' ')"; \
		else \
			printf '%s\n' "$$out"; \
			printf '  %-34s FAILED (exit %d)\n' "$${t##*/}" $$rc; fail=1; \
		fi; \
	done; \
	if [ $$fail -ne 0 ]; then echo "unit: some tests FAILED"; exit 1; fi; \
	echo "unit: all $(words $(TEST_BIN)) test programs passed"

unit: tests
	@$(MAKE) --no-print-directory run-tests

valgrind: tests
	@$(MAKE) --no-print-directory run-tests \
		TEST_WRAPPER="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1"

ASAN_VARS = BUILD=build-asan PROGRAM=build-asan/replica-wizard \
	EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)"

asan:
	@$(MAKE) --no-print-directory $(ASAN_VARS) all tests

asan-check: asan
	@$(MAKE) --no-print-directory $(ASAN_VARS) run-tests \
		TEST_ENV="ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"

# Script tests: what needs a real outside tool (the Prometheus parser of
# python3-prometheus-client, bash and bash-completion).
SHELL_TESTS := $(sort $(wildcard tests/shell/test_*.sh))
.PHONY: shell-tests deb
shell-tests: all
	@fail=0; for t in $(SHELL_TESTS); do bash $$t || fail=1; done; \
	if [ $$fail -ne 0 ]; then echo "shell-tests: some FAILED"; exit 1; fi; \
	echo "shell-tests: all $(words $(SHELL_TESTS)) scripts passed"

deps:
	bash tests/deps.sh install

check:
	@bash tests/deps.sh ensure
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory shell-tests
	@$(MAKE) --no-print-directory lab-check

# The lab tests bring up their own lab (run-tests.sh: LAB_TEST_DIR, default
# /tmp/replica-wizard-lab-test; its own namespaces, or 127.77.1.x with
# LAB_NETNS=0), never the demo lab of LAB_DIR.
# LAB_JOBS labs side by side (each its own namespaces): most of a lab test's
# time is waiting on its nodes, so two fit the 2-core machine.
lab-check:
	@LAB_DIR=$(LAB_TEST_DIR) LAB_NET=$(LAB_TEST_NET) LAB_JOBS=$(LAB_JOBS) bash tests/lab/run-tests.sh

lab-up lab-down lab-status:
	LAB_DIR=$(LAB_DIR) LAB_FW_ADMIN_LDAP=$(LAB_FW_ADMIN_LDAP) bash tests/lab/lab.sh $(@:lab-%=%)

demo:
	@bash tests/deps.sh ensure
	@$(MAKE) --no-print-directory all lab-up
	LAB_DIR=$(LAB_DIR) bash tests/lab/lab.sh admin ./replica-wizard --site $(LAB_DIR)/site.ini

# libFuzzer targets: clang-instrumented src/ (the core alone), one binary per
# tests/fuzz/fuzz_<name>.c, run on a copy of tests/fuzz/corpus/<name>/.
FUZZ_CFLAGS = -g -O1 $(STD_CFLAGS) -Wall -Wextra -fsanitize=fuzzer,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all -Isrc $(PKG_CFLAGS)

$(FUZZ_BIN): build-fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(wildcard src/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRC) $(PKG_LIBS)

fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
		name=$${f##*/fuzz_}; corpus=build-fuzz/corpus/$$name; \
		rm -rf $$corpus; mkdir -p $$corpus; \
		if [ -d tests/fuzz/corpus/$$name ]; then cp -R tests/fuzz/corpus/$$name/. $$corpus/; fi; \
		echo "  FUZZ $$name ($(FUZZ_SECONDS)s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build-fuzz/crash-$$name- $$corpus > build-fuzz/$$name.log 2>&1 || \
			{ tail -n 40 build-fuzz/$$name.log; echo "fuzz: $$name FAILED (see build-fuzz/$$name.log)"; exit 1; }; \
		grep -E '^stat::number_of_executed_units' build-fuzz/$$name.log | sed 's/^/       /' || true; \
	done

# Figures, not assertions: bench/run.sh prints them and writes bench/RESULTS.md.
bench: all $(LIBCORE)
	@bash bench/run.sh || echo "bench: incomplete run (see above)"

# Only figure 8: the dashboard of 64 Dovecot pairs (bench/pairs.sh).
bench-pairs: all $(LIBCORE)
	@bash bench/pairs.sh || echo "bench: incomplete run (see above)"

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 replica-wizard $(DESTDIR)$(BINDIR)/replica-wizard
	install -m 0644 replica-wizard.1 $(DESTDIR)$(MANDIR)/replica-wizard.1
	install -m 0644 completion/replica-wizard $(DESTDIR)$(COMPLETIONDIR)/replica-wizard
	cd assets && find . -type d -exec install -d $(DESTDIR)$(DATADIR)/{} \; && \
		find . -type f -exec install -m 0644 {} $(DESTDIR)$(DATADIR)/{} \;

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/replica-wizard $(DESTDIR)$(MANDIR)/replica-wizard.1 \
		$(DESTDIR)$(COMPLETIONDIR)/replica-wizard
	rm -rf $(DESTDIR)$(DATADIR)

# The Debian package (debian/, debhelper) built from a clean copy of the tree
# in build-deb/ (the files git tracks or would track, uncommitted work too; never
# this tree's objects: those have PREFIX=/usr/local and no hardening flags),
# then lintian: no error, no warning.
# DEB_BUILD_OPTIONS=nocheck skips the unit tests (and their build dependencies).
DEB_ARCH = $(eval DEB_ARCH := $$(shell dpkg-architecture -qDEB_HOST_ARCH))$(DEB_ARCH)
DEB_BUILD_FLAGS ?= -j2
DEB_FILE = build-deb/replica-wizard_$(VERSION)_$(DEB_ARCH).deb
deb:
	@v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(VERSION)" ] || \
		{ echo "deb: debian/changelog says $$v, the Makefile $(VERSION)"; exit 1; }
	rm -rf build-deb && mkdir -p build-deb/replica-wizard-$(VERSION)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard; \
	else \
		find . \( -path ./build-deb -o -path ./build -o -path ./build-asan -o -path ./build-fuzz \) \
			-prune -o -type f ! -path ./replica-wizard -print0; \
	fi | tar -c --null -T - --ignore-failed-read -f - | tar -x -C build-deb/replica-wizard-$(VERSION)
	cd build-deb/replica-wizard-$(VERSION) && dpkg-buildpackage -b -uc -us $(DEB_BUILD_FLAGS) \
		$(if $(findstring nocheck,$(DEB_BUILD_OPTIONS)),-Pnocheck)
	lintian --fail-on error,warning --display-info $(DEB_FILE)
	@echo "deb: $(DEB_FILE)"

clean:
	rm -rf build build-asan build-fuzz build-deb replica-wizard

-include $(wildcard $(BUILD)/src/*.d $(BUILD)/ui/*.d $(BUILD)/ui/*/*.d $(BUILD)/cli/*.d $(BUILD)/tests/*.d \
	$(BUILD)/tests/unit/support/*.d)
