"""Text for the XML files (feeds, sitemap, NewsML): exactly the characters XML 1.0 cannot hold go."""

from __future__ import annotations

from pressroom.render.xmltext import xml_text


def test_only_the_characters_outside_xml_1_0_are_dropped():
    # XML 1.0, production [2] Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
    def char(c: int) -> bool:
        return (
            c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF
        )

    everything = "".join(map(chr, range(0x110000)))
    assert xml_text(everything) == "".join(chr(c) for c in range(0x110000) if char(c))
