"""Find the web addresses and e-mail senders in a pasted message, without ever opening them.

A scam SMS hides its link in many shapes: "https://…", "www.…", a bare "caf-fr.info/xyz",
"https://www.ameli.fr@evil.com", Cyrillic letters that look Latin. This module only reads
the text: no DNS, no HTTP, nothing leaves the process.

Parsing is per whitespace-separated token, so the cost stays linear in the text length
(no regular expression scans the whole text with nested repetition).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Top-level domains accepted for a bare "name.tld" (without http:// or www.): the common
# ones plus those loved by scam campaigns. With http:// or www. any alphabetic TLD counts.
# File extensions (pdf, jpg, doc…) are deliberately absent.
KNOWN_TLDS = frozenset(
    """
    fr com net org info eu io co me ly xyz top site online app be ch de uk es it pt nl lu re gp mq
    gf yt pm nc pf wf tf ma tn dz sn ci cm biz club shop store live link click icu vip cc tk ml ga
    cf gq ru cn us ca pw buzz support help services center tech cloud page web website space fun
    pro mobi tv ws gov edu int tel asia mx br ar in jp kr au nz at pl cz sk ro bg gr hu se no dk fi
    ie is li mc sm va ad al ba by ee hr lt lv md me mk rs si ua tr il ae qa sa am ge az kz uz su gd
    gl gs la lc ms mu mw nu sc sh sx tc to vc vg vu ws zone today world life news email digital
    network systems solutions agency company business online best cam casa work works sbs cfd bond
    lol rest run wang win men loan bid trade date review stream download racing party science
    """.split()
)
# Second-level suffixes after which the registrable name is one label further left.
_SECOND_LEVEL = frozenset(
    {"gouv.fr", "asso.fr", "com.fr", "co.uk", "org.uk", "gov.uk", "com.au", "co.jp", "com.br"}
)
_TOKEN = re.compile(r"[^\s<>\"'«»“”()\[\]{}|\\^`,;]+")
_SCHEME = re.compile(r"(?:h[tx]{2}ps?|ftp)://", re.IGNORECASE)
_LABEL = re.compile(r"^[\w-]{1,63}$")
# Letters from other alphabets that look Latin, used to read "аmeli.fr" as "ameli.fr".
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "ո": "n", "ı": "i", "ɩ": "i", "ο": "o",
        "α": "a", "ν": "v", "τ": "t", "κ": "k", "ρ": "p", "ℓ": "l", "ḿ": "m",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Address:
    """One web address or e-mail sender found in a text."""

    host: str  # lower-case, without a leading "www."
    sender: bool = False  # an e-mail address (someone@host), not a link
    hidden_by_at: bool = False  # "https://www.ameli.fr@evil.com": the real host is after @
    ip: bool = False

    @property
    def foreign_letters(self) -> bool:
        return not self.host.isascii() or any(
            label.startswith("xn--") for label in self.host.split(".")
        )

    @property
    def skeleton(self) -> str:
        """The host as it looks: confusable letters and accents read as plain Latin."""
        text = unicodedata.normalize("NFKD", self.host.translate(_CONFUSABLES))
        return "".join(c for c in text if not unicodedata.combining(c)).lower()


def registrable(host: str) -> str:
    """The part of a host that someone registered: "secure-pay.com", "impots.gouv.fr"."""
    labels = host.split(".")
    keep = 3 if ".".join(labels[-2:]) in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def _host(candidate: str, *, explicit: bool) -> str | None:
    host = candidate.strip(".").lower()
    if not host or len(host) > 253:
        return None
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    if all(label.isdigit() for label in labels):
        return host if explicit and len(labels) == 4 else None
    tld = labels[-1]
    if not tld.isalpha() or len(tld) < 2:
        return None
    if not explicit and tld not in KNOWN_TLDS:
        return None
    if len(labels[-2]) < 2 and not explicit:
        return None
    return host


def _address(token: str) -> Address | None:
    token = token.strip(".:!?…'’-")
    scheme = _SCHEME.search(token)
    explicit = False
    if scheme:
        token = token[scheme.end() :]
        explicit = True
    elif "@" not in token and "." not in token:
        return None
    authority = re.split(r"[/?#]", token, maxsplit=1)[0]
    if not explicit and "@" in authority and "/" not in token:
        local, _, domain = authority.rpartition("@")
        host = _host(domain, explicit=False) if local else None
        return Address(host=_bare(host), sender=True) if host else None
    hidden = "@" in authority
    authority = authority.rpartition("@")[2]
    authority = authority.split(":")[0]
    if authority.lower().startswith("www."):
        explicit = True
    host = _host(authority, explicit=explicit)
    if host is None:
        return None
    ip = all(label.isdigit() for label in host.split("."))
    return Address(host=_bare(host), hidden_by_at=hidden, ip=ip)


def _bare(host: str | None) -> str:
    host = host or ""
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def find_addresses(text: str) -> list[Address]:
    """Every link and e-mail sender of ``text``, once each, in reading order."""
    seen: dict[tuple[str, bool], Address] = {}
    # str.split is C-fast; only words with a dot or an @ can hold an address.
    for word in text.split():
        if "." not in word and "@" not in word:
            continue
        for token in _TOKEN.findall(word[:2000]):
            if len(token) >= 4 and ("." in token or "@" in token):
                address = _address(token)
                if address is not None:
                    seen.setdefault((address.host, address.sender), address)
    return list(seen.values())
