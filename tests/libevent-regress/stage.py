#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Stages libevent 2.1.12's test sources for the harness, out of tree.

    stage.py LIBEVENT_TEST_DIR STAGE_DIR EXCLUSIONS_FILE

Copies the in-scope test files from the fetched (read-only) libevent tree into
STAGE_DIR/test/ and links the shim headers into STAGE_DIR/ (where libevent's
own private headers sit relative to test/).  The only change made to a test
file is compiling out the functions named by "@FILE:FUNCTION" lines of the
exclusions file: the function keeps its signature, its body becomes a call to
regress_internal_() (which aborts), or the body in replace/FUNCTION.c when
that exists.  Nothing else is edited; a file is rewritten only when its staged
content changes, so make rebuilds only what changed.
"""
import os
import re
import sys

FILES = [
    "regress.c", "regress_buffer.c", "regress_bufferevent.c", "regress_zlib.c",
    "regress_listener.c", "regress_ssl.c", "regress_util.c", "regress_thread.c",
    "regress.h", "regress_thread.h", "tinytest.c", "tinytest.h",
    "tinytest_macros.h", "tinytest_local.h", "test-ratelim.c",
]
HERE = os.path.dirname(os.path.abspath(__file__))


def read_compile_outs(path):
    outs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("@"):
                continue
            target = line[1:].split()[0]
            fname, func = target.split(":")
            outs.setdefault(fname, []).append(func)
    return outs


def find_body(lines, func, fname):
    """(first, last) indices of the braces of FUNC's definition in LINES."""
    start = re.compile(r"^" + re.escape(func) + r"\s*\(")
    for i, line in enumerate(lines):
        if not start.match(line):
            continue
        j = i
        while j < len(lines) and lines[j].rstrip("\n") != "{":
            if lines[j].rstrip().endswith(";"):
                break  # a prototype, not the definition
            j += 1
        if j >= len(lines) or lines[j].rstrip("\n") != "{":
            continue
        k = j + 1
        while k < len(lines) and lines[k].rstrip("\n") != "}":
            k += 1
        if k < len(lines):
            return j, k
    sys.exit("stage.py: no definition of %s in %s" % (func, fname))


def compile_out(lines, funcs, fname):
    """LINES with the bodies of FUNCS replaced; #line keeps the original
    line numbers in the compiler's messages and the tests' failure lines."""
    ranges = sorted((find_body(lines, f, fname), f) for f in funcs)
    out = ['#include "regress-shim.h"\n', '#line 1 "%s"\n' % fname]
    pos = 0
    for (first, last), func in ranges:
        out += lines[pos:first]
        repl = os.path.join(HERE, "replace", func + ".c")
        if os.path.exists(repl):
            with open(repl) as f:
                out += ["{\n", '#line 1 "%s"\n' % repl] + f.readlines() + ["}\n"]
        else:
            out += ["{\n", '\tregress_internal_("%s (compiled out)");\n' % func, "}\n"]
        out.append('#line %d "%s"\n' % (last + 2, fname))
        pos = last + 1
    return out + lines[pos:]


def write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, "w") as f:
        f.write(text)


def main():
    src, stage, exclusions = sys.argv[1:4]
    outs = read_compile_outs(exclusions)
    os.makedirs(os.path.join(stage, "test"), exist_ok=True)
    for name in FILES:
        with open(os.path.join(src, name)) as f:
            lines = f.readlines()
        funcs = outs.pop(name, [])
        if funcs:
            lines = compile_out(lines, funcs, name)
        write_if_changed(os.path.join(stage, "test", name), "".join(lines))
    if outs:
        sys.exit("stage.py: compile-outs for files not staged: %s" % sorted(outs))
    shim = os.path.join(HERE, "shim")
    for entry in os.listdir(shim):
        link = os.path.join(stage, entry)
        if os.path.islink(link) and os.readlink(link) == os.path.join(shim, entry):
            continue
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(os.path.join(shim, entry), link)


if __name__ == "__main__":
    main()
