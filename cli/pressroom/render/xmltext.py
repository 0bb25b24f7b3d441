"""Text as XML 1.0 can carry it, for the files written as XML: feeds, the sitemap, NewsML items."""

from __future__ import annotations

import re

# What XML 1.0 has no place for: the C0 controls but tab, line feed and carriage return,
# lone surrogates, U+FFFE and U+FFFF. The loader drops or refuses control characters in
# front matter, but a Markdown body can hold them, and HTML and JSON carry them where XML
# cannot. Written as the few characters refused, not the many allowed: compiling a class
# of every allowed range took milliseconds in each process.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold: a file goes without them rather than fail."""
    return _NOT_XML.sub("", text)
