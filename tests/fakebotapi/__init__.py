"""A fake Telegram Bot API owned by the project: state, rules, faults and two transports.

- :class:`FakeBotApi` holds chats, messages, the update queue and a log of every call;
- :class:`InProcessRequest` plugs it into python-telegram-bot without a socket;
- :class:`FakeBotApiHttpServer` serves it on 127.0.0.1 for end-to-end polling tests;
- :class:`Person` and friends build the updates people cause.
"""

from .api import ApiCall, ApiError, FakeBotApi, FakeChat, FakeMessage, FakeUser, Fault
from .html_subset import EntityParseError, parse_html
from .http_server import FakeBotApiHttpServer
from .people import MEDIA_PAYLOADS, Person, channel_post, new_person
from .transport import InProcessRequest

__all__ = [
    "MEDIA_PAYLOADS",
    "ApiCall",
    "ApiError",
    "EntityParseError",
    "FakeBotApi",
    "FakeBotApiHttpServer",
    "FakeChat",
    "FakeMessage",
    "FakeUser",
    "Fault",
    "InProcessRequest",
    "Person",
    "channel_post",
    "new_person",
    "parse_html",
]
