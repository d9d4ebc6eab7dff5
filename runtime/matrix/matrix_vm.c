/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture inside a guest: build the initramfs (static CLI + objects),
 * boot the kernel once for all objects and parse the capture JSON that
 * comes back over the data port.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfgauge/matrix.h"
#include "bpfgauge/vm.h"
#include "bpfgauge_internal.h"

/* The options name a guest command and a static CLI exists (into cli); else vr->error. */
static int capture_vm_check(const struct mx_vm_opts *o, char *cli, size_t size,
			    struct vm_result *vr)
{
	if (!o || !OPTS_VALID(o, mx_vm_opts)) {
		snprintf(vr->error, sizeof(vr->error), "invalid struct mx_vm_opts");
		vr->console_tail = strdup("");
		return -EINVAL;
	}
	if (!OPTS_GET(o, guest_cmd, NULL) || !*o->guest_cmd) {
		snprintf(vr->error, sizeof(vr->error), "no guest command (mx_vm_opts.guest_cmd)");
		vr->console_tail = strdup("");
		return -EINVAL;
	}
	if (OPTS_GET(o, arch, NULL) && !vm_arch_norm(o->arch)) {
		snprintf(vr->error, sizeof(vr->error), "unknown architecture '%s'", o->arch);
		vr->console_tail = strdup("");
		return -EINVAL;
	}
	if (!vm_static_cli_arch(OPTS_GET(o, arch, NULL), cli, size)) {
		bool arm64 = OPTS_GET(o, arch, NULL) && !strcmp(vm_arch_norm(o->arch), "arm64");

		snprintf(vr->error, sizeof(vr->error), arm64 ?
			 "no aarch64 static bpfgauge for the arm64 guest (build target"
			 " bpfgauge_static_arm64, which needs libbpf-dev:arm64 libelf-dev:arm64"
			 " zlib1g-dev:arm64 libsqlite3-dev:arm64; or set BPFGAUGE_STATIC_ARM64)" :
			 "no static bpfgauge for the guest (build target bpfgauge-static or set"
			 " BPFGAUGE_STATIC)");
		vr->console_tail = strdup("");
		return -ENOENT;
	}
	return 0;
}

/*
 * The guest's files (the CLI, then each object under /objs/<i>/, its path in
 * dsts[i]) and its command line in *cmd; the caller frees dsts[i] and *cmd.
 */
static int capture_vm_files(const char *guest_cmd, const char *cli, char *const *paths,
			    size_t n, struct vm_file *files, char **dsts, char **cmd)
{
	size_t cmdlen = 0;
	FILE *m = open_memstream(cmd, &cmdlen);

	if (!m)
		return -ENOMEM;
	fputs(guest_cmd, m);
	files[0] = (struct vm_file){ .src = cli, .dst = MX_GUEST_CLI, .mode = 0755 };
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/');

		base = base ? base + 1 : paths[i];
		/* one directory per object: names repeat across clang versions */
		if (asprintf(&dsts[i], "/objs/%zu/%s", i, base) < 0) {
			dsts[i] = NULL;
			fclose(m);
			return -ENOMEM;
		}
		files[i + 1] = (struct vm_file){ .src = paths[i], .dst = dsts[i] };
		fprintf(m, " %s", dsts[i]);
	}
	fclose(m);
	return 0;
}

/* Map the guest paths of the records back to the host paths the caller gave. */
static void capture_vm_unmap(struct mx_capture *out, char *const *paths, char **dsts, size_t n)
{
	for (size_t i = 0; i < out->n; i++) {
		const char *f = vlog_record__str(out->recs[i], VLOG_STAT_FILE);

		for (size_t k = 0; f && k < n; k++)
			if (!strcmp(f, dsts[k])) {
				vlog_record__set_str(out->recs[i], VLOG_STAT_FILE, paths[k]);
				break;
			}
	}
}

int mx_capture_vm(const char *kernel, char *const *paths, size_t n,
		  const struct mx_vm_opts *o, struct mx_capture *out, struct vm_result *vr)
{
	char cli[4096], initrd[4200], nonce[17], bb[4096];
	const char *arch, *busybox;
	struct vm_file *files;
	char **dsts;
	char *cmd = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	memset(vr, 0, sizeof(*vr));
	vr->guest_rc = -1;
	err = capture_vm_check(o, cli, sizeof(cli), vr);
	if (err)
		return bg_err(err);
	arch = vm_arch_norm(OPTS_GET(o, arch, NULL) ? o->arch : "x86_64");
	busybox = o->busybox;
	if (!busybox && strcmp(arch, "x86_64")) {
		busybox = vm_busybox(arch, bb, sizeof(bb));
		if (!busybox) {
			snprintf(vr->error, sizeof(vr->error),
				 "no static busybox for %s guests (bpfgauge kernels fetch --arch %s"
				 " puts one in the cache)", arch, arch);
			vr->console_tail = strdup("");
			return bg_err(-ENOENT);
		}
	}
	files = calloc(n + 1, sizeof(*files));
	dsts = calloc(n + 1, sizeof(*dsts));
	if (!files || !dsts) {
		err = -ENOMEM;
		goto out;
	}
	err = capture_vm_files(o->guest_cmd, cli, paths, n, files, dsts, &cmd);
	if (err)
		goto out;
	vm_nonce(nonce);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", o->workdir);
	err = vm_initramfs_write_arch(initrd, busybox, files, n + 1, cmd, nonce, arch);
	if (err) {
		snprintf(vr->error, sizeof(vr->error), "cannot write the initramfs: %s",
			 bpfgauge_strerror(err));
		vr->console_tail = strdup("");
		goto out;
	}
	struct vm_opts vo = {
		.sz = sizeof(vo),
		.kernel = kernel,
		.initrd = initrd,
		.nonce = nonce,
		.workdir = o->workdir,
		.timeout_s = o->timeout_s,
		.mem_mb = o->mem_mb,
		.cpus = o->cpus,
		.arch = arch,
	};
	err = vm_run(&vo, vr);
	if (err)
		goto out;
	err = mx_capture_parse(vr->output, vr->output_len, out);
	if (err) {
		snprintf(vr->error, sizeof(vr->error),
			 "guest command exited %d without a usable capture", vr->guest_rc);
		goto out;
	}
	capture_vm_unmap(out, paths, dsts, n);
out:
	free(cmd);
	for (size_t i = 0; dsts && i < n; i++)
		free(dsts[i]);
	free(dsts);
	free(files);
	return bg_err(err);
}
