from bot.knowledge.normalize import Lexicon, fold, normalize, squash


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
