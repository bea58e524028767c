"""The console's words in zh-CN and English."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "dashboard": {"zh": "概览", "en": "Dashboard"},
    "orders": {"zh": "订单", "en": "Orders"},
    "riders": {"zh": "骑手", "en": "Riders"},
    "customers": {"zh": "客户", "en": "Customers"},
    "service": {"zh": "客服工单", "en": "Service"},
    "subscriptions": {"zh": "订阅", "en": "Subscriptions"},
    "reports": {"zh": "报表", "en": "Reports"},
    "orders_today": {"zh": "今日订单", "en": "Orders today"},
    "revenue_today": {"zh": "今日营业额", "en": "Revenue today"},
    "average_order": {"zh": "客单价", "en": "Average order"},
    "open_orders": {"zh": "进行中", "en": "Open orders"},
    "unconfirmed": {"zh": "未确认小票", "en": "Unconfirmed tickets"},
    "not_available": {"zh": "此中心不提供该功能", "en": "not available on this hub"},
    "no_data": {"zh": "暂无数据", "en": "no data yet"},
    "as_of": {"zh": "数据时间", "en": "as of"},
    "ago": {"zh": "秒前", "en": "s ago"},
    "stale": {"zh": "中心无响应，显示旧数据", "en": "hub not answering, showing last data"},
    "phone": {"zh": "手机号或会员号", "en": "Phone or member id"},
    "subscription_id": {"zh": "订阅号", "en": "Subscription id"},
    "done": {"zh": "已完成", "en": "done"},
    "exported": {"zh": "已导出", "en": "exported to"},
    "breached": {"zh": "已超时", "en": "BREACHED"},
    "by_hour": {"zh": "按小时订单", "en": "Orders by hour"},
    "source_analytics": {"zh": "来源：分析", "en": "from /analytics"},
    "source_orders": {"zh": "来源：订单", "en": "from /orders"},
}


def label(key: str, language: str) -> str:
    words = LABELS.get(key)
    return words[language] if words else key
