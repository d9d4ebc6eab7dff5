# SPDX-License-Identifier: BSD-2-Clause
# Sourced by the coverage e2e tests once $ann (the annotated examples),
# $bg, $build, $tmp and ok/bad are set: the ground-truth check and a cov
# run that retries while other processes perturb trace_getpgid.
# $annot_bin: the lcov_annot to use (default: the build's).

# check NAME LCOV MODE SCALE [FILES...]: lcov equals the annotations x SCALE
check() {
  local what=$1; shift
  if "${annot_bin:-$build/tests/lcov_annot}" "$ann" "$@" 2>"$tmp/check.err"; then
    ok "$what: $(tail -n1 "$tmp/check.err" | sed 's/^lcov_annot: //')"
  else
    bad "$what"; sed 's/^/     /' "$tmp/check.err" | head -n 40
  fi
}

# covrun OUT LOG [COV RUN OPTIONS] -- CMD...: cov run into a fresh OUT (cov
# run merges into an existing file), again while trace_getpgid was perturbed
# by other processes' getpgid calls (exit 3, or PERTURBED / the runner's
# warning).
covrun() {
  local out=$1 log=$2 rc; shift 2
  for attempt in 1 2 3 4 5; do
    rm -f "$out"
    "$bg" cov run -o "$out" "$@" 2>"$log"
    rc=$?
    if [ $rc = 3 ] || grep -q 'PERTURBED\|getpgid calls from other processes' "$log"; then
      echo "note: trace_getpgid perturbed by another process, running again"
      continue
    fi
    break
  done
  return $rc
}
