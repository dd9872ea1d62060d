"""bot.arabic: one test per normalization rule, the stemmer, stop words, properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import arabic
from bot.arabic import (
    STOP_WORDS,
    collapse_repeats,
    fold_case,
    fold_whitespace,
    map_digits,
    map_persian_letters,
    normalize,
    normalize_alef,
    normalize_alef_maqsura,
    normalize_hamza,
    normalize_teh_marbuta,
    normalize_unicode,
    question_types,
    remove_controls,
    remove_diacritics,
    remove_latin_accents,
    remove_punctuation,
    remove_tatweel,
    stem,
    stems,
    strip_clitics,
    tokens,
)

# --- one test per rule -------------------------------------------------------------


def test_normalize_unicode_unfolds_presentation_forms() -> None:
    assert normalize_unicode("\ufefb") == "\u0644\u0627"  # ﻻ → لا
    assert normalize_unicode("\ufdf2") == "\u0627\u0644\u0644\u0647"  # ﷲ → الله
    assert normalize_unicode("ＡＢＣ") == "ABC"


@pytest.mark.parametrize(
    "char", [*"\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\u061c"]
)
def test_remove_controls(char: str) -> None:
    assert remove_controls(f"الت{char}عاون") == "التعاون"


def test_fold_case() -> None:
    assert fold_case("Entraide NATIONALE") == "entraide nationale"


def test_remove_latin_accents() -> None:
    assert remove_latin_accents("éducation préscolaire à Taza") == "education prescolaire a Taza"
    assert remove_latin_accents("مؤسسة") == "مؤسسة"  # Arabic hamza seats are not accents


def test_remove_diacritics() -> None:
    assert remove_diacritics("مُؤَسَّسَةُ") == "مؤسسة"  # harakat, shadda
    assert remove_diacritics("كتابًا") == "كتابا"  # tanween
    assert remove_diacritics("مِنْ") == "من"  # sukun
    assert remove_diacritics("هٰذا") == "هذا"  # superscript alef
    assert remove_diacritics("الرَّحِيمِ\u06da") == "الرحيم"  # Quranic mark


def test_remove_tatweel() -> None:
    assert remove_tatweel("التعـــاون") == "التعاون"


@pytest.mark.parametrize("alef", ["\u0623", "\u0625", "\u0622", "\u0671"])
def test_normalize_alef(alef: str) -> None:
    assert normalize_alef(f"{alef}سرة") == "اسرة"


def test_normalize_alef_maqsura() -> None:
    assert normalize_alef_maqsura("على مستوى") == "علي مستوي"


def test_normalize_teh_marbuta() -> None:
    assert normalize_teh_marbuta("مؤسسة") == "مؤسسه"


def test_normalize_hamza_seats() -> None:
    assert normalize_hamza("مؤسسه") == "موسسه"  # ؤ → و
    assert normalize_hamza("رئيس") == "رييس"  # ئ → ي


def test_normalize_hamza_lone_hamza_dropped_at_word_end_only() -> None:
    assert normalize_hamza("شيء") == "شي"
    assert normalize_hamza("ماء بارد") == "ما بارد"
    assert normalize_hamza("قراءه") == "قراءه"  # inside a word it stays
    # the three spellings of "thing" meet
    assert normalize("شيء") == normalize("شئ") == normalize("شي")


def test_map_digits() -> None:
    assert map_digits("\u0661\u0669\u0665\u0667") == "1957"  # Arabic-Indic
    assert map_digits("\u06f1\u06f9\u06f7\u06f2") == "1972"  # Persian


@pytest.mark.parametrize(
    ("persian", "arabic_letter"),
    [
        ("\u06cc", "\u064a"),  # ی → ي
        ("\u06a9", "\u0643"),  # ک → ك
        ("\u06c1", "\u0647"),  # ہ → ه
        ("\u06c0", "\u0647"),  # ۀ → ه
        ("\u06d2", "\u064a"),  # ے → ي
        ("\u06af", "\u0643"),  # گ → ك
        ("\u06a4", "\u0641"),  # ڤ → ف
        ("\u067e", "\u0628"),  # پ → ب
        ("\u0686", "\u062c"),  # چ → ج
        ("\u06a8", "\u0642"),  # ڨ (Maghrebi /g/) → ق
        ("\u06ad", "\u0642"),  # ڭ (Moroccan /g/) → ق
    ],
)
def test_map_persian_letters(persian: str, arabic_letter: str) -> None:
    assert map_persian_letters(persian) == arabic_letter


def test_remove_punctuation() -> None:
    assert remove_punctuation("نعم، لا؛ لماذا؟ «هنا»!") == "نعم لا لماذا هنا "
    assert remove_punctuation("a_b") == "a b"


def test_remove_punctuation_keeps_ids_and_dates_whole() -> None:
    assert remove_punctuation("الظهير 1-57-099.") == "الظهير 1-57-099 "
    assert remove_punctuation("17/03/2011") == "17/03/2011"
    assert remove_punctuation("- 5") == " 5"


def test_collapse_repeats() -> None:
    assert collapse_repeats("التعاااااون") == "التعاون"
    assert collapse_repeats("salaaam") == "salam"
    assert collapse_repeats("تتعلق") == "تتعلق"  # two are legitimate
    assert collapse_repeats("1000") == "1000"  # numbers are not stretched words


def test_fold_whitespace() -> None:
    assert fold_whitespace("  ما \t هو\n\nالتعاون  ") == "ما هو التعاون"


# --- the chain ------------------------------------------------------------------------


def test_normalize_chains_every_rule() -> None:
    assert normalize("مَا هِيَ مُؤَسَّسَةُ التَّعَاااوُنِ الوَطَنِيِّ؟") == "ما هي موسسه التعاون الوطني"
    assert normalize("إمتى تأسّس التعاون الوطني ؟ ١٩٥٧") == "امتي تاسس التعاون الوطني 1957"
    assert normalize("C’est quoi l’Entraide Nationale ?") == "c est quoi l entraide nationale"
    assert normalize("\u200fالتعاون\u200f الوطني") == "التعاون الوطني"


def test_every_rule_is_in_the_chain() -> None:
    rules = {name for name in arabic.__all__ if callable(getattr(arabic, name))}
    chained = {rule.__name__ for rule in arabic._PIPELINE}
    helpers = {"normalize", "tokens", "stem", "stems", "strip_clitics", "question_types"}
    assert rules - helpers == chained


def test_tokens() -> None:
    assert tokens("ما هو  التعاون الوطني؟") == ["ما", "هو", "التعاون", "الوطني"]
    assert tokens("") == []
    assert tokens("؟!…") == []


# --- stemmer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("المساعدات", "مساعد"),
        ("والمساعدات", "مساعد"),
        ("بالتعاون", "تعاون"),
        ("للمسنين", "مسن"),
        ("الوطني", "وطن"),
        ("وزاره", "وزار"),  # a bare و is left to strip_clitics
        ("خدماتها", "خدمات"),  # one suffix only
        ("معلمون", "معلم"),
        ("قانون", "قانون"),  # ون of a five-letter word is not a plural
        ("بيت", "بيت"),  # three letters are never cut
        ("كتاب", "كتاب"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_stem_brings_inflections_together() -> None:
    assert stem("المؤسسة".replace("ؤ", "و").replace("ة", "ه")) == stem("موسسه")
    assert stem("الوطنيه") == stem("الوطني") == stem("وطني")


def test_strip_clitics_depends_on_the_vocabulary() -> None:
    known = {"جزيره", "الوزاره", "التعاون"}
    assert strip_clitics("لجزيره", known) == "جزيره"
    assert strip_clitics("وبجزيره", known) == "جزيره"  # two clitics
    assert strip_clitics("ولتعاون", known) == "تعاون"  # known with the article
    assert strip_clitics("وزاره", known) == "وزاره"  # زاره is not a word here
    assert strip_clitics("بيت", {"يت"}) == "بيت"  # too short to carry a clitic
    assert strip_clitics("لجزيره", set()) == "لجزيره"


def test_stems_drop_stop_words() -> None:
    assert stems("ما هي خدمات التعاون الوطني؟") == ["خدم", "تعاون", "وطن"]


# --- stop words -------------------------------------------------------------------------


def test_stop_words_are_normalized() -> None:
    assert all(normalize(word) == word for word in STOP_WORDS)


@pytest.mark.parametrize(
    "word",
    [
        "ما",
        "ماذا",
        "من",
        "هل",
        "كيف",
        "كم",
        "متى",
        "أين",
        "لماذا",
        "في",
        "على",
        "إلى",
        "هذه",
        "التي",
        "الذي",
        "le",
        "la",
        "des",
        "est",
        "quoi",
        "pour",
        "شنو",
        "واش",
        "فين",
        "كيفاش",
        "ديال",
        "كاين",
    ],
)
def test_stop_words(word: str) -> None:
    assert normalize(word) in STOP_WORDS


def test_content_words_are_not_stop_words() -> None:
    for word in ("التعاون", "الوطني", "مؤسسة", "entraide", "خدمات"):
        assert normalize(word) not in STOP_WORDS


# --- question types -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("متى تأسس التعاون الوطني؟", "when"),
        ("في أي سنة تأسس؟", "when"),
        ("أين يوجد المكتب؟", "where"),
        ("ما سبب التأسيس؟", "why"),
        ("كيف أسجل؟", "how"),
        ("كم عدد المراكز؟", "count"),
        ("من هو المندوب؟", "who"),
        ("ما هو التعاون الوطني؟", "what"),
    ],
)
def test_question_types(question: str, kind: str) -> None:
    assert kind in question_types(normalize(question))


def test_question_types_need_whole_words() -> None:
    assert question_types(normalize("الكمبيوتر")) == frozenset()  # كم inside a word
    assert question_types("") == frozenset()


# --- properties -------------------------------------------------------------------------

_ARABIC_HEAVY = st.text(
    alphabet=st.sampled_from(
        list("ابتثجحخدذرسشصضطظعغفقكلمنهويءآأؤإئىة")
        + list("\u064b\u064e\u0651\u0652\u0670\u0640\u200f\u06cc\u06a9\u0660\u06f5\u0654")
        + list(" \n؟،-1aAé\u0301_./")
    ),
    max_size=60,
)


@given(st.one_of(st.text(), _ARABIC_HEAVY))
@settings(max_examples=600)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.one_of(st.text(), _ARABIC_HEAVY))
@settings(max_examples=300)
def test_tokens_and_stems_never_raise(text: str) -> None:
    for token in tokens(text):
        assert token and " " not in token
        assert isinstance(stem(token), str)
    assert isinstance(stems(text), list)


def test_normalize_huge_input() -> None:
    text = "التعااااون الوطني؟ " * 5_000 + "x" * 10_000
    assert len(text) >= 100_000
    once = normalize(text)
    assert normalize(once) == once
