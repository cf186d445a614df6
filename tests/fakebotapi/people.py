"""What people do in Telegram, as updates the fake serves: the factories of the test suite.

In the spirit of PTB's ``tests/auxil/build_messages.py``: sensible defaults, one call per
gesture. Each gesture is recorded by the fake (so the bot may delete or answer it) and queued
for ``getUpdates``; it is also returned, so a test can hand it to ``process_update`` directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .api import JSON, FakeBotApi, FakeChat, FakeMessage, FakeUser

# One representative payload per kind of media a person can send (Bot API "Message" fields).
_FILE = {"file_id": "AgACAgQAAxkBAAIBc2Zk", "file_unique_id": "AQADeLsxG"}
MEDIA_PAYLOADS: dict[str, JSON] = {
    "photo": {"photo": [{**_FILE, "width": 90, "height": 67, "file_size": 1200}]},
    "voice": {"voice": {**_FILE, "duration": 4, "mime_type": "audio/ogg"}},
    "audio": {"audio": {**_FILE, "duration": 180, "title": "chanson"}},
    "video": {"video": {**_FILE, "width": 640, "height": 360, "duration": 12}},
    "video_note": {"video_note": {**_FILE, "length": 240, "duration": 6}},
    "sticker": {
        "sticker": {
            **_FILE,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
    },
    # Telegram sends an animation with a "document" field too, for old clients.
    "animation": {
        "animation": {**_FILE, "width": 320, "height": 240, "duration": 3},
        "document": {**_FILE, "file_name": "anim.mp4"},
    },
    "location": {"location": {"latitude": 48.8566, "longitude": 2.3522}},
    "contact": {"contact": {"phone_number": "+33612345678", "first_name": "Sam"}},
    "document": {"document": {**_FILE, "file_name": "attestation.pdf"}},
    "poll": {
        "poll": {
            "id": "5791",
            "question": "On se voit quand ?",
            "options": [
                {"text": "lundi", "voter_count": 0, "persistent_id": "0"},
                {"text": "mardi", "voter_count": 0, "persistent_id": "1"},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    },
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
}


@dataclass
class Person:
    """A person with a Telegram account, writing to the bot (or in a group)."""

    api: FakeBotApi
    user: FakeUser

    @property
    def chat_id(self) -> int:
        return self.user.id

    @property
    def chat(self) -> FakeChat:
        return self.api.chats[self.user.id]

    def says(self, text: str, *, chat: FakeChat | None = None, topic: int | None = None) -> JSON:
        """Type ``text`` and send it (in the private chat unless ``chat`` is given).

        ``topic``: the forum topic (``message_thread_id``) of ``chat`` it is written in.
        """
        content: JSON = {"text": text, **_in_topic(topic)}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._send(chat or self.chat, content)

    def command(self, name: str, *, chat: FakeChat | None = None) -> JSON:
        """Tap a command in Telegram's menu, e.g. ``command("start")``."""
        return self.says(f"/{name}", chat=chat)

    def sends(
        self,
        kind: str,
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
        topic: int | None = None,
    ) -> JSON:
        """Send a media of ``kind`` ("photo", "sticker", "voice", "dice"…)."""
        content: JSON = {**MEDIA_PAYLOADS[kind], **_in_topic(topic)}
        if caption is not None:
            content["caption"] = caption
        return self._send(chat or self.chat, content)

    def edits(self, update: JSON, new_text: str) -> JSON:
        """Edit a message sent earlier (given as the update that carried it)."""
        original = update["message"]
        edited = {**original, "text": new_text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        stored = self.api.message(original["chat"]["id"], original["message_id"])
        if stored is not None:
            stored.text = new_text
            stored.edited = True
        return self.api.enqueue({"edited_message": edited})

    def presses(self, message: FakeMessage, label: str) -> JSON:
        """Tap the inline button labelled ``label`` under a message of the bot."""
        return self.sends_callback(message.callback_data(label), message=message)

    def presses_as_once_shown(self, message: FakeMessage, label: str) -> JSON:
        """Tap a button the bot has since taken off, on a phone that still shows it."""
        data = message.callback_data(label, as_once_shown=True)
        return self.sends_callback(data, message=message)

    def sends_callback(self, data: str, *, message: FakeMessage | None = None) -> JSON:
        """A callback query with any data, e.g. forged by a modified client."""
        query: JSON = {
            "id": self.api.new_callback_query_id(),
            "from": self.user.to_dict(),
            "chat_instance": str(self.user.id * 31),
            "data": data,
        }
        if message is not None:
            query["message"] = self.api.message_dict(message)
        else:
            query["message"] = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": self.chat.to_dict(),
                "from": self.api.bot.to_dict(),
                "text": "…",
            }
        return self.api.enqueue({"callback_query": query})

    def blocks_bot(self) -> JSON:
        """Block the bot: Telegram refuses further messages and tells the bot once."""
        self.api.block_bot(self.chat_id)
        return self.api.enqueue({"my_chat_member": self._membership("member", "kicked")})

    def _membership(self, old: str, new: str) -> JSON:
        bot = self.api.bot.to_dict()
        extra: dict[str, Any] = {"until_date": 0} if new == "kicked" else {}
        return {
            "chat": self.chat.to_dict(),
            "from": self.user.to_dict(),
            "date": int(time.time()),
            "old_chat_member": {"user": bot, "status": old},
            "new_chat_member": {"user": bot, "status": new, **extra},
        }

    def _send(self, chat: FakeChat, content: JSON) -> JSON:
        message = self.api.person_message(chat, self.user, content)
        return self.api.enqueue({"message": message})


def _in_topic(topic: int | None) -> JSON:
    """The fields Telegram sets on a message written in a forum topic."""
    return {} if topic is None else {"message_thread_id": topic, "is_topic_message": True}


def new_person(api: FakeBotApi, first_name: str = "Léa") -> Person:
    return Person(api, api.new_user(first_name))


def channel_post(api: FakeBotApi, channel: FakeChat, text: str) -> JSON:
    """A post in a channel where the bot is an administrator."""
    message = api.person_message(channel, None, {"text": text, "sender_chat": channel.to_dict()})
    return api.enqueue({"channel_post": message})
