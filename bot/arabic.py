"""Arabic text normalization, tokens and light stems: pure functions, no I/O.

In the manner of camel_tools: one small named function per rule, patterns
compiled once at import, code points written as ``\\u`` escapes, mapping tables
kept as data. ``normalize()`` chains the rules in a fixed order and is
idempotent: ``normalize(normalize(x)) == normalize(x)`` for any string.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Iterable

__all__ = [
    "STOP_WORDS",
    "collapse_repeats",
    "fold_case",
    "fold_whitespace",
    "map_digits",
    "map_persian_letters",
    "normalize",
    "normalize_alef",
    "normalize_alef_maqsura",
    "normalize_hamza",
    "normalize_teh_marbuta",
    "normalize_unicode",
    "QUESTION_TYPES",
    "question_types",
    "remove_controls",
    "remove_diacritics",
    "remove_latin_accents",
    "remove_punctuation",
    "remove_tatweel",
    "stem",
    "stems",
    "strip_clitics",
    "tokens",
]

# --- tables (data, not code) ---------------------------------------------------

# Harakat, tanween, shadda, sukun, hamza above/below marks (U+064B-U+065F),
# superscript alef (U+0670) and the Quranic annotation marks.
_DIACRITICS = (
    "\u0610-\u061a"  # honorifics and small high letters
    "\u064b-\u065f"  # tanween, harakat, shadda, sukun, maddah/hamza marks
    "\u0670"  # superscript (dagger) alef
    "\u06d6-\u06dc"  # Quranic small high ligatures
    "\u06df-\u06e4"  # Quranic small marks
    "\u06e7\u06e8"  # small high yeh / noon
    "\u06ea-\u06ed"  # Quranic low/high stops
    "\u08d3-\u08ff"  # Arabic Extended-A combining marks
)

_TATWEEL = "\u0640"

# Zero-width and bidi controls: they change nothing a reader sees.
_CONTROLS = (
    "\u00ad"  # soft hyphen
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator (formerly a space)
    "\u200b-\u200f"  # zero-width space/joiners, LRM, RLM
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner, invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\ufeff"  # byte order mark / zero-width no-break space
)

# Hamza seats on alef, and alef wasla, become bare alef.
_ALEF_TABLE = str.maketrans(
    {
        "\u0622": "\u0627",  # آ alef with madda
        "\u0623": "\u0627",  # أ alef with hamza above
        "\u0625": "\u0627",  # إ alef with hamza below
        "\u0671": "\u0627",  # ٱ alef wasla
        "\u0672": "\u0627",  # ٲ alef with wavy hamza above
        "\u0673": "\u0627",  # ٳ alef with wavy hamza below
        "\u0675": "\u0627",  # ٵ high hamza alef
    }
)

# Hamza on waw / yeh seats: people type the bare seat as often as not.
_HAMZA_SEAT_TABLE = str.maketrans(
    {
        "\u0624": "\u0648",  # ؤ → و
        "\u0626": "\u064a",  # ئ → ي
        "\u0676": "\u0648",  # ٶ high hamza waw → و
        "\u0678": "\u064a",  # ٸ high hamza yeh → ي
    }
)

# Letter forms of Persian, Urdu and Maghrebi keyboards and texts, each mapped
# to the standard Arabic letter a Moroccan reader would write instead.
# Maghrebi ڨ / ڭ / ݣ (the /g/ sound) go to ق: in Darija that /g/ is mostly the
# rural pronunciation of ق (ڭال = قال, بڭرة = بقرة), rarely a loanword.
_PERSIAN_TABLE = str.maketrans(
    {
        "\u06cc": "\u064a",  # ی Farsi yeh → ي
        "\u06d0": "\u064a",  # ې yeh → ي
        "\u06d2": "\u064a",  # ے Urdu yeh barree → ي
        "\u06d3": "\u064a",  # ۓ yeh barree with hamza → ي
        "\u06a9": "\u0643",  # ک keheh → ك
        "\u06aa": "\u0643",  # ڪ swash kaf → ك
        "\u06af": "\u0643",  # گ gaf → ك
        "\u06c1": "\u0647",  # ہ heh goal → ه
        "\u06c2": "\u0647",  # ۂ heh goal with hamza → ه
        "\u06c0": "\u0647",  # ۀ heh with yeh above → ه
        "\u06d5": "\u0647",  # ە ae → ه
        "\u06be": "\u0647",  # ھ heh doachashmee → ه
        "\u06a4": "\u0641",  # ڤ veh → ف
        "\u06a5": "\u0641",  # ڥ Maghrebi veh → ف
        "\u06a2": "\u0641",  # ڢ Maghrebi feh → ف
        "\u067e": "\u0628",  # پ peh → ب
        "\u066e": "\u0628",  # ٮ dotless beh → ب
        "\u0686": "\u062c",  # چ tcheh → ج
        "\u0698": "\u0632",  # ژ jeh → ز
        "\u0679": "\u062a",  # ٹ tteh → ت
        "\u0688": "\u062f",  # ڈ ddal → د
        "\u0691": "\u0631",  # ڑ rreh → ر
        "\u06ba": "\u0646",  # ں noon ghunna → ن
        "\u06a8": "\u0642",  # ڨ qaf with three dots (Maghrebi /g/) → ق
        "\u06ad": "\u0642",  # ڭ ng (Moroccan /g/) → ق
        "\u0763": "\u0642",  # ݣ keheh with three dots above (Moroccan /g/) → ق
        "\u06a7": "\u0642",  # ڧ Maghrebi qaf → ق
        "\u066f": "\u0642",  # ٯ dotless qaf → ق
    }
)

# Arabic-Indic (U+0660-0669) and Persian (U+06F0-06F9) digits → ASCII.
_DIGIT_TABLE = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)

# --- precompiled patterns ------------------------------------------------------

_DIACRITICS_RE = re.compile(f"[{_DIACRITICS}]")
# Which characters each table touches: a cheap search spares the translation
# (the common case: a question without any of them).
_ALEF_RE = re.compile("[" + "".join(map(chr, _ALEF_TABLE)) + "]")
_HAMZA_SEAT_RE = re.compile("[" + "".join(map(chr, _HAMZA_SEAT_TABLE)) + "]")
_PERSIAN_RE = re.compile("[" + "".join(map(chr, _PERSIAN_TABLE)) + "]")
_DIGIT_RE = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
_TATWEEL_RE = re.compile(_TATWEEL)
_CONTROLS_RE = re.compile(f"[{_CONTROLS}]")
_LATIN_MARKS_RE = re.compile("[\u0300-\u036f]")
# Latin letters that may carry an accent, and the accents themselves.
_LATIN_ACCENTED_RE = re.compile("[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]")
# A lone hamza at the end of a word is dropped: شيء / شئ / شي all meet at شي,
# شاطئ / شاطيء at شاطي. Inside a word (قراءة, مساءل) it is kept.
_FINAL_HAMZA_RE = re.compile("\u0621+(?!\\w)")
_ALEF_MAQSURA_RE = re.compile("\u0649")
_TEH_MARBUTA_RE = re.compile("\u0629")
# Anything that is not a letter or a digit separates words, except a hyphen,
# dot or slash between two digits (ids and dates such as 1-57-099, 17/03/2011).
_PUNCTUATION_RE = re.compile(r"(?:(?!(?<=\d)[-./](?=\d))[\W_])+")
# Three or more of the same letter collapse to one (التعاااون, salaaam): two
# are legitimate in spelling (تتعلق, cooperation), three never are.
_REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")
_WHITESPACE_RE = re.compile(r"\s+")


# --- one named function per rule -----------------------------------------------


def normalize_unicode(text: str) -> str:
    """NFKC: presentation forms (ﻻ, ﷲ), full-width Latin and ligatures to base letters."""
    return unicodedata.normalize("NFKC", text)


def remove_controls(text: str) -> str:
    """Drop zero-width and bidi control characters."""
    return _CONTROLS_RE.sub("", text)


def fold_case(text: str) -> str:
    """Case-fold Latin (and other bicameral) scripts: Entraide → entraide."""
    return text.casefold()


def remove_latin_accents(text: str) -> str:
    """Strip Latin accents (é → e) so French typed without accents still matches."""
    if not _LATIN_ACCENTED_RE.search(text):
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _LATIN_MARKS_RE.sub("", decomposed))


def remove_diacritics(text: str) -> str:
    """Drop harakat, tanween, shadda, sukun, superscript alef and Quranic marks."""
    return _DIACRITICS_RE.sub("", text)


def remove_tatweel(text: str) -> str:
    """Drop the tatweel (kashida) used to stretch words."""
    return _TATWEEL_RE.sub("", text)


def normalize_alef(text: str) -> str:
    """أ إ آ ٱ → ا."""
    return text.translate(_ALEF_TABLE) if _ALEF_RE.search(text) else text


def normalize_alef_maqsura(text: str) -> str:
    """ى → ي."""
    return _ALEF_MAQSURA_RE.sub("\u064a", text)


def normalize_teh_marbuta(text: str) -> str:
    """ة → ه."""
    return _TEH_MARBUTA_RE.sub("\u0647", text)


def normalize_hamza(text: str) -> str:
    """ؤ → و, ئ → ي, and a lone hamza ء at the end of a word removed."""
    if _HAMZA_SEAT_RE.search(text):
        text = text.translate(_HAMZA_SEAT_TABLE)
    return _FINAL_HAMZA_RE.sub("", text)


def map_persian_letters(text: str) -> str:
    """Persian, Urdu and Maghrebi letter forms → standard Arabic letters."""
    return text.translate(_PERSIAN_TABLE) if _PERSIAN_RE.search(text) else text


def map_digits(text: str) -> str:
    """Arabic-Indic and Persian digits → ASCII 0-9."""
    return text.translate(_DIGIT_TABLE) if _DIGIT_RE.search(text) else text


def remove_punctuation(text: str) -> str:
    """Punctuation and symbols (، ؛ ؟ « » included) become a space."""
    return _PUNCTUATION_RE.sub(" ", text)


def collapse_repeats(text: str) -> str:
    """A letter written three or more times in a row is written once."""
    return _REPEAT_RE.sub(r"\1", text)


def fold_whitespace(text: str) -> str:
    """Runs of white space become one space; no leading or trailing space."""
    return _WHITESPACE_RE.sub(" ", text).strip()


# The order matters: controls go before accents so that a mark hidden behind a
# zero-width joiner is still seen; the final hamza is dropped once punctuation
# has become space (so "شيء_" and "شيء " agree); repeats are collapsed last.
_PIPELINE: tuple[Callable[[str], str], ...] = (
    normalize_unicode,
    remove_controls,
    fold_case,
    remove_latin_accents,
    remove_diacritics,
    remove_tatweel,
    normalize_alef,
    normalize_alef_maqsura,
    normalize_teh_marbuta,
    map_persian_letters,
    map_digits,
    remove_punctuation,
    normalize_hamza,
    collapse_repeats,
    fold_whitespace,
)


def normalize(text: str) -> str:
    """Return ``text`` in the canonical form used for matching.

    >>> normalize("مَا هِيَ مُؤَسَّسَةُ التَّعَاااوُن؟")
    'ما هي موسسه التعاون'
    """
    for rule in _PIPELINE:
        text = rule(text)
    return text


def tokens(text: str) -> list[str]:
    """The words of ``normalize(text)``."""
    return normalize(text).split()


# --- stop words ----------------------------------------------------------------

_STOP_WORDS_RAW = """
ما ماذا من هل كيف كم متى أين اين لماذا لم لما أي اي أية ايه ماهو ماهي مالذي
هو هي هم هن هما أنا انا نحن أنت انت أنتم انتم انتما
في على إلى الى عن مع من منذ حتى عند لدى لدي بين خلال حول ضد نحو دون
هذا هذه ذلك تلك هؤلاء اولئك أولئك هنا هناك
التي الذي الذين اللذان اللتان اللواتي اللاتي
أن إن ان أو او ثم قد لا لم لن ليس ليست بل لكن و ف ب ك ل
كان كانت يكون تكون يمكن يمكنني
كل بعض غير أيضا ايضا جدا فقط
إذا اذا لو أم ام سوف
به بها له لها لهم فيه فيها عليه عليها منه منها عنه عنها لديه لديها لدينا
le la les l de des du d un une et est ce c ca ça que qu qui quoi quel quelle quels quelles
pour avec dans au aux en sur par pas ne se sa son ses mon ma mes ton ta tes
il elle ils elles je tu nous vous on y a
شنو شنوا شنا اش آش واش فين كيفاش كيف شحال ديال ديالي لي اللي كاين كاينه
"""


def _normalized_words(raw: str) -> Iterable[str]:
    for word in raw.split():
        yield from tokens(word)


STOP_WORDS: frozenset[str] = frozenset(_normalized_words(_STOP_WORDS_RAW))
"""Function and question words (standard Arabic, French, common Darija), normalized."""


# --- light stemmer -------------------------------------------------------------

# Proclitics (article with its conjunctions and prepositions), longest first.
_ARTICLE_PREFIXES: tuple[str, ...] = tuple(
    sorted(
        (
            "\u0627\u0644",  # ال
            "\u0648\u0627\u0644",  # وال
            "\u0628\u0627\u0644",  # بال
            "\u0643\u0627\u0644",  # كال
            "\u0641\u0627\u0644",  # فال
            "\u0648\u0628\u0627\u0644",  # وبال
            "\u0641\u0628\u0627\u0644",  # فبال
            "\u0648\u0643\u0627\u0644",  # وكال
            "\u0644\u0644",  # لل
            "\u0648\u0644\u0644",  # ولل
            "\u0641\u0644\u0644",  # فلل
        ),
        key=len,
        reverse=True,
    )
)
# Bare proclitics: conjunctions و ف, prepositions ب ك ل.
_BARE_CLITICS = frozenset("\u0648\u0641\u0628\u0643\u0644")
_ARTICLE = "\u0627\u0644"  # ال

# Suffixes, longest first (ة is already ه after normalize).
_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        (
            "\u064a\u0627\u062a",  # يات: جمعيات → جمع, as جمعية → جمع
            "\u0647\u0627",  # ها
            "\u0627\u0646",  # ان
            "\u0627\u062a",  # ات
            "\u0648\u0646",  # ون
            "\u064a\u0646",  # ين
            "\u064a\u0647",  # يه (ية)
            "\u0647\u0645",  # هم
            "\u0647\u0646",  # هن
            "\u0643\u0645",  # كم
            "\u0646\u0627",  # نا
            "\u064a\u0627",  # يا
            "\u062a\u0645",  # تم
            "\u0647",  # ه (ة)
            "\u064a",  # ي
        ),
        key=len,
        reverse=True,
    )
)
_MIN_STEM = 3
# ون ends many five-letter words of the pattern تفاعل (تعاون, قانون): it is
# taken as the plural ending only when four letters remain (معلمون → معلم).
_WAW_NOON = "\u0648\u0646"
# A bare clitic is only considered on words of five letters or more.
_MIN_AFTER_CLITIC = 4


def stem(token: str) -> str:
    """A light stem of one normalized token: the article with its clitics, one suffix.

    Affixes are only removed when at least three letters remain, so short words
    (بيت, علم) are left whole. A bare و ف ب ك ل is left alone: whether it is a
    clitic depends on the vocabulary (see ``strip_clitics``). Query and index
    go through the same function, so a stem need only be consistent, not a
    dictionary root.

    >>> stem("والمساعدات"), stem("بالتعاون"), stem("الوطنيه"), stem("وزاره")
    ('مساعد', 'تعاون', 'وطن', 'وزار')
    """
    word = token
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_STEM:
            word = word[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix):
            rest = len(word) - len(suffix)
            if rest >= _MIN_STEM and (rest > _MIN_STEM or suffix != _WAW_NOON):
                return word[: -len(suffix)]
    return word


def strip_clitics(token: str, known: Container[str]) -> str:
    """Up to two bare proclitics (و ف ب ك ل) removed when what remains is a known word.

    Whether the و of وزارة is a conjunction cannot be told from the word alone;
    whether زارة is a word of the knowledge base can. So لجزيرة becomes جزيرة
    when جزيرة (or الجزيرة) is known, and وزارة stays whole.

    >>> strip_clitics("ولجزيره", {"جزيره"}), strip_clitics("وزاره", {"زياره"})
    ('جزيره', 'وزاره')
    """
    word = token
    for cut in (1, 2):
        if len(word) - cut < _MIN_AFTER_CLITIC or word[cut - 1] not in _BARE_CLITICS:
            break
        rest = word[cut:]
        if rest in known or _ARTICLE + rest in known:
            return rest
    return word


def stems(text: str) -> list[str]:
    """Light stems of the informative words of ``text`` (stop words dropped)."""
    return [stem(t) for t in tokens(text) if t not in STOP_WORDS]


# --- question types --------------------------------------------------------------

# What a question asks for, by the phrases that ask it. Paraphrases swap these
# phrases freely (متى ≈ في أي سنة ≈ تاريخ), so matching the type, not the words,
# tells "when was it founded" from "what is it". Written as people type them;
# normalized once at import.
QUESTION_TYPES: dict[str, tuple[str, ...]] = {
    "when": (
        "متى",
        "أي عام",
        "أي سنة",
        "أي قرن",
        "أي وقت",
        "أي يوم",
        "أي شهر",
        "تاريخ",
        "إمتى",
        "امتى",
        "وقتاش",
    ),
    "where": ("أين", "فين", "موقع", "تقع", "يقع", "توجد", "يوجد", "مكان", "عنوان"),
    "why": ("لماذا", "علاش", "سبب", "أسباب", "لأي سبب"),
    "how": ("كيف", "كيفاش", "طريقة", "طرق", "كيفية", "خطوات", "مراحل"),
    "count": ("كم", "شحال", "عدد"),
    "who": ("من هو", "من هي", "من هم", "من الذي", "شكون"),
    "what": (
        "ما هو",
        "ما هي",
        "ماهو",
        "ماهي",
        "ماذا يعني",
        "ماذا نعني",
        "تعريف",
        "مفهوم",
        "معنى",
        "المقصود",
        "ماذا نقصد",
        "شنو هو",
        "شنو هي",
        "آش هو",
    ),
}


# One pattern for all the phrases, longest first, whole words only; each
# normalized phrase knows its kind.
_QUESTION_TYPE_OF: dict[str, str] = {
    normalize(phrase): kind for kind, phrases in QUESTION_TYPES.items() for phrase in phrases
}
_QUESTION_TYPE_RE = re.compile(
    r"(?<!\S)(?:"
    + "|".join(map(re.escape, sorted(_QUESTION_TYPE_OF, key=len, reverse=True)))
    + r")(?!\S)"
)


def question_types(normalized: str) -> frozenset[str]:
    """The kinds of answer a normalized question asks for ("when", "where", ...)."""
    return frozenset(_QUESTION_TYPE_OF[m.group()] for m in _QUESTION_TYPE_RE.finditer(normalized))
