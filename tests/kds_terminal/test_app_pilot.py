"""The display as a cook uses it: keys on a bump bar, cards on the screen, statuses reaching the hub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from contracts import topics
from contracts.kitchen import TicketLine
from kds_terminal.app import KdsApp, create_app
from kds_terminal.tickets import OutcomeKind
from kds_terminal.ui.recall_screen import RecallScreen
from kds_terminal.ui.widgets import AllDayPanel, StatusBar
from mqttlink import FakeBroker, FakeMqttLink
from tests.kds_terminal.pilot import (
    KDS_SIZE,
    AckingHub,
    FakeClock,
    card_of,
    card_text,
    kds_settings,
    make_ticket,
    offline_banner,
    publish_ticket,
    screen_cards,
    settle,
    wait_for_card,
    wait_until,
)

pytestmark = pytest.mark.ui
ROOT = "brigade"


class Kitchen:
    """A fake broker with a hub that acks, and a display on it."""

    def __init__(self, tmp_path: Path, **changes: Any) -> None:
        self.broker = FakeBroker()
        self.hub = AckingHub(self.broker)
        self.clock = FakeClock()
        self.link = FakeMqttLink(self.broker)
        self.app: KdsApp = create_app(kds_settings(tmp_path, **changes), link=self.link, clock=self.clock)

    async def send(self, *tickets: Any) -> None:
        for ticket in tickets:
            await publish_ticket(self.hub.link, ticket, root=ROOT)

    async def sent_all(self, pilot: Pilot[Any]) -> None:
        await settle(self.app, pilot)
        outbox = self.app.controller.outbox
        assert outbox is not None
        await wait_until(pilot, lambda: outbox.pending() == 0)


@pytest.fixture
async def kitchen(tmp_path: Path) -> Kitchen:
    k = Kitchen(tmp_path)
    await k.hub.start()
    return k


async def test_a_number_key_selects_a_card_and_enter_bumps_it(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1"), make_ticket("o2"), make_ticket("o3"))
        await wait_for_card(pilot, "o3:wok")
        await pilot.press("2")
        assert card_of(kitchen.app, "o2:wok").has_class("-selected")  # type: ignore[union-attr]
        await pilot.press("enter")
        await kitchen.sent_all(pilot)
        assert screen_cards(kitchen.app) == ["o1:wok", "o3:wok"]
        assert card_of(kitchen.app, "o3:wok").has_class("-selected"), "the next card takes the selection"  # type: ignore[union-attr]
        assert ("o2:wok", "ready", ()) in kitchen.hub.states()
        assert [s for s in kitchen.hub.states() if s[1] == "ready"] == [("o2:wok", "ready", ())]


async def test_the_bump_key_without_a_selection_bumps_the_oldest_ticket(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1"))
        kitchen.clock.advance(10)
        await kitchen.send(make_ticket("o2"))
        await wait_for_card(pilot, "o2:wok")
        await pilot.press("b")
        await kitchen.sent_all(pilot)
        assert screen_cards(kitchen.app) == ["o2:wok"]


async def test_the_item_key_works_down_the_items_and_the_last_one_bumps_the_ticket(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1", lines=[("l1", "宫保鸡丁", 2), ("l2", "鱼香肉丝", 1)]))
        card = await wait_for_card(pilot, "o1:wok")
        await pilot.press("asterisk")
        await settle(kitchen.app, pilot)
        assert "✓ 2× 宫保鸡丁" in card_text(card)
        assert "▶1× 鱼香肉丝" in card_text(card), "the highlight moves to the next open item"
        assert str(kitchen.app.query_one(AllDayPanel).content).count("宫保鸡丁") == 0
        await pilot.press("space")
        await kitchen.sent_all(pilot)
        assert screen_cards(kitchen.app) == []
        assert [s for s in kitchen.hub.states() if s[1] != "shown"] == [
            ("o1:wok", "ready", ("l1",)),
            ("o1:wok", "ready", ("l2",)),
            ("o1:wok", "ready", ()),
        ]


async def test_arrows_pick_an_item_and_the_item_key_toggles_it(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1", lines=[("l1", "A菜", 1), ("l2", "B菜", 1), ("l3", "C菜", 1)]))
        card = await wait_for_card(pilot, "o1:wok")
        await pilot.press("down", "down", "i")
        assert "✓ 1× B菜" in card_text(card)
        await pilot.press("up", "i")  # back on B: undo
        await kitchen.sent_all(pilot)
        assert "✓" not in card_text(card)
        assert [s for s in kitchen.hub.states() if s[1] != "shown"] == [
            ("o1:wok", "ready", ("l2",)),
            ("o1:wok", "recalled", ("l2",)),
        ]


async def test_recall_brings_back_the_last_bump_or_one_from_the_list(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1"), make_ticket("o2"), make_ticket("o3"))
        await wait_for_card(pilot, "o3:wok")
        await pilot.press("enter", "enter", "enter")
        await settle(kitchen.app, pilot)
        assert screen_cards(kitchen.app) == []
        await pilot.press("slash")
        card = await wait_for_card(pilot, "o3:wok")
        assert "召回" in card_text(card)
        await pilot.press("full_stop")
        assert isinstance(kitchen.app.screen, RecallScreen)
        listed = str(kitchen.app.screen.query_one("#recall-list").content)  # type: ignore[attr-defined]
        assert listed.index("#O2") < listed.index("#O1"), "most recent first"
        await pilot.press("2")  # the second most recent: o1
        await wait_for_card(pilot, "o1:wok")
        assert not isinstance(kitchen.app.screen, RecallScreen)
        await kitchen.sent_all(pilot)
        assert screen_cards(kitchen.app) == ["o1:wok", "o3:wok"]
        assert [s for s in kitchen.hub.states() if s[1] == "recalled"] == [
            ("o3:wok", "recalled", ()),
            ("o1:wok", "recalled", ()),
        ]
        await pilot.press("full_stop", "escape")
        assert not isinstance(kitchen.app.screen, RecallScreen)


async def test_nothing_to_recall_or_bump_is_a_notice_not_a_crash(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await pilot.press("slash", "enter", "asterisk", "5", "plus", "left", "down", "full_stop", "1", "escape")
        await pilot.pause()
        assert kitchen.app.is_running and screen_cards(kitchen.app) == []


async def test_cards_age_from_green_to_yellow_to_red_per_station(tmp_path: Path) -> None:
    k = Kitchen(
        tmp_path,
        stations=["wok", "grill"],
        station_thresholds={"grill": {"warn_after_min": 8, "late_after_min": 12}},
    )
    await k.hub.start()
    async with k.app.run_test(size=KDS_SIZE) as pilot:
        await k.send(make_ticket("o1"), make_ticket("o1", station_id="grill"))
        wok = await wait_for_card(pilot, "o1:wok")
        grill = await wait_for_card(pilot, "o1:grill")

        async def at(seconds: float) -> tuple[str, str]:
            k.clock.now = pilot.app.controller.board.tickets["o1:wok"].arrived_at  # type: ignore[attr-defined]
            k.clock.advance(seconds)
            k.app.tick()
            await pilot.pause()
            level = [c for c in ("-fresh", "-warn", "-late")]
            return next(c for c in level if wok.has_class(c)), next(c for c in level if grill.has_class(c))

        assert await at(299) == ("-fresh", "-fresh")
        assert "4:59" in card_text(wok)
        assert await at(300) == ("-warn", "-fresh")
        assert await at(480) == ("-late", "-warn")
        assert await at(720) == ("-late", "-late")
        assert "12:00" in card_text(grill) and "烧烤" in card_text(grill), "station shown on a shared screen"


async def test_a_new_ticket_alerts_and_stands_out_for_a_while(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1"))
        card = await wait_for_card(pilot, "o1:wok")
        assert [a.kind for a in kitchen.app.alerts] == [OutcomeKind.NEW]
        assert card.has_class("-new") and "新单" in card_text(card)
        kitchen.clock.advance(16)
        kitchen.app.tick()
        await pilot.pause()
        assert not card.has_class("-new") and "新单" not in card_text(card)
        await kitchen.send(make_ticket("o1"))  # redelivered: no second alert, no second card
        await pilot.pause()
        assert len(kitchen.app.alerts) == 1 and screen_cards(kitchen.app) == ["o1:wok"]


async def test_a_changed_ticket_shows_what_changed(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1", lines=[("l1", "蛋炒饭", 3), ("l2", "炒青菜", 1)]))
        card = await wait_for_card(pilot, "o1:wok")
        await kitchen.send(make_ticket("o1", revision=2, lines=[("l1", "蛋炒饭", 4), ("l3", "酸辣汤", 1)]))
        await pilot.pause()
        text = card_text(card)
        assert "已修改" in text and "4× 蛋炒饭 (原 3)" in text and "1× 酸辣汤 新增" in text
        assert "1× 炒青菜 已删除" in text
        assert [a.kind for a in kitchen.app.alerts] == [OutcomeKind.NEW, OutcomeKind.CHANGED]


async def test_a_reprint_never_makes_a_second_card(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1"), make_ticket("o1", revision=2, reprint=True))
        await wait_for_card(pilot, "o1:wok")
        await pilot.pause()
        assert screen_cards(kitchen.app) == ["o1:wok"] and len(kitchen.app.alerts) == 1


async def test_a_cancelled_ticket_shows_cancelled_briefly_then_goes(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1"), make_ticket("o2"))
        await wait_for_card(pilot, "o2:wok")
        await kitchen.send(make_ticket("o1", revision=2, cancelled=True))
        await pilot.pause()
        card = card_of(kitchen.app, "o1:wok")
        assert card is not None and card.has_class("-cancelled") and "已取消" in card_text(card)
        kitchen.clock.advance(30)
        kitchen.app.tick()
        await pilot.pause()
        assert screen_cards(kitchen.app) == ["o2:wok"]


async def test_all_day_counts_and_the_panel_toggles(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(
            make_ticket("o1", lines=[("l1", "宫保鸡丁", 2), ("l2", "米饭", 2)]),
            make_ticket("o2", lines=[("l1", "宫保鸡丁", 1)]),
        )
        await wait_for_card(pilot, "o2:wok")
        panel = kitchen.app.query_one(AllDayPanel)
        assert str(panel.content).splitlines() == ["全天汇总", "   3  宫保鸡丁", "   2  米饭"]
        await pilot.press("a")
        assert not panel.display
        await pilot.press("a")
        assert panel.display


async def test_more_tickets_than_fit_go_to_pages(tmp_path: Path) -> None:
    k = Kitchen(tmp_path, columns=2, rows=1)
    await k.hub.start()
    async with k.app.run_test(size=KDS_SIZE) as pilot:
        for n in range(5):
            k.clock.advance(1)
            await k.send(make_ticket(f"o{n}"))
        await wait_until(pilot, lambda: len(k.app.controller.board.on_screen()) == 5)
        await pilot.pause()
        assert screen_cards(k.app) == ["o0:wok", "o1:wok"]
        assert "页 1/3" in str(k.app.query_one(StatusBar).content)
        await pilot.press("plus")
        assert screen_cards(k.app) == ["o2:wok", "o3:wok"]
        await pilot.press("2", "enter")
        await pilot.pause()
        assert screen_cards(k.app) == ["o2:wok", "o4:wok"]
        await pilot.press("minus")
        assert screen_cards(k.app) == ["o0:wok", "o1:wok"]
        await pilot.press("right", "right")
        assert screen_cards(k.app) == ["o2:wok", "o4:wok"]


async def test_the_offline_banner_shows_over_the_cards_and_bumps_still_work(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1"), make_ticket("o2"))
        await wait_for_card(pilot, "o2:wok")
        await kitchen.sent_all(pilot)
        kitchen.app.tick()
        await kitchen.link.stop()  # the store broker went away
        kitchen.clock.advance(42)
        kitchen.app.tick()
        await pilot.pause()
        assert offline_banner(kitchen.app) is not None
        assert "上次更新 42秒 前" in str(offline_banner(kitchen.app))
        assert screen_cards(kitchen.app) == ["o1:wok", "o2:wok"], "the cards stay on screen"
        assert "离线" in str(kitchen.app.query_one(StatusBar).content)
        await pilot.press("enter")
        await settle(kitchen.app, pilot)
        assert screen_cards(kitchen.app) == ["o2:wok"]
        kitchen.app.tick()
        await wait_until(pilot, lambda: kitchen.app.controller.pending_sends == 1)
        kitchen.app.tick()
        await pilot.pause()
        assert "1 条状态待发送" in str(offline_banner(kitchen.app))

        await kitchen.link.start()
        kitchen.app.tick()
        await pilot.pause()
        assert offline_banner(kitchen.app) is None
        await kitchen.sent_all(pilot)
        assert ("o1:wok", "ready", ()) in kitchen.hub.states()


async def test_a_restart_shows_the_same_tickets(tmp_path: Path) -> None:
    first = Kitchen(tmp_path)
    await first.hub.start()
    async with first.app.run_test(size=KDS_SIZE) as pilot:
        await first.send(make_ticket("o1"), make_ticket("o2"), make_ticket("o3"))
        await wait_for_card(pilot, "o3:wok")
        await pilot.press("2", "enter")
        await settle(first.app, pilot)
    second = Kitchen(tmp_path)
    await second.hub.start()
    async with second.app.run_test(size=KDS_SIZE) as pilot:
        await wait_for_card(pilot, "o3:wok")
        assert screen_cards(second.app) == ["o1:wok", "o3:wok"]
        await pilot.press("slash")
        await wait_for_card(pilot, "o2:wok")


async def test_a_bump_bar_with_other_keys_is_configured_by_keymap(tmp_path: Path) -> None:
    k = Kitchen(tmp_path, keymap={"kds.bump": "f12"}, language="en")
    await k.hub.start()
    async with k.app.run_test(size=KDS_SIZE) as pilot:
        await k.send(make_ticket("o1", lines=[("l1", "Dumplings", 2)]))
        card = await wait_for_card(pilot, "o1:wok")
        assert "NEW" in card_text(card)
        await pilot.press("enter")
        await pilot.pause()
        assert screen_cards(k.app) == ["o1:wok"]
        await pilot.press("f12")
        await pilot.pause()
        assert screen_cards(k.app) == []


async def test_garbage_on_the_ticket_topic_never_stops_the_screen(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        topic = topics.KITCHEN_TICKET.build(root=ROOT, store_id="s1", station_id="wok")
        await kitchen.hub.link.publish(topic, b"\xff\xfe not json")
        await kitchen.hub.link.publish(topic, make_ticket("o5", station_id="grill").model_dump_json().encode())
        line = TicketLine(line_id="l1", name="宫保鸡丁", quantity=1, modifiers=("少辣",), allergens=("花生",))
        await kitchen.send(make_ticket("o1", lines=[line], notes="多放葱"))
        card = await wait_for_card(pilot, "o1:wok")
        assert kitchen.app.is_running
        text = card_text(card)
        assert "· 少辣" in text and "⚠ 过敏: 花生" in text and "备注: 多放葱" in text
        dead = kitchen.broker.messages_on(topics.DEAD_LETTER.build(root=ROOT))
        assert len(dead) == 2


async def test_tickets_keep_coming_while_the_recall_list_is_open(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1"))
        await wait_for_card(pilot, "o1:wok")
        await pilot.press("enter", "full_stop")
        assert isinstance(kitchen.app.screen, RecallScreen)
        await kitchen.send(make_ticket("o2"))
        kitchen.clock.advance(5)
        kitchen.app.tick()
        await pilot.pause()
        assert kitchen.app.is_running and [a.kind for a in kitchen.app.alerts] == [OutcomeKind.NEW, OutcomeKind.NEW]
        await pilot.press("escape")
        await wait_for_card(pilot, "o2:wok")


async def test_a_ticket_longer_than_its_card_says_how_much_is_hidden(tmp_path: Path) -> None:
    k = Kitchen(tmp_path, rows=2)
    await k.hub.start()
    lines = [(f"l{n}", f"菜品{n}", n) for n in range(1, 31)]
    async with k.app.run_test(size=(140, 30)) as pilot:
        await k.send(make_ticket("o1", lines=lines))
        card = await wait_for_card(pilot, "o1:wok")
        await pilot.pause()
        text = str(card.content)
        assert card.hidden_rows > 0
        assert f"还有 {card.hidden_rows} 行" in text.splitlines()[-1]
        assert len(text.splitlines()) == card.content_size.height
        await pilot.resize_terminal(140, 80)
        await pilot.pause()
        assert card.hidden_rows == 0 and "30× 菜品30" in str(card.content)


async def test_a_tap_on_a_touch_screen_selects_the_card(kitchen: Kitchen) -> None:
    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await kitchen.send(make_ticket("o1"), make_ticket("o2"))
        await wait_for_card(pilot, "o2:wok")
        await pilot.click("#slot-2")
        await pilot.press("enter")
        await settle(kitchen.app, pilot)
        assert screen_cards(kitchen.app) == ["o1:wok"]


async def test_the_footer_says_q_quits_and_q_does(kitchen: Kitchen) -> None:
    from textual.widgets._footer import FooterKey

    async with kitchen.app.run_test(size=KDS_SIZE) as pilot:
        await pilot.pause()
        shown = {(k.key_display or k.key, k.description) for k in kitchen.app.query(FooterKey)}
        assert ("q", "退出") in shown, shown
        await pilot.press("q")
        await pilot.pause()
        assert not kitchen.app.is_running, "q quits the display"


async def test_the_item_key_on_the_last_open_item_says_it_bumped_the_whole_ticket(tmp_path: Path) -> None:
    k = Kitchen(tmp_path, language="en")
    await k.hub.start()
    async with k.app.run_test(size=KDS_SIZE) as pilot:
        await k.send(make_ticket("o1", lines=[("l1", "宫保鸡丁", 2), ("l2", "鱼香肉丝", 1)]))
        await wait_for_card(pilot, "o1:wok")
        await pilot.press("asterisk")
        await settle(k.app, pilot)
        told = [n.message for n in k.app._notifications]
        assert not any("bumped" in m for m in told), told
        await pilot.press("asterisk")
        await settle(k.app, pilot)
        told = [n.message for n in k.app._notifications]
        assert "Last item done: ticket #O1 bumped" in told, told
