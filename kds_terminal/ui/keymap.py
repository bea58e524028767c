"""The bump-bar key map. Every key works on a numeric keypad (what most bump bars send) and has a
letter twin for a plain keyboard. Ids let ``BRIGADE_KDS_KEYMAP`` remap them for another bump bar.

=============  ================  ==========================================
keys           id                does
=============  ================  ==========================================
1..9, 0        kds.select_N      select the Nth card on the page
Enter, b       kds.bump          bump the selected (or first) ticket: ready
*, space, i    kds.bump_item     item done (the highlighted, else the first open); again: undo
/, r           kds.recall        recall the last bumped ticket
., h           kds.recall_list   the last bumped tickets; a number recalls one
+, PgDn        kds.next_page     next page of cards
-, PgUp        kds.prev_page     previous page
a              kds.all_day       show/hide the all-day counts
arrows         kds.left/right    previous/next card; up/down: highlight an item
Home, Esc      kds.home/clear    first page; clear the item highlight
q              kds.quit          quit the display (Ctrl+Q too)
=============  ================  ==========================================

``*`` on a ticket's last open item bumps the whole ticket, and the notice says so.
"""

from __future__ import annotations

from textual.binding import Binding

from kds_terminal.labels import Labels


def board_bindings(labels: Labels) -> list[Binding]:
    return [
        Binding("1", "select(1)", labels("select"), key_display="1-9", id="kds.select_1"),
        Binding("enter,b", "bump", labels("bump"), key_display="Enter", id="kds.bump"),
        Binding("asterisk,space,i", "bump_item", labels("bump_item"), key_display="*", id="kds.bump_item"),
        Binding("slash,r", "recall_last", labels("recall"), key_display="/", id="kds.recall"),
        Binding("full_stop,h", "recall_list", labels("recall_list"), key_display=".", id="kds.recall_list"),
        Binding("plus,pagedown", "page(1)", labels("page_next"), key_display="+", id="kds.next_page"),
        Binding("minus,pageup", "page(-1)", labels("page_prev"), key_display="-", id="kds.prev_page"),
        Binding("a", "toggle_all_day", labels("all_day"), id="kds.all_day"),
        Binding("q", "quit", labels("quit"), id="kds.quit"),
        Binding("left", "move(-1)", show=False, id="kds.left"),
        Binding("right", "move(1)", show=False, id="kds.right"),
        Binding("up", "move_line(-1)", show=False, id="kds.up"),
        Binding("down", "move_line(1)", show=False, id="kds.down"),
        Binding("home", "first", show=False, id="kds.home"),
        Binding("escape", "clear", show=False, id="kds.clear"),
        *(Binding(str(n % 10), f"select({n})", show=False, id=f"kds.select_{n}") for n in range(2, 11)),
    ]
