#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Compare coverage with the host oracle, line by line.

The oracle is llvm-cov's lcov export of the example programs compiled for the
host with clang's source-based coverage (-fprofile-instr-generate
-fcoverage-mapping) and run on the same fixed inputs (oracle_run.c). The
subject is either bpfgauge's lcov (--lcov FILE) or the annotations written in
the example sources (--annotations). Every DA, FN/FNDA and BRDA record of the
subject must equal the oracle's, and every statement line, function and
branch the oracle reports must be in the subject.

Deliberate differences, each for a reason (also in the README's "Coverage
semantics"):
  1. Lines that hold no statement: llvm-cov gives a count to every line its
     regions span, including declarations without an initialiser, labels,
     'else', braces, a function's signature and '#define' lines of macros
     used in code. The source semantics count statements only, so such
     lines may be in the oracle alone.
  2. A function's closing brace: bpfgauge counts there the function's
     returns (clang's return block carries the brace's line); llvm-cov
     gives it the count of the region that ends there. Only its presence is
     compared.
  3. A function's FN line: llvm-cov 14-16 put it on the body's '{', newer
     majors on the declaration; bpfgauge on the declaration. The line may be
     one later in the oracle.
  4. A switch: llvm-cov reports one branch per case label, on the label's
     line (taken: the times the switch jumped there); bpfgauge one site on
     the switch line with an outcome per distinct case target (labels with
     nothing between them share one) in source order, then default (for a
     switch without default: the times no case matched). The oracle's label
     branches are folded into that shape before comparing.
  5. Branches inside a statement macro (a macro whose body holds a condition,
     e.g. SAT_ADD): llvm-cov reports them on the macro's '#define' line,
     summed over every expansion, and its lcov export puts unrelated values
     on the invoking line; bpfgauge has only the invoking line (debug info
     knows no other). Branches on such invoking lines are not compared.
  6. Sites on one line are compared as a multiset: llvm-cov orders macro
     expansions after the line's own conditions. The exact order is what the
     annotation check (annot.h) asserts.
  7. A line annotated 'oracle: N (reason)' is expected to be N in the
     oracle: llvm-cov assumes every call returns, while a bpf_tail_call()
     that succeeds does not, so the lines after it count more in the oracle.
  8. A condition written '!x' ('if (!x)', 'while (!x)'): bpfgauge orders its
     outcomes x true, x false (clang's frontend branches on x with the
     targets swapped, and the README defines the order so); llvm-cov orders
     them by the condition as written. The oracle's site is reversed there.

Exit: 0 equal, 1 a difference (each printed as file:line: what), 2 usage.
"""
import argparse
import os
import re
import sys


def parse_lcov(path):
    """{basename: {'da': {line: n}, 'fn': {name: line}, 'fnda': {name: n},
    'br': {line: {block: [(branch, taken)]}}}}; taken None for '-'. Records of
    one file in several SF sections (or functions of one name in several
    translation units, llvm-cov's 'tu.c:name') are summed."""
    files = {}
    cur = None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if line.startswith('SF:'):
                cur = files.setdefault(os.path.basename(line[3:]),
                                       {'da': {}, 'fn': {}, 'fnda': {}, 'br': {}})
            elif cur is None:
                continue
            elif line.startswith('DA:'):
                ln, n = line[3:].split(',')[:2]
                cur['da'][int(ln)] = cur['da'].get(int(ln), 0) + int(n)
            elif line.startswith('FN:'):
                ln, name = line[3:].split(',', 1)
                name = name.rsplit(':', 1)[-1]
                cur['fn'][name] = min(int(ln), cur['fn'].get(name, int(ln)))
            elif line.startswith('FNDA:'):
                n, name = line[5:].split(',', 1)
                name = name.rsplit(':', 1)[-1]
                cur['fnda'][name] = cur['fnda'].get(name, 0) + int(n)
            elif line.startswith('BRDA:'):
                ln, blk, br, taken = line[5:].split(',')
                t = None if taken == '-' else int(taken)
                sites = cur['br'].setdefault(int(ln), {})
                lst = sites.setdefault(int(blk), [])
                for i, (b, old) in enumerate(lst):
                    if b == int(br):
                        lst[i] = (b, None if old is None and t is None else (old or 0) + (t or 0))
                        break
                else:
                    lst.append((int(br), t))
            elif line == 'end_of_record':
                cur = None
    return files


ANNOT_KEYS = ('cov:', 'fn:', 'br:', 'br+:', 'oracle:')


def parse_annotations(path):
    """The annotations of one source file: the same model as parse_lcov, plus
    'oracle': {line: n} (rule 7). The grammar is annot.h's."""
    m = {'da': {}, 'fn': {}, 'fnda': {}, 'br': {}, 'oracle': {}}
    with open(path) as f:
        for ln, text in enumerate(f, 1):
            for body in re.findall(r'/\*(.*?)\*/', text):
                toks = body.split()
                if not toks or toks[0] not in ANNOT_KEYS:
                    continue
                i = 0
                while i + 1 < len(toks) and toks[i] in ANNOT_KEYS:
                    key, val = toks[i], toks[i + 1]
                    if key == 'cov:':
                        m['da'][ln] = int(val.rstrip('?'))
                    elif key == 'oracle:':
                        m['oracle'][ln] = int(val)
                    elif key == 'fn:':
                        name = re.search(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(', text).group(1)
                        m['fn'][name] = ln
                        m['fnda'][name] = int(val)
                    elif key == 'br:':
                        sites = {}
                        for b, site in enumerate(val.split(';')):
                            sites[b] = [(k, None if v == '-' else int(v))
                                        for k, v in enumerate(site.split(','))]
                        m['br'][ln] = sites
                    i += 2
    return m


def strip_code(text):
    text = re.sub(r'/\*.*?\*/', '', text)
    text = re.sub(r'/\*.*$', '', text)
    text = re.sub(r'//.*$', '', text)
    return text.strip()


DECL_NO_INIT = re.compile(
    r'^(?!(?:return|goto|break|continue|case|do|else|sizeof)\b)'
    r'(?:(?:const|volatile|static|struct|union|enum|unsigned|signed)\s+)*'
    r'[A-Za-z_]\w*[\s*]+[A-Za-z_]\w*(?:\[\w*\])?'
    r'(?:\s*,\s*\**\s*[A-Za-z_]\w*(?:\[\w*\])?)*;$')


class Source:
    """What the comparison needs to know of a source file's lines."""

    def __init__(self, path):
        with open(path) as f:
            self.lines = [''] + f.read().split('\n')
        self.code, in_comment = [], False
        for t in self.lines:  # block comments may span lines
            if in_comment:
                end = t.find('*/')
                t, in_comment = ('', True) if end < 0 else (t[end + 2:], False)
            c = strip_code(t)
            if '/*' in re.sub(r'/\*.*?\*/', '', t):
                in_comment = True
            self.code.append(c)
        self.in_define = set()
        cont = False
        for i, t in enumerate(self.lines):
            if cont or t.lstrip().startswith('#'):
                self.in_define.add(i)
            cont = (cont or t.lstrip().startswith('#')) and t.rstrip().endswith('\\')
        # function-like macros whose body holds a condition (rule 5)
        self.branchy_macros = set()
        for i in self.in_define:
            mm = re.match(r'\s*#\s*define\s+(\w+)\((.*)', self.lines[i])
            if mm and re.search(r'\bif\s*\(|\?|&&|\|\||\bwhile\s*\(|\bfor\s*\(', mm.group(2).split(')', 1)[-1]):
                self.branchy_macros.add(mm.group(1))

    def line(self, n):
        return self.code[n] if 0 < n < len(self.code) else ''

    def is_label(self, n):
        return bool(re.match(r'^(case\b.*|default\s*):$', self.line(n)))

    def is_closing_brace(self, n):
        """A function's closing brace: '}' in column 0 (kernel style)."""
        return 0 < n < len(self.lines) and re.match(r'^}\s*(/\*.*)?$', self.lines[n]) is not None

    def is_statement_free(self, n):
        c = self.line(n)
        if n in self.in_define or c == '':
            return True
        if re.match(r'^[{}]+;?$', c) or re.match(r'^}?\s*else\b(\s+if\b.*)?\s*{?$', c):
            return True
        if self.is_label(n) or DECL_NO_INIT.match(c):
            return True
        return False

    def invokes_branchy_macro(self, n):
        return any(re.search(r'\b%s\s*\(' % re.escape(m), self.line(n))
                   for m in self.branchy_macros)

    def is_negated_condition(self, n):
        return re.match(r'^(?:}\s*else\s+)?(?:if|while)\s*\(\s*!(?!=)', self.line(n)) is not None

    def is_switch(self, n):
        return re.match(r'^switch\s*\(', self.line(n)) is not None

    def switch_labels(self, n):
        """Label groups of the switch on line n: [[label lines]], in source
        order; labels with only labels between them share one group."""
        indent = len(self.lines[n]) - len(self.lines[n].lstrip('\t'))
        groups, prev_label = [], False
        for i in range(n + 1, len(self.lines)):
            t = self.lines[i]
            ind = len(t) - len(t.lstrip('\t'))
            if ind == indent and t.strip().startswith('}'):
                break
            if self.is_label(i):
                if prev_label:
                    groups[-1].append(i)
                else:
                    groups.append([i])
                prev_label = True
            elif self.line(i):
                prev_label = False
        return groups


def norm(v, mode):
    if v is None:
        return None
    return (1 if v > 0 else 0) if mode == 'hits' else v


def norm_site(site, mode):
    vals = [t for _, t in sorted(site)]
    if all(v is None or v == 0 for v in vals):
        return tuple([None] * len(vals))
    return tuple(norm(v or 0, mode) for v in vals)


def fmt_site(s):
    return ','.join('-' if v is None else str(v) for v in s)


def compare_file(base, src, o, s, mode, out):
    """Append one message per difference between oracle o and subject s."""
    oracle_expect = s.get('oracle', {})
    consumed = set()
    # switches (rule 4)
    for ln in sorted(set(s['br']) | set(o['br']) | set(s['da'])):
        if not src.is_switch(ln):
            continue
        groups = src.switch_labels(ln)
        cases, default = [], None
        for g in groups:
            taken = 0
            for lab in g:
                consumed.add(lab)
                for site in o['br'].get(lab, {}).values():
                    taken += dict(site).get(0, 0) or 0
            if any(re.match(r'^default\s*:', src.line(lab)) for lab in g):
                default = taken
            else:
                cases.append(taken)
        if default is None:
            default = o['da'].get(ln, 0) - sum(cases)
        want = norm_site(list(enumerate(cases + [default])), mode)
        got = [norm_site(v, mode) for _, v in sorted(s['br'].get(ln, {}).items())]
        if got != [want]:
            out.append('%s:%d: switch branches %s, oracle %s' % (
                base, ln, ';'.join(fmt_site(g) for g in got) or 'none', fmt_site(want)))
        consumed.add(ln)
    # lines
    for ln, n in sorted(s['da'].items()):
        if ln not in o['da']:
            out.append('%s:%d: DA %d, oracle has no record' % (base, ln, n))
            continue
        if src.is_closing_brace(ln):
            continue  # rule 2
        if ln in oracle_expect:
            # rule 7: the oracle must say what the annotation expects of it,
            # and the subject what the source ran (the annotation's cov:)
            if norm(o['da'][ln], mode) != norm(oracle_expect[ln], mode):
                out.append('%s:%d: oracle DA %d, annotated oracle: %d' % (
                    base, ln, o['da'][ln], oracle_expect[ln]))
            src_n = s.get('ann_da', s['da']).get(ln, n)
            if norm(n, mode) != norm(src_n, mode):
                out.append('%s:%d: DA %d, the source ran it %d times (oracle differs here: %d)'
                           % (base, ln, n, src_n, o['da'][ln]))
            continue
        if norm(o['da'][ln], mode) != norm(n, mode):
            out.append('%s:%d: DA %d, oracle %d' % (base, ln, n, o['da'][ln]))
    for ln, n in sorted(o['da'].items()):
        if ln not in s['da'] and not src.is_statement_free(ln) and ln not in s['fn'].values():
            out.append('%s:%d: oracle DA %d on a statement line, no record (%s)' % (
                base, ln, n, src.line(ln)[:40]))
    # functions (rule 3)
    for name, ln in sorted(s['fn'].items()):
        if name not in o['fn']:
            out.append('%s:%d: FN %s, not in the oracle' % (base, ln, name))
            continue
        if o['fn'][name] not in (ln, ln + 1):
            out.append('%s:%d: FN %s, oracle on line %d' % (base, ln, name, o['fn'][name]))
        if norm(s['fnda'].get(name, 0), mode) != norm(o['fnda'].get(name, 0), mode):
            out.append('%s:%d: FNDA %s %d, oracle %d' % (
                base, ln, name, s['fnda'].get(name, 0), o['fnda'].get(name, 0)))
    for name, ln in sorted(o['fn'].items()):
        if name not in s['fn']:
            out.append('%s:%d: oracle FN %s (FNDA %d) missing' % (
                base, ln, name, o['fnda'].get(name, 0)))
    # branches (rules 5, 6)
    for ln in sorted(set(s['br']) | set(o['br'])):
        if ln in consumed or src.invokes_branchy_macro(ln):
            continue
        if ln in src.in_define:
            continue  # rule 1: expansions, reported again at the #define
        got = sorted((norm_site(v, mode) for v in s['br'].get(ln, {}).values()),
                     key=lambda x: [(-1 if v is None else v) for v in x])
        osites = [norm_site(v, mode) for v in o['br'].get(ln, {}).values()]
        if src.is_negated_condition(ln) and len(osites) == 1:
            osites = [tuple(reversed(osites[0]))]  # rule 8
        want = sorted(osites, key=lambda x: [(-1 if v is None else v) for v in x])
        if got != want:
            out.append('%s:%d: branches %s, oracle %s' % (
                base, ln, ';'.join(fmt_site(g) for g in got) or 'none',
                ';'.join(fmt_site(w) for w in want) or 'none'))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--oracle', required=True, help="llvm-cov's lcov export")
    ap.add_argument('--src', required=True, help='bpf/examples')
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--lcov', help="bpfgauge's lcov of one run of every example")
    g.add_argument('--annotations', action='store_true', help='the annotations in --src')
    ap.add_argument('--mode', choices=('counts', 'hits'), default='counts')
    args = ap.parse_args()

    try:
        oracle = parse_lcov(args.oracle)
        subject = parse_lcov(args.lcov) if args.lcov else None
        names = sorted(n for n in os.listdir(args.src) if n.endswith(('.bpf.c', '.h')))
    except (OSError, ValueError) as e:
        print('oracle_cmp: %s' % e, file=sys.stderr)
        return 2
    out, checked = [], [0, 0, 0]
    for base in names:
        path = os.path.join(args.src, base)
        ann = parse_annotations(path)
        if subject is None:
            s = ann
        else:
            s = subject.get(base, {'da': {}, 'fn': {}, 'fnda': {}, 'br': {}})
            s['oracle'] = ann['oracle']
            s['ann_da'] = ann['da']
        o = oracle.get(base)
        if o is None:
            if s['da']:
                out.append('%s: not in the oracle' % base)
            continue
        compare_file(base, Source(path), o, s, args.mode, out)
        checked[0] += len(s['da'])
        checked[1] += len(s['fn'])
        checked[2] += len(s['br'])
    for m in out:
        print(m)
    print('oracle_cmp: %s (%s) vs oracle: %d lines, %d functions, %d branch lines: %d differences'
          % (args.lcov or 'annotations', args.mode, checked[0], checked[1], checked[2], len(out)),
          file=sys.stderr)
    return 1 if out else 0


if __name__ == '__main__':
    sys.exit(main())
