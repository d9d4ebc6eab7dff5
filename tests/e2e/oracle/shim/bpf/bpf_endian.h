/* SPDX-License-Identifier: BSD-2-Clause */
/* Host stand-in for libbpf's <bpf/bpf_endian.h> (coverage oracle only). */
#ifndef BPFGAUGE_ORACLE_BPF_ENDIAN_H
#define BPFGAUGE_ORACLE_BPF_ENDIAN_H

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the coverage oracle assumes a little-endian host, like the BPF target it stands for"
#endif

#define bpf_htons(x) ((__be16)__builtin_bswap16(x))
#define bpf_ntohs(x) ((__u16)__builtin_bswap16(x))
#define bpf_htonl(x) ((__be32)__builtin_bswap32(x))
#define bpf_ntohl(x) ((__u32)__builtin_bswap32(x))

#endif
