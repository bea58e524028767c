"""Bill exports as WeChat Pay and Alipay produce them (formats from their documentation), with Chinese text."""

from __future__ import annotations

WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)
WECHAT_SUMMARY_HEADER = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"


def backticked(*fields: str) -> str:
    return ",".join("`" + f for f in fields)


def wechat_payment(
    at: str, transaction: str, reference: str, trade_type: str, amount: str, fee: str, goods: str
) -> str:
    return backticked(
        at, "wxd678efh567hg6787", "1900000109", "0", "", transaction, reference, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        trade_type, "SUCCESS", "OTHERS", "CNY", amount, "0.00", "0", "0", "0.00", "0.00", "", "", goods, "",
        fee, "0.60%", amount, "0.00", "",
    )  # fmt: skip


def wechat_refund(at: str, transaction: str, reference: str, refund_no: str, amount: str, fee: str, goods: str) -> str:
    return backticked(
        at, "wxd678efh567hg6787", "1900000109", "0", "", transaction, reference, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "NATIVE", "REFUND", "OTHERS", "CNY", "0.00", "0.00", "50300908092024050112345678901", refund_no, amount,
        "0.00", "ORIGINAL", "SUCCESS", goods, "", fee, "0.60%", "0.00", amount, "",
    )  # fmt: skip


def wechat_bill(*, count: str = "3", orders: str = "48.50", refunds: str = "10.00") -> bytes:
    lines = [
        "\ufeff" + WECHAT_HEADER,
        wechat_payment("2024-05-01 08:12:33", "4200002212202405011234567890", "MILK202405010001", "NATIVE", "30.00",
                       "0.18000", "鲜牛奶五月预存 王小明"),
        wechat_payment("2024-05-01 09:30:05", "4200002212202405011234567891", "MILK202405010002", "JSAPI", "18.50",
                       "0.11000", "鲜牛奶 1 瓶，李阿姨"),
        wechat_refund("2024-05-01 18:00:00", "4200002212202405011234567890", "MILK202405010001", "RF202405010001",
                      "10.00", "-0.06000", "鲜牛奶五月预存 王小明"),
        WECHAT_SUMMARY_HEADER,
        backticked(count, orders, refunds, "0.00", "0.23000", orders, refunds),
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


ALIPAY_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,"
    "商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,"
    "商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
)


def tabbed(*fields: str) -> str:
    return ",".join(f + "\t" for f in fields)


def alipay_row(
    trade_no: str, reference: str, kind: str, goods: str, created: str, done: str, amount: str, refund_no: str, fee: str
) -> str:
    zero = "0.00"
    return tabbed(
        trade_no, reference, kind, goods, created, done, "", "朝阳门店", "", "", "159****5620", amount, amount,
        zero, zero, zero, zero, zero, "", zero, zero, refund_no, fee, zero, "",
    )  # fmt: skip


def alipay_bill(*, payments: int = 2, refunds: int = 1) -> bytes:
    lines = [
        "#支付宝业务明细查询",
        "#账号：[20886212345678900156]",
        "#起始日期：[2024年05月01日 00:00:00]   终止日期：[2024年05月02日 00:00:00]",
        "#-----------------------------------------业务明细列表----------------------------------------",
        ALIPAY_HEADER,
        alipay_row("2024050122001450101412345678", "MILK202405010101", "交易", "鲜牛奶预存 李阿姨",
                   "2024-05-01 08:10:02", "2024-05-01 08:12:33", "45.50", "", "-0.27"),
        alipay_row("2024050122001450101412345679", "", "交易", "门店收款码",
                   "2024-05-01 10:00:00", "2024-05-01 10:00:09", "22.00", "", "-0.13"),
        alipay_row("2024050122001450101412345678", "MILK202405010101", "退款", "鲜牛奶预存 李阿姨",
                   "2024-05-01 08:10:02", "2024-05-01 19:20:00", "-10.00", "RF202405010101", "0.06"),
        "#-----------------------------------------业务明细列表结束------------------------------------",
        f"#交易合计：{payments}笔，商家实收共67.50元，商家优惠共0.00元",
        f"#退款合计：{refunds}笔，商家实收退款共-10.00元，商家优惠退款共0.00元",
        "#导出时间：[2024年05月02日 09:12:33]",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode("gbk")
