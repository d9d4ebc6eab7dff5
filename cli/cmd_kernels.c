/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpfgauge kernels: get Debian kernel images for the matrix's kernel axis
 * and compat (apt-get download + dpkg-deb -x into the cache) and list the
 * cache. Any other bzImage works too: pass its path to `matrix --kernel`.
 * arm64 images live in the cache's arm64/ directory, with the arm64
 * busybox-static their guests need.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfgauge/vm.h"
#include "json_writer.h"
#include "main.h"

static int run_sh(const char *cmd)
{
	int st = system(cmd);

	if (st == -1)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static bool valid_version(const char *v)
{
	if (!*v)
		return false;
	for (const char *p = v; *p; p++)
		if (!(*p >= '0' && *p <= '9') && *p != '.')
			return false;
	return true;
}

static bool valid_word(const char *v)
{
	for (const char *p = v; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-')
			return false;
	return *v != 0;
}

/* Newest linux-image-<ver>...-<flavour>-unsigned package name known to apt. */
static int find_package(const char *ver, const char *flavour, char *pkg, size_t size)
{
	char cmd[512], esc[64];
	size_t o = 0;
	FILE *p;

	for (const char *s = ver; *s && o < sizeof(esc) - 3; s++) {
		if (*s == '.')
			esc[o++] = '\\';
		esc[o++] = *s;
	}
	esc[o] = 0;
	snprintf(cmd, sizeof(cmd),
		 "apt-cache search --names-only '^linux-image-%s[.-].*-%s-unsigned$' 2>/dev/null"
		 " | cut -d' ' -f1 | sort -V | tail -n1",
		 esc, flavour);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	pkg[0] = 0;
	if (!fgets(pkg, size, p))
		pkg[0] = 0;
	pclose(p);
	pkg[strcspn(pkg, "\n")] = 0;
	return pkg[0] ? 0 : -ENOENT;
}

static int mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(buf, 0755);
			*s = '/';
		}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

/* The hint when apt knows no package of a foreign architecture. */
static const char *foreign_hint(const char *arch)
{
	return strcmp(arch, "x86_64") ? "; the arm64 apt architecture is needed: dpkg "
					"--add-architecture arm64 && apt-get update"
				      : "";
}

/*
 * Debian's busybox-static:arm64 as <cache>/busybox, for arm64 guests. The
 * package cannot be installed beside the amd64 one (it is not Multi-Arch:
 * same), so only its binary is taken.
 */
static int fetch_busybox(const char *cache, const char *arch)
{
	char tmp[] = "/tmp/bpfgauge-kfetch-XXXXXX", cmd[8192], path[4200];

	snprintf(path, sizeof(path), "%s/busybox", cache);
	if (!access(path, X_OK))
		return 0;
	if (!mkdtemp(tmp))
		return -errno;
	p_info("kernels: downloading busybox-static:%s", arch);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && apt-get download -q=2 busybox-static:%s >/dev/null 2>%s/err && "
		 "dpkg-deb -x %s/*.deb %s/x 2>>%s/err && cp %s/x/bin/busybox %s.tmp && "
		 "chmod 0755 %s.tmp && mv %s.tmp %s",
		 tmp, arch, tmp, tmp, tmp, tmp, tmp, path, path, path, path);
	if (run_sh(cmd)) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/  /' %s/err >&2; rm -rf %s %s.tmp", tmp, tmp,
			 path);
		p_err("kernels: cannot get busybox-static:%s%s", arch, foreign_hint(arch));
		run_sh(cmd);
		return -EIO;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	run_sh(cmd);
	return 0;
}

static int fetch_one(const char *ver, const char *flavour, const char *arch, const char *cache,
		     char *out, size_t size)
{
	char pkg[256], tmp[] = "/tmp/bpfgauge-kfetch-XXXXXX", cmd[8192], found[4096] = "";
	struct dirent *e;
	DIR *d;
	int err;

	err = find_package(ver, flavour, pkg, sizeof(pkg));
	if (err) {
		p_err("kernels: no package linux-image-%s*-%s-unsigned known to apt (run apt-get update;"
		      " see apt-cache search linux-image | grep %s)%s", ver, flavour, flavour,
		      foreign_hint(arch));
		return err;
	}
	if (!mkdtemp(tmp))
		return -errno;
	p_info("kernels: downloading %s", pkg);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && apt-get download -q=2 %s >/dev/null 2>%s/err && "
		 "dpkg-deb -x %s/*.deb %s/x 2>>%s/err",
		 tmp, pkg, tmp, tmp, tmp, tmp);
	err = run_sh(cmd);
	if (err) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/  /' %s/err >&2; rm -rf %s", tmp, tmp);
		p_err("kernels: apt-get download / dpkg-deb -x of %s failed", pkg);
		run_sh(cmd);
		return -EIO;
	}
	snprintf(cmd, sizeof(cmd), "%s/x/boot", tmp);
	d = opendir(cmd);
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "vmlinuz-", 8))
			snprintf(found, sizeof(found), "%s", e->d_name);
	if (d)
		closedir(d);
	if (!found[0]) {
		p_err("kernels: %s holds no boot/vmlinuz-*", pkg);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
		run_sh(cmd);
		return -ENOENT;
	}
	/* keep the config next to the image: its hash is part of the provenance */
	snprintf(cmd, sizeof(cmd),
		 "cp %s/x/boot/%s %s/ && (cp %s/x/boot/config-%s %s/ 2>/dev/null; true) && rm -rf %s",
		 tmp, found, cache, tmp, found + 8, cache, tmp);
	err = run_sh(cmd);
	if (err) {
		p_err("kernels: cannot copy %s into %s", found, cache);
		return -EIO;
	}
	snprintf(out, size, "%s/%s", cache, found);
	return 0;
}

/* kernels fetch options; 0, or EXIT_ERROR after a one-line error. */
static int fetch_parse(int argc, char **argv, const char **flavour, const char **arch,
		       bool *force)
{
	static const struct option opts[] = {
		{ "flavour", required_argument, NULL, 'L' },
		{ "force", no_argument, NULL, 'F' },
		{ "arch", required_argument, NULL, 'a' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":Fa:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'L': *flavour = optarg; break;
		case 'F': *force = true; break;
		case 'a':
			*arch = vm_arch_norm(optarg);
			if (!*arch) {
				p_err("kernels fetch: unknown architecture '%s' (x86_64, arm64)", optarg);
				return EXIT_ERROR;
			}
			break;
		default:
			p_opt_err("kernels fetch", opt, argv);
			return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		p_err("kernels fetch: which versions? e.g. '%s kernels fetch 6.1 6.12'", bin_name);
		return EXIT_ERROR;
	}
	if (!*flavour)
		*flavour = strcmp(*arch, "x86_64") ? "cloud-arm64" : "cloud-amd64";
	if (!valid_word(*flavour)) {
		p_err("kernels fetch: bad flavour '%s'", *flavour);
		return EXIT_ERROR;
	}
	return 0;
}

/* One VERSION: the cached image (unless force) or a download; its line or JSON object. */
static int fetch_version(const char *v, const char *flavour, const char *arch,
			 const char *cache, bool force, json_writer_t *jw)
{
	char path[4096];
	bool cached = false;

	if (!valid_version(v)) {
		p_err("kernels fetch: '%s' is not a version like 6.1 or 6.12", v);
		return EXIT_ERROR;
	}
	if (!force && !vm_kernel_resolve_arch(v, arch, path, sizeof(path)))
		cached = true;
	else if (fetch_one(v, flavour, arch, cache, path, sizeof(path)))
		return EXIT_ERROR;
	if (jw) {
		char rel[256];

		vm_kernel_release(path, rel, sizeof(rel));
		jw_start_object(jw);
		jw_string_field(jw, "version", v);
		jw_string_field(jw, "release", rel);
		jw_string_field(jw, "arch", arch);
		jw_string_field(jw, "path", path);
		jw_bool_field(jw, "cached", cached);
		jw_end_object(jw);
	} else {
		printf("%s\t%s%s\n", v, path, cached ? "\t(cached)" : "");
	}
	return 0;
}

static int do_fetch(int argc, char **argv)
{
	const char *flavour = NULL, *arch = "x86_64";
	char cache[4096];
	bool force = false;
	json_writer_t *jw = NULL;
	int rc = 0;

	if (fetch_parse(argc, argv, &flavour, &arch, &force))
		return EXIT_ERROR;
	vm_kernel_cache_arch(arch, cache, sizeof(cache));
	if (mkdirs(cache)) {
		p_err("kernels: cannot create cache '%s': %s", cache, strerror(errno));
		return EXIT_ERROR;
	}
	if (strcmp(arch, "x86_64") && fetch_busybox(cache, "arm64"))
		rc = EXIT_ERROR;
	if (json_output) {
		jw = jw_new(stdout, pretty_output);
		jw_start_array(jw);
	}
	for (int i = optind; i < argc; i++)
		if (fetch_version(argv[i], flavour, arch, cache, force, jw))
			rc = EXIT_ERROR;
	if (jw) {
		jw_end_array(jw);
		jw_free(jw);
	}
	return rc;
}

static int do_list(int argc, char **argv)
{
	static const char *const arches[] = { "x86_64", "arm64" };
	char cache[4096], path[8192], rel[256];
	json_writer_t *jw = NULL;
	struct dirent *e;
	struct stat st;
	bool any = false;
	DIR *d;

	if (argc > 1) { /* it takes nothing: an option or a word is a mistake */
		p_err("kernels list: %s '%s'", argv[1][0] == '-' && argv[1][1] ? "unknown option" :
		      "unexpected argument", argv[1]);
		return EXIT_ERROR;
	}
	if (json_output) {
		jw = jw_new(stdout, pretty_output);
		jw_start_array(jw);
	}
	for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++) {
		vm_kernel_cache_arch(arches[a], cache, sizeof(cache));
		d = opendir(cache);
		any |= d != NULL;
		while (d && (e = readdir(d))) {
			if (strncmp(e->d_name, "vmlinuz-", 8))
				continue;
			snprintf(path, sizeof(path), "%s/%s", cache, e->d_name);
			if (stat(path, &st))
				continue;
			vm_kernel_release(path, rel, sizeof(rel));
			if (jw) {
				jw_start_object(jw);
				jw_string_field(jw, "release", rel);
				jw_string_field(jw, "arch", arches[a]);
				jw_string_field(jw, "path", path);
				jw_uint_field(jw, "bytes", st.st_size);
				jw_end_object(jw);
			} else {
				printf("%-36s %-7s %s\n", rel, arches[a], path);
			}
		}
		if (d)
			closedir(d);
	}
	vm_kernel_cache(cache, sizeof(cache));
	if (jw) {
		jw_end_array(jw);
		jw_free(jw);
	} else if (!any) {
		p_info("kernels: cache %s is empty; try '%s kernels fetch 6.1 6.12'", cache, bin_name);
	}
	return 0;
}

static int do_help(int argc, char **argv)
{
	printf("Usage: %s kernels fetch [--arch x86_64|arm64] [--flavour F] [--force] VERSION...\n"
	       "       %s kernels list\n"
	       "\n"
	       "  fetch  download Debian's linux-image-VERSION*-F-unsigned (default F=cloud-amd64,\n"
	       "         cloud-arm64 with --arch arm64; the newest one apt knows) with apt-get\n"
	       "         download, unpack it with dpkg-deb -x and keep boot/vmlinuz-* and\n"
	       "         boot/config-* in the cache; prints each path. --arch arm64 needs the arm64\n"
	       "         apt architecture (dpkg --add-architecture arm64 && apt-get update), keeps\n"
	       "         the images in the cache's arm64/ directory and also fetches\n"
	       "         busybox-static:arm64 there for the guests (qemu-system-aarch64, TCG).\n"
	       "  list   the cached images and their architecture.\n"
	       "\n"
	       "Cache: $BPFGAUGE_CACHE/kernels, default ~/.cache/bpfgauge/kernels.\n"
	       "Any other bzImage works: pass its path to 'matrix --kernel' (a kernel build tree's\n"
	       "arch/x86/boot/bzImage, or a distro's /boot/vmlinuz-*). The guest needs\n"
	       "CONFIG_BPF_SYSCALL, CONFIG_DEBUG_INFO_BTF, CONFIG_DEVTMPFS, CONFIG_BLK_DEV_INITRD\n"
	       "with gzip, and a built-in 8250 serial driver.\n",
	       bin_name, bin_name);
	return 0;
}

static const struct cmd cmds[] = {
	{ "fetch", do_fetch },
	{ "list", do_list },
	{ "help", do_help },
	{ 0 },
};

int do_kernels(int argc, char **argv)
{
	return cmd_select(cmds, "kernels", argc - 1, argv + 1, do_help);
}
