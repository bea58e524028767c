"""The two questions a report can need: the delivery proof, and why a delivery failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from contracts.rider import FailureReason, RouteStop
from rider_tracker.delivery_reports import CODE, FAILURE_LABELS


@dataclass(frozen=True, slots=True)
class Proof:
    code: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Failure:
    reason: FailureReason
    note: str | None


class ProofDialog(ModalScreen[Proof | None]):
    """The customer's 4-digit code, or a note (e.g. "放门口保温箱" when nobody opens)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消 cancel")]

    def __init__(self, stop: RouteStop) -> None:
        super().__init__()
        self.stop = stop

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"送达 #{self.stop.sequence} {self.stop.address}", id="title")
            yield Label("客户取件码 customer's 4-digit code")
            yield Input(placeholder="1234", max_length=4, restrict=r"[0-9]*", id="code")
            yield Label("或备注 or a note")
            yield Input(placeholder="放门口保温箱", max_length=500, id="note")
            yield Label("", id="problem")

    @on(Input.Submitted)
    def submit(self) -> None:
        code = self.query_one("#code", Input).value.strip() or None
        note = self.query_one("#note", Input).value.strip() or None
        problem = self.query_one("#problem", Label)
        if code is None and note is None:
            problem.update("需要取件码或备注 a code or a note is needed")
            return
        if code is not None and not CODE.match(code):
            problem.update("取件码是4位数字 the code is 4 digits")
            return
        self.dismiss(Proof(code, note))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FailureDialog(ModalScreen[Failure | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消 cancel")]

    def __init__(self, stop: RouteStop) -> None:
        super().__init__()
        self.stop = stop

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"未送达 #{self.stop.sequence} {self.stop.address}", id="title")
            yield OptionList(
                *(Option(label, id=reason.value) for reason, label in FAILURE_LABELS.items()), id="reasons"
            )
            yield Label("备注 note (required for other)")
            yield Input(placeholder="", max_length=500, id="note")
            yield Label("", id="problem")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        reason = FailureReason(event.option.id or FailureReason.OTHER.value)
        note = self.query_one("#note", Input).value.strip() or None
        if reason is FailureReason.OTHER and note is None:
            self.query_one("#problem", Label).update("请写明原因 write what happened, then Enter")
            self.query_one("#note", Input).focus()
            return
        self.dismiss(Failure(reason, note))

    @on(Input.Submitted)
    def submit(self) -> None:
        reasons = self.query_one("#reasons", OptionList)
        index = reasons.highlighted
        if index is None:
            self.query_one("#problem", Label).update("选择原因 choose a reason")
            reasons.focus()
            return
        option = reasons.get_option_at_index(index)
        reason = FailureReason(option.id or FailureReason.OTHER.value)
        note = self.query_one("#note", Input).value.strip() or None
        if reason is FailureReason.OTHER and note is None:
            self.query_one("#problem", Label).update("请写明原因 write what happened")
            return
        self.dismiss(Failure(reason, note))

    def action_cancel(self) -> None:
        self.dismiss(None)
