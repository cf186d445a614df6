"""Find the knowledge entry a person's message is about, with honest uncertainty.

Built once per :class:`~bot.knowledge.kb.KnowledgeBase`, then every query is:

1. normalised (accents, SMS spellings, synonyms from the lexicon);
2. cut into French stems; a word the knowledge base never uses is corrected to its closest
   known word when it is a plausible typo ("actualsation" → "actualisation");
3. candidate entries come from an inverted index and are ranked by BM25 (so the cost grows
   with the number of entries sharing a word, not with the size of the base);
4. the best candidates' phrasings are scored with rapidfuzz, best phrasing per entry;
5. the two scores are blended and turned into a decision: **answer** (clear winner),
   **clarify** (2–3 close candidates), or **fallback** (nothing good enough).

Thresholds were tuned on the labelled messages in ``tests/data/messages/`` with
``bench/tune_matcher.py``; re-run it after large changes to the knowledge base.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

from bot.knowledge.kb import KnowledgeBase
from bot.knowledge.normalize import normalize, normalize_many, squash
from bot.knowledge.themes import ThemeNames

# Words that carry no meaning on their own in a question (folded, without accents).
STOPWORDS = frozenset(
    """
    a ai aie au aux avec avoir c ca ce ces cet cette ceux chez comme comment d dans de des
    du elle elles en est et etre eu faire fais fait il ils j je l la le les leur leurs lui m
    ma mais me mes moi mon n ne ni nos notre nous on ou par pas pour qu que quel quelle
    quels quelles qui quoi s sa sans se ses si son sont sur t ta te tes toi ton tu un une
    vos votre vous y est suis es sommes etes ete bien tres trop plus moins deja encore aussi
    alors donc car puis apres avant bonjour svp plait merci madame monsieur besoin veux
    voudrais peux peut pouvez dois doit faut aide aider help quoi ok oui non cela ceci celui
    celle mon ma mes c est ya a la dessus faire fais j ai jai
    """.split()
)

# BM25 parameters (standard values; documents here are short).
_K1 = 1.2
_B = 0.5
# How many BM25 candidates get fuzzy scoring: keeps the per-query cost bounded.
TOP_CANDIDATES = 12
# A word found in more entries than this share (and this count) is "common": see _lexical.
COMMON_SHARE = 0.05
COMMON_MIN_DF = 50
# A typo is corrected to a known word only when it is this close (rapidfuzz ratio, 0-100).
TYPO_CUTOFF = 80
MIN_TYPO_LENGTH = 4
# A corrected word counts for this much of a word typed right.
CORRECTED_WEIGHT = 0.6

# Decision thresholds, tuned with bench/tune_matcher.py on tests/data/messages/.
ANSWER_MIN = 0.48  # blended score of the best entry to answer at once
ANSWER_MARGIN = 0.03  # ... and how far ahead of the second it must be
ALONE_MIN = 0.42  # ... or this, when no other entry comes close
MIN_LEXICAL = 0.0  # share of the question's words an answered entry must know
MIN_FUZZY = 0.5  # how alike its best phrasing must be
CLARIFY_MIN = 0.42  # below this nothing is good enough: fallback
LOW_CLARIFY_MIN = 0.38  # ... down to this when the best entry holds two words of the message
CLARIFY_SPREAD = 0.12  # candidates this close to the best are offered as choices
# A choice offered on one shared word needs a phrasing this close: « comment on fait des
# crêpes » shares « faire » with « créer une adresse e-mail », and nothing else. On the
# labelled set, out-of-scope declines went from 73 % to 86 % and 2 of 602 choices were lost.
ONE_WORD_CLARIFY_FUZZY = 0.7
MAX_CHOICES = 3
EXACT = 0.999  # fuzzy score of a phrasing typed exactly (after normalisation)
COVERAGE_TERMS = 5  # the rarest words of a message, fully counted in its coverage (0: all)
COVERAGE_TAIL = 0.2  # how much each further word counts (tuned on tests/data/messages)
BLEND_LEXICAL = 0.6  # weight of BM25 coverage; the rest is the fuzzy phrasing score

_stemmer = snowballstemmer.stemmer("french")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """French stem of a folded word, with doubled letters folded ("apel" = "appel").

    A word that ends with a digit (a number, a form's number, "c2s") has no French suffix
    to remove: it is its own stem, without running the stemmer (a property test checks it).
    """
    if word[-1:].isdigit():
        return squash(word)
    return squash(_stemmer.stemWord(word))


def content_words(normalised: str) -> list[str]:
    """The words of a normalised text that carry meaning."""
    return [w for w in normalised.split() if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


class Kind(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float
    lexical: float
    fuzzy: float
    # Only one word of the message is in this entry, and another word is unknown to the base
    # (or was a guessed typo): « comment jouer a la ps5 » is not about gambling.
    one_word_in_common: bool = False
    # How many words of the message this entry holds.
    words_in_common: int = 0


@dataclass(frozen=True)
class Match:
    """The matcher's decision. ``candidates`` are best first (one for an answer)."""

    kind: Kind
    candidates: tuple[Candidate, ...]
    score: float

    @property
    def entry_id(self) -> str | None:
        return self.candidates[0].entry_id if self.kind is Kind.ANSWER else None


class Matcher:
    """An index over one knowledge base. Immutable once built; build a new one on reload."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.themes = ThemeNames.build(kb.themes, kb.lexicon)
        self._ids = [e.id for e in kb.entries]
        # Every text of the base is normalised in one batch, and each distinct word is
        # folded and stemmed once: this is what keeps a 10 000-entry base fast to index.
        texts: list[str] = []
        for entry in kb.entries:
            texts.append(entry.title)
            texts.extend(entry.questions)
            texts.extend(entry.keywords)
        normalised = normalize_many(texts, kb.lexicon)
        # Each distinct content word is stemmed once; a text is then the set of its stems.
        vocabulary = set(" ".join(dict.fromkeys(normalised)).split())
        stems = {w: stem(w) for w in content_words(" ".join(vocabulary))}
        terms_of: dict[str, set[str]] = {}  # keywords come back in many entries
        self._phrasings: list[list[str]] = []
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        lengths: list[int] = []
        at = 0
        for idx, entry in enumerate(kb.entries):
            n_phrasings = 1 + len(entry.questions)
            phrasings = normalised[at : at + n_phrasings]
            keywords = normalised[at + n_phrasings : at + n_phrasings + len(entry.keywords)]
            at += n_phrasings + len(entry.keywords)
            self._phrasings.append([p for p in phrasings if p])
            # How many phrasings use a stem says how central it is to the entry; a keyword
            # counts twice.
            weights: dict[str, float] = {}
            for texts_of_kind, weight in ((phrasings, 1.0), (keywords, 2.0)):
                for text in texts_of_kind:
                    terms = terms_of.get(text)
                    if terms is None:
                        terms = terms_of[text] = {stems[w] for w in text.split() if w in stems}
                    for term in terms:
                        weights[term] = weights.get(term, 0.0) + weight
            for term, weight in weights.items():
                postings[term][idx] = weight
            lengths.append(len(weights))
        n = max(len(kb.entries), 1)
        self._avg_len = (sum(lengths) / n) or 1.0
        self._norms = [_K1 * (1 - _B + _B * length / self._avg_len) for length in lengths]
        self._common_df = max(COMMON_MIN_DF, int(COMMON_SHARE * n))
        self._postings = {t: tuple(p.items()) for t, p in postings.items()}
        self._idf = {
            t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()
        }
        # A word nobody in the base uses counts as rare: it lowers coverage.
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self._vocabulary = sorted(stems)
        by_start: dict[tuple[str, int], list[str]] = defaultdict(list)
        for w in self._vocabulary:
            by_start[(w[0], len(w))].append(w)
        self._words_by_start = dict(by_start)
        self._stem_of_word = stems
        self._correct = lru_cache(maxsize=20_000)(self._correct_uncached)

    def _correct_uncached(self, word: str) -> str | None:
        """The known word closest to an unknown one, if it is a plausible typo.

        Only words with the same first letter and a length that could reach the cutoff are
        compared: people rarely miss the first letter, and this keeps a large base fast.
        """
        if len(word) < MIN_TYPO_LENGTH or word.isdigit():
            return None
        spread = len(word) // 2 + 1
        pool = [
            w
            for length in range(len(word) - spread, len(word) + spread + 1)
            for w in self._words_by_start.get((word[0], length), ())
        ]
        found = process.extractOne(word, pool, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return found[0] if found else None

    def query_terms(self, normalised: str) -> dict[str, float]:
        """Stems of the query with their weight: 1, or less for a corrected typo.

        A corrected word counts for less, because the correction may be wrong ("crepes" is
        close to "creer"): it can help a real question but not make an unrelated one sure.
        """
        terms: dict[str, float] = {}
        for word in content_words(normalised):
            term, weight = stem(word), 1.0
            if term not in self._postings:
                corrected = self._correct(word)
                if corrected is not None:
                    term, weight = self._stem_of_word[corrected], CORRECTED_WEIGHT
            terms[term] = max(terms.get(term, 0.0), weight)
        return terms

    def _lexical(
        self, terms: Mapping[str, float], hits: dict[int, int] | None = None
    ) -> dict[int, float]:
        """BM25 scores divided by the best reachable score: the share of the query covered.

        ``hits``, when given, receives how many of the query's words each entry holds.
        """
        if not terms:
            return {}
        idfs = sorted((self._idf.get(t, self._unknown_idf) for t in terms), reverse=True)
        if COVERAGE_TERMS and len(idfs) > COVERAGE_TERMS:
            # A long message (a story) is not a long question: past this many words the
            # reachable score stops growing, so every extra word does not count against it.
            idfs = idfs[:COVERAGE_TERMS] + [i * COVERAGE_TAIL for i in idfs[COVERAGE_TERMS:]]
        best_possible = sum(idfs) * (_K1 + 1)
        scores: dict[int, float] = defaultdict(float)
        # Rare words first: they find the candidates. A word used by a large share of the
        # base ("caf" in a big base) then only re-scores those candidates instead of walking
        # thousands of postings; this keeps a query's cost sub-linear in the base size.
        known = sorted(
            (t for t in terms if t in self._idf), key=self._idf.__getitem__, reverse=True
        )
        for term in known:
            idf, weight = self._idf[term], terms[term]
            postings = self._postings[term]
            if scores and len(postings) > self._common_df:
                postings = [(idx, tf) for idx, tf in postings if idx in scores]
            for idx, tf in postings:
                norm = self._norms[idx]
                scores[idx] += weight * idf * tf * (_K1 + 1) / (tf + norm)
                if hits is not None:
                    hits[idx] = hits.get(idx, 0) + 1
        return {idx: min(s / best_possible, 1.0) for idx, s in scores.items()}

    def rank(self, text: str) -> list[Candidate]:
        """All plausible entries for ``text``, best first."""
        normalised = normalize(text, self.kb.lexicon)
        terms = self.query_terms(normalised)
        hits: dict[int, int] = {}
        lexical = self._lexical(terms, hits)
        if not lexical:
            return []
        strangers = sum(1 for t, w in terms.items() if w < 1.0 or t not in self._postings)
        top = sorted(lexical, key=lexical.__getitem__, reverse=True)[:TOP_CANDIDATES]
        candidates = []
        for idx in top:
            phrasings = self._phrasings[idx]
            best = process.extractOne(normalised, phrasings, scorer=fuzz.token_set_ratio)
            partial = process.extractOne(normalised, phrasings, scorer=fuzz.ratio)
            fuzzy = (0.5 * best[1] + 0.5 * partial[1]) / 100 if best and partial else 0.0
            score = BLEND_LEXICAL * lexical[idx] + (1 - BLEND_LEXICAL) * fuzzy
            lone = hits.get(idx, 0) == 1 and len(terms) >= 2 and strangers >= 1
            candidates.append(
                Candidate(
                    self._ids[idx], round(score, 4), lexical[idx], fuzzy, lone, hits.get(idx, 0)
                )
            )
        candidates.sort(key=lambda c: c.score, reverse=True)
        return candidates

    def match(self, text: str) -> Match:
        """Answer, clarify or fall back, for one message."""
        ranked = self.rank(text)
        return decide(ranked)


def decide(
    ranked: Sequence[Candidate],
    *,
    answer_min: float = ANSWER_MIN,
    answer_margin: float = ANSWER_MARGIN,
    alone_min: float = ALONE_MIN,
    clarify_min: float = CLARIFY_MIN,
    low_clarify_min: float = LOW_CLARIFY_MIN,
    clarify_spread: float = CLARIFY_SPREAD,
    min_lexical: float = MIN_LEXICAL,
    min_fuzzy: float = MIN_FUZZY,
    one_word_clarify_fuzzy: float = ONE_WORD_CLARIFY_FUZZY,
) -> Match:
    """Turn ranked candidates into a decision. Parameters exist for threshold tuning."""
    # A message that is, once normalised, exactly one entry's phrasing gets that entry:
    # coordinators wrote that phrasing for it.
    exact = [c for c in ranked if c.fuzzy >= EXACT]
    if len(exact) == 1:
        return Match(Kind.ANSWER, (exact[0],), exact[0].score)
    if not ranked or ranked[0].one_word_in_common:
        return Match(Kind.FALLBACK, (), ranked[0].score if ranked else 0.0)
    if ranked[0].score < clarify_min:
        # A story scores low (many words, few of them the entry's), yet the entry that holds
        # several of its words is worth offering; one shared word is not enough.
        if ranked[0].score < low_clarify_min or ranked[0].words_in_common < 2:
            return Match(Kind.FALLBACK, (), ranked[0].score)
        clarify_min = low_clarify_min
    best = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    # Both halves must agree a little: many words in common but phrased nothing alike
    # (or phrased alike with few shared words) is how out-of-scope questions look.
    grounded = best.lexical >= min_lexical and best.fuzzy >= min_fuzzy
    clear_winner = best.score >= answer_min and best.score - second >= answer_margin
    alone = best.score >= alone_min and best.score - second >= clarify_spread
    if grounded and (clear_winner or alone):
        return Match(Kind.ANSWER, (best,), best.score)
    if best.words_in_common < 2 and best.fuzzy < one_word_clarify_fuzzy:
        return Match(Kind.FALLBACK, (), best.score)
    close = [c for c in ranked if c.score >= max(best.score - clarify_spread, clarify_min)]
    return Match(Kind.CLARIFY, tuple(close[:MAX_CHOICES]), best.score)
