# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make            build everything into build/
# make test       install missing packages, build, run every test (as root)
# make demo       install missing packages, build, run the namespace demo
# make bench      the benchmarks of docs/PERFORMANCE.md (as root)
# make fuzz       each L7 extractor's libFuzzer target for FUZZ_SECONDS
# make captures   regenerate the generated captures of tests/captures/
# make install    install the blastradius binary to $(PREFIX)/sbin, the
#                 service catalog to $(PREFIX)/share/blastradius/catalog,
#                 the man page blastradius(8) and the bash completion

BUILD     ?= build
PREFIX    ?= /usr/local
CLANG     ?= clang
CC        ?= cc
BPFTOOL   ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
MULTIARCH := $(shell $(CC) -dumpmachine)
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -I/usr/include/$(MULTIARCH) -Ibpf
# CFLAGS is the user's (make CFLAGS=-O0 works); the flags the build needs
# are added to it with override, or a command-line CFLAGS would drop them.
CFLAGS     ?= -O2 -g
# user/ is arranged in folders along the data flow (README: Source
# layout); a module includes another's header by its name alone.
USER_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard user/*/*.c))))
override CFLAGS += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
	      -I$(BUILD) -Ibpf $(addprefix -I,$(USER_DIRS))
# Where the service catalog is found: the source tree, else the installed.
override CFLAGS += -DBR_SOURCE_DIR='"$(CURDIR)"' \
	      -DBR_DATADIR='"$(PREFIX)/share/blastradius"'
LIBBPF_CFLAGS := $(shell pkg-config --cflags libbpf 2>/dev/null)
LIBBPF_LIBS   := $(or $(shell pkg-config --libs libbpf 2>/dev/null),-lbpf)
# The lab's TLS clients (OpenSSL) and QUIC (user/lab/quic*.c: ngtcp2 with
# its GnuTLS crypto backend).
LDLIBS     := $(LIBBPF_LIBS) -lelf -lz -lssl -lcrypto -lpcap -lm \
	      -lngtcp2 -lngtcp2_crypto_gnutls -lgnutls

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS  := $(wildcard bpf/*.h)

# Everything in user/ but main.c forms a library the tests link too.
LIB_SRCS  := $(filter-out user/cmd/main.c,$(wildcard user/*/*.c))
LIB_OBJS  := $(patsubst user/%.c,$(BUILD)/user/%.o,$(LIB_SRCS))
USER_HDRS := $(wildcard user/*/*.h)
LIB       := $(BUILD)/libblastradius.a
BIN       := $(BUILD)/blastradius

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
DP_SRCS   := $(wildcard tests/dataplane/test_*.c)
DP_BINS   := $(patsubst tests/dataplane/%.c,$(BUILD)/tests/%,$(DP_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

# The L7 extractors (bpf/tls.h, dns.h, quic.h) compiled for the host from
# the same headers: unit tests and libFuzzer targets, under ASan/UBSan.
SAN        := -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
HOST_L7_CFLAGS := -g -O1 -Wall -Wextra -Werror -std=gnu11 -Ibpf -Itests/l7
L7T_SRCS  := $(wildcard tests/l7/test_*.c)
L7T_BINS  := $(patsubst tests/l7/%.c,$(BUILD)/tests/%,$(L7T_SRCS))
# tests/diff: l7dump runs the same extractors over a capture, frame by
# frame, for the differential test against tshark (test_differential.sh;
# QUIC's, test_quic_differential.sh, reads the kernel's verdicts through
# replay --write and compares with tests/diff/quic_compare.py).
DIFF_SRCS := $(wildcard tests/diff/*.c)
DIFF_BINS := $(patsubst tests/diff/%.c,$(BUILD)/tests/%,$(DIFF_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 300
# tests/captures: the generator of the suite's link-type, damaged and
# tunnelled captures (tests/captures/README.md).
CAPGEN    := $(BUILD)/tests/gen_captures
# The man page and the bash completion, written from the command table
# (user/cmd/cmdtable.c) by tools/gendoc.c.
GENDOC    := $(BUILD)/tools/gendoc
MAN       := $(BUILD)/blastradius.8
COMPLETION := $(BUILD)/blastradius.bash

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all deps test unit dataplane e2e demo bench fuzz install clean \
	captures

all: $(BIN) $(UNIT_BINS) $(DP_BINS) $(BENCH_BINS) $(L7T_BINS) $(FUZZ_BINS) \
     $(DIFF_BINS) $(CAPGEN) $(MAN) $(COMPLETION)

deps:
	@scripts/deps.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(BPF_HDRS) $(SKELS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

# The default scenario is built in: its text as a C array (od and sed, so
# no xxd), linked into the library for br_scenario_default().
SCN_DEFAULT := policies/scenarios/default.scenario

$(BUILD)/scenario_default.c: $(SCN_DEFAULT) | $(BUILD)
	{ echo '/* generated from $< by the Makefile */'; \
	  echo '#include <stddef.h>'; \
	  echo 'const char br_scenario_default_text[] = {'; \
	  od -An -v -tx1 $< | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00 };'; \
	  echo 'const size_t br_scenario_default_len ='; \
	  echo '	sizeof(br_scenario_default_text) - 1;'; } > $@

$(BUILD)/scenario_default.o: $(BUILD)/scenario_default.c
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(BUILD)/scenario_default.o

$(BIN): $(BUILD)/user/cmd/main.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/*.h $(LIB) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/tests/%: tests/dataplane/%.c tests/dataplane/*.h $(LIB) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/dataplane -Itests/l7 -o $@ $< $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/tests/%: tests/l7/%.c $(BPF_HDRS) $(wildcard tests/l7/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(HOST_L7_CFLAGS) $(SAN) -o $@ $< -lcmocka

$(BUILD)/tests/%: tests/diff/%.c $(BPF_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(HOST_L7_CFLAGS) $(SAN) -o $@ $< -lpcap

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BPF_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(HOST_L7_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $<

$(CAPGEN): tests/captures/gen_captures.c $(LIB) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(GENDOC): tools/gendoc.c $(LIB) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(MAN): $(GENDOC)
	$(GENDOC) man > $@

$(COMPLETION): $(GENDOC)
	$(GENDOC) bash > $@

$(BUILD)/bench/%: tests/bench/%.c $(LIB) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lm

$(BUILD):
	@mkdir -p $(BUILD)

# The two commands of the README: each installs what is missing first.
test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@tests/run.sh $(BUILD)

demo:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)

bench:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh $(BUILD)

captures: $(CAPGEN)
	$(CAPGEN) tests/captures

fuzz:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS)

install: $(BIN) $(MAN) $(COMPLETION)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/blastradius
	install -D -m 0644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man8/blastradius.8
	install -D -m 0644 $(COMPLETION) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/blastradius
	install -d $(DESTDIR)$(PREFIX)/share/blastradius/catalog
	install -m 0644 $(wildcard policies/catalog/*.catalog policies/catalog/*.set) \
		$(DESTDIR)$(PREFIX)/share/blastradius/catalog
	install -D -m 0755 scripts/labctl.sh \
		$(DESTDIR)$(PREFIX)/share/blastradius/labctl.sh
	install -d $(DESTDIR)$(PREFIX)/share/blastradius/scenarios
	install -m 0644 policies/scenarios/lab.scenario \
		policies/scenarios/lab-quick.scenario \
		$(DESTDIR)$(PREFIX)/share/blastradius/scenarios

clean:
	rm -rf $(BUILD)
