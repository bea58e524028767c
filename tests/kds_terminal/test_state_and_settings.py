"""The board file, the cursor, the labels and the settings: small pure pieces of the display."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.kitchen import TicketLine
from kds_terminal.board import Board
from kds_terminal.board_codec import StateFormatError, board_to_doc, load_doc
from kds_terminal.board_file import BoardFile
from kds_terminal.cursor import Cursor
from kds_terminal.labels import Ago, Labels, timer
from kds_terminal.main import settings_from
from kds_terminal.settings import KdsSettings
from kds_terminal.tickets import LineChange, Phase, Thresholds
from tests.kds_terminal.pilot import T0, make_ticket


def _busy_board() -> Board:
    b = Board(store_id="s1", stations=["wok"])
    line = TicketLine(line_id="l1", name="宫保鸡丁", quantity=2, modifiers=("少辣",), allergens=("花生",), note="分装")
    b.receive(make_ticket("o1", lines=[line, ("l2", "米饭", 1)], notes="放门口", due_at=T0 + timedelta(hours=1)), T0)
    b.receive(make_ticket("o2"), T0 + timedelta(seconds=5))
    b.receive(make_ticket("o2", revision=2, lines=[("l1", "宫保鸡丁", 3)]), T0 + timedelta(seconds=6))
    b.receive(make_ticket("o3"), T0 + timedelta(seconds=7))
    b.bump_line("o1:wok", "l2", T0 + timedelta(seconds=8))
    b.bump_ticket("o3:wok", T0 + timedelta(seconds=9))
    b.receive(make_ticket("o4"), T0 + timedelta(seconds=10))
    b.receive(make_ticket("o4", revision=2, cancelled=True), T0 + timedelta(seconds=11))
    return b


def test_the_board_survives_a_round_trip_through_its_file(tmp_path: Path) -> None:
    before = _busy_board()
    file = BoardFile(tmp_path / "board.sqlite3")
    file.save(board_to_doc(before))
    file.close()

    after = Board(store_id="s1", stations=["wok"])
    load_doc(after, BoardFile(tmp_path / "board.sqlite3").load() or {})
    assert after.tickets == before.tickets
    assert after.history == before.history == ["o3:wok"]
    assert after.seen == before.seen
    o2 = after.tickets["o2:wok"]
    assert o2.changed and [line.change for line in o2.lines] == [LineChange.CHANGED, LineChange.REMOVED]
    assert after.tickets["o4:wok"].phase is Phase.CANCELLED


def test_a_damaged_or_foreign_state_is_refused_not_half_loaded(tmp_path: Path) -> None:
    doc = board_to_doc(_busy_board())
    for broken in (
        {**doc, "format": 99},
        {**doc, "store_id": "s2"},
        {**doc, "tickets": [{"ticket_id": "x"}]},
        {**doc, "seen": {"o1:wok": [1, "2025-01-01T00:00:00"]}},  # naive time
        {"format": 1},
    ):
        target = Board(store_id="s1", stations=["wok"])
        with pytest.raises(StateFormatError):
            load_doc(target, broken)
        assert target.tickets == {} and target.seen == {}


def test_a_file_that_is_not_json_loads_as_an_empty_board(tmp_path: Path) -> None:
    file = BoardFile(tmp_path / "board.sqlite3")
    file.save({"format": 1})
    file._db.execute("UPDATE board_state SET doc = 'not json'")
    assert file.load() is None


def test_a_board_file_that_is_not_a_database_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "board.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    file = BoardFile.open_or_set_aside(path)
    assert file.load() is None
    file.save({"format": 1})
    assert file.load() == {"format": 1}
    assert [p.name.split(".corrupt-")[0] for p in tmp_path.glob("*.corrupt-*")] == ["board.sqlite3"]


def test_a_station_removed_from_the_settings_drops_its_tickets_on_load() -> None:
    doc = board_to_doc(_busy_board())
    grill_only = Board(store_id="s1", stations=["grill"])
    load_doc(grill_only, json.loads(json.dumps(doc)))
    assert grill_only.tickets == {} and grill_only.history == []


def _cards(n: int) -> list:  # type: ignore[type-arg]
    b = Board(store_id="s1", stations=["wok"])
    for i in range(n):
        b.receive(make_ticket(f"o{i}", lines=[("a", "x", 1), ("b", "y", 1), ("c", "z", 1)]), T0 + timedelta(seconds=i))
    return b.on_screen()


def test_the_cursor_targets_the_first_card_and_follows_bumps() -> None:
    cursor = Cursor(page_size=4)
    cards = _cards(6)
    assert cursor.target(cards) is cards[0]
    assert cursor.select_slot(3, cards) and cursor.ticket_id == "o2:wok"
    assert not cursor.select_slot(9, cards), "no ninth card on a page of four"
    remaining = [c for c in cards if c.ticket_id != "o2:wok"]
    cursor.reconcile(remaining)
    assert cursor.ticket_id == "o3:wok", "the card that took its place"
    cursor.move(5, remaining)
    assert cursor.ticket_id == "o5:wok" and cursor.page == 1
    cursor.turn_page(-1, remaining)
    assert cursor.ticket_id == "o0:wok" and cursor.page == 0
    assert cursor.select_slot(1, cards[4:]) is True and cursor.page == 0
    cursor.reconcile([])
    assert cursor.ticket_id is None and cursor.target([]) is None


def test_the_item_cursor_walks_the_open_items() -> None:
    cursor = Cursor(page_size=4)
    cards = _cards(1)
    ticket = cursor.target(cards)
    assert ticket is not None
    assert cursor.item_target(ticket) == "a"
    cursor.move_line(1, cards)
    cursor.move_line(1, cards)
    assert cursor.line_id == "b"
    ticket.line("b").bumped = True
    cursor.after_item_bump(ticket)
    assert cursor.line_id == "c"
    cursor.move_line(1, cards)
    assert cursor.line_id is None
    assert cursor.item_target(ticket) == "a"
    cursor.move_line(-1, cards)
    assert cursor.line_id == "c"


def test_labels_in_both_languages_and_timers() -> None:
    assert Labels("zh")("bump") == "出餐"
    assert Labels("en")("bump") == "Bump"
    assert Labels("zh+en")("bump") == "出餐 Bump"
    assert Labels("en")("last_update", ago=Ago(75)) == "last update 1m 15s ago"
    assert Labels("zh+en")("last_update", ago=Ago(42)) == "上次更新 42秒 前 last update 42s ago"
    assert Labels("zh").ago(3725) == "1小时2分"
    assert [timer(s) for s in (0, 59, 61, 600, 3599, 3601, -5)] == [
        "0:00",
        "0:59",
        "1:01",
        "10:00",
        "59:59",
        "1:00:01",
        "0:00",
    ]
    with pytest.raises(ValueError, match="unknown language"):
        Labels("fr")


def test_settings_from_the_environment_and_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIGADE_KDS_MQTT__HOST", "10.0.0.5")
    monkeypatch.setenv("BRIGADE_KDS_MQTT__PORT", "1884")
    monkeypatch.setenv("BRIGADE_KDS_LANGUAGE", "en")
    monkeypatch.setenv("BRIGADE_KDS_STATION_THRESHOLDS", '{"grill": {"warn_after_min": 8, "late_after_min": 12}}')
    monkeypatch.setenv("BRIGADE_KDS_KEYMAP", '{"kds.bump": "enter,f12"}')
    settings, level = settings_from(["--store", "s1", "--station", "grill", "--station", "wok", "--port", "1990"])
    assert settings.store_id == "s1" and settings.stations == ["grill", "wok"]
    assert (settings.mqtt.host, settings.mqtt.port) == ("10.0.0.5", 1990), "the command line wins, env fills in"
    assert settings.language == "en" and level == "INFO"
    assert settings.resolved_device_id == "kds-s1-grill"
    assert settings.link_settings.client_id == "kds-s1-grill"
    assert settings.thresholds() == {"grill": Thresholds(warn_after_s=480, late_after_s=720)}
    assert settings.default_thresholds == Thresholds(warn_after_s=300, late_after_s=480)
    assert settings.keymap == {"kds.bump": "enter,f12"}
    assert settings.board_path == Path("var/kds/kds-s1-grill.board.sqlite3")


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValidationError):
        KdsSettings(store_id="s1", stations=["wok/2"])
    with pytest.raises(ValidationError):
        KdsSettings(store_id="s1", stations=[])
    with pytest.raises(ValidationError):
        KdsSettings(store_id="s1", stations=["wok"], warn_after_min=9, late_after_min=8)
    with pytest.raises(ValidationError, match="unknown timezone"):
        KdsSettings(store_id="s1", stations=["wok"], timezone="Mars/Olympus")
    with pytest.raises(SystemExit) as exited:
        from kds_terminal.main import main

        main(["--station", "wok"])  # no store
    assert exited.value.code == 2


def test_the_board_model_imports_no_framework() -> None:
    code = (
        "import sys, kds_terminal.board, kds_terminal.board_codec, kds_terminal.cursor, kds_terminal.labels;"
        "bad = [m for m in ('textual', 'paho', 'mqttlink', 'sqlite3', 'rich') if m in sys.modules];"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
