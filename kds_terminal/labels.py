"""Every word on the screen, in Chinese and English. ``zh+en`` shows both."""

from __future__ import annotations

from typing import Final

_TEXT: Final[dict[str, tuple[str, str]]] = {
    # key bar
    "bump": ("出餐", "Bump"),
    "bump_item": ("单品完成", "Item done"),
    "recall": ("召回", "Recall"),
    "recall_list": ("最近出餐", "Bumped"),
    "all_day": ("汇总", "All day"),
    "page_next": ("下一页", "Next page"),
    "page_prev": ("上一页", "Prev page"),
    "select": ("选择", "Select"),
    "clear": ("取消选择", "Clear"),
    "quit": ("退出", "Quit"),
    # cards
    "new": ("新单", "NEW"),
    "changed": ("已修改", "CHANGED"),
    "cancelled": ("已取消", "CANCELLED"),
    "recalled": ("召回", "RECALLED"),
    "removed": ("已删除", "REMOVED"),
    "added": ("新增", "ADDED"),
    "was": ("原", "was"),
    "due": ("预约", "due"),
    "note": ("备注", "Note"),
    "allergens": ("过敏", "Allergy"),
    "more_rows": ("还有 {n} 行", "{n} more rows"),
    # status bar and panels
    "tickets": ("单", "tickets"),
    "page": ("页", "page"),
    "online": ("在线", "online"),
    "offline": ("离线", "OFFLINE"),
    "feed_down": ("订单推送中断", "Order feed is down"),
    "last_update": ("上次更新 {ago} 前", "last update {ago} ago"),
    "waiting_to_send": ("{n} 条状态待发送", "{n} waiting to send"),
    "edge_offline": ("门店主机离线", "store box offline"),
    "broker_down": ("连接中断", "link down"),
    "no_tickets": ("暂无订单", "No tickets"),
    "all_day_title": ("全天汇总", "ALL DAY"),
    "recall_title": ("最近出餐 (按数字召回)", "Recently bumped (number to recall)"),
    "recall_empty": ("没有可召回的单", "Nothing to recall"),
    "new_ticket": ("新单 #{number}", "New ticket #{number}"),
    "changed_ticket": ("单已修改 #{number}", "Ticket changed #{number}"),
    "cancelled_ticket": ("单已取消 #{number}", "Ticket cancelled #{number}"),
    "caught_up": ("已载入 {count} 张未完成的单", "{count} open tickets loaded"),
    "last_item_bumped": ("最后一项完成, 整单出餐 #{number}", "Last item done: ticket #{number} bumped"),
    "bumped_ticket": ("已出餐 #{number}", "Bumped #{number}"),
    "recalled_ticket": ("已召回 #{number}", "Recalled #{number}"),
    "rejected_ticket": ("收到无法显示的单", "A ticket could not be shown"),
    "refused_bump": ("出餐被拒 #{number}：{reason}", "Bump refused #{number}: {reason}"),
    "refused_recall": ("召回被拒 #{number}：{reason}", "Recall refused #{number}: {reason}"),
    "refused_status": ("状态被拒 #{number}：{reason}", "Status refused #{number}: {reason}"),
    "ago": ("{ago}", "{ago}"),
    "seconds": ("{n}秒", "{n}s"),
    "minutes": ("{m}分{s}秒", "{m}m {s}s"),
    "hours": ("{h}小时{m}分", "{h}h {m}m"),
}


class Ago(float):
    """Seconds to show as a duration in each language of the label it goes into."""


class Labels:
    def __init__(self, language: str = "zh") -> None:
        if language not in ("zh", "en", "zh+en"):
            raise ValueError(f"unknown language {language!r}")
        self.language = language

    def __call__(self, key: str, **values: object) -> str:
        zh, en = _TEXT[key]
        if self.language == "zh":
            return _fill(zh, 0, values)
        if self.language == "en":
            return _fill(en, 1, values)
        zh_text, en_text = _fill(zh, 0, values), _fill(en, 1, values)
        return zh_text if zh_text == en_text else f"{zh_text} {en_text}"

    def ago(self, seconds: float) -> str:
        return self("ago", ago=Ago(seconds))


def _fill(text: str, language: int, values: dict[str, object]) -> str:
    if not values:
        return text
    filled = {name: _duration(v, language) if isinstance(v, Ago) else v for name, v in values.items()}
    return text.format(**filled)


def _duration(seconds: float, language: int) -> str:
    s = max(0, int(seconds))
    if s < 60:
        return _TEXT["seconds"][language].format(n=s)
    if s < 3600:
        return _TEXT["minutes"][language].format(m=s // 60, s=s % 60)
    return _TEXT["hours"][language].format(h=s // 3600, m=(s % 3600) // 60)


def timer(seconds: float) -> str:
    """A ticket's timer: ``m:ss``, ``h:mm:ss`` past an hour."""
    s = max(0, int(seconds))
    if s >= 3600:
        return f"{s // 3600}:{(s % 3600) // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"
