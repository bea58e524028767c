"""A report as CSV (UTF-8 with BOM, so Excel reads Chinese labels) or as an xlsx workbook."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from hub.analytics.report_query import ReportResult


def to_csv(report: ReportResult) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(report.labels)
    writer.writerows(report.rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(report: ReportResult, title: str = "report") -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(report.labels)
    for row in report.rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
