"""Wire the python-telegram-bot ``Application`` in one place, and run it by long polling (or
by webhook with ``RELAIS_WEBHOOK_URL``, ``webhook.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Collection, Iterator
from functools import partial

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import logsafety
from bot.app import standby
from bot.app.asking import entry_reply
from bot.app.ports import Lease
from bot.app.wiring import App, AppOpener
from bot.channels.telegram import coordination, handlers, privacy, staff, webhook
from bot.channels.telegram.context import BotDeps, RelaisContext
from bot.channels.telegram.handoff_actions import CaseExecutor
from bot.channels.telegram.ordering import PerChatOrderedProcessor
from bot.channels.telegram.shaping import RequestHooks, only_its_parameters
from bot.channels.telegram.updates import SkipUnreadableUpdates, UpdatesInHand
from bot.config import ConfigError, Settings
from bot.domain.buttons import is_case_payload
from bot.domain.counters import Counter
from bot.texts import person as texts

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
    Update.CHANNEL_POST,
]
"""Only what a handler below uses: Telegram does not even send the rest."""

FLOOD_RETRIES = 3
"""How many times a message refused with 429 is sent again, after the wait Telegram asks."""

POLL_TIMEOUT_SECONDS = 30
"""Long polling: Telegram holds ``getUpdates`` open this long when there is nothing new."""

TOKEN_CHECK_SECONDS = 60
"""How often a running bot checks that Telegram still accepts its token (one ``getMe``)."""

UNREACHABLE = (
    "Telegram ne répond pas à l'adresse {url} : vérifiez la connexion à Internet, "
    "ou RELAIS_BOT_API_URL si vous utilisez votre propre serveur Bot API."
)
TOKEN_SHOWN = "<RELAIS_TOKEN>"
REFUSED_TOKEN = (
    "Telegram refuse le jeton RELAIS_TOKEN : recopiez-le depuis @BotFather "
    "(commande /token), il a peut-être été changé."
)


def build_application(
    settings: Settings,
    app: App,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter | None = None,
) -> Application:
    """The Application with every handler registered; nothing is opened or sent yet.

    ``request`` / ``get_updates_request`` replace the HTTP transport (tests use an in-process
    fake Bot API); by default PTB's httpx transport talks to ``settings.bot_api_url``.
    ``rate_limiter`` replaces PTB's (tests move the handoff's clock by hand, not real time).
    """
    assert settings.token and settings.secret, "call settings.check_for_telegram() first"
    cases = None
    if app.handoff is not None:
        knowledge = app.knowledge
        cases = CaseExecutor(
            app.handoff, lambda entry_id: entry_reply(knowledge.current.kb, entry_id)
        )
    deps = partial(
        BotDeps,
        engine=app.replies,
        secret=settings.secret,
        cases=cases,
    )
    recent = privacy.RecentMessages()  # ids (never text) of the last 48 h, for /effacer
    in_hand = UpdatesInHand()  # confirmed to Telegram once handled (updates.py)
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.bot_api_url)
        .base_file_url(file_url(settings.bot_api_url))
        # Parse mode is set once here; render.py escapes everything it puts in a message.
        # Link previews are off: on a small screen they push the answer out of sight.
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        # Wrapped (shaping.py) so that a method gets only the parameters it takes, and to
        # note the ids of messages sent to people, for /effacer (privacy.py).
        .rate_limiter(
            RequestHooks(
                rate_limiter or AIORateLimiter(max_retries=FLOOD_RETRIES),
                before=only_its_parameters,
                after=recent.note_sent,
            )
        )
        .concurrent_updates(PerChatOrderedProcessor(on_handled=in_hand.handled))
        # PTB calls ``bot_data()`` once, when the Application is built: it gets our BotDeps.
        .context_types(ContextTypes(context=RelaisContext, bot_data=deps))  # type: ignore[arg-type]
        .post_init(start_up)
    )
    if request is not None:
        builder = builder.request(request)
    # One update PTB cannot build must not block all the others (updates.py). PTB's own
    # getUpdates transport is one connection (ApplicationBuilder's default for polling).
    counters = app.stores.counters

    async def count_skipped() -> None:
        await counters.count(Counter.UNREADABLE_UPDATE)

    builder = builder.get_updates_request(
        SkipUnreadableUpdates(
            get_updates_request or HTTPXRequest(connection_pool_size=1),
            count_skipped,
            in_hand,
        )
    )
    application = builder.build()
    register(application, app, recent=recent, staff_chats=cases.staff_chats if cases else ())
    return application


def register(
    application: Application,
    app: App,
    *,
    recent: privacy.RecentMessages,
    staff_chats: Collection[int] = (),
) -> None:
    """Every Telegram handler and job, in order. Within a group PTB runs only the first
    handler that matches; groups run from the lowest number.

    Before the default group (the order of groups matters):

    - ``privacy.NOTE_GROUP``: every private message's id is noted for /effacer, and nothing
      else happens there, so the message goes on to the groups below;
    - ``coordination.COORDINATION_GROUP``: the coordinators' commands in the staff groups,
      filtered by chat and by helper; one handled stops there, so the "write to me in
      private" answer to groups never follows it;
    - ``privacy.PRIVACY_GROUP``: /confidentialite, /mesdonnees, /oublier, /effacer and their
      buttons, before the engine would take them as unknown commands.

    Then the default group (0), in order:

    0. The staff groups (when a team is configured), before any other group: there, topics
       hold cases and commands act on them (``staff.py``); they never get the notice below.
    1. Groups and channels: whatever arrives there (a command, a mention, the bot being
       added) gets the "write to me in private" sentence once, and never reaches the engine.
    2. Private messages: commands, texts, media and edits all go through one handler, because
       ``translate`` tells them apart (and an unknown ``/xyz`` still deserves an answer).
    3. The handoff's buttons (a ``CaseVerb``: a card's "Je prends", a person's consent or rating),
       before 4, which takes every callback data and shows the menu for what it cannot read.
    4. The engine's buttons.
    5. The person blocking or unblocking the bot (which closes their open case).
    """
    for handler in staff.staff_handlers(staff_chats) if staff_chats else ():
        application.add_handler(handler)
    application.add_handler(MessageHandler(~filters.ChatType.PRIVATE, handlers.group_message))
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE, handlers.private_message))
    if staff_chats:
        application.add_handler(CallbackQueryHandler(staff.case_button, pattern=is_case_payload))
    application.add_handler(CallbackQueryHandler(handlers.button_pressed))
    application.add_handler(
        ChatMemberHandler(handlers.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(handlers.error_happened)
    desk = coordination.desk_for(app)
    desk.add_handlers(application)
    desk.schedule(application)
    for group, handler in privacy.PrivacyDesk(app.privacy, recent).handlers():
        application.add_handler(handler, group=group)


async def start_up(application: Application) -> None:
    """``post_init``: our commands in Telegram's menu; with a team, its groups and jobs.

    A staff group the bot cannot use stops the start here (ConfigError, one sentence).
    """
    await announce_commands(application)
    deps: BotDeps = application.bot_data
    if deps.cases is not None:
        await staff.check_staff_groups(application.bot, deps.cases.service.staff)
        await deps.cases.finish_topics(application.bot)  # a kill between « Oui » and topic
        staff.schedule_jobs(application.job_queue)
    await privacy.start_retention(application)  # expired cases erased now, then daily


async def announce_commands(application: Application) -> None:
    """Show our French commands in Telegram's "/" menu."""
    await application.bot.set_my_commands(
        [BotCommand(name, description) for name, description in texts.COMMANDS]
    )


def file_url(bot_api_url: str) -> str:
    """``https://api.telegram.org/bot`` → ``https://api.telegram.org/file/bot``."""
    root, separator, last = bot_api_url.rstrip("/").rpartition("/")
    return f"{root}/file/{last}" if separator else f"{bot_api_url}/file"


def quiet_http_loggers() -> None:
    """httpx logs every request URL at INFO, and the URL holds the bot token."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def run(settings: Settings, open_app: AppOpener, *, lease: Lease | None = None) -> None:
    """``python -m bot run``: poll Telegram (or serve its webhook) until Ctrl-C or SIGTERM.

    With a ``lease`` (PostgreSQL, from the wiring) only the instance that holds it serves.
    Raises ConfigError (one sentence for the person deploying) before anything starts.
    """
    settings.check_for_telegram()
    # From here on no log line carries a token, an id, a phone number or an e-mail address.
    logsafety.install(token=settings.token, secret=settings.secret)
    # Opt in to PTB's future timedelta durations: otherwise every 429 logs a deprecation.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    asyncio.run(serve(settings, open_app, lease=lease))


async def serve(
    settings: Settings,
    open_app: AppOpener,
    *,
    stop: asyncio.Event | None = None,
    poll_timeout: int = POLL_TIMEOUT_SECONDS,
    lease: Lease | None = None,
    standby_retry: float = standby.STANDBY_RETRY_SECONDS,
) -> None:
    """Open the App (``open_app``, from the wiring), poll (or serve the webhook) until
    ``stop`` is set, close all.

    With a ``lease`` (PostgreSQL: active / standby, ``bot/app/standby.py``) this instance
    first stands by until it holds the lease, and stops serving (LeaseLost) if it loses it.
    The App is opened only then: the services start at the takeover, so they count what was
    in flight before it as left by an instance that is gone (the outbox goes on at once).
    """
    quiet_http_loggers()
    stop = stop or asyncio.Event()
    if lease is not None:
        # A standby opens its App once now, and closes it: a wrong setting or file stops it
        # at its own start, not at the takeover, and the takeover is quicker (modules imported,
        # the knowledge's models built once, the schema migrated).
        await (await open_app()).close()
    with _stop_on_signals(stop):
        await standby.serve_while_held(
            lease,
            partial(_open_and_serve, settings, open_app, poll_timeout=poll_timeout),
            stop,
            retry_seconds=standby_retry,
        )


async def _open_and_serve(
    settings: Settings, open_app: AppOpener, stop: asyncio.Event, *, poll_timeout: int
) -> None:
    """Open the App, serve until ``stop`` is set, and close the App in this event loop."""
    app = await open_app()
    try:
        await _serve_app(settings, app, stop, poll_timeout=poll_timeout)
    finally:
        await app.close()


async def _serve_app(
    settings: Settings, app: App, stop: asyncio.Event, *, poll_timeout: int
) -> None:
    """Build the Application, poll (or serve the webhook) until ``stop`` is set, shut down.

    The lifecycle is PTB's ``run_polling`` spelled out (initialize, post_init, start polling,
    start, … stop, shutdown) so that the services we open are closed in the same event loop
    and tests can stop the bot with an event.
    """
    application = build_application(settings, app)
    await _initialize(application, settings)
    try:
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        if settings.webhook_url is not None:  # Telegram calls us (webhook.py)
            await webhook.start_webhook(
                application,
                settings,
                allowed_updates=ALLOWED_UPDATES,
                on_skipped=partial(app.stores.counters.count, Counter.UNREADABLE_UPDATE),
            )
        else:
            await application.updater.start_polling(
                timeout=poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,  # a message sent while we restarted counts
                error_callback=_polling_failed,
            )
        await application.start()
        if settings.webhook_url is None:
            log.info("Relais is polling Telegram")
        await _until_stopped(application, stop)
    finally:
        if application.updater is not None and application.updater.running:
            # A polling loop that died of a refused token raises it again here: the
            # cause is already said (ConfigError), keep it rather than this echo.
            with contextlib.suppress(InvalidToken):
                await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


async def _initialize(application: Application, settings: Settings) -> None:
    """Connect and call getMe; a refused token or an unreachable server is a setup problem.

    The errors are re-raised as one sentence and without their cause: PTB's message for a
    refused token contains the token itself.
    """
    try:
        await application.initialize()
    except (InvalidToken, NetworkError) as error:
        await application.bot.shutdown()  # close the HTTP connections opened so far
        if isinstance(error, InvalidToken):
            raise ConfigError(REFUSED_TOKEN) from None
        shown = shown_address(settings.bot_api_url, settings.token)
        raise ConfigError(UNREACHABLE.format(url=shown)) from None


def shown_address(url: str, token: str | None) -> str:
    """The Bot API address as written, for the person deploying to check it.

    A token pasted into RELAIS_BOT_API_URL by mistake is not repeated on screen (its secret
    part neither); the rest stays as written: the log filter would turn the host
    ``127.0.0.1`` into ``[number]``, which nobody can check.
    """
    if token:
        for secret in (token, token.partition(":")[2]):
            if secret:
                url = url.replace(secret, TOKEN_SHOWN)
    return url


async def _until_stopped(application: Application, stop: asyncio.Event) -> None:
    """Wait for ``stop``; raise ConfigError if Telegram refuses the token meanwhile.

    When a token is revoked (a new one asked at @BotFather), PTB stops polling for good and
    logs it once; the process would stay alive answering nobody, and no supervisor would
    restart it. So the token is checked now and then, and a refusal ends ``serve`` with the
    same sentence as at start (``python -m bot run`` then exits with code 2).
    """
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TOKEN_CHECK_SECONDS)
            return
        try:
            await application.bot.get_me()
        except InvalidToken:
            log.critical("Telegram refuses the token now: stopping")
            raise ConfigError(REFUSED_TOKEN) from None
        except TelegramError as error:  # a network problem: polling retries by itself
            log.info("token check not done: %s", type(error).__name__)


def _polling_failed(error: TelegramError) -> None:
    """PTB retries polling by itself; we only note it (the type: messages may hold URLs)."""
    log.warning("polling failed, retrying: %s", type(error).__name__)


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM (systemd, docker stop) end polling cleanly."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not main thread
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
