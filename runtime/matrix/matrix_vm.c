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

int mx_capture_vm(const char *kernel, char *const *paths, size_t n,
		  const struct mx_vm_opts *o, struct mx_capture *out, struct vm_result *vr)
{
	char cli[4096], initrd[4200], nonce[17];
	struct vm_file *files;
	char **dsts;
	char *cmd = NULL;
	size_t cmdlen = 0;
	FILE *m;
	int err;

	memset(out, 0, sizeof(*out));
	memset(vr, 0, sizeof(*vr));
	vr->guest_rc = -1;
	if (!o || !OPTS_VALID(o, mx_vm_opts)) {
		snprintf(vr->error, sizeof(vr->error), "invalid struct mx_vm_opts");
		vr->console_tail = strdup("");
		return bg_err(-EINVAL);
	}
	if (!OPTS_GET(o, guest_cmd, NULL) || !*o->guest_cmd) {
		snprintf(vr->error, sizeof(vr->error), "no guest command (mx_vm_opts.guest_cmd)");
		vr->console_tail = strdup("");
		return bg_err(-EINVAL);
	}
	if (!vm_static_cli(cli, sizeof(cli))) {
		snprintf(vr->error, sizeof(vr->error),
			 "no static bpfgauge for the guest (build target bpfgauge-static or set"
			 " BPFGAUGE_STATIC)");
		vr->console_tail = strdup("");
		return bg_err(-ENOENT);
	}
	files = calloc(n + 1, sizeof(*files));
	dsts = calloc(n + 1, sizeof(*dsts));
	m = open_memstream(&cmd, &cmdlen);
	if (!files || !dsts || !m) {
		err = -ENOMEM;
		goto out;
	}
	fputs(o->guest_cmd, m);
	files[0] = (struct vm_file){ .src = cli, .dst = MX_GUEST_CLI, .mode = 0755 };
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/');

		base = base ? base + 1 : paths[i];
		/* one directory per object: names repeat across clang versions */
		if (asprintf(&dsts[i], "/objs/%zu/%s", i, base) < 0) {
			dsts[i] = NULL;
			err = -ENOMEM;
			fclose(m);
			m = NULL;
			goto out;
		}
		files[i + 1] = (struct vm_file){ .src = paths[i], .dst = dsts[i] };
		fprintf(m, " %s", dsts[i]);
	}
	fclose(m);
	m = NULL;
	vm_nonce(nonce);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", o->workdir);
	err = vm_initramfs_write(initrd, o->busybox, files, n + 1, cmd, nonce);
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
	/* map guest paths back to the host paths the caller gave */
	for (size_t i = 0; i < out->n; i++) {
		const char *f = vlog_record__str(out->recs[i], VLOG_STAT_FILE);

		for (size_t k = 0; f && k < n; k++)
			if (!strcmp(f, dsts[k])) {
				vlog_record__set_str(out->recs[i], VLOG_STAT_FILE, paths[k]);
				break;
			}
	}
out:
	if (m)
		fclose(m);
	free(cmd);
	for (size_t i = 0; dsts && i < n; i++)
		free(dsts[i]);
	free(dsts);
	free(files);
	return bg_err(err);
}
