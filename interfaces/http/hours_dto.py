"""The hours report's answers: JSON (MessagePack by negotiation), or CSV for payroll tools.

The CSV has fixed columns, in this order, whatever `group_by` is (CSV_COLUMNS); one row per
group, then a last `total` row. Hours are decimal hours with two decimals and a dot; empty
cells are nulls (the employee of a period row, the open places of an employee row).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Response
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Schema

from application.hours_views import HoursReport, HoursRow
from interfaces.http.exports import CSV, _cell, _Lines

CSV_COLUMNS = ("row", "period_start", "period_end", "employee_id", "employee_name", "employee_email", "shifts",
               "planned_hours", "confirmed_hours", "declined_hours", "overtime_hours", "open_places", "open_hours")
"""`row` is `employee`, `week` or `day` (the report's group_by), or `total` on the last line."""


class HoursReportResponse(msgspec.Struct, kw_only=True):
    message: str
    report: HoursReport


def _line(kind: str, row: HoursRow) -> list[Any]:
    return [_cell(v) for v in (
        kind, row.period_start, row.period_end, row.employee_id, row.employee_name, row.employee_email, row.shifts,
        row.planned_hours, row.confirmed_hours, row.declined_hours, row.overtime_hours, row.open_places,
        row.open_hours,
    )]


def csv_response(report: HoursReport) -> Response[bytes]:
    """The whole report as one CSV body (a year of a department is a few hundred rows at most)."""
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_line(report.group_by, r) for r in report.rows)
    t = report.totals
    writer.writerow(_line("total", HoursRow(
        period_start=report.start_date, period_end=report.end_date, shifts=t.shifts, planned_hours=t.planned_hours,
        confirmed_hours=t.confirmed_hours, declined_hours=t.declined_hours, overtime_hours=t.overtime_hours,
        open_places=t.open_places, open_hours=t.open_hours)))
    scope = f"department-{report.department_id}" if report.department_id else f"enterprise-{report.enterprise_id}"
    name = f"hours-{scope}-{report.start_date}-{report.end_date}-by-{report.group_by}.csv"
    return Response("".join(lines).encode(), media_type=CSV,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@dataclass
class HoursReportOperation(Operation):
    """The report's 200 is JSON, or CSV: documented side by side."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        content = getattr(ok, "content", None)
        if content is not None:
            content[CSV] = OpenAPIMediaType(schema=Schema(
                type=OpenAPIType.STRING, description=f"A header row ({', '.join(CSV_COLUMNS)}), one row per group,"
                " then a `total` row"))
