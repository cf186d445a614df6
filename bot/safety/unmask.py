"""Undo the ways a message hides its words, before any safety check reads it.

Someone in danger may type « r e s p i r e  p l u s », paste text full of invisible
characters, use a phone keyboard that mixes Cyrillic letters in, or write « m0urir » to get
past a filter. Every safety check (crisis, secrets, scams) reads the output of
:func:`unmask`, on the whole message: a crisis after the 1 500th character counts too.

The result is for matching only. It is never shown, stored or logged.
"""

from __future__ import annotations

import re
import unicodedata

# Letters from other alphabets that look like Latin ones (Unicode's "confusables", the
# subset that phones actually produce). NFKC already folds fullwidth and mathematical letters.
_LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ո": "n", "ս": "u",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
        # Greek
        "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I",
        "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
# Digits used for letters (« m0urir », « cr3v3r », « 3nvie », « p3r3 », « m3 »): a digit
# between two letters, one digit before four letters or more, digits ending a word of three
# characters or more whose last letter comes just before, and « m3 t3 s3 j3 l3 ». « 3114 »,
# « 15h », « 3ans », « covid19 » keep their digits; secrets are checked before this step.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
_LEET_INSIDE = re.compile(
    r"(?<=[^\W\d_])[013457@]+(?=[^\W\d_])"
    r"|(?<![\w@])[0134@](?=[^\W\d_]{4,})"
    r"|(?<=[\w@][^\W\d_])[0134@]+(?![\w@])"
    r"|(?<=\b[jmtslJMTSL])3(?![\w@])"
)
# Three or more single letters separated by spaces: « j e  v e u x ».
_SPELLED = re.compile(r"(?<!\S)(?:[^\W\d_][ \u00a0]{1,2}){2,}[^\W\d_](?!\S)")
# Unicode's format characters (category Cf: zero-width spaces and joiners, direction marks,
# soft hyphen, tags), as one class so the whole message is cleaned at C speed.
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
_SPACES = re.compile(r"[ \u00a0]{2,}")
_RUNS = re.compile(r"[ \t]{2,}")


def unmask(text: str) -> str:
    """The message as it would read without tricks: same words, plain letters, digits kept.

    >>> unmask("j e  v e u x  m\u200bоurir")  # spaced, zero-width, Cyrillic о
    'je veux mourir'
    """
    text = unicodedata.normalize("NFKC", text)
    # Format characters (zero-width spaces and joiners, direction marks, soft hyphens) carry
    # no letter: drop them so « mou\u200brir » is « mourir ».
    if not text.isascii():
        text = _FORMAT.sub("", text)
        text = text.translate(_LOOKALIKES)
    return _RUNS.sub(" ", _SPELLED.sub(_rejoin, text))


def deleet(text: str) -> str:
    """Digits between letters read as letters, for crisis words only.

    >>> deleet("jvx m0urir, cr3v3r, appelle le 3114")
    'jvx mourir, crever, appelle le 3114'
    >>> deleet("m0n p3r3 m3 t0uch3, covid19, mp3")
    'mon pere me touche, covid19, mpe'
    """
    return _LEET_INSIDE.sub(lambda m: m.group(0).translate(_LEET), text)


def _rejoin(match: re.Match[str]) -> str:
    """« j e  v e u x » → « je veux »: a double space between letters is a word break."""
    parts = _SPACES.split(match.group(0))
    return " ".join(part.replace(" ", "").replace("\u00a0", "") for part in parts)
