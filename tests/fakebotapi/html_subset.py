"""Telegram's HTML subset, checked the way the Bot API checks it.

Telegram refuses a message whose HTML it cannot parse ("Bad Request: can't parse entities"):
an unknown or unclosed tag, a bare ``<`` or ``&``, an unsupported named entity. The fake
applies the same rules, so a renderer that forgets to escape fails in the tests, not in front
of a person. https://core.telegram.org/bots/api#html-style
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Tag -> attributes it may carry. Aliases (strong, em, ins, strike, del) are accepted by Telegram.
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
}
LINK_SCHEMES = ("http://", "https://", "tg://")
# Every "&" must open one of the entities Telegram supports: all numeric ones, four named ones.
_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message mirrors Telegram's description."""


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open_tags: list[str] = []
        self.plain: list[str] = []

    def fail(self, what: str) -> None:
        raise EntityParseError(f"Bad Request: can't parse entities: {what}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.fail(f'unsupported start tag "{tag}"')
        for name, _value in attrs:
            if name not in ALLOWED_TAGS[tag]:
                self.fail(f'unsupported attribute "{name}" in tag "{tag}"')
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not href.startswith(LINK_SCHEMES):
                self.fail("wrong HTTP URL")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self.fail('tag "span" must have class "tg-spoiler"')
        self.open_tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.fail(f'unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            self.fail(f'unexpected end tag "{tag}"')
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self.fail("unsupported start tag (bare '<')")
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.fail("unsupported comment")

    def handle_decl(self, decl: str) -> None:
        self.fail("unsupported declaration")

    def handle_pi(self, data: str) -> None:
        self.fail("unsupported processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.fail("unsupported declaration")


def parse_html(text: str) -> str:
    """Return the text a person sees, or raise :class:`EntityParseError` like Telegram."""
    bad_ampersand = _AMPERSAND.search(text)
    if bad_ampersand:
        raise EntityParseError(
            "Bad Request: can't parse entities: character '&' is reserved and must be escaped "
            f"(byte offset {len(text[: bad_ampersand.start()].encode())})"
        )
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.rawdata:  # HTMLParser keeps an incomplete "<b" or "a <" here
        parser.fail("unclosed start tag")
    if parser.open_tags:
        parser.fail(f'can\'t find end tag corresponding to start tag "{parser.open_tags[-1]}"')
    return "".join(parser.plain)
