/* SPDX-License-Identifier: BSD-2-Clause */
/* Ordering kernel and compiler versions as versions, not as strings:
 * "6.1" < "6.12" < "6.18", "14" < "22" (flags, tables, heatmap axes). */
#ifndef BPFGAUGE_VERSION_ORDER_H
#define BPFGAUGE_VERSION_ORDER_H

/*
 * Compare two version labels: runs of digits compare as numbers (leading
 * zeros ignored), other bytes compare as bytes, and a label that is a
 * prefix of the other sorts first ("6.1" < "6.1.0-57-cloud-arm64").
 * A label that starts with a digit sorts before one that does not, so
 * "6.1" < "host"; NULL sorts before everything. Returns <0, 0 or >0.
 */
int bpfgauge_version_cmp(const char *a, const char *b);

#endif /* BPFGAUGE_VERSION_ORDER_H */
