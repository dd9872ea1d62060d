"""Character n-gram similarity: forms the stemmer misses still meet their entry."""

from bot.chargrams import CharGrams

ENTRIES = {
    "centres": ["ما هي المراكز التي يشرف عليها التعاون الوطني؟"],
    "disability": ["ما هي خدمات التعاون الوطني للأشخاص في وضعية إعاقة؟"],
    "literacy": ["هل يقدم التعاون الوطني دروس محو الأمية؟"],
}


def test_a_broken_plural_and_a_typo_still_find_their_entry() -> None:
    grams = CharGrams(ENTRIES)
    for query, expected in (
        ("فين كاين شي مركز", "centres"),  # مركز, the texts say المراكز
        ("المعاقين واش عندهم خدمات", "disability"),  # معاقين beside إعاقة
        ("دروس محو الاميه", "literacy"),  # no hamza, ه for ة
    ):
        scores = grams.similarities(query, ENTRIES)
        assert max(scores, key=scores.__getitem__) == expected, (query, scores)


def test_a_message_of_function_words_or_another_script_scores_nothing() -> None:
    grams = CharGrams(ENTRIES)
    assert set(grams.similarities("هل هو", ENTRIES).values()) == {0.0}
    assert max(grams.similarities("hello there", ENTRIES).values()) == 0.0
    assert grams.similarities("مركز", ["unknown"]) == {"unknown": 0.0}
