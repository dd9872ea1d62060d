"""A citizen on a phone: short buttons, messages that stay, French, right-to-left, deep
links, captions, edits, the bot's description, the console and text `ask`.

Telegram is played in-process by FakeBotAPI (no socket), as in test_telegram_handlers.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REAL_KB
from fake_bot_api import ASK_ABOUT, ASK_MISSIONS, Call, FakeBotAPI, fake_request, write_test_kb
from telegram import Update

from bot.__main__ import main
from bot.bidi import LRI, PDI, RLM, rtl, strip_marks
from bot.config import Settings
from bot.console import ConsoleChat
from bot.dialogue import Dialogue
from bot.knowledge import MAX_LABEL_CHARS, KnowledgeBaseError, load, parse
from bot.language import is_french, language_of
from bot.store import QuestionLog
from bot.telegram import ALLOWED_UPDATES, build_application, set_commands

TOKEN = "987654321:SECRET-token-must-never-be-logged_xyz"
CHAT = 7001
ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN = re.compile(r"[A-Za-z]")


class Bot:
    def __init__(self, app: Any, api: FakeBotAPI) -> None:
        self.app, self.api = app, api

    async def send(self, update: dict[str, Any]) -> list[Call]:
        mark = self.api.mark()
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.sent(CHAT, after=mark)

    async def say(self, text: str) -> list[Call]:
        return await self.send(self.api.text(CHAT, text))

    async def press(self, call: Call, data: str) -> list[Call]:
        mark = self.api.mark()
        await self.app.process_update(
            Update.de_json(self.api.press(self.api.message(call), data), self.app.bot)
        )
        return self.api.calls[mark:]


async def _bot(kb: Path) -> AsyncIterator[Bot]:
    api = FakeBotAPI(TOKEN)
    log = QuestionLog(":memory:")
    settings = Settings(
        kb_path=kb, db_path=Path(":memory:"), telegram_token=TOKEN, rate_limit_messages=1000
    )
    app = build_application(
        settings, Dialogue.from_path(kb, settings=settings), log, request=fake_request(api)
    )
    await app.initialize()
    try:
        yield Bot(app, api)
    finally:
        await app.shutdown()
        log.close()


@pytest.fixture
async def real() -> AsyncIterator[Bot]:
    """The bot on the real knowledge base: its labels, texts and small talk."""
    async for bot in _bot(REAL_KB):
        yield bot


@pytest.fixture
async def small(tmp_path: Path) -> AsyncIterator[Bot]:
    async for bot in _bot(write_test_kb(tmp_path)):
        yield bot


def labels(call: Call) -> list[str]:
    return [label for label, _ in call.buttons()]


def payloads(call: Call) -> list[str]:
    return [data for _, data in call.buttons()]


# --- buttons made for a phone -------------------------------------------------------


def test_every_entry_of_the_real_kb_has_a_short_label_of_its_own() -> None:
    kb = load(REAL_KB)
    assert all(e.label and len(e.label) <= MAX_LABEL_CHARS for e in kb.entries)
    assert len({e.label for e in kb.entries}) == len(kb.entries)  # no two buttons read alike
    assert sum("التعاون الوطني" in e.label for e in kb.entries) <= 1


def test_a_label_over_32_characters_is_refused_with_its_line() -> None:
    text = f"entries:\n  - id: a\n    question: سؤال؟\n    answer: جواب.\n    label: {'ب' * 33}\n"
    with pytest.raises(KnowledgeBaseError) as caught:
        parse(text, "kb.yaml")
    assert str(caught.value).startswith("kb.yaml:5:12: entry 'a': label is 33 characters")


def test_without_a_label_the_question_is_the_button() -> None:
    kb = parse("entries:\n  - id: a\n    question: سؤال؟\n    answer: جواب.\n")
    assert kb.entries[0].button_label == "سؤال؟"


async def test_every_button_under_an_answer_reads_its_entry_label(real: Bot) -> None:
    [reply] = await real.say("شنو كيقدم التعاون الوطني للنساء؟")
    kb = load(REAL_KB)
    entries = {f"e:{e.id}": e.label for e in kb.entries}
    shown = [(label, data) for label, data in reply.buttons() if data.startswith("e:")]
    assert shown and all(label == entries[data] for label, data in shown)
    assert all(len(label) <= MAX_LABEL_CHARS for label in labels(reply))


# --- messages that stay -------------------------------------------------------------


async def test_browsing_from_the_welcome_leaves_it_as_sent(small: Bot) -> None:
    [welcome] = await small.say("/start")
    calls = await small.press(welcome, "c:about")
    assert "editMessageText" not in [c.method for c in calls]
    [menu] = [c for c in calls if c.method == "sendMessage"]
    assert payloads(menu)[-1] == "t:back"
    assert small.api.message(welcome)["text"] == welcome.text  # the source and date stay
    calls = await small.press(menu, "t:back")  # a menu edits only itself
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert small.api.message(welcome)["text"] == welcome.text


async def test_an_unknown_command_gets_the_help_in_both_adapters(
    small: Bot, tmp_path: Path
) -> None:
    [reply] = await small.say("/whatever")
    [help_] = await small.say("/help")
    assert reply.text == help_.text
    chat = ConsoleChat(Dialogue(load(write_test_kb(tmp_path))))
    assert chat.handle("/whatever").text == chat.handle("/help").text


# --- no answer, with a next step; small talk ----------------------------------------


def test_the_texts_for_no_answer_differ_and_say_what_to_do() -> None:
    texts = load(REAL_KB).texts
    lacking, not_understood = texts["fallback_lacking"], texts["fallback"]
    assert lacking != not_understood
    assert "2011" in lacking and "مندوبية التعاون الوطني" in lacking
    assert all(word in lacking for word in ("الهاتف", "العناوين", "الوثائق", "المواعيد"))
    assert not re.search(r"\d{5,}|@|www|http", lacking)  # no invented contact
    assert "/topics" in not_understood and "صياغت" in not_understood
    assert "/topics" not in lacking or "إعادة صياغة" in lacking  # rephrasing cannot help


async def test_three_kinds_of_no_answer_get_three_texts(real: Bot) -> None:
    texts = load(REAL_KB).texts
    [phone] = await real.say("عطيني رقم الهاتف ديال التعاون الوطني فتازة")
    assert strip_marks(phone.text).startswith(texts["fallback_lacking"].strip())
    [nonsense] = await real.say("asdfgh qwerty zxcv")
    assert strip_marks(nonsense.text).startswith(texts["fallback"].strip())
    [emoji] = await real.say("👍")
    assert emoji.text not in (phone.text, nonsense.text)
    replies = {r for intent in load(REAL_KB).smalltalk for r in intent.replies}
    assert strip_marks(emoji.text) in replies
    for reply in (phone, nonsense):  # a next step either way
        assert payloads(reply)[-2:] == ["g:", "t:"]


async def test_no_answer_offers_the_guide_and_the_topics(real: Bot) -> None:
    [reply] = await real.say("كيف هو الطقس اليوم في فاس؟")
    assert payloads(reply)[-2:] == ["g:", "t:"]


@pytest.mark.parametrize(
    "text", ["هههه", "واخا", "رائع", "باهي", "يعطيك العافية", "مشكور", "top", "parfait"]
)
def test_courtesies_get_small_talk_not_an_answer_or_no_information(text: str) -> None:
    reply = Dialogue(load(REAL_KB)).reply(text)
    assert reply.status == "smalltalk", (text, reply.status, reply.entry_id)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("🙏🙏", "thanks"),  # a known emoji, repeated
        ("❤❤", "thanks"),  # typed without the emoji variation mark
        ("👍❤️", "acknowledge"),  # two known emoji: the first one's intent
        ("ok chokran bzaf khoya, lah y7fdek", "thanks"),  # a courtesy, a blessing, filler
        ("شنو تقدر دير ليا؟", "capabilities"),  # what the bot can do: not the missions
        ("Qu'est-ce que tu sais faire ?", "capabilities"),
    ],
)
def test_small_talk_in_the_ways_people_write_it(text: str, intent: str) -> None:
    reply = Dialogue(load(REAL_KB)).reply(text)
    assert (reply.status, reply.decision.get("intent")) == ("smalltalk", intent), reply.decision


@pytest.mark.parametrize(
    "text",
    [
        "شكرا، وشنو كيقدمو للنساء؟",  # thanks, then a question the knowledge base answers
        "merci, et pour les handicapés ?",
        "salam, ch7al taman dyal tasjil?",  # a courtesy, then what the source lacks
        "؟؟",  # signs that say nothing: not small talk
    ],
)
def test_a_courtesy_beside_a_question_is_not_small_talk(text: str) -> None:
    reply = Dialogue(load(REAL_KB)).reply(text)
    assert reply.status != "smalltalk", (text, reply.decision)


# --- French ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "french"),
    [
        ("formation professionnelle des femmes", True),
        ("c'est quoi l'entraide nationale", True),
        ("alphabétisation", True),
        ("qui peut bénéficier de l'Entraide Nationale ?", True),
        ("wach kayn l9raya l lkbar", False),  # Arabizi
        ("chno les services dyal ta3awon lwatani", False),  # Darija with a French word
        ("ما هي مهام التعاون الوطني؟", False),
        ("merci", False),
        ("", False),
    ],
)
def test_french_is_told_from_arabizi(text: str, french: bool) -> None:
    assert is_french(text) is french


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("What are the missions of the Entraide Nationale?", "en"),
        ("I have a son with autism. Can he get therapy?", "en"),
        ("qui peut bénéficier de l'Entraide Nationale ?", "fr"),
        ("c'est quoi l'entraide nationale", "fr"),
        ("wach kayn l9raya l lkbar", None),  # Arabizi
        ("chno howa ta3awon lwatani", None),
        ("ما هي مهام التعاون الوطني؟", None),
        ("ok", None),
    ],
)
def test_english_is_told_from_french_and_arabizi(text: str, language: str | None) -> None:
    assert language_of(text) == language


async def test_an_english_question_gets_the_arabic_answer_with_one_english_line(
    real: Bot,
) -> None:
    [reply] = await real.say("Is there literacy for adults?")
    note = load(REAL_KB).texts["arabic_only_note_en"]
    first, _, rest = reply.text.partition("\n\n")
    assert first == note and not ARABIC.search(first)
    assert "محاربة الأمية" in rest


async def test_a_french_question_gets_the_arabic_answer_with_one_french_line(real: Bot) -> None:
    [reply] = await real.say("formation professionnelle des femmes")
    note = load(REAL_KB).texts["arabic_only_note"]
    first, _, rest = reply.text.partition("\n\n")
    assert first == note and not ARABIC.search(first)
    assert "التكوين المهني" in rest
    [darija] = await real.say("wach kayn takwin lbnat f ta3awon lwatani")
    assert note not in darija.text


def test_the_welcome_has_a_french_line() -> None:
    welcome = load(REAL_KB).texts["welcome"]
    assert any(line and not ARABIC.search(line) for line in welcome.splitlines())


# --- right-to-left --------------------------------------------------------------------


def _latin_outside_isolates(text: str) -> list[str]:
    outside = re.sub(f"{LRI}[^{PDI}]*{PDI}", "", text)
    return LATIN.findall(outside)


def test_commands_and_latin_runs_in_arabic_lines_are_isolated() -> None:
    text = "تصفح المواضيع عبر /topics.\n• wach ta3awon lwatani kay3awen lm3a9in?\nآخر سطر"
    marked = rtl(text)
    assert f"{LRI}/topics{PDI}" in marked
    lines = marked.split("\n")
    assert lines[1].startswith(RLM)  # the Latin example stays in the right-to-left list
    assert not _latin_outside_isolates(marked)
    assert strip_marks(marked) == text  # nothing else changed
    assert rtl("Réponse en arabe") == "Réponse en arabe"  # no Arabic: left as written
    french_line = "مرحبا بك.\nVous pouvez écrire en français."
    assert rtl(french_line) == french_line  # a French sentence of its own reads left-to-right


async def test_help_renders_right_to_left_in_telegram_and_in_the_console(real: Bot) -> None:
    [help_] = await real.say("/help")
    assert f"{LRI}/topics{PDI}" in help_.text and f"{LRI}/benefit{PDI}" in help_.text
    for line in help_.text.split("\n"):
        if LATIN.search(line):
            assert not _latin_outside_isolates(line), line
            if not ARABIC.search(strip_marks(line)):  # a Latin example in the list
                assert line.startswith(RLM + "•"), line
    chat = ConsoleChat(Dialogue(load(REAL_KB)))
    shown = io.StringIO()
    chat.show(chat.handle("/help"), shown)
    assert f"{LRI}/topics{PDI}" in shown.getvalue()


# --- Telegram polish ------------------------------------------------------------------


async def test_start_up_sets_the_description_and_short_description_in_arabic(
    real: Bot,
) -> None:
    await set_commands(real.app)
    texts = load(REAL_KB).texts
    assert real.api.descriptions == {
        "description": texts["bot_description"],
        "short_description": texts["bot_short_description"],
    }
    assert all(ARABIC.search(t) for t in real.api.descriptions.values())
    assert "2011" in real.api.descriptions["description"]


@pytest.mark.parametrize(
    ("link", "expect"),
    [
        ("disability", "e:"),  # an entry: its answer
        ("taza", "c:"),  # a category: its questions
        ("benefit", "g:"),  # the guide
    ],
)
async def test_deep_links_open_an_entry_a_category_or_the_guide(
    real: Bot, link: str, expect: str
) -> None:
    [reply] = await real.say(f"/start {link}")
    kb = load(REAL_KB)
    if expect == "e:":
        assert kb.entry(link).answer.split("\n")[0] in strip_marks(reply.text)
        assert payloads(reply)[0].startswith("f:1:")
    elif expect == "c:":
        assert reply.text == kb.categories[link]
        assert [p for p in payloads(reply) if p.startswith("e:")] == [
            f"e:{e.id}" for e in kb.in_category(link)
        ]
        assert payloads(reply)[-1] == "t:back"
    else:
        assert reply.text == kb.texts["guide_intro"]


async def test_an_unknown_deep_link_gets_the_welcome(real: Bot) -> None:
    [reply] = await real.say("/start no-such-thing")
    [welcome] = await real.say("/start")
    assert reply.text == welcome.text


async def test_a_photo_caption_is_read_as_the_question(small: Bot) -> None:
    [reply] = await small.send(small.api.photo(CHAT, caption=ASK_MISSIONS))
    assert "المساعدة للأسر المعوزة" in reply.text
    [plain] = await small.send(small.api.photo(CHAT))
    assert plain.text == "عذرا، لا أقرأ إلا الرسائل النصية."


async def test_an_edited_question_gets_a_fresh_answer(small: Bot) -> None:
    first = small.api.text(CHAT, "شنو هو")
    await small.send(first)
    [fresh] = await small.send(small.api.edited(first, ASK_ABOUT))
    assert "مؤسسة عمومية" in fresh.text
    assert "edited_message" in ALLOWED_UPDATES


# --- console and text ask -------------------------------------------------------------


def test_console_benefit_and_numbered_labels() -> None:
    chat = ConsoleChat(Dialogue(load(REAL_KB)))
    shown = io.StringIO()
    chat.show(chat.handle("chno kay9dem ta3awon lwatani l3yalat"), shown)
    out = shown.getvalue()
    assert "[1] " in out and strip_marks(out).count("[") == len(chat.buttons)
    assert "محو الأمية للكبار" in out  # the entry's label, not its long question


def test_console_answers_show_the_follow_up_title_and_lead_back_to_the_topics() -> None:
    kb = load(REAL_KB)
    chat = ConsoleChat(Dialogue(kb))
    shown = io.StringIO()
    chat.show(chat.handle("شنو كيقدم التعاون الوطني للنساء؟"), shown)
    lines = strip_marks(shown.getvalue()).splitlines()
    assert kb.texts["follow_up"] in lines
    assert chat.buttons[-1].payload == "t:"
    assert chat.handle(str(len(chat.buttons))).text == kb.texts["topics"]


def test_console_start_takes_a_deep_link_too() -> None:
    kb = load(REAL_KB)
    chat = ConsoleChat(Dialogue(kb))
    assert chat.handle("/start taza").text == kb.categories["taza"]
    assert chat.handle("/start benefit").text == kb.texts["guide_intro"]
    assert chat.handle("/start ???").text == kb.texts["welcome"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_ask_prints_the_numbered_choices(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["ask", "--kb", str(REAL_KB), "شنو كيقدم التعاون الوطني للنساء؟"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[answered women")
    assert re.search(r"\[1\] .+\n", out) and "محو الأمية للكبار" in out


def test_text_ask_at_a_terminal_shows_a_prompt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal(f"{ASK_MISSIONS}\n"))
    assert main(["ask", "--kb", str(REAL_KB), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("> ") == 2  # before the question, and before the end
    assert captured.out.count("\n") == 1  # stdout stays one JSON object a line
