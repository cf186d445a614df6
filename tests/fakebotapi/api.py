"""A fake Telegram Bot API server: its state, its rules, and the faults it can inject.

This is the server side of the seam, owned by the project: the real python-telegram-bot
``Application`` talks to it through a transport (in-process or HTTP on 127.0.0.1) and tests
read what a person would see. It enforces the rules Telegram enforces and that a bug in our
renderer could break (HTML parsing, text length, callback data size, unknown chats), so such a
bug fails here rather than in front of a person. https://core.telegram.org/bots/api
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from .html_subset import EntityParseError, parse_html

JSON = dict[str, Any]

# Limits published in the Bot API documentation (the server side does not import the client).
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_TOPIC_NAME_LENGTH = 128
MAX_BULK_MESSAGES = 100  # deleteMessages: 1-100 identifiers
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": …, "description": …}``."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


class TransportFault(Exception):
    """The request never got an answer: the transport turns it into a timeout or a reset."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind  # "timeout" | "reset"


@dataclass(frozen=True)
class Fault:
    """One injected failure, consumed by the next matching call."""

    status: int = 0
    description: str = ""
    retry_after: int | None = None
    transport: str | None = None  # "timeout" | "reset" | "answer-lost": no HTTP answer

    @classmethod
    def flood(cls, retry_after: int = 1) -> Fault:
        """429 Too Many Requests, as Telegram sends when a bot writes too fast."""
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        return cls(status, "Bad Gateway" if status == 502 else "Internal Server Error")

    @classmethod
    def timeout(cls) -> Fault:
        return cls(transport="timeout")

    @classmethod
    def connection_reset(cls) -> Fault:
        return cls(transport="reset")

    @classmethod
    def answer_lost(cls) -> Fault:
        """Telegram did it, but its answer never came back: the bot sees a timeout.

        The case a retry turns into a duplicate (a message sent twice).
        """
        return cls(transport="answer-lost")

    def raise_it(self) -> None:
        if self.transport:
            raise TransportFault(self.transport)
        raise ApiError(self.status, self.description, retry_after=self.retry_after)


@dataclass
class _Chaos:
    """Random faults: see :meth:`FakeBotApi.chaos`."""

    rng: random.Random
    rate: float
    faults: tuple[Fault, ...]
    methods: Collection[str] | None
    limit: int | None


@dataclass(frozen=True)
class ApiCall:
    """One request as the server received it, with the status it answered."""

    method: str
    params: JSON
    status: int
    served: tuple[int, ...] = ()  # getUpdates: the update ids it returned


@dataclass
class FakeUser:
    id: int
    first_name: str
    is_bot: bool = False
    username: str | None = None
    language_code: str | None = "fr"

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class FakeChat:
    id: int
    type: str  # "private" | "group" | "supergroup" | "channel"
    title: str | None = None
    first_name: str | None = None
    is_forum: bool = False
    blocked_bot: bool = False  # private chat: the person blocked the bot
    # Groups: the bot's membership as getChatMember tells it ("left": not in the group).
    bot_status: str = "member"
    bot_can_manage_topics: bool = False

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class ForumTopic:
    thread_id: int
    name: str
    closed: bool = False


@dataclass
class FakeMessage:
    """A message in a chat, from a person or from the bot."""

    chat_id: int
    message_id: int
    from_bot: bool
    text: str = ""  # what the person sees (entities parsed)
    html: str | None = None  # the text as the bot sent it, when parse_mode was HTML
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    thread_id: int | None = None
    protect_content: bool = False
    deleted: bool = False
    edited: bool = False
    payload: JSON = field(default_factory=dict)  # the message as served in updates
    # Keyboards the bot took off or replaced: a phone that was offline may still show them.
    former_markups: list[JSON] = field(default_factory=list)

    @property
    def inline_buttons(self) -> list[list[str]]:
        """Labels of the inline keyboard, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[button["text"] for button in row] for row in rows]

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Labels of the keyboard under the text field, if this message set one."""
        rows = (self.reply_markup or {}).get("keyboard", [])
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in rows]

    def callback_data(self, label: str, *, as_once_shown: bool = False) -> str:
        """The data of the button labelled ``label``; ``as_once_shown``: on a phone that has
        not seen the bot take the buttons off (offline, or an old client), the latest
        keyboard that had that button."""
        markups = [self.reply_markup]
        if as_once_shown:
            markups += reversed(self.former_markups)
        for markup in markups:
            for row in (markup or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return button["callback_data"]
        raise KeyError(f"no button {label!r} in {self.inline_buttons}")


Handler = Callable[[JSON], Awaitable[Any]]


class FakeBotApi:
    """The state of one fake Telegram with one bot, and the Bot API methods it answers."""

    def __init__(
        self,
        token: str = "123456789:" + "AAFakeTokenForTestsOnly0123456789abc",  # fake token
        *,
        bot_username: str = "relais_test_bot",
    ) -> None:
        self.token = token
        self.bot = FakeUser(
            id=int(token.split(":", 1)[0]), first_name="Relais", is_bot=True, username=bot_username
        )
        self.chats: dict[int, FakeChat] = {}
        self.messages: list[FakeMessage] = []
        self.calls: list[ApiCall] = []
        self.commands: dict[str, list[JSON]] = {}
        self.webhook_deleted = 0
        self.webhook: JSON | None = None  # the parameters of the last setWebhook
        self.topics: dict[int, dict[int, ForumTopic]] = {}
        self.allowed_updates: list[str] = []
        self.served_update_ids: list[int] = []
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._ids = itertools.count(1000)  # users, callback queries, files
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._faults: list[tuple[str | None, int | None, Fault]] = []
        self._chaos: _Chaos | None = None
        self.faults_served: list[tuple[str, Fault]] = []  # (method, fault), in order
        self._hanging: dict[str, asyncio.Event] = {}  # method -> set when a call arrived
        self._new_updates = asyncio.Event()
        # The offset of the long poll under way (calls are recorded once they end), else None.
        self.polling_with_offset: int | None = None
        self._activity = asyncio.Event()
        self._methods: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "copyMessage": self._copy_message,
            "answerCallbackQuery": self._answer_callback_query,
            "createForumTopic": self._create_forum_topic,
            "closeForumTopic": self._close_forum_topic,
            "reopenForumTopic": self._reopen_forum_topic,
            "deleteForumTopic": self._delete_forum_topic,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "forwardMessage": self._forward_message,
            "leaveChat": self._leave_chat,
        }

    # ------------------------------------------------------------------ the wire

    async def call(self, method: str, params: JSON) -> tuple[int, JSON]:
        """Answer one Bot API request: (HTTP status, JSON body). May raise TransportFault."""
        try:
            return await self._call(method, params)
        finally:
            self._activity.set()

    async def wait_until(self, condition: Callable[[], bool], within: float = 120.0) -> None:
        """Wait until ``condition()`` holds, checked after every call the bot makes.

        ``within`` (seconds) is a safety net for a broken test, not something tests measure.
        """
        async with asyncio.timeout(within):
            while not condition():
                self._activity.clear()
                await self._activity.wait()

    async def _call(self, method: str, params: JSON) -> tuple[int, JSON]:
        if method in self._hanging:  # never answered: the bot waits until it is killed
            self._hanging[method].set()
            await asyncio.Event().wait()
        handler = self._methods.get(method)
        try:
            fault = self._take_fault(method, params)
            if fault:
                self.faults_served.append((method, fault))
            if fault and fault.transport == "answer-lost" and handler is not None:
                await handler(params)  # done, then the answer is lost on the way back
                raise TransportFault("timeout")
            if fault:
                fault.raise_it()
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as error:
            self.calls.append(ApiCall(method, params, error.status))
            return error.status, error.body()
        except TransportFault:
            self.calls.append(ApiCall(method, params, 0))
            raise
        served = tuple(u["update_id"] for u in result) if method == "getUpdates" else ()
        self.calls.append(ApiCall(method, params, 200, served))
        return 200, {"ok": True, "result": result}

    # ------------------------------------------------------------------ test controls

    def inject(
        self,
        *faults: Fault,
        method: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next calls (of ``method``, to ``chat_id``) fail, one fault per call."""
        self._faults.extend((method, chat_id, fault) for fault in faults)

    def chaos(
        self,
        faults: Sequence[Fault],
        *,
        rate: float,
        methods: Collection[str] | None = None,
        seed: int = 0,
        limit: int | None = None,
    ) -> None:
        """From now on, each call (of ``methods``) fails with probability ``rate``, with a
        fault drawn from ``faults``; at most ``limit`` faults in all. ``calm()`` stops it.

        Seeded: a failing run can be replayed exactly.
        """
        self._chaos = _Chaos(random.Random(seed), rate, tuple(faults), methods, limit)

    def hang(self, method: str) -> asyncio.Event:
        """From now on calls of ``method`` get no answer at all (until ``unhang``).

        Returns an event set when one such call has arrived: the moment to kill the bot.
        """
        self._hanging[method] = asyncio.Event()
        return self._hanging[method]

    def unhang(self, method: str) -> None:
        self._hanging.pop(method, None)

    def calm(self) -> None:
        """No more random faults (queued ones from ``inject`` still apply)."""
        self._chaos = None

    def block_bot(self, chat_id: int) -> None:
        """The person blocked the bot: every later message to them gets 403."""
        self.chats[chat_id].blocked_bot = True

    def new_user(self, first_name: str = "Léa", *, language_code: str = "fr") -> FakeUser:
        user = FakeUser(id=next(self._ids) * 1000 + 7, first_name=first_name)
        user.language_code = language_code
        self.chats[user.id] = FakeChat(id=user.id, type="private", first_name=first_name)
        return user

    def new_group(self, title: str = "Entraide", *, kind: str = "group") -> FakeChat:
        chat = FakeChat(id=-next(self._ids) * 1000, type=kind, title=title)
        self.chats[chat.id] = chat
        return chat

    def new_forum(
        self,
        title: str = "Équipe Relais",
        *,
        is_forum: bool = True,
        bot_status: str = "administrator",
        can_manage_topics: bool = True,
    ) -> FakeChat:
        """A staff supergroup; by default with topics on and the bot an admin who may use them."""
        chat = FakeChat(id=-(10**12) - next(self._ids), type="supergroup", title=title)
        chat.is_forum = is_forum
        chat.bot_status = bot_status
        chat.bot_can_manage_topics = can_manage_topics
        self.chats[chat.id] = chat
        self.topics[chat.id] = {}
        return chat

    def enqueue(self, update: JSON) -> JSON:
        """Give ``update`` an id and serve it on the next getUpdates."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._new_updates.set()
        return update

    def person_message(self, chat: FakeChat, sender: FakeUser | None, content: JSON) -> JSON:
        """Record a message a person wrote and return it as Telegram serves it."""
        message_id = self._next_message_id(chat.id)
        payload: JSON = {"message_id": message_id, "date": int(time.time())}
        payload["chat"] = chat.to_dict()
        if sender is not None:
            payload["from"] = sender.to_dict()
        payload.update(content)
        self.messages.append(
            FakeMessage(
                chat_id=chat.id,
                message_id=message_id,
                from_bot=False,
                text=content.get("text", content.get("caption", "")),
                thread_id=content.get("message_thread_id"),
                payload=payload,
            )
        )
        return payload

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Someone of the team deleted a topic by hand, with every message in it."""
        del self.topics[chat_id][thread_id]
        for message in self.messages:
            if message.chat_id == chat_id and message.thread_id == thread_id:
                message.deleted = True

    def expire_callback_query(self, query_id: str) -> None:
        """Telegram refuses answers to queries older than a few seconds (after a restart)."""
        self._callback_queries[query_id] = True

    def new_callback_query_id(self) -> str:
        query_id = str(next(self._ids) * 7919)
        self._callback_queries[query_id] = False
        return query_id

    # ------------------------------------------------------------------ what tests read

    def sent_to(self, chat_id: int) -> list[FakeMessage]:
        """Messages the bot sent to this chat and that are still there, oldest first."""
        return [m for m in self.messages if m.chat_id == chat_id and m.from_bot and not m.deleted]

    def texts_to(self, chat_id: int) -> list[str]:
        return [message.text for message in self.sent_to(chat_id)]

    def message(self, chat_id: int, message_id: int) -> FakeMessage | None:
        for message in self.messages:
            if message.chat_id == chat_id and message.message_id == message_id:
                return message
        return None

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def unanswered_callback_queries(self) -> list[str]:
        return [qid for qid, answered in self._callback_queries.items() if not answered]

    # ------------------------------------------------------------------ rules

    def _take_fault(self, method: str, params: JSON) -> Fault | None:
        chat_id = params.get("chat_id")
        for index, (want_method, want_chat, fault) in enumerate(self._faults):
            if want_method not in (None, method):
                continue
            if want_chat is not None and want_chat != chat_id:
                continue
            del self._faults[index]
            return fault
        chaos = self._chaos
        if chaos is None or (chaos.methods is not None and method not in chaos.methods):
            return None
        if chaos.limit is not None and chaos.limit <= 0:
            return None
        if chaos.rng.random() >= chaos.rate:
            return None
        if chaos.limit is not None:
            chaos.limit -= 1
        return chaos.rng.choice(chaos.faults)

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _chat(self, params: JSON, key: str = "chat_id") -> FakeChat:
        raw = params.get(key)
        if raw is None:
            raise bad_request(f"{key} is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _writable_chat(self, params: JSON) -> FakeChat:
        chat = self._chat(params)
        if chat.blocked_bot:
            raise ApiError(403, BLOCKED_DESCRIPTION)
        return chat

    def _visible_text(self, params: JSON) -> str:
        text = params.get("text")
        if not isinstance(text, str):
            raise bad_request("message text is empty")
        parse_mode = params.get("parse_mode")
        if parse_mode is not None and str(parse_mode).upper() != "HTML":
            raise bad_request(f"unsupported parse_mode in the fake: {parse_mode}")
        if parse_mode is not None:
            try:
                text = parse_html(text)
            except EntityParseError as error:
                raise ApiError(400, str(error)) from None
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return text

    def _checked_markup(self, params: JSON) -> JSON | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise bad_request("BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if data is not None and not (1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES):
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not url.startswith(("http://", "https://", "tg://")):
                    raise bad_request("BUTTON_URL_INVALID")
        for row in markup.get("keyboard", []):
            for button in row:
                label = button if isinstance(button, str) else button.get("text")
                if not label:
                    raise bad_request("BUTTON_TEXT_INVALID")
        return markup

    def _thread(self, chat: FakeChat, params: JSON) -> int | None:
        thread_id = params.get("message_thread_id")
        if thread_id is None:
            return None
        topic = self.topics.get(chat.id, {}).get(int(thread_id))
        if topic is None:
            raise bad_request("message thread not found")
        if topic.closed:
            raise bad_request("TOPIC_CLOSED")
        return int(thread_id)

    def _bot_message(self, params: JSON, *, missing: str) -> FakeMessage:
        chat = self._chat(params)
        message = self.message(chat.id, int(params.get("message_id", 0)))
        if message is None or message.deleted:
            raise bad_request(missing)
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def message_dict(self, message: FakeMessage) -> JSON:
        """A bot message as Telegram serves it (in a callback query, in a method result)."""
        data: JSON = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self.chats[message.chat_id].to_dict(),
            "from": self.bot.to_dict(),
            "text": message.text,
        }
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.thread_id is not None:
            data["message_thread_id"] = message.thread_id
            data["is_topic_message"] = True
        if message.edited:
            data["edit_date"] = int(time.time())
        return data

    # ------------------------------------------------------------------ methods

    async def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or [])
        if offset > 0:  # confirms every update before offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if self.allowed_updates:
            self._updates = [
                u for u in self._updates if self._update_type(u) in self.allowed_updates
            ]
        if not self._updates and timeout > 0:
            self._new_updates.clear()
            self.polling_with_offset = offset
            self._activity.set()  # a test may be waiting for this long poll
            try:
                await asyncio.wait_for(self._new_updates.wait(), timeout)
            except TimeoutError:
                return []
            finally:
                self.polling_with_offset = None
            return await self._get_updates({**params, "timeout": 0})
        served = self._updates[:limit]
        self.served_update_ids.extend(u["update_id"] for u in served)
        return served

    @staticmethod
    def _update_type(update: JSON) -> str:
        return next(key for key in update if key != "update_id")

    async def _delete_webhook(self, params: JSON) -> bool:
        self.webhook_deleted += 1
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JSON) -> bool:
        if not str(params.get("url", "")).startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        self.webhook = dict(params)
        return True

    async def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 commands")
        for command in commands:
            name = command.get("command", "")
            if not _COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not (1 <= len(command.get("description", "")) <= 256):
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[params.get("language_code") or ""] = commands
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        return self.commands.get(params.get("language_code") or "", [])

    async def _send_message(self, params: JSON) -> JSON:
        chat = self._writable_chat(params)
        text = self._visible_text(params)
        markup = self._checked_markup(params)
        thread_id = self._thread(chat, params)
        message = FakeMessage(
            chat_id=chat.id,
            message_id=self._next_message_id(chat.id),
            from_bot=True,
            text=text,
            html=params["text"] if params.get("parse_mode") else None,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            thread_id=thread_id,
            protect_content=bool(params.get("protect_content")),
        )
        self.messages.append(message)
        return self.message_dict(message)

    async def _edit_message_text(self, params: JSON) -> JSON:
        message = self._bot_message(params, missing="message to edit not found")
        text = self._visible_text(params)
        markup = self._checked_markup(params)
        if text == message.text and markup == message.reply_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.text = text
        message.html = params["text"] if params.get("parse_mode") else None
        message.reply_markup = markup
        message.edited = True
        return self.message_dict(message)

    async def _edit_message_reply_markup(self, params: JSON) -> JSON:
        # The method takes no text, hence no parse_mode: a client sending one has a bug.
        extra = sorted(set(params) & {"parse_mode", "text", "entities"})
        if extra:
            raise bad_request(f"editMessageReplyMarkup takes no {', '.join(extra)}")
        message = self._bot_message(params, missing="message to edit not found")
        markup = self._checked_markup(params)
        if markup == message.reply_markup:
            raise bad_request("message is not modified")
        if message.reply_markup is not None:
            message.former_markups.append(message.reply_markup)
        message.reply_markup = markup
        message.edited = True
        return self.message_dict(message)

    async def _delete_message(self, params: JSON) -> bool:
        chat = self._chat(params)
        message = self.message(chat.id, int(params.get("message_id", 0)))
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        message.deleted = True
        return True

    async def _delete_messages(self, params: JSON) -> bool:
        """Several at once; ids that cannot be found are skipped, as Telegram does."""
        chat = self._chat(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_BULK_MESSAGES:
            raise bad_request("message_ids must hold 1-100 message identifiers")
        for message_id in ids:
            message = self.message(chat.id, int(message_id))
            if message is not None:
                message.deleted = True
        return True

    async def _copy_message(self, params: JSON) -> JSON:
        chat = self._writable_chat(params)
        source_chat = self._chat(params, "from_chat_id")
        source = self.message(source_chat.id, int(params.get("message_id", 0)))
        if source is None or source.deleted:
            raise bad_request("message to copy not found")
        thread_id = self._thread(chat, params)
        # A copy shows no author and no "forwarded from": it looks sent by the bot.
        copy = FakeMessage(
            chat_id=chat.id,
            message_id=self._next_message_id(chat.id),
            from_bot=True,
            text=source.text,
            reply_markup=self._checked_markup(params),
            thread_id=thread_id,
            protect_content=bool(params.get("protect_content")),
            payload={"copied_from": (source.chat_id, source.message_id)},
        )
        self.messages.append(copy)
        return {"message_id": copy.message_id}

    async def _forward_message(self, params: JSON) -> JSON:
        """Unlike a copy, a forward shows where it came from (``forward_origin``)."""
        chat = self._writable_chat(params)
        source_chat = self._chat(params, "from_chat_id")
        source = self.message(source_chat.id, int(params.get("message_id", 0)))
        if source is None or source.deleted:
            raise bad_request("message to forward not found")
        origin: JSON = {"type": "chat", "date": int(time.time()), "chat": source_chat.to_dict()}
        if "from" in source.payload:
            origin = {
                "type": "user",
                "date": origin["date"],
                "sender_user": source.payload["from"],
            }
        forward = FakeMessage(
            chat_id=chat.id,
            message_id=self._next_message_id(chat.id),
            from_bot=True,
            text=source.text,
            thread_id=self._thread(chat, params),
            payload={"forward_origin": origin},
        )
        self.messages.append(forward)
        return {**self.message_dict(forward), "forward_origin": origin}

    async def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self._callback_queries.get(query_id, True):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(params.get("text") or "") > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        return True

    def _forum(self, params: JSON) -> FakeChat:
        chat = self._chat(params)
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        return chat

    def _topic(self, params: JSON) -> tuple[FakeChat, ForumTopic]:
        chat = self._forum(params)
        topic = self.topics[chat.id].get(int(params.get("message_thread_id", 0)))
        if topic is None:
            raise bad_request("message thread not found")
        return chat, topic

    async def _create_forum_topic(self, params: JSON) -> JSON:
        chat = self._forum(params)
        name = params.get("name") or ""
        if not (1 <= len(name) <= MAX_TOPIC_NAME_LENGTH):
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        thread_id = self._next_message_id(chat.id)  # a topic id is its first message's id
        self.topics[chat.id][thread_id] = ForumTopic(thread_id=thread_id, name=name)
        return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}

    async def _close_forum_topic(self, params: JSON) -> bool:
        _chat, topic = self._topic(params)
        if topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = True
        return True

    async def _reopen_forum_topic(self, params: JSON) -> bool:
        _chat, topic = self._topic(params)
        if not topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = False
        return True

    async def _delete_forum_topic(self, params: JSON) -> bool:
        chat, topic = self._topic(params)
        del self.topics[chat.id][topic.thread_id]
        for message in self.messages:
            if message.chat_id == chat.id and message.thread_id == topic.thread_id:
                message.deleted = True
        return True

    async def _get_chat(self, params: JSON) -> JSON:
        chat = self._chat(params)
        return {**chat.to_dict(), "accent_color_id": 0, "max_reaction_count": 11}

    async def _get_chat_member(self, params: JSON) -> JSON:
        chat = self._chat(params)
        user_id = int(params.get("user_id", 0))
        if user_id != self.bot.id:
            raise bad_request("the fake only knows the bot's own membership")
        member: JSON = {"user": self.bot.to_dict(), "status": chat.bot_status}
        if chat.bot_status == "left":
            raise bad_request("member not found")
        if chat.bot_status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": False,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_pin_messages": True,
                    "can_manage_topics": chat.bot_can_manage_topics,
                }
            )
        return member

    async def _leave_chat(self, params: JSON) -> bool:
        self._chat(params)
        return True
