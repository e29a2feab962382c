"""Tell text from binary content (an image, an archive, a PDF renamed ``.txt``) before it is read as a document.

Text files carry no NUL bytes and few control characters; binary files carry many. UTF-16
text (which is full of NUL bytes) is recognised by its byte-order mark and counts as text.
"""

from __future__ import annotations

import codecs

#: Bytes looked at for control characters (NUL bytes are looked for everywhere).
SAMPLE_BYTES = 64 * 1024
#: Share of control characters in the sample above which content is binary.
MAX_CONTROL_SHARE = 0.05
#: Control bytes text does not use (tab, line feed, form feed and carriage return are allowed).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def binary_reason(data: bytes) -> str:
    """Return why ``data`` is not text (``"holds NUL bytes ..."``), or ``""`` when it reads as text.

    Takes the raw bytes of a file; UTF-16 with a byte-order mark is text.
    """
    if data.startswith(UTF16_BOMS):
        return ""
    nul = data.find(b"\x00")
    if nul >= 0:
        return f"binary content (a NUL byte at byte {nul:,})"
    sample = data[:SAMPLE_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        return f"binary content ({controls / len(sample):.0%} control characters in its first {len(sample):,} bytes)"
    return ""
