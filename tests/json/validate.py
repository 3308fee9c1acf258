#!/usr/bin/python3
"""Checks scry -f json output against docs/json-schema.json.

usage: validate.py SCHEMA FILE... -- every line of every FILE that is not empty must be one JSON
record that the schema accepts (bpftrace's JSON has two empty lines before the maps printed at
exit, and so has scry's). Prints each bad line and the record types seen (to the file named by
$SEEN_TYPES, appended, when set).
"""
import json
import os
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema)
bad = 0
seen = set()
for path in sys.argv[2:]:
    lines = open(path, encoding="utf-8", errors="strict").read().splitlines()
    for i, line in enumerate(lines):
        if not line:
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            print(f"{path}:{i + 1}: not JSON ({e}): {line[:200]}")
            bad += 1
            continue
        errors = sorted(validator.iter_errors(rec), key=lambda e: e.path)
        for e in errors[:3]:
            print(f"{path}:{i + 1}: {e.message} at {list(e.absolute_path)}: {line[:200]}")
        bad += bool(errors)
        if isinstance(rec, dict) and "type" in rec:
            seen.add(rec["type"])
if os.environ.get("SEEN_TYPES"):
    with open(os.environ["SEEN_TYPES"], "a") as f:
        f.write("".join(t + "\n" for t in sorted(seen)))
sys.exit(1 if bad else 0)
