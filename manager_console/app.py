"""The manager console: panes over the hub's REST API, each fed by a thread worker.

The UI thread never waits on the network: every request runs in a worker with a timeout and hands
its reply back with ``call_from_thread``. A pane keeps its last good data and shows its age when the
hub stops answering; an endpoint the hub lacks (404) reads "not available on this hub".
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from manager_console.hub_client import HubClient, Reply
from manager_console.kpis import Kpis, kpis_from_orders, yuan
from manager_console.labels import label
from manager_console.pane_state import Fresh, while_running
from manager_console.rows import subscription_call, ticket_cells, unconfirmed
from manager_console.settings import ConsoleSettings

Clock = Callable[[], datetime]
PANES = ("dashboard", "orders", "riders", "customers", "service", "subscriptions", "reports")


class ManagerConsole(App[None]):
    TITLE = "Brigade"
    CSS = """
    .status { color: $text-muted; height: 1; }
    .stale { color: $warning; }
    #kpis { height: 3; }
    #chart { height: 14; }
    DataTable { height: 1fr; }
    #order-detail, #customer-detail, #sub-result, #report-text { height: auto; max-height: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(i + 1), f"show('{pane}')", pane, show=False) for i, pane in enumerate(PANES)),
        Binding("r", "refresh", "refresh"),
        Binding("slash", "search", "type"),
        Binding("escape", "leave_input", show=False),
        Binding("l", "switch_language", "中/EN"),
        Binding("c", "open_customer", "customer"),
        Binding("e", "export", "export"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(
        self,
        settings: ConsoleSettings,
        *,
        clock: Clock | None = None,
        zone: str = "Asia/Shanghai",
        export_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.lang = settings.language
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.zone = ZoneInfo(zone)
        self.export_dir = export_dir or Path.cwd()
        self.hub = HubClient(settings)
        self.fresh = {name: Fresh() for name in ("dashboard", "orders", "tickets", "riders", "service")}
        self.kpis: Kpis | None = None
        self.kpi_source = ""
        self.selected_order: dict[str, Any] | None = None
        self.customer: dict[str, Any] | None = None
        self.logged_in = False

    # layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            with TabPane(self.t("dashboard"), id="dashboard"):
                yield Static(classes="status", id="dashboard-status")
                yield Static(id="kpis")
                yield PlotextPlot(id="chart")
            with TabPane(self.t("orders"), id="orders"):
                yield Static(classes="status", id="orders-status")
                yield DataTable(id="orders-table", cursor_type="row")
                yield Static(id="order-detail")
                yield DataTable(id="tickets-table", cursor_type="row")
            with TabPane(self.t("riders"), id="riders"):
                yield Static(classes="status", id="riders-status")
                yield DataTable(id="riders-table", cursor_type="row")
            with TabPane(self.t("customers"), id="customers"):
                yield Input(placeholder=self.t("phone"), id="customer-query")
                yield Static(classes="status", id="customers-status")
                yield Static(id="customer-detail")
                yield DataTable(id="customer-tickets", cursor_type="row")
            with TabPane(self.t("service"), id="service"):
                yield Static(classes="status", id="service-status")
                yield DataTable(id="service-table", cursor_type="row")
            with TabPane(self.t("subscriptions"), id="subscriptions"):
                with Horizontal():
                    yield Input(placeholder=self.t("subscription_id"), id="sub-id")
                    yield Input(placeholder="YYYY-MM-DD / ¥", id="sub-arg")
                yield Static("/ type · Esc · p pause · s skip · x change · u top-up", id="sub-help")
                yield Static(id="sub-result")
            with TabPane(self.t("reports"), id="reports"), Vertical():
                yield Static(id="report-text")
        yield Footer()

    def t(self, key: str) -> str:
        return label(key, self.lang)

    def on_mount(self) -> None:
        self.sub_title = self.settings.hub_url
        self._headers()
        self.connect()
        self.set_interval(self.settings.refresh_s, self.action_refresh)
        self.set_interval(1.0, self._tick)

    def on_unmount(self) -> None:
        self.hub.close()

    def _headers(self) -> None:
        t = self.t
        self._columns("orders-table", "#", "store", "status", "total", "placed")
        self._columns("tickets-table", "order", "station", "state", t("unconfirmed"))
        self._columns("riders-table", "rider", "name", "status", "stops")
        self._columns("customer-tickets", "ticket", "status", "summary")
        self._columns("service-table", "ticket", "priority", "status", "summary", "SLA")

    def _columns(self, table_id: str, *names: str) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        table.clear(columns=True)
        table.add_columns(*names)

    # workers: all network I/O happens here ----------------------------------------------------

    @work(thread=True, exclusive=True, group="login")
    def connect(self) -> None:
        reply = self.hub.login()
        self.call_from_thread(self._logged_in, reply)

    @while_running
    def _logged_in(self, reply: Reply) -> None:
        if not reply.ok:
            self.query_one("#dashboard-status", Static).update(f"login: {reply.status or '-'} {reply.error}")
            return
        self.logged_in = True
        stores = reply.data.get("store_ids") if isinstance(reply.data, dict) else None
        if stores:
            self.sub_title = ", ".join(stores)
        self.action_refresh()

    @work(thread=True, exclusive=True, group="dashboard")
    def load_dashboard(self) -> None:
        store = self.settings.store_id
        today = self.clock().astimezone(self.zone).date().isoformat()
        sales = self.hub.get("/analytics/sales", store_id=store, date_from=today, date_to=today)
        orders = self.hub.get("/orders", store_id=store, limit=500)
        self.call_from_thread(self._show_dashboard, sales, orders)

    @work(thread=True, exclusive=True, group="orders")
    def load_orders(self) -> None:
        store, asked = self.settings.store_id, self.clock()
        orders = self.hub.get("/orders", store_id=store, limit=100)
        tickets = self.hub.get("/kitchen/tickets", store_id=store, limit=200)
        self.call_from_thread(self._show_orders, orders, tickets, asked)

    @work(thread=True, exclusive=True, group="riders")
    def load_riders(self) -> None:
        riders = self.hub.get("/riders", store_id=self.settings.store_id)
        routes: dict[str, Reply] = {}
        if riders.ok:
            for rider in riders.data[:50]:
                routes[rider["id"]] = self.hub.get(f"/riders/{rider['id']}/route")
        self.call_from_thread(self._show_riders, riders, routes)

    @work(thread=True, exclusive=True, group="service")
    def load_service(self) -> None:
        self.call_from_thread(self._show_service, self.hub.get("/service/tickets", store_id=self.settings.store_id))

    @work(thread=True, exclusive=True, group="customer")
    def load_customer(self, query: str | None = None, customer_id: str | None = None) -> None:
        if customer_id:
            reply = self.hub.get(f"/customers/{customer_id}")
        elif query and query.startswith("M"):
            reply = self.hub.get("/customers/lookup", member_id=query)
        else:
            reply = self.hub.get("/customers/lookup", phone=query)
        tickets = self.hub.get("/service/tickets", customer_id=reply.data["id"]) if reply.ok else Reply(0)
        self.call_from_thread(self._show_customer, reply, tickets)

    @work(thread=True, exclusive=True, group="subscription")
    def act_on_subscription(self, path: str, body: dict[str, Any]) -> None:
        self.call_from_thread(self._show_subscription, self.hub.post(path, body))

    # showing replies (UI thread) ------------------------------------------------------------

    def _keep(self, name: str, reply: Reply, asked: datetime | None = None) -> Fresh:
        """Keep a good reply with the time it was asked for; anything else leaves the last data."""
        fresh = self.fresh[name]
        if reply.ok:
            fresh.data, fresh.at, fresh.problem = reply.data, asked or self.clock(), ""
        elif reply.missing:
            fresh.data, fresh.at, fresh.problem = None, None, self.t("not_available")
        else:
            fresh.problem = f"{self.t('stale')} ({reply.status or reply.error})"
        return fresh

    def _status(self, widget_id: str, fresh: Fresh, extra: str = "") -> None:
        widget = self.query_one(f"#{widget_id}", Static)
        if fresh.at is None:
            widget.update(fresh.problem or self.t("no_data"))
            return
        age = int((self.clock() - fresh.at).total_seconds())
        stamp = fresh.at.astimezone(self.zone).strftime("%H:%M:%S")
        text = f"{self.t('as_of')} {stamp} ({age}{self.t('ago')}){extra}"
        if fresh.problem:
            text = f"{fresh.problem} · {text}"
        widget.set_class(bool(fresh.problem), "stale")
        widget.update(text)

    @while_running
    def _show_dashboard(self, sales: Reply, orders: Reply) -> None:
        fresh = self._keep("dashboard", orders)
        if orders.ok:
            kpis = kpis_from_orders(orders.data, self.clock(), self.zone)
            self.kpi_source = self.t("source_orders")
            if sales.ok and isinstance(sales.data, dict):
                kpis = Kpis(
                    orders=int(sales.data["orders"]),
                    revenue_fen=int(sales.data["revenue_fen"]),
                    average_order_fen=int(sales.data["average_order_fen"]),
                    open_orders=kpis.open_orders,
                    by_hour=kpis.by_hour,
                )
                self.kpi_source = self.t("source_analytics")
            self.kpis = kpis
        self._status("dashboard-status", fresh, f" · {self.kpi_source}" if self.kpi_source else "")
        self._draw_dashboard()

    def _draw_dashboard(self) -> None:
        kpis = self.kpis
        if kpis is None:
            return
        t = self.t
        self.query_one("#kpis", Static).update(
            f"{t('orders_today')}: {kpis.orders}    {t('revenue_today')}: {yuan(kpis.revenue_fen)}    "
            f"{t('average_order')}: {yuan(kpis.average_order_fen)}    {t('open_orders')}: {kpis.open_orders}"
        )
        chart = self.query_one("#chart", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        hours = list(range(24))
        plt.bar(hours, [kpis.by_hour.get(h, 0) for h in hours])
        plt.title(t("by_hour"))
        chart.refresh()
        self._draw_report()

    @while_running
    def _show_orders(self, orders: Reply, tickets: Reply, asked: datetime | None = None) -> None:
        fresh = self._keep("orders", orders, asked)
        ticket_fresh = self._keep("tickets", tickets, asked)
        self._status("orders-status", fresh)
        table = self.query_one("#orders-table", DataTable)
        if orders.ok:
            table.clear()
            for order in orders.data:
                placed = datetime.fromisoformat(order["placed_at"]).astimezone(self.zone).strftime("%H:%M")
                table.add_row(
                    order["order_number"],
                    order["store_id"],
                    order["status"],
                    yuan(order["total_fen"]),
                    placed,
                    key=order["id"],
                )
        tickets_table = self.query_one("#tickets-table", DataTable)
        if tickets.ok:
            tickets_table.clear()
            numbers = {o["id"]: o["order_number"] for o in (fresh.data or [])}
            for ticket in sorted(tickets.data, key=lambda x: not unconfirmed(x)):
                alert = unconfirmed(ticket)
                style = "bold white on red" if alert else ""
                tickets_table.add_row(
                    Text(str(numbers.get(ticket.get("order_id"), ticket.get("order_id", ""))), style=style),
                    Text(str(ticket.get("station_code", "")), style=style),
                    Text(str(ticket.get("state") or ticket.get("status") or ""), style=style),
                    Text("!" if alert else "", style=style),
                )
        elif ticket_fresh.problem and ticket_fresh.at is None:
            tickets_table.clear()

    @while_running
    def _show_riders(self, riders: Reply, routes: dict[str, Reply]) -> None:
        fresh = self._keep("riders", riders)
        self._status("riders-status", fresh)
        if not riders.ok:
            return
        table = self.query_one("#riders-table", DataTable)
        table.clear()
        for rider in riders.data:
            route = routes.get(rider["id"])
            stops = route.data.get("stops", []) if route is not None and route.ok else []
            names = ", ".join(str(s.get("order_number") or s.get("order_id") or "") for s in stops)
            table.add_row(rider["id"], rider.get("name", ""), rider.get("status", ""), names or "-", key=rider["id"])

    @while_running
    def _show_service(self, reply: Reply) -> None:
        fresh = self._keep("service", reply)
        self._status("service-status", fresh)
        self._draw_service()

    def _draw_service(self) -> None:
        fresh = self.fresh["service"]
        table = self.query_one("#service-table", DataTable)
        table.clear()
        if fresh.data is None or fresh.at is None:
            return
        waited = (self.clock() - fresh.at).total_seconds()
        for ticket in fresh.data:
            table.add_row(*ticket_cells(ticket, waited, self.t("breached")), key=ticket["id"])

    @while_running
    def _show_customer(self, reply: Reply, tickets: Reply) -> None:
        status = self.query_one("#customers-status", Static)
        detail = self.query_one("#customer-detail", Static)
        if not reply.ok:
            status.update(self.t("not_available") if reply.status == 0 else f"{reply.status} {reply.error}")
            return
        self.customer = reply.data
        status.update("")
        ids = "\n".join(f"  {i['kind']}: {i['value']}" for i in reply.data.get("identities", []))
        detail.update(f"{reply.data['display_name']}  ({reply.data.get('home_store_id') or '-'})\n{ids}")
        table = self.query_one("#customer-tickets", DataTable)
        table.clear()
        if tickets.ok:
            for ticket in tickets.data:
                table.add_row(ticket["id"][:8], ticket["status"], ticket["summary"], key=ticket["id"])
        elif tickets.missing:
            table.add_row("-", "-", f"{self.t('service')}: {self.t('not_available')}")

    @while_running
    def _show_subscription(self, reply: Reply) -> None:
        widget = self.query_one("#sub-result", Static)
        if reply.ok:
            widget.update(f"{self.t('done')}: {reply.data.get('status', '')} {reply.data.get('id', '')}")
        elif reply.status == 405 or (reply.status == 404 and reply.error == "Not Found"):
            widget.update(self.t("not_available"))
        else:
            widget.update(f"{reply.status or '-'} {reply.error}")

    def _draw_report(self) -> None:
        kpis = self.kpis
        if kpis is None:
            return
        t = self.t
        lines = [
            f"{t('orders_today')}: {kpis.orders}",
            f"{t('revenue_today')}: {yuan(kpis.revenue_fen)}",
            f"{t('average_order')}: {yuan(kpis.average_order_fen)}",
            f"{t('open_orders')}: {kpis.open_orders}",
            "",
            "e: CSV",
        ]
        self.query_one("#report-text", Static).update("\n".join(lines))

    @while_running
    def _tick(self) -> None:
        for name, widget_id in (
            ("dashboard", "dashboard-status"),
            ("orders", "orders-status"),
            ("riders", "riders-status"),
            ("service", "service-status"),
        ):
            fresh = self.fresh[name]
            if fresh.at is not None:
                self._status(
                    widget_id, fresh, f" · {self.kpi_source}" if name == "dashboard" and self.kpi_source else ""
                )
        self._draw_service()

    # actions ------------------------------------------------------------------------------

    def action_show(self, pane: str) -> None:
        """Switch panes and move the focus along (a focused widget would pull its own pane back)."""
        self.query_one(TabbedContent).active = pane
        tables = list(self.query_one(f"#{pane}", TabPane).query(DataTable))
        self.set_focus(tables[0] if tables else None)

    def action_search(self) -> None:
        """``/`` types into the pane's input; Escape leaves it, and the keys are commands again."""
        inputs = list(self.query_one(f"#{self.query_one(TabbedContent).active}", TabPane).query(Input))
        if inputs:
            self.set_focus(inputs[0])

    def action_leave_input(self) -> None:
        self.set_focus(None)

    def action_refresh(self) -> None:
        if not self.logged_in:
            self.connect()
            return
        self.load_dashboard()
        self.load_orders()
        self.load_riders()
        self.load_service()

    def action_switch_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        tabs = self.query_one(TabbedContent)
        for pane in PANES:
            tabs.get_tab(pane).label = self.t(pane)
        self.query_one("#customer-query", Input).placeholder = self.t("phone")
        self.query_one("#sub-id", Input).placeholder = self.t("subscription_id")
        self.kpi_source = self.t("source_orders") if self.kpi_source else ""
        self._draw_dashboard()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "orders-table" or event.row_key.value is None:
            return
        orders = self.fresh["orders"].data or []
        order = next((o for o in orders if o["id"] == event.row_key.value), None)
        if order is None:
            return
        self.selected_order = order
        lines = "  ".join(f"{line['sku']}×{line['quantity']}" for line in order.get("lines", []))
        self.query_one("#order-detail", Static).update(
            f"{order['order_number']} · {order['status']} · {yuan(order['total_fen'])}\n{lines}\n"
            f"{order.get('delivery_address') or ''}  [c] {self.t('customers')}"
        )

    def action_open_customer(self) -> None:
        order = self.selected_order
        if order is None or not order.get("customer_id"):
            return
        self.action_show("customers")
        self.load_customer(customer_id=order["customer_id"])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "customer-query" and event.value.strip():
            self.load_customer(query=event.value.strip())

    def on_key(self, event: Any) -> None:
        """p pause, s skip, x change, u top-up: on the subscriptions pane, when no input has focus."""
        on_pane = self.query_one(TabbedContent).active == "subscriptions"
        if not on_pane or event.key not in ("p", "s", "x", "u") or isinstance(self.focused, Input):
            return
        event.stop()
        sub_id = self.query_one("#sub-id", Input).value.strip()
        arg = self.query_one("#sub-arg", Input).value.strip()
        if not sub_id or not arg:
            self.query_one("#sub-result", Static).update(f"{self.t('subscription_id')} + YYYY-MM-DD / ¥")
            return
        path, body = subscription_call(event.key, sub_id, arg, self.customer, self.clock())
        self.act_on_subscription(path, body)

    def action_export(self) -> None:
        orders = self.fresh["orders"].data or self.fresh["dashboard"].data
        if not orders:
            return
        stamp = self.clock().astimezone(self.zone).strftime("%Y%m%d-%H%M%S")
        path = self.export_dir / f"brigade-orders-{stamp}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["order_number", "store_id", "status", "total_fen", "placed_at"])
            for o in orders:
                writer.writerow([o["order_number"], o["store_id"], o["status"], o["total_fen"], o["placed_at"]])
        self.query_one("#report-text", Static).update(f"{self.t('exported')} {path}")
        self.notify(f"{self.t('exported')} {path}")


def create_app(settings: ConsoleSettings, **options: Any) -> ManagerConsole:
    return ManagerConsole(settings, **options)
