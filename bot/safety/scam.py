"""« Est-ce une arnaque ? »: read a pasted SMS or e-mail and say what looks wrong.

The verdict rests on facts a person can check: where the link really goes (the end of the
address), whether it imitates an official site, and the pressure tricks listed in
``knowledge/domaines-officiels.yaml`` ("dernier rappel", "1,99 €", "carte Vitale expire").
A genuine notice that only links to official sites is never called a scam. No link is
ever opened: the analysis is text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from bot.knowledge.normalize import fold
from bot.knowledge.yamlfile import LineDict
from bot.safety.files import FileCheck, is_domain, is_id
from bot.safety.links import Address, find_addresses, registrable
from bot.safety.phrases import Phrase, PhraseError, PhraseIndex, Scan, Vocabulary

DEFAULT_ENTRY = "arnaque-message-suspect"
MAX_REASONS = 5
# "1,99 €", "2.99EUR", "0,99 euros": the small fee that steals a card.
_SMALL_FEE = re.compile(r"(?<![\d,.])(\d{1,2})[,.](\d\d) ?(?:€|eur\b|euros?\b)", re.IGNORECASE)
_FEE_LIMIT = 10
# A small amount is a trap only when the message asks to pay it: "Votre remboursement de
# 2,50 €" or "un paiement de 1,20 €" from ameli or the Caf must not count.
_PAY = (
    "payer/payez/regler/reglez/acquitter/debloquer/reexpedition/reprogrammer/reprogrammez",
    "frais de livraison/port/douane/dossier/envoi/expedition/traitement/reexpedition/stockage",
)
# Wording of a message someone received rather than wrote ("Votre colis…", "Cliquez…").
_NOTICE = (
    "votre/vos",
    "cher/chere client/cliente/usager/assure/allocataire",
    "madame monsieur",
    "cliquez/cliquer/clic",
    "veuillez",
    "nous vous",
    "connectez vous",
    "rendez vous sur",
    "cordialement",
    "stop au",
    "ne pas repondre",
    "afin de",
    "merci de",
    # A "friend" writing from a new number ("Salut c'est moi, tu peux me renvoyer le code").
    "c est moi",
    "tu peux me/m",
    "peux tu me/m",
    "je t ai",
)
_TOP_KEYS = ("domains", "senders", "shorteners", "signs", "questions")
_DOMAIN_KEYS = ("domain", "name", "words", "entry")
_SENDER_KEYS = ("name", "words", "domains")
_SIGN_KEYS = ("id", "phrases", "reason", "entry", "alert", "everyday")


@dataclass(frozen=True)
class ScamVerdict:
    """What the bot says about a pasted message."""

    suspicious: bool
    reasons: tuple[str, ...]
    entry_id: str | None
    domains: tuple[str, ...]


@dataclass(frozen=True)
class OfficialSite:
    domain: str  # covers its sub-addresses too: caf.fr covers www.caf.fr
    name: str = ""  # "le site de l'Assurance maladie", for "L'adresse imite …"
    words: tuple[str, ...] = ()  # names an imitation would use: ameli, vitale…
    entry: str | None = None  # entry to suggest when a link imitates this site


@dataclass(frozen=True)
class SenderRule:
    """Real e-mails of an organisation come only from these domains (kb-facts, Caf)."""

    name: str
    words: tuple[str, ...]
    domains: tuple[str, ...]


@dataclass(frozen=True)
class Sign:
    """A pressure trick or a known scam story, found by phrases."""

    id: str
    phrases: tuple[Phrase, ...]
    reason: str
    entry: str | None = None
    alert: bool = False  # official bodies never say this: suspicious even with official links
    # Everyday life (a delivery): this sign alone, asked about, without a link or a fee, is
    # not enough to call a message a scam (« la poste m'a laissé un avis de passage, c'est
    # normal ? »). Blind material: 9 → 8 of 45 genuine messages called scams, no scam lost.
    everyday: bool = False


def _label(domain: str) -> str:
    """« caf » for caf.fr, « impots » for impots.gouv.fr: the name before the suffix."""
    return registrable(domain).split(".")[0] if "." in domain else ""


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass(frozen=True)
class _Judgement:
    """What one link or sender says about the message."""

    address: Address
    official: bool
    reasons: tuple[str, ...] = ()
    imitated: OfficialSite | None = None
    deceptive: bool = False  # made to fool (imitation, hidden host…): worth a verdict unasked


class ScamChecker:
    """The official list and scam signs, ready to analyse messages."""

    def __init__(
        self,
        sites: tuple[OfficialSite, ...],
        senders: tuple[SenderRule, ...] = (),
        shorteners: frozenset[str] = frozenset(),
        signs: tuple[Sign, ...] = (),
        questions: tuple[Phrase, ...] = (),
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.sites = sites
        self.senders = senders
        self.shorteners = shorteners
        self.signs = signs
        self.questions = questions
        self.vocabulary = vocabulary or Vocabulary()
        self.notice = tuple(self.vocabulary.compile(p) for p in _NOTICE)
        self.pay = tuple(self.vocabulary.compile(p) for p in _PAY)
        # Every sign's phrases in one index, with the sign of each (phrases.PhraseIndex).
        owned = [(n, phrase) for n, sign in enumerate(signs) for phrase in sign.phrases]
        self._sign_index = PhraseIndex([phrase for _, phrase in owned])
        self._sign_of = tuple(n for n, _ in owned)
        self._questions = PhraseIndex(questions)
        self.official = frozenset(site.domain for site in sites)
        # Words an imitation uses ("ameli" in "ameli-renouvellement.com"): short ones must be
        # a whole part of the address ("caf" in "caf-fr.info", not in "cafe.fr").
        # The name in the site's own address counts too (« caf » of caf.fr).
        self._words = [
            (site, key, len(key) <= 4)
            for site in sites
            for key in dict.fromkeys(map(_compact, (*site.words, _label(site.domain))))
            if key
        ]
        # The names people recognise ("ameli" in "ameli.fr"), to spot "arneli.fr".
        self._labels = {
            registrable(site.domain).split(".")[0]: site
            for site in sites
            if "." in registrable(site.domain)
        }
        self._sender_words = [(rule, {fold(w) for w in rule.words}) for rule in senders]

    # -- links -------------------------------------------------------------------------

    def is_official(self, host: str) -> bool:
        labels = host.split(".")
        return any(".".join(labels[i:]) in self.official for i in range(len(labels) - 1))

    def _imitated(self, address: Address) -> OfficialSite | None:
        skeleton = address.skeleton
        parts = set(re.split(r"[.\-_]", skeleton))
        compact = _compact(skeleton)
        for site, key, whole in self._words:
            if (key in parts) if whole else (key in compact):
                return site
        label = registrable(skeleton).split(".")[0]
        for name, site in self._labels.items():
            limit = 1 if len(name) < 8 else 2
            if len(name) >= 5 and Levenshtein.distance(label, name, score_cutoff=limit) <= limit:
                return site
        return None

    def _judge_link(self, address: Address) -> _Judgement:
        host = address.host
        if self.is_official(host) and not address.hidden_by_at:
            return _Judgement(address, official=True)
        if address.ip:
            reason = f"Le lien mène à une adresse en chiffres, pas au site d'un organisme : {host}"
            return _Judgement(address, official=False, reasons=(reason,), deceptive=True)
        reasons: list[str] = []
        if address.hidden_by_at:
            reasons.append(
                f"Le lien cache sa vraie destination derrière un « @ » : il mène à {host}"
            )
        if address.foreign_letters:
            reasons.append(
                "L'adresse contient des lettres d'un autre alphabet qui imitent des lettres "
                f"normales : {host}"
            )
        imitated = self._imitated(address)
        if registrable(host) in self.shorteners:
            reasons.append(f"Le lien est raccourci : on ne peut pas voir où il mène ({host})")
        elif imitated is not None:
            who = imitated.name or "le site"
            reasons.append(
                f"L'adresse imite {who} ({imitated.domain}), mais ce n'est pas la bonne : {host}"
            )
        if "gouv" in _compact(address.skeleton):
            reasons.append(f"L'adresse contient « gouv » mais ne finit pas par .gouv.fr : {host}")
        deceptive = bool(reasons)
        if not reasons:
            reasons.append(f"Le lien ne va pas vers un site officiel : {host}")
        return _Judgement(address, False, tuple(reasons), imitated, deceptive)

    def _judge_sender(self, address: Address, words: set[str]) -> _Judgement:
        """A Caf e-mail must come from @caf.cnafmail.fr or @caf.fr (kb-facts, section 2)."""
        host = address.host
        if self.is_official(host):
            return _Judgement(address, official=True)
        parts = set(re.split(r"[.\-_]", address.skeleton))
        for rule, names in self._sender_words:
            if not names.isdisjoint(words) or not names.isdisjoint(parts):
                allowed = " ou ".join(f"@{d}" for d in rule.domains)
                reason = (
                    f"Les vrais e-mails de {rule.name} viennent d'adresses en {allowed}, "
                    f"pas @{host}"
                )
                return _Judgement(address, False, (reason,), deceptive=True)
        return _Judgement(address, official=False)  # someone@gmail.com: no opinion

    # -- verdict -----------------------------------------------------------------------

    def check(self, text: str) -> ScamVerdict | None:
        if not text or not text.strip():
            return None
        scan = self.vocabulary.scan(text)
        words = set(scan.words)
        judged = [
            self._judge_sender(a, words) if a.sender else self._judge_link(a)
            for a in find_addresses(text)
        ]
        found = {self._sign_of[n] for n in self._sign_index.matching(scan)}
        signs = [sign for n, sign in enumerate(self.signs) if n in found]
        fee = self._small_fee(text, scan)
        question = self._questions.first(scan) is not None
        notice = sum(scan.find(p) is not None for p in self.notice)
        deceptive = any(j.deceptive for j in judged)
        # A strong sign (« c'est mon nouveau numéro », a money-mule offer) counts twice: it is
        # enough alone, where a weak one needs a second clue.
        strength = len(signs) + sum(s.alert for s in signs) + notice + fee
        pasted = (bool(judged) and (notice > 0 or bool(signs) or fee or deceptive)) or (
            bool(signs or fee) and strength >= 2
        )
        if not (question or pasted) or not (judged or signs or fee):
            return None
        return self._verdict(judged, signs, fee=fee, question=question)

    def _small_fee(self, text: str, scan: Scan) -> bool:
        small = any(int(m.group(1)) < _FEE_LIMIT for m in _SMALL_FEE.finditer(text))
        return small and any(scan.find(p) is not None for p in self.pay)

    def _verdict(
        self, judged: list[_Judgement], signs: list[Sign], *, fee: bool, question: bool
    ) -> ScamVerdict | None:
        """The verdict, or None when there is nothing to say (no link, one weak sign)."""
        domains = tuple(dict.fromkeys(j.address.host for j in judged))
        official = [j for j in judged if j.official]
        bad = [j for j in judged if j.reasons]
        # A link that imitates, hides or is raw numbers is enough; a link to a site we do
        # not know (a doctor's booking site, the train) is one clue among others.
        deceptive = any(j.deceptive for j in bad)
        unknown = any(not j.deceptive for j in bad)
        alert = fee or any(s.alert for s in signs)
        weak = len(signs) + (1 if question else 0) + (1 if unknown else 0)
        if not judged and len(signs) == 1 and signs[0].everyday and question:
            # Genuine notices read so every day; the matcher still gives the entry that
            # says how to check (Sign.everyday).
            weak = 1
        suspicious = deceptive or alert or (not official and weak >= 2)
        if not suspicious:
            if not official:
                return None
            good = tuple(
                f"L'adresse d'envoi est bien officielle : {j.address.host}"
                if j.address.sender
                else f"Le lien va bien vers un site officiel : {j.address.host}"
                for j in official
            )
            return ScamVerdict(False, good[:MAX_REASONS], None, domains)
        reasons = [r for j in bad for r in j.reasons]
        if fee:
            reasons.append(
                "On vous demande de payer une petite somme : c'est souvent un piège pour "
                "voler votre carte bancaire."
            )
        reasons.extend(sign.reason for sign in signs)
        imitated = next((j.imitated for j in bad if j.imitated), None)
        entry = next((s.entry for s in signs if s.entry), None)
        entry = entry or (imitated.entry if imitated else None) or DEFAULT_ENTRY
        return ScamVerdict(True, tuple(dict.fromkeys(reasons))[:MAX_REASONS], entry, domains)


# -- loading ---------------------------------------------------------------------------


def _sites(check: FileCheck, data: LineDict) -> tuple[OfficialSite, ...]:
    raw = data.get("domains")
    if not isinstance(raw, list) or not raw:
        check.add(data.line_of("domains"), "« domains » : donnez la liste des sites officiels")
        return ()
    sites: list[OfficialSite] = []
    seen: dict[str, int] = {}
    for item in raw:
        if isinstance(item, str):
            item = LineDict({"domain": item})
            item.line = check.item_line(data.line_of("domains"), str(item["domain"]))
            item.key_lines = {}
        if not isinstance(item, LineDict):
            check.add(data.line_of("domains"), "« domains » : chaque site s'écrit {domain: ...}")
            continue
        check.keys(item, _DOMAIN_KEYS, "domains")
        domain = check.text(item, "domain", "domains").lower()
        where = f"site « {domain} »"
        if domain and not is_domain(domain.removeprefix("*.")):
            check.add(
                item.line_of("domain"),
                f"{where} : écrivez seulement le nom du site (caf.fr), "
                "sans https:// ni / ni espace",
            )
            continue
        domain = domain.removeprefix("*.").removeprefix("www.")
        if domain in seen:
            check.add(
                item.line_of("domain"), f"{where} : déjà dans la liste (ligne {seen[domain]})"
            )
        seen.setdefault(domain, item.line_of("domain"))
        entry = check.text(item, "entry", where, required=False) or None
        if entry and not is_id(entry):
            check.add(
                item.line_of("entry"), f"{where} : « entry » est un id de fiche (arnaque-colis)"
            )
        sites.append(
            OfficialSite(
                domain=domain,
                name=check.text(item, "name", where, required=False),
                words=tuple(check.strings(item, "words", where, required=False)),
                entry=entry,
            )
        )
    return tuple(sites)


def _items(check: FileCheck, data: LineDict, key: str) -> list[object]:
    """The list under ``key`` ([] when absent), or a problem when it is not a list."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        check.add(data.line_of(key), f"« {key} » doit être une liste (- ...)")
        return []
    return value


def _senders(check: FileCheck, data: LineDict) -> tuple[SenderRule, ...]:
    rules: list[SenderRule] = []
    for item in _items(check, data, "senders"):
        if not isinstance(item, LineDict):
            check.add(
                data.line_of("senders"), "« senders » : {name: ..., words: [...], domains: [...]}"
            )
            continue
        check.keys(item, _SENDER_KEYS, "senders")
        name = check.text(item, "name", "senders")
        domains = [d.lower() for d in check.strings(item, "domains", f"expéditeur « {name} »")]
        for domain in domains:
            if not is_domain(domain):
                check.add(
                    item.line_of("domains"),
                    f"expéditeur « {name} » : domaine « {domain} » mal écrit",
                )
        rules.append(
            SenderRule(
                name=name,
                words=tuple(check.strings(item, "words", f"expéditeur « {name} »")),
                domains=tuple(domains),
            )
        )
    return tuple(rules)


def _compile(
    check: FileCheck, vocabulary: Vocabulary, mapping: LineDict, key: str, where: str
) -> tuple[Phrase, ...]:
    phrases: list[Phrase] = []
    for source in check.strings(mapping, key, where):
        try:
            phrases.append(vocabulary.compile(source))
        except PhraseError as exc:
            check.add(
                check.item_line(mapping.line_of(key), source), f"{where} : « {source} » : {exc}"
            )
    return tuple(phrases)


def _signs(check: FileCheck, data: LineDict, vocabulary: Vocabulary) -> tuple[Sign, ...]:
    signs: list[Sign] = []
    for item in _items(check, data, "signs"):
        if not isinstance(item, LineDict):
            check.add(data.line_of("signs"), "« signs » : chaque signe s'écrit « - id: ... »")
            continue
        check.keys(item, _SIGN_KEYS, "signs")
        sid = check.text(item, "id", "signs")
        where = f"signe « {sid} »"
        reason = check.text(item, "reason", where, limit=200)
        entry = check.text(item, "entry", where, required=False) or None
        if entry and not is_id(entry):
            check.add(
                item.line_of("entry"), f"{where} : « entry » est un id de fiche (arnaque-colis)"
            )
        alert, everyday = (_flag(check, item, key, where) for key in ("alert", "everyday"))
        phrases = _compile(check, vocabulary, item, "phrases", where)
        signs.append(
            Sign(
                id=sid,
                phrases=phrases,
                reason=reason,
                entry=entry,
                alert=alert,
                everyday=everyday,
            )
        )
    return tuple(signs)


def _flag(check: FileCheck, item: LineDict, key: str, where: str) -> bool:
    """A sign's ``true``/``false`` setting, false when absent or misspelt (said)."""
    value = item.get(key, False)
    if not isinstance(value, bool):
        check.add(item.line_of(key), f"{where} : « {key} » vaut true ou false")
        return False
    return value


def load_scam_rules(path: Path) -> ScamChecker:
    """Read ``domaines-officiels.yaml``; raise KnowledgeError listing every problem."""
    check = FileCheck(path)
    data = check.data
    if not isinstance(data, LineDict):
        check.add(1, "le fichier doit contenir « domains: » suivi de la liste des sites officiels")
        check.done()
    check.keys(data, _TOP_KEYS, "domaines-officiels.yaml")
    vocabulary = Vocabulary()
    sites = _sites(check, data)
    senders = _senders(check, data)
    shorteners = frozenset(
        d.lower() for d in check.strings(data, "shorteners", "shorteners", required=False)
    )
    signs = _signs(check, data, vocabulary)
    questions = (
        _compile(check, vocabulary, data, "questions", "questions") if "questions" in data else ()
    )
    check.done()
    return ScamChecker(sites, senders, shorteners, signs, questions, vocabulary)
