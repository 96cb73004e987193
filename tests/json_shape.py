#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The structure of a JSON document: one line per key path, sorted.

    json_shape.py FILE            key paths of FILE (JSON, or JSON lines)
Arrays collapse to PATH[] with the union of their elements' keys; a
dict keyed by data (names) rather than by schema is not told apart, so
keep such files' paths in mind when comparing. Values are left out:
two runs of the same command have the same shape, whatever they measured.
"""
import json
import sys


def walk(v, path, out):
    if isinstance(v, dict):
        for k, x in v.items():
            p = path + "." + k if path else k
            out.add(p)
            walk(x, p, out)
    elif isinstance(v, list):
        for x in v:
            walk(x, path + "[]", out)


def shape(text):
    out = set()
    text = text.strip()
    try:
        docs = [json.loads(text)]
    except ValueError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for d in docs:
        walk(d, "", out)
    return out


if __name__ == "__main__":
    for p in sorted(shape(open(sys.argv[1]).read())):
        print(p)
