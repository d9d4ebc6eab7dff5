/* SPDX-License-Identifier: BSD-2-Clause */
/* The ELF sniffer (see bpfgauge/elf_sniff.h): the ELF header's first 20 bytes. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bpfgauge/elf_sniff.h"

int bpfgauge_sniff_elf(const char *path, bool nofollow, uint16_t *machine)
{
	unsigned char e[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, e, sizeof(e));
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	if (n < (ssize_t)sizeof(e) || memcmp(e, ELFMAG, SELFMAG))
		return BPFGAUGE_FILE_NOT_ELF;
	/* e_machine is at byte 18, in the file's own byte order */
	uint16_t m = e[EI_DATA] == ELFDATA2MSB ? (uint16_t)(e[18] << 8 | e[19])
					      : (uint16_t)(e[18] | e[19] << 8);

	if (machine)
		*machine = m;
	if (e[EI_CLASS] != ELFCLASS64 || e[EI_DATA] != ELFDATA2LSB || m != EM_BPF)
		return BPFGAUGE_FILE_ELF_OTHER;
	return BPFGAUGE_FILE_BPF_ELF;
}
