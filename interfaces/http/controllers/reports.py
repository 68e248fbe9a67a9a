"""/api/reports: the hours report (issue 21), for planners, auditors and payroll tools."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.params import Parameter, QueryParameter

from interfaces.http.exports import export_format
from interfaces.http.hours_dto import CSV_COLUMNS, HoursReportOperation, HoursReportResponse, csv_response
from interfaces.http.params import QueryId, day_filter
from interfaces.http.security import Caller, Services

GroupBy = Annotated[Literal["employee", "week", "day"], Parameter(
    description="One row per employee (over the whole range), per week (weeks start on Monday) or per day")]
ReportFormat = Annotated[Literal["json", "csv"] | None, QueryParameter(
    name="format", description="json (the default) or csv (also chosen by `Accept: text/csv`)")]


class ReportController(Controller):
    path = "/api/reports"
    tags = ["Reports"]

    @get("/hours", sync_to_thread=True, operation_class=HoursReportOperation,
         summary="Hours report: planned, confirmed, declined and overtime hours, and open places",
         description="Shifts dated `start_date` to `end_date` (wall-clock dates in their department's zone, at"
         " most 366 days; without dates, this calendar month (UTC); with one, the rest of its month), hours"
         " as real elapsed time. A department's manager reads their department (the"
         " default); an enterprise's admins and auditors any of its departments, or without `department_id`"
         " the whole enterprise; a system admin names a department or an enterprise; employees get 403."
         f" CSV columns: {', '.join(CSV_COLUMNS)}.")
    def hours(
        self, request: Request[Any, Any, Any], principal: Caller, container: Services,
        start_date: Annotated[date | None, Parameter(
            description="First day (ISO date); default: the first of end_date's month, or of this month")] = None,
        end_date: Annotated[date | None, Parameter(
            description="Last day (ISO date), at most 365 days after start_date; default: the end of"
                        " start_date's month, or of this month")] = None,
        group_by: GroupBy = "employee", department_id: QueryId = None,
        enterprise_id: QueryId = None, format_: ReportFormat = None,
    ) -> Response[HoursReportResponse]:
        first, last = day_filter(start_date, "start_date"), day_filter(end_date, "end_date")
        report = container.hours_report.report(
            principal, department_id, enterprise_id, date.fromisoformat(first) if first else None,
            date.fromisoformat(last) if last else None, group_by, today=datetime.now(timezone.utc).date())
        if export_format(request.headers.get("accept", ""), format_) == "csv":
            return csv_response(report)  # type: ignore[return-value]
        return Response(HoursReportResponse(message="Hours report retrieved successfully", report=report))
