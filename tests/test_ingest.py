"""Tests for bot.ingest: interview article → draft knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest import Draft, IngestError, ingest_file, parse_article, render_yaml

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "ingest_sample_article.txt"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "source" / "000_50ef587a88b79e0a.txt"

needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="shared seed article not present")

SENTENCE_ENDS = (".", "!", "?", "؟", "…")
# Site noise around the seed interview: headlines, the image-report notice, the footer.
SEED_NOISE = ("زلزال", "حكيمي", "الذهب", "الإبلاغ", "انقر هنا")
SAMPLE_NOISE = ("أمطار غزيرة", "الديربي", "الإبلاغ", "حجب هذه الصورة", "انقر هنا")


def _assert_round_trip(draft: Draft) -> dict:
    """render_yaml loads back to the same strings, in the KB schema."""
    loaded = yaml.safe_load(render_yaml(draft))
    assert loaded["categories"] == {"interview": "الحوار"}
    assert loaded.get("meta", {}) == draft.meta  # meta is left out when empty
    assert len(loaded["entries"]) == len(draft.entries)
    for number, (row, entry) in enumerate(zip(loaded["entries"], draft.entries, strict=True), 1):
        assert row["id"] == entry.id == f"q{number}"
        assert row["category"] == "interview"
        assert row["question"] == entry.question
        assert row["answer"] == entry.answer
        assert row["source"] == f"الحوار، السؤال {number}"
        assert row.get("truncated", False) is entry.truncated
        # "truncated" is written only when true, to keep the file quiet.
        assert ("truncated" in row) is entry.truncated
    return loaded


def _questions_in(path: Path, labels: tuple[str, ...]) -> list[str]:
    """The raw question lines of an article file, label and colon removed."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        for label in labels:
            if line.startswith(label):
                found.append(line[len(label) :].strip())
    return found


# --- the seed article ----------------------------------------------------------


@pytest.fixture(scope="module")
def seed_draft() -> Draft:
    return ingest_file(SEED, None)


@needs_seed
def test_seed_has_five_verbatim_questions(seed_draft: Draft) -> None:
    assert len(seed_draft.entries) == 5
    expected = _questions_in(SEED, ("س:",))
    assert [e.question for e in seed_draft.entries] == expected


@needs_seed
def test_seed_yaml_holds_no_site_noise(seed_draft: Draft) -> None:
    raw = SEED.read_text(encoding="utf-8")
    rendered = render_yaml(seed_draft)
    for word in SEED_NOISE:
        assert word in raw  # the check means something only if the noise is there
        assert word not in rendered, word


@needs_seed
def test_seed_last_answer_trimmed_to_a_sentence(seed_draft: Draft) -> None:
    *complete, last = seed_draft.entries
    assert last.truncated
    assert last.answer.endswith(SENTENCE_ENDS)
    assert not last.answer.endswith("وتقوي")
    assert "وتقوي" not in last.answer
    assert not any(e.truncated for e in complete)
    assert seed_draft.warnings == (
        "entry q5: answer cut off mid-sentence, trimmed to its last complete sentence",
    )


@needs_seed
def test_seed_multi_line_answer_kept_as_paragraphs(seed_draft: Draft) -> None:
    first = seed_draft.entries[0].answer.split("\n\n")
    assert len(first) == 2
    assert first[1].startswith("وتعتبر المؤسسة")


@needs_seed
def test_seed_meta(seed_draft: Draft) -> None:
    assert seed_draft.meta == {
        "title": "مندوب التعاون الوطني بتازة في حوار كاشف",
        "source": "حوار: مندوب التعاون الوطني بتازة في حوار كاشف — تازا سيتي، 2011-03-17",
        "date": "2011-03-17",
        "publication": "تازا سيتي",
        "interviewer": "عماد بوسعيدي",
    }


@needs_seed
def test_seed_yaml_round_trips(seed_draft: Draft) -> None:
    loaded = _assert_round_trip(seed_draft)
    assert loaded["meta"]["date"] == "2011-03-17"  # a string, not a YAML date
    assert "answer: |" in render_yaml(seed_draft)  # answers are block scalars


# --- the project's own sample article ------------------------------------------


@pytest.fixture(scope="module")
def sample_draft() -> Draft:
    return ingest_file(SAMPLE, None)


def test_sample_questions_verbatim(sample_draft: Draft) -> None:
    expected = _questions_in(SAMPLE, ("سؤال :", "سؤال：", "سؤال:"))
    assert len(expected) == 3
    assert [e.question for e in sample_draft.entries] == expected


def test_sample_multi_line_answer(sample_draft: Draft) -> None:
    assert sample_draft.entries[0].answer.startswith("تفتح المكتبة")  # "جواب:" with no space
    paragraphs = sample_draft.entries[1].answer.split("\n\n")
    assert paragraphs == [
        "يمكن لكل سكان الحي الاستفادة من الإعارة بعد التسجيل.",
        "يكفي تقديم بطاقة التعريف وصورة شمسية.",
        "ويستفيد التلاميذ من الإعارة مجانا طيلة السنة الدراسية!",
    ]


def test_sample_last_answer_trimmed(sample_draft: Draft) -> None:
    last = sample_draft.entries[-1]
    assert last.truncated
    assert last.answer == "ننظم ورشات للحكي كل يوم أربعاء."
    assert [e.truncated for e in sample_draft.entries] == [False, False, True]
    assert len(sample_draft.warnings) == 1
    assert sample_draft.warnings[0].startswith("entry q3: ")


def test_sample_meta_and_noise(sample_draft: Draft) -> None:
    assert sample_draft.meta["title"] == "مديرة مكتبة الحي تتحدث عن خدمات القراءة"
    assert sample_draft.meta["date"] == "2019-11-05"
    assert sample_draft.meta["publication"] == "جريدة المدينة"
    assert sample_draft.meta["interviewer"] == "سعاد العلمي"
    rendered = render_yaml(sample_draft)
    for words in SAMPLE_NOISE:
        assert words not in rendered, words
    _assert_round_trip(sample_draft)


def test_ingest_file_writes_yaml(tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    draft = ingest_file(SAMPLE, out)
    assert out.read_text(encoding="utf-8") == render_yaml(draft)
    assert len(yaml.safe_load(out.read_text(encoding="utf-8"))["entries"]) == 3


def test_bom_and_crlf_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    text = SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert ingest_file(path, None) == ingest_file(SAMPLE, None)


# --- markers and trimming --------------------------------------------------------


@pytest.mark.parametrize(
    ("question_line", "answer_line"),
    [
        ("س: ما الخبر؟", "ج: لا جديد."),
        ("س:ما الخبر؟", "ج:لا جديد."),
        ("س : ما الخبر؟", "ج : لا جديد."),
        ("سؤال：ما الخبر؟", "جواب：لا جديد."),
        ("\u200fسؤال: ما الخبر؟", "جواب:  لا جديد."),
    ],
)
def test_marker_variants(question_line: str, answer_line: str) -> None:
    draft = parse_article(f"{question_line}\n{answer_line}\n")
    assert [(e.question, e.answer, e.truncated) for e in draft.entries] == [
        ("ما الخبر؟", "لا جديد.", False)
    ]
    assert draft.meta == {}
    assert draft.warnings == ()


def test_decimal_point_is_not_a_sentence_end() -> None:
    draft = parse_article("س: كم النسبة؟\nج: بلغت النسبة 40 في المئة. ثم ارتفعت إلى 2.5 في")
    assert draft.entries[0].answer == "بلغت النسبة 40 في المئة."


def test_cut_answer_without_any_sentence_is_kept_and_flagged() -> None:
    draft = parse_article("س: ما الخبر؟\nج: الخبر أن")
    assert draft.entries[0].answer == "الخبر أن"
    assert draft.entries[0].truncated
    assert "no complete sentence" in draft.warnings[0]


def test_strays_are_skipped_with_a_warning() -> None:
    draft = parse_article("ج: جواب يتيم.\nس: سؤال أول؟\nس: سؤال ثان؟\nج: جواب.\nس: سؤال أخير؟")
    assert [e.question for e in draft.entries] == ["سؤال ثان؟"]
    assert len(draft.warnings) == 3
    assert draft.warnings[0].startswith("line 1: answer without a question")


# --- errors ----------------------------------------------------------------------


def test_no_interview_raises() -> None:
    with pytest.raises(IngestError, match="no interview found"):
        parse_article("عنوان المقال\nنص عادي بلا أسئلة ولا أجوبة.\nس: سؤال بلا جواب؟\n")


def test_no_interview_file_raises_with_path(tmp_path: Path) -> None:
    path = tmp_path / "news.txt"
    path.write_text("خبر عادي.\nلا حوار هنا.\n", encoding="utf-8")
    with pytest.raises(IngestError, match="news.txt: no interview found"):
        ingest_file(path, None)


@pytest.mark.parametrize("content", [b"", b"   \n\r\n\t\n", b"\xef\xbb\xbf"])
def test_empty_file_raises(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError, match="empty"):
        ingest_file(path, None)


def test_unreadable_inputs_raise(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read"):
        ingest_file(tmp_path / "missing.txt", None)
    with pytest.raises(IngestError, match="cannot read"):
        ingest_file(tmp_path, None)  # a directory
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("س: سؤال؟".encode("cp1256"))
    with pytest.raises(IngestError, match="not UTF-8"):
        ingest_file(latin, None)


def test_unwritable_output_raises(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot write"):
        ingest_file(SAMPLE, tmp_path / "no" / "such" / "dir.yaml")


_LINES = st.sampled_from(["س: ", "ج: ", "سؤال:", "جواب ：", "نشر في ", "حاوره: ", "", "\r"])
_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_LINES, _TEXT), max_size=12))
def test_any_text_gives_a_draft_or_ingest_error(rows: list[tuple[str, str]]) -> None:
    text = "\n".join(prefix + body for prefix, body in rows)
    try:
        draft = parse_article(text)
    except IngestError:
        return
    _assert_round_trip(draft)
