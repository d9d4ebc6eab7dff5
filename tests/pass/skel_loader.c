/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loader used by test_skeleton.sh (not a ctest on its own): opens the
 * bpftool skeleton of an instrumented parser.bpf.c, runs the "parse" program
 * once on an IPv4/UDP packet and checks the counter segment through the
 * skeleton's mmapped view: the map is BPF_F_MMAPABLE, the header is intact
 * and probes moved. Exit 0 ok, 1 failure, 77 when the kernel refuses to load.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfgauge/cov_abi.h"
#include "parser.skel.h"

int main(int argc, char **argv)
{
	unsigned char pkt[64] = {0};
	struct parser *skel;
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	struct bpfgauge_seg_hdr h;
	int err, moved = 0, bad = 0;

	skel = parser__open_and_load();
	if (!skel) {
		fprintf(stderr, "skel_loader: open_and_load failed: %s\n", strerror(errno));
		return errno == EPERM ? 77 : 1;
	}
	err = bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.data_bpfgauge), &info, &len);
	if (err || !(info.map_flags & BPF_F_MMAPABLE)) {
		fprintf(stderr, "skel_loader: .data.bpfgauge not mmapable (err %d, flags %#x)\n", err,
			info.map_flags);
		return 1;
	}
	pkt[12] = 0x08;                    /* ETH_P_IP */
	pkt[14] = 0x45;                    /* v4, ihl 5 */
	pkt[22] = 64;                      /* ttl */
	pkt[23] = 17;                      /* UDP */
	pkt[36] = 0x00, pkt[37] = 53;      /* dport 53 */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.parse), &opts);
	if (err || opts.retval != 2 /* XDP_PASS */) {
		fprintf(stderr, "skel_loader: test run failed: err %d retval %u\n", err, opts.retval);
		return 1;
	}

	const unsigned char *seg = (const unsigned char *)skel->data_bpfgauge;
	memcpy(&h, seg, sizeof(h));
	if (h.magic != BPFGAUGE_SEG_MAGIC || h.version != BPFGAUGE_ABI_VERSION || !h.nprobes) {
		fprintf(stderr, "skel_loader: bad segment header\n");
		return 1;
	}
	/* Hits probes are bytes set to 1. Counts probes count source blocks,
	 * and one packet runs some of them more than once (cursor_take is an
	 * inline helper called for every header), so only hits are bounded. */
	for (__u32 i = 0; i < h.nprobes; i++) {
		unsigned long long v;
		if (h.mode == BPFGAUGE_MODE_COUNTS)
			memcpy(&v, seg + sizeof(h) + 8 * i, 8);
		else
			v = seg[sizeof(h) + i];
		moved += v == 1;
		bad += h.mode == BPFGAUGE_MODE_HITS && v > 1;
	}
	printf("mode %u probes %u moved %d\n", h.mode, h.nprobes, moved);
	parser__destroy(skel);
	return moved && !bad ? 0 : 1;
}
