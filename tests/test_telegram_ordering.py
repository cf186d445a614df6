"""Per-chat ordering of updates (bot/channels/telegram/ordering.py)."""

from __future__ import annotations

import asyncio

from fakebotapi import FakeBotApi, new_person
from telegram import Update

from bot.channels.telegram.ordering import PerChatOrderedProcessor, chat_key


async def test_one_chat_in_order_other_chats_meanwhile(fake_api: FakeBotApi) -> None:
    lea, sam = new_person(fake_api, "Léa"), new_person(fake_api, "Sam")
    processor = PerChatOrderedProcessor()
    events: list[str] = []
    release_first = asyncio.Event()

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        events.append(f"start {name}")
        if wait is not None:
            await wait.wait()
        events.append(f"end {name}")

    def update(person, text):
        return Update.de_json(person.says(text), None)

    async with processor:
        tasks = [
            asyncio.create_task(
                processor.process_update(update(lea, "1"), handle("lea1", release_first))
            ),
            asyncio.create_task(processor.process_update(update(lea, "2"), handle("lea2"))),
            asyncio.create_task(processor.process_update(update(sam, "1"), handle("sam1"))),
        ]
        for _ in range(5):
            await asyncio.sleep(0)
        # Sam was answered while Léa's first update is still being handled; Léa's second waits.
        assert events == ["start lea1", "start sam1", "end sam1"]
        assert processor.chats_in_flight == 1
        release_first.set()
        await asyncio.gather(*tasks)
    assert events[3:] == ["end lea1", "start lea2", "end lea2"]
    assert processor.chats_in_flight == 0  # no lock outlives its updates


async def test_updates_without_chat_run_directly() -> None:
    processor = PerChatOrderedProcessor()
    done = []

    async def handle() -> None:
        done.append(True)

    async with processor:
        await processor.process_update(object(), handle())
    assert done == [True]
    assert chat_key(object()) is None


def test_a_button_press_belongs_to_the_person_chat(fake_api: FakeBotApi) -> None:
    lea = new_person(fake_api)
    assert chat_key(Update.de_json(lea.sends_callback("v1|m|"), None)) == lea.chat_id
