#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# No function over 150 lines in user/ (issue 11): a function that long
# does several steps, and each step wants a name, a comment and a test of
# its own (the traffic model's step function was 320 lines).
#
# Kernel style makes a function easy to find: its body opens with "{" and
# closes with "}", each alone at the start of a line; its name is the last
# identifier before the first "(" of the lines above the "{".
#
# usage: tests/static/test_funcs.py [BUILD_DIR]   (TAP; BUILD_DIR unused)
import os
import re
import sys
import tempfile

LIMIT = 150
NAME = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(')


def functions(path):
    """(name, first line, lines) of each function body in a C file."""
    with open(path, encoding='utf-8') as fh:
        lines = fh.read().split('\n')
    out = []
    i = 0
    while i < len(lines):
        if lines[i] != '{':
            i += 1
            continue
        # the signature: the lines above, back to a blank or a closing one
        j = i - 1
        while j > 0 and lines[j - 1].strip() and \
                not lines[j - 1].startswith(('}', '#', '/*', ' */')):
            j -= 1
        m = NAME.search(' '.join(lines[j:i]))
        end = i + 1
        while end < len(lines) and lines[end] != '}':
            end += 1
        out.append((m.group(1) if m else '?', j + 1, end - j + 1))
        i = end + 1
    return out


def long_functions(root):
    found = []
    for d, _, names in os.walk(root):
        for f in sorted(names):
            if f.endswith('.c'):
                path = os.path.join(d, f)
                for name, line, n in functions(path):
                    if n > LIMIT:
                        found.append('%s:%d %s (%d lines)' %
                                     (os.path.relpath(path, root), line,
                                      name, n))
    return sorted(found)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    print('1..2')

    # The check itself: a function of LIMIT + 1 lines is found, and one of
    # LIMIT lines is not.
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, 'a.c'), 'w', encoding='utf-8') as fh:
            for name, n in (('just_fits', LIMIT), ('too_long', LIMIT + 1)):
                # signature, "{", body, "}": n lines in all
                fh.write('static int %s(void)\n{\n' % name)
                fh.write('\tx++;\n' * (n - 3))
                fh.write('}\n\n')
        found = long_functions(d)
    ok = len(found) == 1 and 'too_long' in found[0]
    print('%s 1 - a function over %d lines is found: %s' %
          ('ok' if ok else 'not ok', LIMIT, found))

    found = long_functions(os.path.join(root, 'user'))
    print('%s 2 - no function over %d lines in user/' %
          ('ok' if not found else 'not ok', LIMIT))
    for f in found:
        print('# ' + f)
    return 0 if ok and not found else 1


if __name__ == '__main__':
    sys.exit(main())
