"""The Telegram channel: the only package that imports ``telegram``.

``translate`` turns an Update into an :class:`~bot.domain.messages.Inbound`, the engine
decides, and ``render`` turns the :class:`~bot.domain.messages.Outbound` values into Bot API
calls. ``handlers`` glues the three per kind of update, ``app`` wires everything into one
python-telegram-bot ``Application`` and runs it.
"""
