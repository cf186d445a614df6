"""Last line of defence for the logs: no token, no Telegram id, no phone, no e-mail, no text.

The code already logs only events, counts, case numbers and pseudonyms (``docs/donnees.md``).
This filter catches what a mistake, or a library, would let through. Installed once at start
(:func:`install`, from ``bot.channels.telegram.app.run``) on the root logger's handlers, it
rewrites every record before it is written:

- the bot token and the pseudonym secret, and anything shaped like a token, become
  ``[token]``;
- e-mail addresses become ``[e-mail]``;
- runs of 6 digits or more, spaces, dots or dashes allowed between them (Telegram ids, chat
  ids, phone and card numbers) become ``[number]``;
- an exception keeps its type and its stack (file, line, function) but loses its message,
  which may quote what a person wrote (``KeyError('je suis à la rue')``); so does an
  exception text another handler already formatted;
- a record of a library (any logger outside ``bot``) keeps its own sentence but not the
  values it puts in it: a string, a ``repr`` of an update or a list of them becomes
  ``[hidden]`` (PTB logs the raw answer of ``getUpdates``, names and texts included, when it
  cannot read it); numbers stay, then go through the rules above.

python-telegram-bot, httpx, aiosqlite and psycopg log whole updates, request parameters and SQL
parameters at DEBUG (message texts, names, ids). Those records cannot be made safe by
patterns, so they are dropped, and those loggers are held at INFO or WARNING even if someone
turns DEBUG on.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Iterable
from types import TracebackType

TOKEN = "[token]"
HIDDEN = "[hidden]"
EMAIL = "[e-mail]"
NUMBER = "[number]"

# A bot token: the bot's id, a colon, 30+ url-safe characters (also inside an API URL).
_TOKEN_SHAPE = re.compile(r"\d{5,16}:[A-Za-z0-9_-]{30,}")
_EMAIL_SHAPE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 6 digits or more, maybe written "06 12 34 56 78", "06.12.34.56.78" or "+33 6 12 34 56 78".
_LONG_NUMBER = re.compile(r"\+?\d(?:[ .\-]?\d){5,}")

LIBRARY_FLOORS: dict[str, int] = {
    # WARNING: « job skipped: maximum number of running instances reached » when a busy
    # machine makes a run overlap the next; harmless (the next run comes). Before the line
    # below: the first name that matches gives the floor.
    "apscheduler.scheduler": logging.ERROR,
    "telegram": logging.INFO,  # DEBUG: "Calling Bot API endpoint … with parameters {text…}"
    "httpx": logging.WARNING,  # INFO: every request URL, and the URL holds the token
    "httpcore": logging.WARNING,
    "aiosqlite": logging.INFO,  # DEBUG: each SQL call with its parameters (a chat id…)
    "psycopg": logging.INFO,  # DEBUG: connection and query details (RELAIS_DB=postgresql://…)
    # INFO: one line per webhook request, with the client's address (RELAIS_WEBHOOK_URL).
    "tornado.access": logging.WARNING,
    # INFO: two lines per job run (« Running job », « executed successfully »): with the
    # outbox and the knowledge watch every 5 s, some 70 000 lines a day that say nothing.
    "apscheduler": logging.WARNING,
}
"""Loggers never allowed below these levels, and whose lower records are dropped."""

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"
OUR_LOGGERS = ("bot", "__main__")
"""Loggers of our own code: their arguments are events, counts, case numbers, pseudonyms."""
_SAFE_ARGUMENTS = (int, float, type(None))
# A line of a formatted traceback that names an exception: "KeyError: 'je suis à la rue'".
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?: \(message hidden\))?$")  # once filtered too
_TRACEBACK_LINES = ("Traceback (most recent call last):", _CAUSE.strip(), _CONTEXT.strip())


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with secrets, tokens, e-mail addresses and long numbers replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, TOKEN)
    text = _TOKEN_SHAPE.sub(TOKEN, text)
    text = _EMAIL_SHAPE.sub(EMAIL, text)
    return _LONG_NUMBER.sub(NUMBER, text)


def exception_without_text(exc_info: ExcInfo) -> str:
    """The traceback of an exception and of its causes, each message replaced by its type.

    The frames (file, line, function, source line of our code) say where it broke; the
    message may say what the person wrote, so it is left out.
    """
    parts: list[str] = []
    seen: set[int] = set()
    exc: traceback.TracebackException | None = traceback.TracebackException(*exc_info)
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames = "".join(exc.stack.format())
        header = "Traceback (most recent call last):\n" if frames else ""
        parts.append(f"{header}{frames}{_qualified(exc)} (message hidden)\n")
        if exc.__cause__ is not None:
            parts.append(_CAUSE)
            exc = exc.__cause__
        elif exc.__context__ is not None and not exc.__suppress_context__:
            parts.append(_CONTEXT)
            exc = exc.__context__
        else:
            exc = None
    return "".join(reversed(parts)).rstrip("\n")


def _qualified(exc: traceback.TracebackException) -> str:
    kind = exc.exc_type
    if kind is None:
        return "Exception"
    module = kind.__module__
    return (
        kind.__qualname__
        if module in ("builtins", "__main__")
        else f"{module}.{kind.__qualname__}"
    )


class RedactingFilter(logging.Filter):
    """Rewrites each record: message and arguments, exception, stack (see the module doc)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if _below_floor(record):
            return False
        if not isinstance(record.msg, str):  # an object logged as is: its repr is not ours
            record.msg, record.args = f"[{type(record.msg).__name__}]", None
        if record.args and not _ours(record):
            record.args = _hidden_arguments(record.args)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what can be read, never crash
            message = f"{record.msg} [arguments hidden]"
        record.msg = redact(message, self._secrets)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            hidden = exception_without_text(record.exc_info)  # type: ignore[arg-type]
            record.exc_text = redact(hidden, self._secrets)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(formatted_without_text(record.exc_text), self._secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        return True


def formatted_without_text(exc_text: str) -> str:
    """A traceback already formatted (by another handler): frames kept, messages dropped.

    Kept: the headers, each frame (its ``File`` line, the source line under it and the
    ``^^^`` markers), and the type of each exception, from the first line after its frames.
    Dropped: the messages, whatever lines they span.
    """
    kept: list[str] = []
    expecting_exception = True
    after_frame = False
    for line in exc_text.splitlines():
        stripped = line.strip()
        if line.startswith("  File "):
            kept.append(line)
            after_frame, expecting_exception = True, True
        elif line.startswith(" ") and (after_frame or not stripped.strip("^~")):
            kept.append(line)  # the source line of the frame above, or its markers
            after_frame = False
        elif stripped in _TRACEBACK_LINES:
            kept.append(line)
            after_frame, expecting_exception = False, True
        elif not stripped:
            kept.append("")
        elif expecting_exception:
            named = _EXCEPTION_LINE.match(line.split(":", 1)[0])
            kept.append(f"{named.group(1)} (message hidden)" if named else "(message hidden)")
            after_frame, expecting_exception = False, False
    return "\n".join(kept)


def _ours(record: logging.LogRecord) -> bool:
    return any(record.name == name or record.name.startswith(name + ".") for name in OUR_LOGGERS)


def _hidden_arguments(args: object) -> object:
    """A library's arguments: numbers kept, everything else (texts, reprs) hidden."""
    if isinstance(args, dict):
        return {key: _hidden(value) for key, value in args.items()}
    if isinstance(args, tuple):
        return tuple(_hidden(value) for value in args)
    return _hidden(args)


class _Hidden:
    """What stands for a library's argument, whether formatted with ``%s`` or ``%r``."""

    def __repr__(self) -> str:
        return HIDDEN

    __str__ = __repr__


_HIDDEN = _Hidden()


def _hidden(value: object) -> object:
    return value if isinstance(value, _SAFE_ARGUMENTS) else _HIDDEN


def _below_floor(record: logging.LogRecord) -> bool:
    for name, floor in LIBRARY_FLOORS.items():
        if record.name == name or record.name.startswith(name + "."):
            return record.levelno < floor
    return False


def install(
    *, token: str | None = None, secret: str | None = None, root: logging.Logger | None = None
) -> Callable[[], None]:
    """Put the filter on every handler of ``root`` and hold the libraries' levels.

    Returns a function that undoes it (tests use it; the bot keeps it until it exits).
    Call it after ``logging.basicConfig``: handlers added later are not covered.
    """
    root = root or logging.getLogger()
    redactor = RedactingFilter(secret for secret in (token, secret) if secret)
    handlers = list(root.handlers)
    for handler in handlers:
        handler.addFilter(redactor)
    release = hold_library_levels()

    def undo() -> None:
        for handler in handlers:
            handler.removeFilter(redactor)
        release()

    return undo


def hold_library_levels() -> Callable[[], None]:
    """Raise the libraries' loggers to ``LIBRARY_FLOORS``; returns how to put them back."""
    previous: dict[str, int] = {}
    for name, floor in LIBRARY_FLOORS.items():
        logger = logging.getLogger(name)
        previous[name] = logger.level
        if logger.level < floor:  # NOTSET too: a DEBUG root must not open them up
            logger.setLevel(floor)

    def release() -> None:
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)

    return release
