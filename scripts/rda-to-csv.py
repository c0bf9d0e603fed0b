#!/usr/bin/env python3
"""Print an R data file (.rda, RDX2/XDR, bzip2/gzip/xz) holding one data.frame
of numeric, integer, factor or character columns as CSV; Date columns (class
"Date", days since 1970-01-01) as YYYY-MM-DD. Standard library only.

Used to read the Federal Reserve charge-off and delinquency tables that the
CRAN package IIS ships as data/chargeoff_rates.rda and
data/delinquency_rates.rda (worker/calibration/testdata/README.md):

    git -C <IIS mirror> show HEAD:data/chargeoff_rates.rda > /tmp/c.rda
    python3 scripts/rda-to-csv.py /tmp/c.rda
"""
import bz2
import csv
import datetime
import gzip
import lzma
import struct
import sys

raw = open(sys.argv[1], "rb").read()
if raw[:3] == b"BZh":
    raw = bz2.decompress(raw)
elif raw[:2] == b"\x1f\x8b":
    raw = gzip.decompress(raw)
elif raw[:6] == b"\xfd7zXZ\x00":
    raw = lzma.decompress(raw)
if raw[:5] not in (b"RDX2\n", b"RDX3\n") or raw[5:7] != b"X\n":
    sys.exit("not an XDR R data file")
pos = 7
refs = []


def take(n):
    global pos
    b = raw[pos:pos + n]
    pos += n
    return b


def i32():
    return struct.unpack(">i", take(4))[0]


version = i32()
i32(), i32()  # writer's R version, minimal reader version
if version == 3:
    take(i32())  # native encoding


def item():
    flags = i32()
    t, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
    if t == 0xFE:  # NILVALUE_SXP
        return None
    if t == 0xFF:  # REFSXP
        return refs[(flags >> 8) - 1]
    if t == 1:  # SYMSXP
        s = item()
        refs.append(s)
        return s
    if t == 9:  # CHARSXP
        n = i32()
        return None if n == -1 else take(n).decode("utf-8", "replace")
    if t == 2:  # LISTSXP (pairlist): attributes, tag, car, cdr
        if has_attr:
            item()
        tag = item() if has_tag else None
        car, cdr = item(), item()
        return [(tag, car)] + (cdr if isinstance(cdr, list) else [])
    if t in (10, 13):  # LGLSXP, INTSXP
        v = [i32() for _ in range(i32())]
    elif t == 14:  # REALSXP
        n = i32()
        v = list(struct.unpack(">%dd" % n, take(8 * n)))
    elif t in (16, 19):  # STRSXP, VECSXP
        v = [item() for _ in range(i32())]
    else:
        sys.exit("unsupported SEXP type %d at byte %d" % (t, pos))
    attr = dict(item()) if has_attr else {}
    return (t, v, attr)


top = item()
name, frame = top[0]
_, cols, attrs = frame
names = attrs["names"][1]
out = csv.writer(sys.stdout)
out.writerow(names)
for i in range(len(cols[0][1])):
    row = []
    for t, v, a in cols:
        x = v[i]
        klass = a.get("class", (0, [], {}))[1]
        if "Date" in klass:
            x = (datetime.date(1970, 1, 1) + datetime.timedelta(days=int(x))).isoformat()
        elif "levels" in a:
            x = a["levels"][1][x - 1]
        row.append(x)
    out.writerow(row)
