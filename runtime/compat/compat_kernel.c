/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel facts for the compatibility check: which kernel a spec names
 * (host, a cached Debian image, a config file or vmlinuz path), its kconfig,
 * version, architecture and BTF. The running host adds live facts
 * (compat_host.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfgauge/vm.h"
#include "bpfgauge_internal.h"
#include "compat_internal.h"


static const char *arch_from_config(const struct compat_kernel *k)
{
	if (compat_kernel__kconfig(k, "X86_64"))
		return "x86_64";
	if (compat_kernel__kconfig(k, "ARM64"))
		return "arm64";
	if (compat_kernel__kconfig(k, "RISCV") && compat_kernel__kconfig(k, "64BIT"))
		return "riscv64";
	if (compat_kernel__kconfig(k, "S390"))
		return "s390x";
	return NULL;
}

static struct compat_kernel *kernel_new(void)
{
	return calloc(1, sizeof(struct compat_kernel));
}

void compat_kernel__free(struct compat_kernel *k)
{
	if (!k)
		return;
	compat_strset_release(&k->config);
	compat_strset_release(&k->kallsyms);
	compat_strset_release(&k->ftrace);
	compat_strset_release(&k->events);
	btf__free(k->btf);
	free(k);
}

/* Version, arch and sources once the config is in; -EINVAL for an unknown arch. */
static int finish(struct compat_kernel *k, const char *release, const char *arch)
{
	const char *a;

	if (release && *release) {
		snprintf(k->release, sizeof(k->release), "%s", release);
		if (compat_parse_version(release))
			k->version = compat_parse_version(release);
	}
	if (!k->release[0] && k->version)
		snprintf(k->release, sizeof(k->release), "%d.%d", k->version / 1000,
			 k->version % 1000);
	if (arch) {
		const char *c = arch_from_config(k);

		a = compat_arch_norm(arch);
		if (!a) {
			pr_warn("compat: unknown architecture '%s' (x86_64, arm64, riscv64, s390x)",
				arch);
			return -EINVAL;
		}
		/* the rules read arch facts and the config's symbols together */
		if (c && strcmp(a, c)) {
			pr_warn("compat: --arch %s, but %s is a kernel config for %s", a,
				k->source[0] ? k->source : "the config", c);
			return -EINVAL;
		}
	} else {
		a = arch_from_config(k);
	}
	snprintf(k->arch, sizeof(k->arch), "%s", a ? a : "");
	return 0;
}

struct compat_kernel *compat_kernel__from_config_text(const char *text, const char *release,
						       const char *arch)
{
	struct compat_kernel *k = kernel_new();
	int err;

	if (!k)
		return bg_err_ptr(-ENOMEM);
	err = compat_parse_config(k, text);
	if (err == -BPFGAUGE_EBADFORMAT)
		pr_warn("compat: not a kernel config: %s", compat_parse_why());
	if (!err)
		err = finish(k, release, arch);
	if (err) {
		compat_kernel__free(k);
		return bg_err_ptr(err);
	}
	snprintf(k->source, sizeof(k->source), "config text");
	return k;
}

static bool is_version(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return false;
	return true;
}

/* vmlinuz-<rel> -> <dir>/config-<rel>; false if path is not named vmlinuz-* */
static bool config_beside(const char *vmlinuz, char *out, size_t size, char *rel, size_t rsize)
{
	const char *base = strrchr(vmlinuz, '/');
	int dirlen;

	base = base ? base + 1 : vmlinuz;
	if (strncmp(base, "vmlinuz-", 8))
		return false;
	dirlen = (int)(base - vmlinuz);
	snprintf(out, size, "%.*sconfig-%s", dirlen, vmlinuz, base + 8);
	snprintf(rel, rsize, "%s", base + 8);
	return true;
}

/* --btf FILE in place of the kernel's own BTF. */
static int kernel_load_btf(struct compat_kernel *k, const char *btf)
{
	int err;

	k->btf = btf__parse(btf, NULL);
	if (!k->btf) {
		err = -errno;
		pr_warn("compat: cannot read BTF from '%s': %s", btf, bpfgauge_strerror(err));
		return err;
	}
	snprintf(k->btf_source, sizeof(k->btf_source), "%s", btf);
	return 0;
}

/* The running kernel, with --config, --arch and --btf overriding its own facts. */
static int kernel_load_host(struct compat_kernel *k, const char *config, const char *arch,
			    const char *btf, bool probe)
{
	int err = compat_host_facts(k, probe);

	if (!err && config) {
		compat_strset_release(&k->config);
		k->have_config = false;
		err = compat_load_config_file(k, config);
		snprintf(k->source, sizeof(k->source), "host with config %s", config);
	}
	if (!err && arch)
		err = finish(k, NULL, arch);
	if (!err && btf) {
		btf__free(k->btf);
		k->btf = NULL;
		err = kernel_load_btf(k, btf);
	}
	return err;
}

/* --kernel VERSION --config FILE: a kernel given by hand. */
static int kernel_load_given(struct compat_kernel *k, const char *spec, const char *config,
			     const char *arch, const char *btf)
{
	int err = compat_load_config_file(k, config);

	snprintf(k->source, sizeof(k->source), "%s", config);
	if (!err)
		err = finish(k, compat_parse_version(spec) ? spec : NULL, arch);
	if (!err && btf)
		err = kernel_load_btf(k, btf);
	return err;
}

/* A cached kernel VERSION (of --arch) -> the path of its image, in image. */
static int kernel_resolve_version(struct compat_kernel *k, const char *spec, const char *arch,
				  char *image, size_t size)
{
	/* each architecture has its own cache: 6.1 with --arch arm64 is the arm64 6.1 */
	if (arch && !compat_arch_norm(arch))
		return finish(k, NULL, arch); /* the unknown-arch message */
	if (arch && !vm_arch_norm(compat_arch_norm(arch))) {
		pr_warn("compat: no cached %s kernels (kernels fetch gets x86_64 and arm64);"
			" give --config FILE", compat_arch_norm(arch));
		return -ENOENT;
	}
	if (vm_kernel_resolve_arch(spec, arch ? compat_arch_norm(arch) : NULL, image, size)) {
		const char *a = arch ? compat_arch_norm(arch) : "x86_64";
		bool other = strcmp(a, "x86_64");

		pr_warn("compat: kernel %s is not cached%s%s (try 'bpfgauge kernels fetch%s%s %s',"
			" or give --config FILE)", spec, other ? " for " : "", other ? a : "",
			other ? " --arch " : "", other ? a : "", spec);
		return -ENOENT;
	}
	return 0;
}

/*
 * A vmlinuz-<rel> (its config and BTF beside it) or a config file: its facts,
 * with --arch and --btf.
 */
static int kernel_load_files(struct compat_kernel *k, const char *spec, const char *arch,
			     const char *btf)
{
	char cfgpath[4096] = "", rel[256] = "";
	int err;

	if (config_beside(spec, cfgpath, sizeof(cfgpath), rel, sizeof(rel))) {
		struct stat st;

		if (stat(cfgpath, &st)) {
			pr_warn("compat: no config beside '%s' (looked for %s); give --config FILE",
				spec, cfgpath);
			return -ENOENT;
		}
		if (!btf) {
			char bpath[4200];
			const char *slash = strrchr(spec, '/');
			int e;

			snprintf(bpath, sizeof(bpath), "%.*sbtf-%s", slash ? (int)(slash - spec + 1) : 0,
				 spec, rel);
			e = compat_btf_from_image(spec, bpath, &k->btf);
			if (e)
				pr_info("compat: no BTF from %s: %s", spec, bpfgauge_strerror(e));
			else
				snprintf(k->btf_source, sizeof(k->btf_source), "%s", bpath);
		}
	} else {
		const char *base = strrchr(spec, '/');

		base = base ? base + 1 : spec;
		snprintf(cfgpath, sizeof(cfgpath), "%s", spec);
		if (!strncmp(base, "config-", 7) && compat_parse_version(base + 7))
			snprintf(rel, sizeof(rel), "%s", base + 7);
	}
	err = compat_load_config_file(k, cfgpath);
	snprintf(k->source, sizeof(k->source), "%s", cfgpath);
	if (!err)
		err = finish(k, rel[0] ? rel : NULL, arch);
	if (!err && btf)
		err = kernel_load_btf(k, btf);
	return err;
}

struct compat_kernel *compat_kernel__load(const char *spec, const struct compat_kernel_opts *opts)
{
	const char *config = OPTS_GET(opts, config, NULL);
	const char *arch = OPTS_GET(opts, arch, NULL);
	const char *btf = OPTS_GET(opts, btf, NULL);
	bool probe = !OPTS_GET(opts, no_probe, false);
	char image[4096];
	struct compat_kernel *k;
	int err = 0;

	if (!OPTS_VALID(opts, compat_kernel_opts))
		return bg_err_ptr(-EINVAL);
	if (!spec || !*spec)
		spec = "host";
	k = kernel_new();
	if (!k)
		return bg_err_ptr(-ENOMEM);
	if (!strcmp(spec, "host")) {
		err = kernel_load_host(k, config, arch, btf, probe);
	} else if (config) {
		err = kernel_load_given(k, spec, config, arch, btf);
	} else {
		if (is_version(spec)) {
			err = kernel_resolve_version(k, spec, arch, image, sizeof(image));
			if (!err)
				spec = image;
		}
		if (!err)
			err = kernel_load_files(k, spec, arch, btf);
	}
	if (!err && !k->arch[0]) {
		pr_warn("compat: cannot tell the architecture of '%s'; give --arch", spec);
		err = -EINVAL;
	}
	if (err) {
		compat_kernel__free(k);
		return bg_err_ptr(err);
	}
	return k;
}

const char *compat_kernel__release(const struct compat_kernel *k)
{
	return k->release;
}

const char *compat_kernel__arch(const struct compat_kernel *k)
{
	return k->arch;
}

const char *compat_kernel__source(const struct compat_kernel *k)
{
	return k->source;
}

bool compat_kernel__is_host(const struct compat_kernel *k)
{
	return k->host;
}

static const char *fact_word(enum compat_fact f)
{
	return f == FACT_YES ? "yes" : f == FACT_NO ? "no" : "unknown";
}

size_t compat_kernel__facts(const struct compat_kernel *k, struct compat_fact_line *out, size_t max)
{
	size_t n = 0;

#define FACT(nm, ...)                                                           \
	do {                                                                    \
		if (n < max) {                                                  \
			out[n].name = nm;                                       \
			snprintf(out[n].value, sizeof(out[n].value), __VA_ARGS__); \
			n++;                                                    \
		}                                                               \
	} while (0)
	FACT("release", "%s", k->release);
	FACT("arch", "%s", k->arch);
	FACT("source", "%s", k->source);
	FACT("kconfig", "%s", k->have_config ? "known" : "unknown");
	FACT("btf", "%s", k->btf ? k->btf_source : "none");
	if (k->host) {
		FACT("lockdown", "%s%s%s%s", k->lockdown[0] ? k->lockdown : "unknown",
		     k->lockdown_source[0] ? " (" : "", k->lockdown_source,
		     k->lockdown_source[0] ? ")" : "");
		FACT("lsm", "%s%s%s%s", k->lsm[0] ? k->lsm : "unknown", k->lsm_source[0] ? " (" : "",
		     k->lsm_source, k->lsm_source[0] ? ")" : "");
		FACT("tracefs_mounted", "%s", fact_word(k->tracefs_mounted));
		if (k->have_ftrace == FACT_NO)
			FACT("available_filter_functions", "unreadable: %s",
			     bpfgauge_strerror(k->ftrace_err));
		else
			FACT("available_filter_functions", "%zu functions", k->ftrace.n);
		if (!k->kallsyms_lazy)
			FACT("kallsyms", "%zu functions", k->kallsyms.n);
		FACT("kprobe_pmu", "%s", fact_word(k->kprobe_pmu));
		if (k->trampoline == FACT_NO)
			FACT("bpf_trampoline", "refused: %s%s", bpfgauge_strerror(k->trampoline_err),
			     k->trampoline_log_empty ? " before verification" : "");
		else
			FACT("bpf_trampoline", "%s", fact_word(k->trampoline));
	}
#undef FACT
	return n;
}
