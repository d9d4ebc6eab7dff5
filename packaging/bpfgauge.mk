# SPDX-License-Identifier: BSD-2-Clause
# bpfgauge Makefile include for libbpf-bootstrap-style projects:
#
#   include $(shell pkg-config --variable=makedir bpfgauge)/bpfgauge.mk
#   CLANG := $(BPFGAUGE_CLANG)       # plain clang, or bpfgauge cc -- clang
#   %.bpf.o: %.bpf.c
#   	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(BPFGAUGE_BPF_CFLAGS) -c $< -o $@
#   app: app.o ; $(CC) $^ $(BPFGAUGE_LDLIBS) -o $@      # only if the app links libbpfgauge
#   coverage: app ; sudo $(BPFGAUGE) cov run -o coverage.info --objects . -- ./app
#
# `make COVERAGE=1` builds the BPF objects with the coverage pass. Knobs:
#   BPFGAUGE_MODE     counts (exact counts, default) or hits (cheapest)
#   BPFGAUGE_SECTION  own (default) or data: counters in the program's .data,
#                     for loaders without .data.* support (cilium/ebpf < 0.17)
#   BPFGAUGE_BPF_CLANG  the clang for BPF (default: the newest clang-N with an
#                     installed pass plugin, else clang); ccache works in front
# Every path follows this file's location, so the installed tree may move.
BPFGAUGE_PREFIX := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
BPFGAUGE ?= $(BPFGAUGE_PREFIX)/bin/bpfgauge
BPFGAUGE_MODE ?= counts
BPFGAUGE_SECTION ?= own
BPFGAUGE_PASS_MAJORS := $(sort $(patsubst libbpfgauge-pass-%.so,%,$(notdir $(wildcard $(BPFGAUGE_PREFIX)/lib/bpfgauge/libbpfgauge-pass-*.so))))
# newest first: the first clang-N on PATH wins
BPFGAUGE_BPF_CLANG ?= $(firstword $(foreach v,$(shell printf '%s\n' $(BPFGAUGE_PASS_MAJORS) | sort -rn),$(shell command -v clang-$(v) 2>/dev/null)) clang)
ifeq ($(COVERAGE),1)
BPFGAUGE_CLANG = $(BPFGAUGE) cc --mode $(BPFGAUGE_MODE) --section $(BPFGAUGE_SECTION) -- $(BPFGAUGE_BPF_CLANG)
else
BPFGAUGE_CLANG = $(BPFGAUGE_BPF_CLANG)
endif
BPFGAUGE_BPF_CFLAGS = -I$(BPFGAUGE_PREFIX)/include/bpfgauge/bpf
BPFGAUGE_CFLAGS = -I$(BPFGAUGE_PREFIX)/include
BPFGAUGE_LDLIBS = -L$(BPFGAUGE_PREFIX)/lib -Wl,-rpath,$(BPFGAUGE_PREFIX)/lib -lbpfgauge -lbpf -lelf -lz -lsqlite3 -lpthread
