/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writing a verifier record into fmt/'s JSON writer: in-tree only (the
 * store, the matrix capture and the writers share it); json_writer is not
 * part of the installed API, so neither is this.
 */
#ifndef BPFGAUGE_VLOG_JSON_H
#define BPFGAUGE_VLOG_JSON_H

#include <stddef.h>

#include "bpfgauge/vlog.h"
#include "json_writer.h"

/*
 * A record as one JSON object (our machine format): stat name -> value,
 * unset stats left out. fields (nf of them) picks and orders stats; NULL
 * writes all. Percentages are written as their text form so JSON and CSV
 * carry the same value.
 */
void vlog_record__write_json(struct json_writer *jw, const struct vlog_record *r,
			     const int *fields, size_t nf);
#endif /* BPFGAUGE_VLOG_JSON_H */
