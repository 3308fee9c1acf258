#!/usr/bin/python3
"""Folded stacks to an SVG flame graph, for machines without flamegraph.pl.

    scry -f folded examples/cpuflame.bt > cpu.folded      # Ctrl-C to stop
    examples/flamegraph.py cpu.folded > cpu.svg           # or: ... | examples/flamegraph.py

Reads the folded format flamegraph.pl, inferno and speedscope read: one line per stack,
frames from the root to the leaf separated by ';', then a space and the number of samples.
Each frame is a box as wide as the samples that passed through it; the boxes of a frame's
callees sit on top of it, in name order. Hover a box for its samples and share.
"""
import hashlib
import sys
from html import escape

WIDTH, ROW, FONT = 1200, 16, 11
MIN_PX = 0.5  # narrower boxes are left out: they would not show


def parse(lines):
    """{frames tuple: samples}, with lines that are not 'frames count' reported and skipped."""
    stacks = {}
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        frames, _, count = line.rpartition(" ")
        if not frames or not count.isdigit():
            sys.stderr.write(f"flamegraph.py: line {n} is not 'frame;frame;... count': {line[:80]}\n")
            continue
        key = tuple(frames.split(";"))
        stacks[key] = stacks.get(key, 0) + int(count)
    return stacks


def tree(stacks):
    root = {"name": "all", "samples": 0, "children": {}}
    for frames, count in stacks.items():
        root["samples"] += count
        node = root
        for f in frames:
            node = node["children"].setdefault(f, {"name": f, "samples": 0, "children": {}})
            node["samples"] += count
    return root


def color(name):
    """Warm colours, the same for the same name; kernel frames ("_[k]") in orange."""
    h = hashlib.md5(name.encode()).digest()
    if name.endswith("_[k]"):
        return f"rgb({220 + h[0] % 36},{120 + h[1] % 60},{30 + h[2] % 30})"
    return f"rgb({205 + h[0] % 50},{80 + h[1] % 120},{40 + h[2] % 40})"


def boxes(node, x, depth, scale, total, out):
    w = node["samples"] * scale
    if w < MIN_PX:
        return depth
    out.append((x, depth, w, node["name"], node["samples"], 100.0 * node["samples"] / total))
    top, cx = depth, x
    for name in sorted(node["children"]):
        child = node["children"][name]
        top = max(top, boxes(child, cx, depth + 1, scale, total, out))
        cx += child["samples"] * scale
    return top


def svg(root):
    total = max(root["samples"], 1)
    out = []
    depth = boxes(root, 10.0, 0, (WIDTH - 20) / total, total, out)
    height = (depth + 1) * ROW + 40
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'font-family="monospace" font-size="{FONT}">',
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="14">Flame graph: {total} samples</text>',
    ]
    for x, d, w, name, samples, pct in out:
        y = height - 10 - (d + 1) * ROW
        label = name if len(name) * FONT * 0.6 < w - 4 else name[: max(0, int((w - 4) / (FONT * 0.6)) - 2)] + ".."
        lines.append(
            f'<g><title>{escape(name)} ({samples} samples, {pct:.2f}%)</title>'
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{ROW - 1}" fill="{color(name)}" rx="2"/>'
            + (f'<text x="{x + 2:.1f}" y="{y + ROW - 4}">{escape(label)}</text>' if w > 3 * FONT else "")
            + "</g>")
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def main():
    src = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    stacks = parse(src)
    if not stacks:
        sys.stderr.write("flamegraph.py: no stacks in the input\n")
        return 1
    sys.stdout.write(svg(tree(stacks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
