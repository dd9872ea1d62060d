"""Darija, Arabizi and French reach the same canonical Arabic words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.arabic import normalize
from bot.dialect import Canonicalizer, canonicalizer_for, transliterate_arabizi


def test_darija_question_words() -> None:
    canon = Canonicalizer()
    assert canon("شنو هو التعاون الوطني") == "ما هو التعاون الوطني"
    assert canon("واش كاين محو الأمية") == "هل محو الاميه"  # كاين: "is there", dropped
    assert canon("شحال من جماعة").split()[0] == "عدد"  # "how many" is a content word


def test_darija_filler_words_are_dropped() -> None:
    assert "ديال" not in Canonicalizer()("الخدمات ديال التعاون الوطني")


def test_darija_present_tense_and_negation() -> None:
    canon = Canonicalizer()
    assert canon("كيراقب") == "يراقب"
    assert canon("ماكيراقبش") == "يراقب"
    assert canon("ما كيراقبش").split()[-1] == "يراقب"
    # a whole Darija expression: "my son does not go to school"
    assert canon("ولدي ما كيقراش") == canon("ولدي ماكيقراش") == "الاطفال غير المتمدرسين"


def test_arabizi_lexicon_and_transliteration() -> None:
    canon = Canonicalizer()
    assert canon("chno howa ta3awon lwatani") == "ما هو التعاون الوطني"
    assert transliterate_arabizi("ta3awon") == "تعون"
    assert transliterate_arabizi("7ayat") == "حيت"
    assert transliterate_arabizi("khadija") == "خديجا"


def test_french_phrases_accents_and_elisions() -> None:
    canon = Canonicalizer()
    assert canon("C'est quoi l'Entraide Nationale ?") == "ما هو التعاون الوطني"
    assert canon("cours d'alphabétisation") == canon("cours d alphabetisation")
    assert "محو الاميه" in canon("alphabétisation")


def test_knowledge_base_synonyms_extend_the_lexicon() -> None:
    canon = canonicalizer_for({"مكتبه": ["bibliotheque", "خزانه"]})
    assert canon("la bibliothèque") == "مكتبه"
    assert canon("الخزانة") == "مكتبه"


def test_any_text_is_safe() -> None:
    canon = Canonicalizer()
    for text in ("", "   ", "؟؟؟", "😀" * 50, "a" * 10_000, "\u200f\u202e"):
        assert isinstance(canon(text), str)


def test_lexicon_words_survive_clitics_suffixes_and_one_typo() -> None:
    canon = Canonicalizer()
    assert canon("للمعاقين") == canon("المعاقين") == "اعاقه"  # clitic
    assert canon("للمعاقيين") == "اعاقه"  # one letter too many
    assert canon("يعاونو") == canon("يعاون")  # Darija plural suffix
    assert canon("وعايش بوحدو") == canon("عايش بوحدو") == "المسنين"  # phrase after و


def test_words_of_the_knowledge_base_are_never_corrected() -> None:
    # a word the knowledge base itself uses is taken as written
    canon = canonicalizer_for(vocabulary={"المعاقيين"})
    assert canon("المعاقيين") == "المعاقيين"


def test_information_kinds_are_listed() -> None:
    lexicon = Canonicalizer().lexicon
    assert {"سعر", "عنوان", "هاتف"} <= lexicon.information_types
    assert Canonicalizer()("بشحال التكوين؟").split()[0] == "سعر"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_output_is_already_normalized(text: str) -> None:
    # the matcher relies on it to skip a second normalization
    out = Canonicalizer()(text)
    assert normalize(out) == out


def test_information_kinds_and_topics_are_single_words() -> None:
    # the dialogue looks them up word by word in the canonical question
    assert all(" " not in kind for kind in Canonicalizer().lexicon.information_types)
