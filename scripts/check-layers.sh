#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Keeps the layers one-way: fmt/ <- runtime/ <- reports/ <- cli/.
#  1. includes: no file under fmt/ includes a header of runtime/, reports/
#     or cli/, nor libbpf, libelf or SQLite; no file under runtime/ includes
#     a header of reports/ or cli/; no file under reports/ includes cli/.
#     A quoted include is resolved by name against the tree (the build adds
#     every layer's folders to the include path, so the name decides).
#  2. symbols (when BUILD_DIR holds a build): the runtime library's objects
#     call nothing that only the writers define, and fmt's objects call
#     nothing defined by the runtime or the writers, nor any bpf_*, elf_*,
#     gelf_* or sqlite3_* function.
#  3. the runtime does not know the CLI's command line: no "bpfgauge ..."
#     command strings under runtime/.
# Usage: scripts/check-layers.sh [BUILD_DIR]   (exit 1 on a violation)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${BUILD_DIR:-}}
cd "$top"
bad=0
fail() { echo "check-layers: $*" >&2; bad=1; }

layer_of() { # path -> fmt|runtime|reports|cli|other
	case $1 in
	fmt/*) echo fmt ;; runtime/*) echo runtime ;; reports/*) echo reports ;;
	cli/*) echo cli ;; *) echo other ;;
	esac
}
rank() { case $1 in fmt) echo 1 ;; runtime) echo 2 ;; reports) echo 3 ;; cli) echo 4 ;; *) echo 0 ;; esac; }

# header name -> layers that hold a header of that name
declare -A where
while IFS= read -r h; do
	n=${h##*/}
	where[$n]="${where[$n]:-} $(layer_of "$h")"
	# "bpfgauge/x.h" style names resolve too
	d=${h%/*}
	where["${d##*/}/$n"]="${where["${d##*/}/$n"]:-} $(layer_of "$h")"
done < <(find fmt runtime reports cli -name '*.h' | sort)

for f in $(find fmt runtime reports cli -name '*.c' -o -name '*.h' | grep -v '\.bpf\.c$' | sort); do
	from=$(layer_of "$f")
	r=$(rank "$from")
	while IFS= read -r inc; do
		[ -n "$inc" ] || continue
		for to in ${where[$inc]:-}; do
			if [ "$(rank "$to")" -gt "$r" ]; then
				fail "$f ($from) includes \"$inc\" of $to/: layers run fmt <- runtime <- reports <- cli"
			fi
		done
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	if [ "$from" = fmt ] && grep -Eq '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(bpf/|libelf|gelf|sqlite3|linux/bpf)' "$f"; then
		fail "$f (fmt) includes libbpf, libelf or SQLite: fmt/ links libc only"
	fi
done

if grep -rnE '[/"]bpfgauge( -[a-zA-Z]+)* (matrix|cov|verifier|compat|history|cc|dashboard)\b' runtime fmt >/dev/null; then
	grep -rnE '[/"]bpfgauge( -[a-zA-Z]+)* (matrix|cov|verifier|compat|history|cc|dashboard)\b' runtime fmt |
		while IFS= read -r l; do fail "$l: the runtime names a CLI command line"; done
	bad=1
fi

if [ -n "$build" ]; then
	rt=$build/runtime/libbpfgauge.a rep=$build/reports/libbpfgauge_reports.a
	fmtdir=$build/fmt/CMakeFiles/bpfgauge_fmt.dir
	if [ ! -f "$rt" ] || [ ! -f "$rep" ] || [ ! -d "$fmtdir" ]; then
		echo "check-layers: no build in '$build' (libbpfgauge.a, libbpfgauge_reports.a, fmt objects)" >&2
		exit 2
	fi
	defs() { nm --defined-only -g "$@" 2>/dev/null | awk 'NF==3 && $2 ~ /[TDBRC]/ {print $3}' | sort -u; }
	undefs() { nm -u -g "$@" 2>/dev/null | awk '{print $NF}' | sort -u; }
	fmt_objs=$(find "$fmtdir" -name '*.o' | sort)
	rep_defs=$(defs "$rep")
	rt_defs=$(defs "$rt")
	fmt_defs=$(defs $fmt_objs)
	# the runtime archive holds fmt's objects too; its undefined names minus
	# what it defines itself are what it takes from outside
	for s in $(comm -23 <(undefs "$rt") <(echo "$rt_defs")); do
		if grep -qx "$s" <<<"$rep_defs"; then
			fail "the runtime library calls $s, which only reports/ defines"
		fi
	done
	for s in $(comm -23 <(undefs $fmt_objs) <(echo "$fmt_defs")); do
		case $s in
		bpf_* | btf_* | libbpf_* | elf_* | gelf_* | sqlite3_*)
			fail "fmt/ calls $s: fmt links libc only" ;;
		esac
		if grep -qx "$s" <<<"$(comm -23 <(echo "$rt_defs") <(echo "$fmt_defs"))$(printf '\n%s' "$rep_defs")"; then
			fail "fmt/ calls $s, which a layer above it defines"
		fi
	done
fi

if [ "$bad" = 0 ]; then
	echo "check-layers: ok (fmt <- runtime <- reports <- cli)"
fi
exit "$bad"
