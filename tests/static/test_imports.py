#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# No import cycle among the modules of user/ (in its folders): a module is
# X.c with X.h, and it imports Y when X.c or X.h includes "Y.h" of user/.
# A cycle ties modules that cannot be read, tested or moved apart (issue 11: the
# parsing core sat in policy.c, so catalog.c and policy.c used each other).
#
# usage: tests/static/test_imports.py [BUILD_DIR]   (TAP; BUILD_DIR unused)
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'\s*#\s*include\s+"([^"]+)"')


def imports(src):
    """Module name -> the modules under src (its folders included) that it
    includes: a module is named by its file's name, wherever it lies."""
    paths = {}
    for d, _, names in os.walk(src):
        for f in names:
            if f.endswith(('.c', '.h')):
                paths.setdefault(f, []).append(os.path.join(d, f))
    mods = {os.path.splitext(f)[0] for f in paths}
    graph = {m: set() for m in mods}
    for f, where in paths.items():
        mod = os.path.splitext(f)[0]
        for path in where:
            with open(path, encoding='utf-8') as fh:
                for line in fh:
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    hdr = os.path.basename(m.group(1))
                    dep = os.path.splitext(hdr)[0]
                    if dep != mod and hdr.endswith('.h') and hdr in paths:
                        graph[mod].add(dep)
    return graph


def cycles(graph):
    """The strongly connected components of more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def write(d, name, includes):
    with open(os.path.join(d, name), 'w', encoding='utf-8') as fh:
        for inc in includes:
            fh.write('#include "%s"\n' % inc)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    print('1..2')

    # The check itself: a.c uses b, b.c uses a; c stands apart.
    with tempfile.TemporaryDirectory() as d:
        write(d, 'a.h', [])
        write(d, 'a.c', ['a.h', 'b.h'])
        write(d, 'b.h', ['c.h'])
        write(d, 'b.c', ['b.h', 'a.h'])
        write(d, 'c.h', [])
        write(d, 'c.c', ['c.h'])
        found = cycles(imports(d))
    ok = found == [['a', 'b']]
    print('%s 1 - a cycle through a .c file is found: %s' %
          ('ok' if ok else 'not ok', found))

    found = cycles(imports(os.path.join(root, 'user')))
    print('%s 2 - no import cycle among the modules of user/' %
          ('ok' if not found else 'not ok'))
    for comp in found:
        print('# cycle: ' + ' <-> '.join(comp))
    return 0 if ok and not found else 1


if __name__ == '__main__':
    sys.exit(main())
