"""Spot secrets people type by mistake (password, SMS code, NIR, IBAN, card, ID number).

Many people paste their password or card number while asking for help. The engine uses
:func:`find_sensitive` to delete the message and warn the person, and :func:`mask_sensitive`
so that nothing secret reaches a volunteer. Numbers are reported only when their check
digits are right (python-stdnum does the arithmetic): "06 12 34 56 78", an amount or a CAF
number must not be masked. Words give passwords and codes away instead: "mon mot de passe
c'est …" is reported whatever follows, unless what follows is plainly not a secret
("… c'est oublié").

Every scan is linear: plain token regexes without nested quantifiers, then bounded windows.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import islice

from stdnum import iban as std_iban
from stdnum import luhn, numdb
from stdnum.fr import nif as std_nif
from stdnum.fr import nir as std_nir
from stdnum.fr import siret as std_siret

MASK = "•"
SECRET_MASK = MASK * 6

# Order settles overlaps: a card number typed after "mdp :" is reported as a card.
CATEGORIES = ("iban", "rib", "carte-bancaire", "nir", "piece-identite", "mot-de-passe", "code")


@dataclass(frozen=True)
class SensitiveFinding:
    """A secret in a text: its kind and its span in the ORIGINAL text."""

    category: str
    start: int
    end: int


# -- numbers with check digits ----------------------------------------------------------

# A run of digits with single separators between them (spaces, dots, dashes, no-break
# spaces, a line break: a card copied over two lines). Double separators end the run.
_DIGIT_RUN = re.compile(r"\d[\d \u00a0\u202f.\-\n]*\d|\d")
_SEPARATOR = re.compile(r"[ \u00a0\u202f.\-\n]")
# What people put between the groups of an IBAN or a RIB: spaces of any kind, dots, dashes,
# slashes, a line break, one to three of them ("FR76 - 3000", "FR76\n3000").
_GAP = re.compile(r"[ \t\u00a0\u202f.\-/\r\n]{1,3}")
# A French RIB: bank (5 digits), branch (5), account (11 letters or digits), key (2).
_RIB = re.compile(
    r"(?<![0-9A-Za-z])(\d{5})[ \u00a0\u202f.\-/\n]{0,3}(\d{5})[ \u00a0\u202f.\-/\n]{0,3}"
    r"([0-9A-Za-z]{11})[ \u00a0\u202f.\-/\n]{0,3}(\d{2})(?![0-9A-Za-z])"
)
# Letters in a RIB account number stand for digits (the banks' own table).
_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
# NIR in the usual layout, including Corsica (2A / 2B): 1 85 05 2A 006 084 36.
_NIR_LAYOUT = re.compile(
    r"(?<![0-9A-Za-z])[1-478][ .]?\d\d[ .]?\d\d[ .]?(?:\d\d|2[AaBb])[ .]?\d{3}[ .]?\d{3}[ .]?\d\d"
    r"(?![0-9A-Za-z])"
)
# Start of an IBAN: country letters and check digits, not inside a word.
_IBAN_START = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{2} ?\d\d(?=[ 0-9A-Za-z.\-/\u00a0\u202f\n])")
_IBAN_PIECE = re.compile(r"[0-9A-Za-z]+")


# Words that say what a number is. With one of them in the message, a number of the right
# shape is a secret even when its check digits are wrong: a mistyped IBAN or card is still
# most of the person's real one, and people writing for help do mistype.
_BANK_CUE = re.compile(
    r"(?<![a-z])(?:iban|ibn|rib|bic|banque|bq|banq|guichet|compte|cpte|cpt|cl[eé]f?|"
    r"virement|etablissement|établissement)(?![a-z])",
    re.IGNORECASE,
)
_CARD_CUE = re.compile(
    r"(?<![a-z])(?:cartes?|cb|visa|master\s?card|maestro|amex|crypto\w*|cvv|cvc|exp\w*|"
    r"valable|cryptogramme|prépayée|prepayee|payer|paiement)(?![a-z])"
    r"|(?<!\d)(?:0[1-9]|1[0-2]) ?/ ?\d\d(?!\d)",  # an expiry date: « 09/27 »
    re.IGNORECASE,
)
_NIR_CUE = re.compile(
    r"(?<![a-z])(?:s[eé]cu|nir|s[eé]curit[eé]\s+sociale|vitale|ss|insee)(?![a-z])",
    re.IGNORECASE,
)


class _Cues:
    """Which kinds of number the message names, looked up only when a number needs it
    (most messages have no number with wrong check digits: no search at all)."""

    def __init__(self, text: str) -> None:
        self._text = text

    @cached_property
    def bank(self) -> bool:
        return _BANK_CUE.search(self._text) is not None

    @cached_property
    def card(self) -> bool:
        return _CARD_CUE.search(self._text) is not None

    @cached_property
    def nir(self) -> bool:
        return _NIR_CUE.search(self._text) is not None


# A NIR glued to a phone number is 25 digits; longer runs are lists of figures.
_LONGEST_RUN = 45


def _groups(text: str, start: int, end: int) -> list[list[tuple[int, int]]]:
    """Split a digit run into sub-runs (at double separators) of (start, end) digit groups."""
    runs: list[list[tuple[int, int]]] = [[]]
    pos = start
    for sep in _SEPARATOR.finditer(text, start, end):
        if sep.start() == pos:  # two separators in a row ("12 - 34"): a new run begins
            runs.append([])
        else:
            runs[-1].append((pos, sep.start()))
        pos = sep.end()
    if pos < end:
        runs[-1].append((pos, end))
    return [r for r in runs if r]


def _digits(text: str, groups: list[tuple[int, int]]) -> str:
    return "".join(text[a:b] for a, b in groups)


def _is_nir(number: str, cues: _Cues | None = None) -> bool:
    """15 signs, 1-4, 7 or 8 first, a real month (or a special 20-42, 50-99), right key
    (any key when the message says it is a social security number)."""
    if len(number) != 15 or number[0] not in "123478" or not number[3:5].isdigit():
        return False
    month = int(number[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        return False
    return std_nir.is_valid(number.upper()) or (cues is not None and cues.nir)


def _card_layout(sizes: list[int]) -> bool:
    """Cards are typed in one block, in fours (4 4 4 4), or as 4 6 5 / 4 6 4 (Amex, Diners)."""
    if len(sizes) == 1:
        return True
    if sizes in ([4, 6, 5], [4, 6, 4]):
        return True
    return len(sizes) >= 4 and all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4


def _is_card(number: str, sizes: list[int], cues: _Cues | None = None) -> bool:
    """Luhn-valid (or any 16 digits when the message speaks of a card), card length and
    layout; a SIRET or a numéro fiscal is not a card (both are public or harmless, and a
    SIRET passes the Luhn check too)."""
    return (
        13 <= len(number) <= 19
        and number[0] in "23456"
        and _card_layout(sizes)
        and (luhn.is_valid(number) or (len(number) == 16 and cues is not None and cues.card))
        and not (len(number) == 14 and std_siret.is_valid(number))
        and not (len(number) == 13 and std_nif.is_valid(number))
    )


def _is_card_shaped(number: str, cues: _Cues) -> bool:
    """16 digits typed as a card is typed: a card's check digits, a Visa or Mastercard
    first digit, or a message that speaks of a card."""
    return len(number) == 16 and (luhn.is_valid(number) or number[0] in "45" or cues.card)


def _is_rib(bank: str, branch: str, account: str, key: str) -> bool:
    """The RIB key: 97 - (89 bank + 15 branch + 3 account) mod 97."""
    digits = account.upper().translate(_RIB_LETTERS)
    if not digits.isdigit():
        return False
    return int(key) == 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(digits)) % 97


# A RIB written with its labels: « banque 30004 guichet 00823 compte 00012345678 clé 21 ».
_LABELLED_RIB = re.compile(
    r"(?<![a-z])(?:banque|banq|bq|[ée]tablissement)\W{0,4}(\d{5})\W{1,4}(?:guichet|gui)\W{0,4}"
    r"(\d{5})\W{1,4}(?:n°\s*(?:de\s+)?)?(?:compte|conte|cpte|cpt)\W{0,4}([0-9A-Za-z]{11})"
    r"(?:\W{1,4}(?:cl[ée]f?)\W{0,4}(\d{2}))?",
    re.IGNORECASE,
)
# A RIB with its key said apart: « 17515 90000 08001234567 cle 89 ».
_RIB_KEY_WORD = re.compile(
    r"(?<![0-9A-Za-z])(\d{5})\W{1,3}(\d{5})\W{1,3}([0-9A-Za-z]{11})\W{1,3}cl[ée]f?\W{0,3}(\d{2})"
    r"(?!\d)",
    re.IGNORECASE,
)
# An account number said as such: « mon numero de compte c 12345678901 », « cpte n° … ».
_ACCOUNT = re.compile(
    r"(?<![a-z])(?:compte|cpte|cpt)(?![a-z])[^0-9\n]{0,18}?(\d{11})(?!\d)"
    r"(?:\W{1,4}(?:et\s+la\s+)?cl[ée]f?\W{0,4}\d{2}(?!\d))?",
    re.IGNORECASE,
)


def _find_ribs(text: str, cues: _Cues) -> list[SensitiveFinding]:
    found = [
        SensitiveFinding("rib", m.start(), m.end())
        for m in _RIB.finditer(text)
        if _is_rib(*m.groups()) or cues.bank
    ]
    found += [SensitiveFinding("rib", m.start(1), m.end()) for m in _LABELLED_RIB.finditer(text)]
    found += [SensitiveFinding("rib", m.start(), m.end()) for m in _RIB_KEY_WORD.finditer(text)]
    found += [SensitiveFinding("rib", m.start(1), m.end()) for m in _ACCOUNT.finditer(text)]
    return found


@lru_cache(maxsize=256)
def _iban_length(country: str) -> int:
    """Length of an IBAN of this country from stdnum's registry (0: no such country).

    Only a candidate of the right length goes to the (slower) full stdnum validation.
    """
    structure = numdb.get("iban").info(country)[0][1].get("bban", "")
    lengths = [int(n) for n in re.findall(r"(\d+)!", structure)]
    return 4 + sum(lengths) if lengths else 0


def _find_ibans(text: str, cues: _Cues) -> list[SensitiveFinding]:
    """IBANs of any country, typed in one block or in groups (spaces, dots, dashes, lines)."""
    found: list[SensitiveFinding] = []
    for start in _IBAN_START.finditer(text):
        if found and start.start() < found[-1].end:
            continue
        expected = _iban_length(start.group()[:2].upper())
        if not expected:
            continue
        compact = ""
        best: int | None = None
        previous_end = -1
        for piece in _IBAN_PIECE.finditer(text, start.start(), start.start() + 90):
            if previous_end >= 0 and not _GAP.fullmatch(text, previous_end, piece.start()):
                break
            compact += piece.group()
            if len(compact) >= expected:
                # "FR76…0189merci": the last piece may run into the next word.
                extra = len(compact) - expected
                candidate = compact[:expected].upper()
                shaped = candidate[2:4].isdigit() and candidate[4:].isalnum()
                # « FR76 » and 23 signs is an IBAN whatever its check digits say.
                lenient = shaped and (candidate.startswith("FR") or cues.bank)
                if lenient or std_iban.is_valid(candidate):
                    best = piece.end() - extra
                break
            previous_end = piece.end()
        if best is not None:
            found.append(SensitiveFinding("iban", start.start(), best))
    return found


# « numero carte vitale 1850578006084 cle 36 »: the 13 signs, then the key said apart.
_NIR_AND_KEY = re.compile(
    r"(?<![0-9A-Za-z])([1-478][\d ]{10,16}[\dAB])\W{1,3}cl[ée]f?\W{0,3}(\d\d)(?!\d)",
    re.IGNORECASE,
)


def _find_numbers(text: str, taken: list[SensitiveFinding], cues: _Cues) -> list[SensitiveFinding]:
    """NIR (any grouping) and card numbers inside digit runs, skipping what is already taken."""
    found = [
        SensitiveFinding("nir", m.start(), m.end())
        for m in _NIR_LAYOUT.finditer(text)
        if _is_nir(re.sub(r"[ .]", "", m.group()), cues)
    ]
    found += [
        SensitiveFinding("nir", m.start(), m.end())
        for m in _NIR_AND_KEY.finditer(text)
        if cues.nir and _is_nir(m.group(1).replace(" ", "") + m.group(2), cues)
    ]
    # Runs and spans both come in reading order: one pointer walks the spans taken.
    spans = sorted(taken + found, key=lambda f: f.start)
    k = 0
    for run in _DIGIT_RUN.finditer(text):
        while k < len(spans) and spans[k].end <= run.start():
            k += 1
        if k < len(spans) and spans[k].start < run.end():
            continue
        for groups in _groups(text, run.start(), run.end()):
            found.extend(_in_groups(text, groups, cues))
    return found


def _in_groups(text: str, groups: list[tuple[int, int]], cues: _Cues) -> list[SensitiveFinding]:
    sizes = [b - a for a, b in groups]
    if sum(sizes) > _LONGEST_RUN:  # a table of numbers, not a number typed in a sentence
        return []
    number = _digits(text, groups)
    if _is_card(number, sizes, cues):
        return [SensitiveFinding("carte-bancaire", groups[0][0], groups[-1][1])]
    # Four groups of four, then the expiry date and the code behind (« … 5678 09/27 123 »),
    # or one digit at a time: a Visa or Mastercard number however it is typed.
    four = next((n for n in (4, 16) if sizes[:n] == [4 // (n // 4)] * n), None)
    if four is not None and _is_card_shaped(_digits(text, groups[:four]), cues):
        return [SensitiveFinding("carte-bancaire", groups[0][0], groups[four - 1][1])]
    # A NIR may be typed in any grouping, or glued to other numbers: try group windows.
    for i in range(len(groups)):
        length = 0
        for j in range(i, len(groups)):
            length += sizes[j]
            if length > 15:
                break
            if length == 15 and _is_nir(_digits(text, groups[i : j + 1]), cues):
                return [SensitiveFinding("nir", groups[i][0], groups[j][1])]
    return []


# -- words that give a secret away -------------------------------------------------------

_PASSWORD_CUE = re.compile(
    r"(?<!\w)(?:mots?\s+d(?:e\s+|['’]\s*|\s+)pass?e?s?|mot\s*2\s*pass?e?|motdepass?e?|mdpp?|m2p|pass|pass\s?words?"
    r"|passwd|pwd|celui\s+que\s+j['’\s]?\s?ai\s+mis|celui\s+que\s+je\s+mets|le\s+mien"
    r"|codes?\s+(?:secret|pin|confidentiel|personnel|d['’\s]?acc[eè]s|de\s+(?:ma\s+|la\s+)?carte))"
    r"(?!\w)",
    re.IGNORECASE,
)
_CODE_CUE = re.compile(r"(?<!\w)(?:codes?|otp)(?!\w)", re.IGNORECASE)
_ID_CUE = re.compile(
    r"(?<!\w)(?:cartes?\s+d['’\s]?\s?identit[eé]|cni|passeports?|pi[eè]ces?\s+d['’\s]?\s?identit[eé]"
    r"|num[eé]ro\s+de\s+(?:la\s+)?pi[eè]ce)(?!\w)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\S+")
_EDGE = "\"'«»“”‘’()[]<>"
_TRAILING = ".,;:!?)»\"'”’…"
# "mdp : ******" or text we already masked: nothing left to hide.
_HIDDEN = frozenset(MASK + "*xX.")
_CONNECTORS = {"est", "c est", "cest", "c", "ces", "sont", "is", "etait", "sera", "ets"}
# Words after "mon mot de passe est / c'est" that describe it instead of being it.
_NOT_SECRET = set(
    """
    a au aux avec bien bizarre bloque bloquee bon bonne ca car casse ce cela celle celui
    change changee chiant ci comme comment complique compliquee correct correcte court courte
    dans de dedans deja demande demandee des dessus different differente difficile donc du
    elle en encore errone erronee et expire expiree facile faible fait faux fausse fini fort
    forte galere identique il impossible incorrect incorrecte invalide je juste la le les leur
    long longue lui ma mais marche mauvais mauvaise me meme mes moi mon ne necessaire non
    normal nouveau nouvelle nul nulle obligatoire ok on ou oublie oubliee par pareil pas perdu
    perdue perime plus possible pour pourquoi quand que quel quelle qui quoi refuse refusee
    reinitialise requis rien sa sans securise ses si simple solide son sur ta tes the toi ton
    toujours tout tres trop tu un une valide vide vous vraiment wrong y not incorrectly
    oublier grave matin soir hier aujourd connait connu marchait vrai
    """.split()
)
# Words right after "code" that make it something other than a secret.
_NOT_A_SECRET_CODE = set(
    """
    postal postale postaux promo promotionnel route barre barres erreur source pays naf ape insee
    commune departement iban bic swift civil penal travail couleur couleurs vestimentaire
    allocataire dossier client fiscal cadeau reduction parrainage qr wifi
    """.split()
)
# Service numbers people quote all the time: never an SMS code.
_SERVICE_NUMBERS = {"3230", "3949", "3646", "33700", "3114", "3919", "3939", "3018"}
_BEFORE_NOT_CODE = {"au", "en", "depuis", "avant", "apres", "vers", "annee", "le", "du"}


def _tokens(text: str, start: int, limit: int) -> list[tuple[int, int]]:
    """The next ``limit`` whitespace-separated tokens after ``start`` (within 200 signs)."""
    found = _TOKEN.finditer(text, start, min(len(text), start + 200))
    return [(m.start(), m.end()) for m in islice(found, limit)]


# Enough folding to compare one token with the word lists above (cheaper than fold()).
_PLAIN = str.maketrans(
    "àâäáéèêëîïíôöóùûüúçÀÂÄÁÉÈÊËÎÏÍÔÖÓÙÛÜÚÇ'’-", "aaaaeeeeiiiooouuuucaaaaeeeeiiiooouuuuc   "
)


def _plain(token: str) -> str:
    """A token ready for the word lists: « C'EST » gives "c est", « Oublié » "oublie"."""
    return token.translate(_PLAIN).lower().strip(_EDGE + _TRAILING + ":= ")


def _first_word(token: str) -> str:
    words = _plain(token).split()
    return words[0] if words else ""


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Drop quotes and sentence punctuation around a token (a password may end with '!')."""
    while a < b and text[a] in _EDGE + ":=":
        a += 1
    while b > a and text[b - 1] in _EDGE + ".,;:":
        b -= 1
    return a, b


def _looks_secret(word: str) -> bool:
    """Digits, symbols or inner capitals: "Soleil22", "m@rie", "azERty"."""
    return len(word) >= 4 and (
        any(c.isdigit() for c in word)
        or any(not c.isalnum() for c in word)
        or any(c.isupper() for c in word[1:])
    )


def _strong(word: str) -> bool:
    """Shaped like a password whatever the words around: letters with digits or symbols
    (« Lola2015 », « Ma1son!Bleue », « Paris75020! »); not an address or an e-mail."""
    if len(word) < 5 or len(word) > 40 or word.isalpha() or word.isdigit():
        return False  # most words of a message: decided at once
    if ("@" in word and "." in word) or "/" in word:
        return False
    letters = sum(c.isalpha() for c in word)
    digits = sum(c.isdigit() for c in word)
    symbols = sum(c in "!@#$%&*?+=_€£" for c in word)
    return letters >= 2 and (digits >= 2 or symbols >= 1) and not word.isdigit()


def _passwords(text: str) -> list[SensitiveFinding]:
    found: list[SensitiveFinding] = []
    for cue in _PASSWORD_CUE.finditer(text):
        span = _secret_after(text, cue.end())
        if span is None and MASK not in text[cue.end() : cue.end() + 20]:
            span = _secret_before(text, cue.start())
        if span is not None:
            found.append(SensitiveFinding("mot-de-passe", *span))
    return found


def _secret_before(text: str, pos: int) -> tuple[int, int] | None:
    """« j'ai mis Paris75020! comme mot de passe »: a password-shaped word just before."""
    window = [(m.start(), m.end()) for m in _TOKEN.finditer(text, max(0, pos - 60), pos)]
    for a, b in reversed(window[-4:]):
        if MASK in text[a:b]:  # already masked: nothing left to hide here
            return None
        a, b = _trim(text, a, b)
        if _strong(text[a:b]) and _plain(text[a:b]) not in _NOT_SECRET:
            return a, b
    return None


def _digits_after(text: str, tokens: list[tuple[int, int]]) -> tuple[int, int] | None:
    """« 582 947 », « 30 11 72 », « 19051978 »: six digits or more, grouped or not."""
    start = end = None
    count = 0
    for a, b in tokens:
        a, b = _trim(text, a, b)
        if a >= b or not text[a:b].isdigit():
            break
        start = a if start is None else start
        end, count = b, count + (b - a)
    return (start, end) if start is not None and end is not None and 6 <= count <= 12 else None


def _secret_after(text: str, pos: int) -> tuple[int, int] | None:
    """The secret that follows a password cue, if the wording says there is one."""
    connector = False
    skipped = 0
    previous = ""
    for i, (a, b) in enumerate(_tokens(text, pos, 12)):
        raw = text[a:b]
        if raw in (":", "=", "->", "=>", "➡", "➡️", "-", ":)", "est:", "c'est:"):
            connector = True
            continue
        if raw[0] in ":=" and len(raw) > 1:
            connector = True
        a, b = _trim(text, a, b)
        if a >= b:
            continue
        word = text[a:b]
        if MASK in word:  # already masked: nothing left to hide here
            return None
        folded = _plain(word)
        if folded in _CONNECTORS:
            connector = True
            continue
        if word.isdigit():
            digits = _digits_after(text, _tokens(text, a, 4))
            if digits is not None and _plain(previous) not in _BEFORE_NOT_CODE:
                return digits
        if connector:
            first = folded.split()[0] if folded else ""
            if len(word) < 4 or first in _NOT_SECRET or set(word) <= _HIDDEN:
                return None
            # Far from the cue, « … tous les 3 mois c vrai » is talk, not a password.
            if i > 5 and not _looks_secret(word):
                return None
            end = b
            # "soleil 2024": a number right after the word belongs to the password.
            nxt = _tokens(text, b, 1)
            if nxt and text[nxt[0][0] : nxt[0][1]].rstrip(_TRAILING).isdigit():
                end = _trim(text, *nxt[0])[1]
            return a, end
        if i == 0 and _looks_secret(word) and folded not in _NOT_SECRET:
            return a, b
        if _strong(word) and folded not in _NOT_SECRET:
            return a, b
        if raw.endswith((":", "=")):
            connector = True
        # A sentence ends here: the secret is not further (« impots.gouv » goes on).
        if raw[-1] in ".?!" or skipped >= 9:
            return None
        previous = word
        skipped += 1
    return None


# « mon code ameli », « le code que j'ai mis pour l'appli », « code perso de la banque »: the
# code of an account is its password, not a code received by SMS.
_ACCOUNT_CODE = re.compile(
    r"\s*(?:ameli|caf|imp[oô]ts?|perso\w*|banque|bancaire|appli\w*|france\s?connect"
    r"|(?:de|pour|sur)\s+(?:la\s+|ma\s+|mon\s+|l['’\s]?\s?)?(?:banque|appli\w*|bo[iî]te|compte"
    r"|session|messagerie|ameli|caf)|que\s+j['’\s]?\s?ai\s+mis|que\s+jai\s+mis)(?!\w)",
    re.IGNORECASE,
)


def _codes(text: str) -> list[SensitiveFinding]:
    found: list[SensitiveFinding] = []
    for cue in _CODE_CUE.finditer(text):
        tokens = _tokens(text, cue.end(), 10)
        if tokens and _first_word(text[tokens[0][0] : tokens[0][1]]) in _NOT_A_SECRET_CODE:
            continue
        span = _code_in(text, tokens)
        if span is not None:
            account = _ACCOUNT_CODE.match(text, cue.end(), cue.end() + 40) is not None
            found.append(SensitiveFinding("mot-de-passe" if account else "code", *span))
    return found


# « 284-519 », « G-482915 »: the dash and a leading letter are not part of the code.
_DASHED = re.compile(r"^[A-Z]-|(?<=\d)-(?=\d)")


def _code_in(text: str, tokens: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The code among the words after "code" ("reçu par sms est 482913", "… : 739 204")."""
    previous = ""
    for k, (raw_a, raw_b) in enumerate(tokens):
        a, b = _trim(text, raw_a, raw_b)
        word = text[a:b]
        if _is_code(word, previous) or _is_code(_DASHED.sub("", word), previous):
            return a, b
        if _strong(word) and _plain(word) not in _NOT_SECRET:
            return a, b
        if word.isdigit() and previous not in _BEFORE_NOT_CODE:
            digits = _digits_after(text, tokens[k:])
            if digits is not None:
                return digits
        spaced = _spaced_digits(text, tokens[k:])
        if spaced is not None:
            return a, spaced
        if len(word) == 3 and word.isdigit() and k + 1 < len(tokens):
            na, nb = _trim(text, *tokens[k + 1])
            if nb - na == 3 and text[na:nb].isdigit() and previous not in _BEFORE_NOT_CODE:
                return a, nb
        if text[raw_b - 1] in ".?!":
            return None
        previous = _plain(word)
    return None


def _spaced_digits(text: str, tokens: list[tuple[int, int]]) -> int | None:
    """« 4 8 2 9 1 3 »: four to eight single digits in a row are one code; its end."""
    end = None
    count = 0
    for a, b in tokens:
        a, b = _trim(text, a, b)
        if b - a != 1 or not text[a].isdigit():
            break
        count, end = count + 1, b
    return end if 4 <= count <= 8 else None


def _is_code(word: str, previous: str) -> bool:
    if not 4 <= len(word) <= 10 or not word.isalnum() or not word.isascii():
        return False
    digits = sum(c.isdigit() for c in word)
    if word.isdigit():
        if len(word) > 8 or word in _SERVICE_NUMBERS or previous in _BEFORE_NOT_CODE:
            return False
        year = len(word) == 4 and 1900 <= int(word) <= 2099
        return not (year and previous in {"de", "d", "l", "en", "annee"})
    return digits >= 2 and word.upper() == word


def _identity_numbers(text: str) -> list[SensitiveFinding]:
    found: list[SensitiveFinding] = []
    for cue in _ID_CUE.finditer(text):
        for a, b in _tokens(text, cue.end(), 8):
            raw_end = b
            a, b = _trim(text, a, b)
            word = text[a:b]
            if _is_id_number(word):
                found.append(SensitiveFinding("piece-identite", a, b))
                break
            if text[raw_end - 1 : raw_end] in ".?!":
                break
    return found


def _is_id_number(word: str) -> bool:
    """Old CNI: 12 signs; new CNI and passport: 9 (12AB34567); always with digits."""
    return (
        len(word) in (9, 12)
        and word.isascii()
        and word.isalnum()
        and sum(c.isdigit() for c in word) >= 2
    )


def find_sensitive(text: str) -> list[SensitiveFinding]:
    """Every secret in ``text``, in reading order, spans never overlapping."""
    if not text:
        return []
    cues = _Cues(text)
    candidates = _find_ibans(text, cues)
    candidates += _find_ribs(text, cues)
    candidates += _find_numbers(text, candidates, cues)
    candidates += _identity_numbers(text)
    candidates += _passwords(text)
    candidates += _codes(text)
    rank = {c: i for i, c in enumerate(CATEGORIES)}
    # Kept spans never overlap, so sorted by start they are sorted by end too: bisect
    # finds the neighbours to compare with (a 100 kB paste may hold thousands of cues).
    starts: list[int] = []
    kept: list[SensitiveFinding] = []
    for finding in sorted(candidates, key=lambda f: (rank[f.category], f.start)):
        if MASK in text[max(0, finding.start - 2) : finding.start]:
            continue  # the visible end of a secret masked already (« •••• 00AA »)
        i = bisect.bisect_left(starts, finding.start)
        if i > 0 and kept[i - 1].end > finding.start:
            continue
        if i < len(kept) and kept[i].start < finding.end:
            continue
        starts.insert(i, finding.start)
        kept.insert(i, finding)
    return kept


def _masked(category: str, secret: str) -> str:
    compact = "".join(c for c in secret if c.isalnum()).upper()
    if category == "iban":
        return f"{compact[:4]} {MASK * 4} {MASK * 4} {compact[-4:]}"
    if category == "rib":
        return f"{MASK * 5} {MASK * 5} {MASK * 7}{compact[-6:-2]} {MASK * 2}"
    if category == "carte-bancaire":
        return f"{MASK * 4} {MASK * 4} {MASK * 4} {compact[-4:]}"
    if category == "nir":
        return f"{MASK} {MASK * 2} {MASK * 2} {MASK * 2} {MASK * 3} {MASK * 3} {MASK * 2}"
    return SECRET_MASK


def mask_sensitive(text: str, findings: list[SensitiveFinding] | None = None) -> str:
    """``text`` with every secret replaced by •, keeping only a little context.

    IBAN keeps its country, check digits and last 4 ("FR76 •••• •••• 0189"), a card its last
    4; everything else is fully hidden, with a fixed length so nothing is learnt from it.
    """
    if findings is None:
        findings = find_sensitive(text)
    out: list[str] = []
    pos = 0
    for finding in sorted(findings, key=lambda f: f.start):
        start, end = max(finding.start, pos), min(finding.end, len(text))
        if end <= start:
            continue
        out.append(text[pos:start])
        out.append(_masked(finding.category, text[finding.start : end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)
