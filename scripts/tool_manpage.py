#!/usr/bin/python3
"""A tool's man page (roff), from its header comment and its example in docs/tools.md: the text
lives in those two places only.
usage: tool_manpage.py TOOL.bt TOOLS.md OUT.8"""
import os
import re
import sys


def header(path):
    """The lines of the first /* ... */ comment, without the leading ' * '."""
    text = open(path).read()
    m = re.search(r"/\*(.*?)\*/", text, re.S)
    if not m:
        sys.exit("%s: no header comment" % path)
    return [re.sub(r"^ ?\* ?", "", line.rstrip()) for line in m.group(1).strip("\n").split("\n")]


def paragraphs(lines):
    out, cur = [], []
    for line in lines:
        if line.strip():
            cur.append(line.strip())
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def example(md, tool):
    """The first code block after the tool's heading."""
    text = open(md).read()
    m = re.search(r"^### " + re.escape(tool) + r"\n(.*?)```\n(.*?)```", text, re.S | re.M)
    return m.group(2).rstrip("\n").split("\n") if m else []


def roff(s):
    s = s.replace("\\", "\\e")
    return "\\&" + s if s.startswith((".", "'")) else s


def main():
    tool_path, md, out = sys.argv[1:4]
    tool = os.path.basename(tool_path)
    name = tool[:-3]
    paras = paragraphs(header(tool_path))
    first = " ".join(paras[0])
    summary = first[len(tool):].strip() if first.startswith(tool) else first
    usage = [p for p in paras if p[0].startswith("USAGE:")]
    rest = [p for p in paras[1:] if not p[0].startswith("USAGE:")]
    lines = ['.TH %s 8 "" "scry" "scry tools"' % name.upper(), ".SH NAME",
             "%s \\- %s" % (name, roff(re.split(r"[:.(]", summary)[0].strip())), ".SH SYNOPSIS", ".nf"]
    for p in usage:
        for line in p:
            lines.append(roff(line.replace("USAGE:", "").strip()))
    lines += [".fi", ".SH DESCRIPTION", roff(summary)]
    for p in rest:
        lines += [".PP", roff(" ".join(p))]
    ex = example(md, tool)
    if ex:
        lines += [".SH EXAMPLE", ".nf"] + [roff(line) for line in ex] + [".fi"]
    lines += [".SH SEE ALSO", "scry's docs/tools.md and docs/language.md; the script itself, " +
              roff("PREFIX/share/scry/tools/" + tool)]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


main()
