"""The index build's shortcuts give exactly what the plain definitions give."""

import snowballstemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.matching import stem
from bot.knowledge.normalize import squash

_french = snowballstemmer.stemmer("french")


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("abcdeilmnoqrstuyz0123456789")), max_size=12),
    st.sampled_from(list("0123456789")),
)
def test_a_word_ending_with_a_digit_is_its_own_stem(start: str, digit: str) -> None:
    word = start + digit
    assert stem(word) == squash(_french.stemWord(word)) == squash(word)


def test_words_are_stemmed_as_before():
    assert stem("actualisation") == squash(_french.stemWord("actualisation"))
    assert stem("3949") == "3949"
