/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a file is, from its first bytes (no libelf): the one sniffer that
 * the loader, the compatibility check, `cov run`'s object scan and the
 * hotspots command share. Part of fmt/.
 */
#ifndef BPFGAUGE_ELF_SNIFF_H
#define BPFGAUGE_ELF_SNIFF_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum bpfgauge_file_kind {
	BPFGAUGE_FILE_NOT_ELF = 0, /* too short, or no ELF magic */
	BPFGAUGE_FILE_ELF_OTHER,   /* ELF, but not a 64-bit little-endian BPF object */
	BPFGAUGE_FILE_BPF_ELF,     /* ELFCLASS64, ELFDATA2LSB, EM_BPF */
};

/*
 * Sniff path (opened O_NONBLOCK, so a FIFO does not hang; with nofollow a
 * symlink is not followed). Returns the kind (>= 0) and, when machine is
 * not NULL and the file is ELF, its e_machine; or -errno if it cannot be
 * opened or read.
 */
int bpfgauge_sniff_elf(const char *path, bool nofollow, uint16_t *machine);

#ifdef __cplusplus
}
#endif

#endif /* BPFGAUGE_ELF_SNIFF_H */
