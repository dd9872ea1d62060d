"""A fake Telegram Bot API for tests and benchmarks: 127.0.0.1 only, free port, no network.

The fake plays Telegram's side: it answers the bot's requests (getMe,
getUpdates with long polling, sendMessage, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, setMyCommands, setWebhook,
deleteWebhook, ...), keeps the messages the bot sent, and lets a test play
the user: `text(...)`, `press(...)`, `photo(...)` build updates, `push()`
queues them for getUpdates (a webhook test POSTs them itself). Faults are
injected on demand: a 429 with retry_after, a 500, a 403 "bot was blocked by
the user", or a response slower than the bot's timeout.

The same `FakeBotAPI.handle()` logic serves over HTTP (`serve()`) and
in-process (`FakeRequest`, a python-telegram-bot BaseRequest), so handler
tests run offline with Telegram's real semantics.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_ID = 424242
BOT_USERNAME = "taza_faq_test_bot"
BOT_READ_TIMEOUT = 5.0  # python-telegram-bot's default read timeout, in seconds
MAX_LONG_POLL = 30.0  # seconds; a getUpdates never waits longer than this

# Form fields the bot sends as plain strings; every other field is JSON-encoded.
_STRING_FIELDS = {
    "text",
    "url",
    "secret_token",
    "callback_query_id",
    "caption",
    "parse_mode",
    "language_code",
    "inline_message_id",
    "action",
    "ip_address",
    "description",
    "short_description",
    "name",
}


@dataclass
class Call:
    """One request the bot made, as the fake saw it."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when it arrived
    status: int = 200  # what the fake answered
    fault: str | None = None  # the injected fault, if any
    result: Any = None  # the "result" the fake answered with

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.fault is None

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button in the request's reply_markup."""
        markup = self.params.get("reply_markup") or {}
        return [
            (b.get("text", ""), b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


@dataclass
class Fault:
    kind: str  # "429" | "500" | "blocked" | "timeout"
    method: str
    chat_id: int | None = None
    retry_after: int = 1
    delay: float = 0.0
    times: int = 1


@dataclass
class Response:
    status: int
    body: dict[str, Any]
    delay: float = 0.0  # the HTTP server waits this long first ("timeout" faults)


@dataclass
class _Chat:
    id: int
    type: str = "private"
    title: str | None = None

    def as_dict(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = "مواطن"
        else:
            chat["title"] = self.title or "مجموعة"
        return chat


@dataclass
class FakeBotAPI:
    """Telegram's side of the conversation, thread-safe."""

    token: str
    bot_id: int = BOT_ID
    username: str = BOT_USERNAME
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # not yet confirmed
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)  # setMy(Short)Description
    webhook: dict[str, Any] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._ids = itertools.count(1)  # message ids
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._chats: dict[int, _Chat] = {}
        self._closed = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- the user's side: build updates ------------------------------------

    @property
    def me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Taza FAQ",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "مواطن", "language_code": "ar"}

    def _chat(self, chat_id: int, chat_type: str) -> _Chat:
        with self._cond:
            chat = self._chats.setdefault(chat_id, _Chat(chat_id, chat_type))
            chat.type = chat_type
            return chat

    def _message(
        self, chat_id: int, user_id: int | None, chat_type: str, reply_to: dict | None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type).as_dict(),
            "from": self._user(user_id if user_id is not None else chat_id),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message

    def _update(self, **payload: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **payload}

    def text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An update with a text message; commands and @mentions get their entities."""
        message = self._message(chat_id, user_id, chat_type, reply_to)
        message["text"] = text
        entities = _entities(text)
        if entities:
            message["entities"] = entities
        return self._update(message=message)

    def edited(self, update: dict[str, Any], text: str) -> dict[str, Any]:
        """An update saying the user edited the message of `update` to read `text`."""
        message = dict(update["message"], text=text, edit_date=int(time.time()))
        entities = _entities(text)
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        return self._update(edited_message=message)

    def photo(
        self,
        chat_id: int,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        caption: str | None = None,
    ) -> dict[str, Any]:
        message = self._message(chat_id, user_id, chat_type, None)
        message["photo"] = [
            {"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}
        ]
        if caption:
            message["caption"] = caption
            entities = _entities(caption)
            if entities:
                message["caption_entities"] = entities
        return self._update(message=message)

    def media(self, chat_id: int, kind: str, *, user_id: int | None = None) -> dict[str, Any]:
        """A voice note, sticker, document or location message."""
        message = self._message(chat_id, user_id, "private", None)
        message[kind] = {
            "voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 2},
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "s1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
            "document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "a.pdf"},
            "location": {"latitude": 34.21, "longitude": -4.01},
        }[kind]
        return self._update(message=message)

    def press(
        self, message: dict[str, Any], data: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """An update for a press on a button (callback_data `data`) under a bot message."""
        chat_id = message["chat"]["id"]
        query = {
            "id": str(next(self._query_ids)),
            "from": self._user(user_id if user_id is not None else chat_id),
            "chat_instance": f"ci-{chat_id}",
            "message": message,
            "data": data,
        }
        return self._update(callback_query=query)

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for the bot's next getUpdates."""
        with self._cond:
            self.updates.append(update)
            self._cond.notify_all()
        return update

    def message(self, call: Call) -> dict[str, Any]:
        """The current state of the message a sendMessage call created."""
        with self._cond:
            return self.messages[(call.chat_id, call.result["message_id"])]

    # --- faults ---------------------------------------------------------------

    def fail(
        self,
        kind: str,
        method: str = "sendMessage",
        *,
        chat_id: int | None = None,
        retry_after: int = 1,
        delay: float = BOT_READ_TIMEOUT + 1.0,
        times: int = 1,
    ) -> None:
        """The next `times` matching requests fail: "429", "500", "blocked" or "timeout".

        A "timeout" answers only after `delay` seconds, longer than the bot waits.
        """
        assert kind in ("429", "500", "blocked", "timeout"), kind
        with self._cond:
            self.faults.append(Fault(kind, method, chat_id, retry_after, delay, times))

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        chat_id = params.get("chat_id")
        for fault in self.faults:
            if fault.method == method and fault.chat_id in (None, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # --- observing the bot ----------------------------------------------------

    def mark(self) -> int:
        """A position in the call log; wait_for(after=mark) sees only later calls."""
        with self._cond:
            return len(self.calls)

    def wait_for(
        self,
        predicate: Callable[[Call], bool],
        *,
        after: int = 0,
        timeout: float = 10.0,
    ) -> Call:
        """The first call at or after `after` matching `predicate`; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[after:]:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [
                        (c.method, c.chat_id, c.text[:40], c.status) for c in self.calls[after:]
                    ]
                    raise AssertionError(f"no matching call within {timeout}s; saw {seen}")
                self._cond.wait(remaining)

    def reply(
        self, chat_id: int, *, after: int = 0, timeout: float = 10.0, method: str = "sendMessage"
    ) -> Call:
        """The bot's next successful `method` to `chat_id`."""
        return self.wait_for(
            lambda c: c.method == method and c.chat_id == chat_id and c.ok,
            after=after,
            timeout=timeout,
        )

    def sent(self, chat_id: int, *, after: int = 0) -> list[Call]:
        with self._cond:
            return [
                c
                for c in self.calls[after:]
                if c.method == "sendMessage" and c.chat_id == chat_id and c.ok
            ]

    # --- Telegram's side: answer a request ------------------------------------

    def handle(self, token: str, method: str, params: dict[str, Any]) -> Response:
        """Answer one Bot API request as Telegram would."""
        if token != self.token:
            return _error(HTTPStatus.UNAUTHORIZED, "Unauthorized")
        if method == "getUpdates":  # not logged as a call: long polls would flood the log
            with self._cond:
                fault = self._take_fault(method, params)
                if fault is not None and fault.kind != "timeout":
                    self.calls.append(
                        Call(
                            method,
                            params,
                            time.monotonic(),
                            fault=fault.kind,
                            status=self._fault_response(fault).status,
                        )
                    )
                    self._cond.notify_all()
                    return self._fault_response(fault)
            return self._get_updates(params)
        with self._cond:
            call = Call(method, params, time.monotonic())
            fault = self._take_fault(method, params)
            if fault is None:
                response = self._dispatch(method, params)
            elif fault.kind == "timeout":  # Telegram is slow: the bot gives up before the answer
                slow = self._dispatch(method, params, store=False)
                response = Response(slow.status, slow.body, delay=fault.delay)
            else:
                response = self._fault_response(fault)
            call.status, call.fault = response.status, fault.kind if fault else None
            call.result = response.body.get("result")
            self.calls.append(call)
            self._cond.notify_all()
            return response

    def _fault_response(self, fault: Fault) -> Response:
        if fault.kind == "429":
            return _error(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"Too Many Requests: retry after {fault.retry_after}",
                parameters={"retry_after": fault.retry_after},
            )
        if fault.kind == "500":
            return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        if fault.kind == "blocked":
            return _error(HTTPStatus.FORBIDDEN, "Forbidden: bot was blocked by the user")
        raise ValueError(fault.kind)

    def _get_updates(self, params: dict[str, Any]) -> Response:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        deadline = time.monotonic() + wait
        with self._cond:
            if self.webhook.get("url"):
                return _error(
                    HTTPStatus.CONFLICT,
                    "Conflict: can't use getUpdates method while webhook is active",
                )
            if offset:  # Telegram forgets every update below the offset
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return Response(200, {"ok": True, "result": self.updates[:limit]})

    def _dispatch(self, method: str, params: dict[str, Any], *, store: bool = True) -> Response:
        if method == "getMe":
            return _ok(self.me)
        if method == "sendMessage":
            text = str(params.get("text", ""))
            if not text.strip():
                return _error(HTTPStatus.BAD_REQUEST, "Bad Request: message text is empty")
            if len(text.encode("utf-16-le")) // 2 > 4096:
                return _error(HTTPStatus.BAD_REQUEST, "Bad Request: message is too long")
            problem = _markup_problem(params.get("reply_markup"))
            if problem:
                return _error(HTTPStatus.BAD_REQUEST, f"Bad Request: {problem}")
            chat_id = int(params["chat_id"])
            chat = self._chats.get(chat_id, _Chat(chat_id))
            message: dict[str, Any] = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": chat.as_dict(),
                "from": self.me,
                "text": text,
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            if store:
                self.messages[(chat_id, message["message_id"])] = message
            return _ok(message)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
            message = self.messages.get(key)
            if message is None:
                return _error(HTTPStatus.BAD_REQUEST, "Bad Request: message to edit not found")
            new = dict(message)
            if method == "editMessageText":
                new["text"] = str(params.get("text", ""))
            if params.get("reply_markup"):
                new["reply_markup"] = params["reply_markup"]
            else:
                new.pop("reply_markup", None)
            if new == message:
                return _error(
                    HTTPStatus.BAD_REQUEST,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            problem = _markup_problem(params.get("reply_markup"))
            if problem:
                return _error(HTTPStatus.BAD_REQUEST, f"Bad Request: {problem}")
            self.messages[key] = new
            return _ok(new)
        if method == "setMyCommands":
            self.commands = list(params.get("commands") or [])
            return _ok(True)
        if method in ("setMyDescription", "setMyShortDescription"):
            key = "description" if method == "setMyDescription" else "short_description"
            text = str(params.get(key, ""))
            if len(text) > (512 if key == "description" else 120):
                return _error(HTTPStatus.BAD_REQUEST, f"Bad Request: {key} is too long")
            self.descriptions[key] = text
            return _ok(True)
        if method == "getMyCommands":
            return _ok(self.commands)
        if method == "setWebhook":
            self.webhook = {"url": params.get("url", ""), "secret": params.get("secret_token")}
            self._cond.notify_all()  # a pending long poll must now fail with 409
            return _ok(True)
        if method == "deleteWebhook":
            self.webhook = {}
            if params.get("drop_pending_updates"):
                self.updates.clear()
            return _ok(True)
        if method == "getWebhookInfo":
            return _ok(
                {
                    "url": self.webhook.get("url", ""),
                    "has_custom_certificate": False,
                    "pending_update_count": len(self.updates),
                }
            )
        if method in (
            "answerCallbackQuery",
            "sendChatAction",
            "close",
            "logOut",
            "deleteMyCommands",
            "setChatMenuButton",
        ):
            return _ok(True)
        return _error(HTTPStatus.NOT_FOUND, "Not Found: method not found")

    # --- serving over HTTP ----------------------------------------------------

    def serve(self) -> FakeBotAPI:
        """Start serving on 127.0.0.1 on a free port (bound to port 0)."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like Telegram
            disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stall

            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                self._answer()

            def do_GET(self) -> None:  # noqa: N802
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = self.path.split("?", 1)[0].strip("/").split("/")
                if len(parts) != 2 or not parts[0].startswith("bot"):
                    response = _error(HTTPStatus.NOT_FOUND, "Not Found")
                else:
                    params = _parse_params(self.headers.get("Content-Type", ""), body)
                    if "?" in self.path:
                        params.update(_decode_form(self.path.split("?", 1)[1]))
                    response = api.handle(parts[0][3:], parts[1], params)
                if response.delay:
                    time.sleep(response.delay)
                payload = json.dumps(response.body, ensure_ascii=False).encode()
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the bot gave up waiting (a "timeout" fault): fine
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # request lines hold the token; and tests want quiet

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # the bot opens many connections at once in a burst

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hung up mid-response is expected in fault tests

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None, "call serve() first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What goes in TELEGRAM_API_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeBotAPI:
        return self.serve()

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- in-process transport for handler tests -----------------------------------


def fake_request(api: FakeBotAPI, *, latency: Callable[[], float] | None = None) -> Any:
    """A python-telegram-bot BaseRequest answered by `api` in-process: no sockets at all.

    `latency()` seconds are awaited before each answer, to interleave concurrent updates.
    """
    import asyncio

    from telegram.error import TimedOut
    from telegram.request import BaseRequest, RequestData

    class FakeRequest(BaseRequest):
        @property
        def read_timeout(self) -> float | None:
            return 5.0

        async def initialize(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

        async def do_request(
            self,
            url: str,
            method: str,
            request_data: RequestData | None = None,
            read_timeout: Any = None,
            write_timeout: Any = None,
            connect_timeout: Any = None,
            pool_timeout: Any = None,
        ) -> tuple[int, bytes]:
            head, api_method = url.rsplit("/", 1)
            token = head.rsplit("/", 1)[-1].removeprefix("bot")
            params: dict[str, Any] = {}
            if request_data is not None:
                params = {k: _decode_value(k, v) for k, v in request_data.json_parameters.items()}
            if api_method == "getUpdates":
                params["timeout"] = 0  # never block the event loop on a long poll
            if latency is not None:
                await asyncio.sleep(latency())
            response = api.handle(token, api_method, params)
            if response.delay:
                await asyncio.sleep(0)
                raise TimedOut("Timed out")
            return response.status, json.dumps(response.body).encode()

    return FakeRequest()


# --- webhook side: what Telegram would POST to the bot ------------------------


def post_update(
    url: str, update: dict[str, Any], *, secret: str | None, timeout: float = 5.0
) -> int:
    """POST an update to the bot's webhook as Telegram does; returns the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        url, data=json.dumps(update).encode(), headers=headers, method="POST"
    )
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: no proxy
    try:
        with direct.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# --- helpers ------------------------------------------------------------------


def _ok(result: Any) -> Response:
    return Response(200, {"ok": True, "result": result})


def _error(status: int, description: str, **extra: Any) -> Response:
    return Response(
        int(status), {"ok": False, "error_code": int(status), "description": description, **extra}
    )


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entities(text: str) -> list[dict[str, Any]]:
    """bot_command at the start and @mentions, with UTF-16 offsets as Telegram counts them."""
    entities = []
    if text.startswith("/"):
        command = text.split()[0]
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16(command)})
    for index, word in _words(text):
        if word.startswith("@") and len(word) > 1 and not (index == 0 and text.startswith("/")):
            entities.append(
                {"type": "mention", "offset": _utf16(text[:index]), "length": _utf16(word)}
            )
    return entities


def _words(text: str) -> list[tuple[int, str]]:
    words, start = [], None
    for index, char in enumerate(text + " "):
        if char.isspace():
            if start is not None:
                words.append((start, text[start:index]))
                start = None
        elif start is None:
            start = index
    return words


def _markup_problem(markup: Any) -> str | None:
    """What Telegram would refuse in an inline keyboard (callback_data over 64 bytes...)."""
    if not markup:
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                return "BUTTON_DATA_INVALID"
            if not button.get("text"):
                return "BUTTON_TEXT_EMPTY"
    return None


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _decode_form(body: str) -> dict[str, Any]:
    return {k: _decode_value(k, v) for k, v in parse_qsl(body, keep_blank_values=True)}


def _parse_params(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        data = json.loads(body)
        return data if isinstance(data, dict) else {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _decode_form(body.decode())
    return {}  # multipart (file uploads): the bot never sends files


# --- the knowledge base the Telegram tests and the benchmark run against ------------

LONG_SENTENCE = "أحدثت المؤسسة برامج كثيرة لفائدة الفئات الهشة في مختلف الأقاليم."
LONG_SOURCE = "السؤال 1 من الحوار، " + "وهو جواب مطول عن تاريخ المؤسسة ومراحل تطورها " * 4

TEST_KB = """\
meta:
  title: التعاون الوطني — أسئلة شائعة (نسخة الاختبار)
  source: "حوار مع مندوب التعاون الوطني بتازة، تازا سيتي، 17-03-2011"
texts:
  welcome: "مرحبا! أجيب عن الأسئلة الشائعة حول مؤسسة التعاون الوطني. مصدر معلوماتي: \
حوار مع مندوب التعاون الوطني بتازة، تازا سيتي، 17-03-2011. اختر موضوعا أو اكتب سؤالك."
  help: "اكتب سؤالك بكلماتك، مثلا: ما هي مؤسسة التعاون الوطني؟ أو بالدارجة: \
شنو هو التعاون الوطني؟ ولتصفح المواضيع: /topics"
  fallback: "عذرا، لا أملك هذه المعلومة. تصفح المواضيع عبر /topics."
  feedback_prompt: هل كان هذا الجواب مفيدا؟
  feedback_thanks: شكرا على رأيك!
  non_text: عذرا، لا أقرأ إلا الرسائل النصية.
  rate_limited: رسائل كثيرة في وقت قصير، انتظر قليلا من فضلك.
  error: عذرا، وقع خطأ من جهتنا.
categories:
  about: عن المؤسسة
  training: التكوين
entries:
  - id: about
    category: about
    question: ما هي مؤسسة التعاون الوطني؟
    alternatives: [شنو هو التعاون الوطني, c'est quoi l'entraide nationale]
    answer: التعاون الوطني مؤسسة عمومية أحدثت سنة 1957 تعنى بالمساعدة الاجتماعية.
    follow_up: [missions, kindergarten]
    source: السؤال 1
  - id: missions
    category: about
    question: ما هي مهام التعاون الوطني؟
    alternatives: [شنو هي الخدمات ديال التعاون الوطني]
    answer: تقدم المؤسسة المساعدة للأسر المعوزة وتدعم الإدماج الاجتماعي.
    source: السؤال 2
  - id: kindergarten
    category: about
    question: هل يوفر التعاون الوطني رياض الأطفال؟
    alternatives: [واش كاين روض الأطفال]
    answer: تسير المؤسسة رياضا للأطفال في عدة أحياء.
    source: السؤال 2
  - id: training_women
    category: training
    question: ما هي مراكز التكوين المهني للنساء؟
    answer: مراكز التكوين المهني تكون النساء في الخياطة والطرز.
    source: السؤال 3
  - id: training_youth
    category: training
    question: ما هي مراكز التكوين المهني للشباب؟
    answer: مراكز التكوين المهني بالتدرج تستقبل الشباب.
    source: السؤال 3
  - id: history
    category: about
    question: ما هو تاريخ مؤسسة التعاون الوطني بالتفصيل؟
    answer: "{long_answer}"
    source: "{long_source}"
smalltalk:
  - id: greeting
    patterns: [السلام عليكم, salam]
    replies: [وعليكم السلام! تفضل بسؤالك.]
""".format(long_answer=" ".join([LONG_SENTENCE] * 60), long_source=LONG_SOURCE.strip())

# Questions and what the test knowledge base does with them.
ASK_ABOUT = "شنو هو التعاون الوطني"  # Darija → answered "about", with two follow-ups
ASK_MISSIONS = "ما هي مهام التعاون الوطني؟"  # → answered "missions"
ASK_KINDERGARTEN = "واش كاين روض الأطفال"  # → answered "kindergarten"
ASK_AMBIGUOUS = "تكوين مهني للنساء أو للشباب؟"  # → clarify: training_women or training_youth
ASK_UNKNOWN = "كم ثمن تذكرة الحافلة إلى فاس؟"  # → no_match
ASK_LONG = "ما هو تاريخ مؤسسة التعاون الوطني بالتفصيل؟"  # → an answer over 4096 characters
GREETING = "السلام عليكم"  # → small talk


def write_test_kb(directory: Any) -> Any:
    """Write the test knowledge base into `directory`; returns its path."""
    from pathlib import Path

    path = Path(directory) / "faq_test.yaml"
    path.write_text(TEST_KB, encoding="utf-8")
    return path
