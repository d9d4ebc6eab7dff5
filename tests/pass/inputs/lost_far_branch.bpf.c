// SPDX-License-Identifier: BSD-2-Clause
// Reduced reproducer (issue 10, "no program lost"): one function of tens of
// thousands of BPF insns (a fully unrolled walk of 100 frames, inlined five
// times), the shape of the kernel selftests pyperf100/pyperf180. Plain, it
// compiles with every jump within the 16-bit BPF offset; instrumented in
// counts mode, the probes turned the optimiser's triangles into diamonds
// whose out-of-line arms the backend put at the end of the function, and
// clang failed with "Branch target out of insn range".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define FB_FRAMES 100

struct fb_sym {
	char name[32];
	char file[32];
	int line;
};

struct fb_event {
	__u32 pid;
	__u32 len;
	__u8 complete;
	__s32 stack[FB_FRAMES];
};

struct fb_frame {
	void *back;
	void *code;
	void *file;
	void *name;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct fb_sym);
	__type(value, __s32);
} fb_syms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fb_event);
} fb_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} fb_out SEC(".maps");

static __always_inline int fb_read_frame(void *ptr, struct fb_frame *f, struct fb_sym *sym)
{
	bpf_probe_read_user(&f->back, sizeof(f->back), ptr + 24);
	bpf_probe_read_user(&f->code, sizeof(f->code), ptr + 32);
	if (!f->code)
		return 0;
	bpf_probe_read_user(&f->file, sizeof(f->file), f->code + 104);
	bpf_probe_read_user(&f->name, sizeof(f->name), f->code + 112);
	if (f->file)
		bpf_probe_read_user_str(&sym->file, sizeof(sym->file), f->file + 48);
	if (f->name)
		bpf_probe_read_user_str(&sym->name, sizeof(sym->name), f->name + 48);
	return 1;
}

static __always_inline int fb_walk(struct bpf_raw_tracepoint_args *ctx)
{
	struct fb_sym sym = {};
	struct fb_frame f = {};
	struct fb_event *ev;
	__u32 zero = 0;
	__s32 zero_id = 0;
	__u64 *stats;
	void *ptr;

	ev = bpf_map_lookup_elem(&fb_events, &zero);
	if (!ev)
		return 0;
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	ptr = (void *)ctx->args[0];
	if (ptr) {
#pragma clang loop unroll(full)
		for (int i = 0; i < FB_FRAMES; i++) {
			if (ptr && fb_read_frame(ptr, &f, &sym)) {
				__s32 *id = bpf_map_lookup_elem(&fb_syms, &sym);

				if (!id) {
					bpf_map_update_elem(&fb_syms, &sym, &zero_id, 0);
					id = bpf_map_lookup_elem(&fb_syms, &sym);
					if (!id)
						return 0;
				}
				ev->stack[i] = *id;
				ev->len = i + 1;
				ptr = f.back;
			}
		}
		ev->complete = ptr == 0;
	} else {
		ev->complete = 1;
	}
	stats = bpf_map_lookup_elem(&fb_stats, &zero);
	if (stats)
		(*stats)++;
	bpf_perf_event_output(ctx, &fb_out, 0, ev, 8);
	return 0;
}

SEC("raw_tracepoint/kfree_skb")
int fb_on_event(struct bpf_raw_tracepoint_args *ctx)
{
	int ret = 0;

	ret |= fb_walk(ctx);
	ret |= fb_walk(ctx);
	ret |= fb_walk(ctx);
	ret |= fb_walk(ctx);
	ret |= fb_walk(ctx);
	return ret;
}

char _license[] SEC("license") = "GPL";
