#!/usr/bin/env python3
"""Embeds a text file into a C++ source as `extern const char NAME[]` (build-time helper)."""
import sys

source, output, name = sys.argv[1], sys.argv[2], sys.argv[3]
with open(source, "rb") as f:
    data = f.read()
body = "".join("\\x%02x" % b for b in data)
with open(output, "w") as f:
    f.write("// Generated from %s by embed_text.py; do not edit.\n" % source.split("/")[-1])
    f.write("#include <cstddef>\n")
    f.write("extern const char %s[];\nextern const std::size_t %s_size;\n" % (name, name))
    f.write("const char %s[] = \"%s\";\n" % (name, body))
    f.write("const std::size_t %s_size = %d;\n" % (name, len(data)))
