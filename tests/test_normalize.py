from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.normalize import Lexicon, fold, fold_many, normalize, normalize_many, squash


def test_fold_removes_case_accents_ligatures_and_punctuation():
    assert fold("Œuvre À L'ÉCOLE, ça !!") == "oeuvre a l ecole ca"


def test_fold_squeezes_emphasis_but_keeps_french_double_letters():
    assert fold("svppp merciiii appel") == "svp merci appel"


def test_squash_folds_doubled_letters():
    assert squash("appel") == squash("apel") == "apel"


def test_lexicon_prefers_the_longest_variant():
    lexicon = Lexicon({"carte bleue": "carte bancaire", "cb": "carte bancaire", "koi": "quoi"})
    assert normalize("Ma Carte Bleue koi", lexicon) == "ma carte bancaire quoi"
    assert normalize("ma cb", lexicon) == "ma carte bancaire"


def test_lexicon_matches_whole_words_only():
    lexicon = Lexicon({"cb": "carte bancaire"})
    assert normalize("cbien", lexicon) == "cbien"


# The definitions the fast implementations must agree with, word for word.
def reference_fold(text: str) -> str:
    import re
    import unicodedata

    text = text.translate(str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"([a-z])\1{2,}", r"\1", re.sub(r"[^a-z0-9]+", " ", text))
    return " ".join(text.split())


def reference_apply(lexicon: Lexicon, folded: str) -> str:
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for variant, canonical in lexicon.replacements.items():
        words = tuple(variant.split())
        if words:
            by_first.setdefault(words[0], []).append((words, canonical))
    for options in by_first.values():
        options.sort(key=lambda o: (-len(o[0]), -len(" ".join(o[0])), " ".join(o[0])))
    words, out, i = folded.split(), [], 0
    while i < len(words):
        for variant, canonical in by_first.get(words[i], ()):
            if tuple(words[i : i + len(variant)]) == variant:
                out.append(canonical)
                i += len(variant)
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


SAMPLES = st.text(
    alphabet=st.sampled_from(list("abcdeéèêàçôîœÆß' -!?AZÉ0129\u0301\u0327ﬁ")), max_size=60
)


@settings(max_examples=400, deadline=None)
@given(SAMPLES)
def test_fold_agrees_with_its_definition(text: str) -> None:
    assert fold(text) == reference_fold(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["carte", "bleue", "cb", "koi", "mdp", "de", "pass", "x"])))
def test_the_lexicon_agrees_with_its_definition(words: list[str]) -> None:
    lexicon = Lexicon(
        {
            "carte bleue": "carte bancaire",
            "cb": "carte bancaire",
            "koi": "quoi",
            "mdp": "mot de passe",
            "mot de pass": "mot de passe",
            "carte": "carte",
        }
    )
    text = " ".join(words)
    assert lexicon.apply(text) == reference_apply(lexicon, text)


TEXTS = st.lists(
    st.text(alphabet=st.sampled_from(list("abcdeéèœÆ' -!?AZ09\u0301\n\x00ﬁ")), max_size=30),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_folding_many_texts_at_once_agrees_with_folding_each(texts: list[str]) -> None:
    assert fold_many(texts) == [fold(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["carte", "bleue", "cb", "koi", "de", "pass", "mdp"]))))
def test_normalising_many_texts_agrees_with_normalising_each(texts: list[list[str]]) -> None:
    lexicon = Lexicon(
        {"carte bleue": "carte bancaire", "cb": "carte bancaire", "koi": "quoi", "de pass": "x"}
    )
    joined = [" ".join(words) for words in texts]
    assert normalize_many(joined, lexicon) == [normalize(t, lexicon) for t in joined]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["carte", "bleue", "cb", "koi", "mdp", "de", "pass", "x"])))
def test_the_lexicon_word_by_word_agrees_with_its_definition(words: list[str]) -> None:
    lexicon = Lexicon(
        {
            "carte bleue": "carte bancaire",
            "cb": "carte bancaire",
            "koi": "quoi",
            "mdp": "mot de passe",
            "mot de pass": "mot de passe",
            "carte": "carte",
        }
    )
    assert lexicon.apply_words(words) == reference_apply(lexicon, " ".join(words))
