"""/api/shift-templates: the defaults and each department's own templates."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post, put

from application.rostering_commands import NewTemplate
from domain.templates import TemplateShift
from interfaces.http.dto import given, or_none
from interfaces.http.params import IfMatch, PathId, expected_version, versioned
from interfaces.http.rostering_dto import (
    CreateTemplateRequest,
    TemplateResponse,
    TemplateShiftIn,
    TemplatesResponse,
    UpdateTemplateRequest,
    parse_hhmm,
)
from interfaces.http.security import Caller, Services


def template_shifts(shifts: list[TemplateShiftIn]) -> list[TemplateShift]:
    return [
        TemplateShift(title=s.title, start_time=parse_hhmm(s.start_time), end_time=parse_hhmm(s.end_time),
                      required_staff=s.required_staff,
                      weekdays=frozenset(s.weekdays) if s.weekdays is not None else None)
        for s in shifts
    ]


class TemplateController(Controller):
    path = "/api/shift-templates"
    tags = ["Shift templates"]

    @get("/defaults", sync_to_thread=True, summary="The built-in templates")
    def defaults(self, principal: Caller, container: Services) -> TemplatesResponse:
        return TemplatesResponse(message="Templates retrieved successfully",
                                 templates=container.rosters.default_templates())

    @get("/department/{department_id:int}", sync_to_thread=True, summary="A department's own templates")
    def of_department(self, department_id: PathId, principal: Caller, container: Services) -> TemplatesResponse:
        return TemplatesResponse(message="Templates retrieved successfully",
                                 templates=container.rosters.department_templates(principal, department_id))

    @post("/", status_code=201, sync_to_thread=True, summary="Define a department template")
    def create(self, data: CreateTemplateRequest, principal: Caller, container: Services) -> Response[TemplateResponse]:
        template = container.rosters.create_template(principal, NewTemplate(
            department_id=data.department_id, name=data.name, description=data.description,
            shifts=template_shifts(data.shifts),
        ))
        return versioned(TemplateResponse(message="Template created successfully", template=template),
                         template.version or 1, 201)

    @get("/{template_id:int}", sync_to_thread=True, summary="One department template")
    def detail(self, template_id: PathId, principal: Caller, container: Services) -> TemplateResponse:
        return TemplateResponse(message="Template retrieved successfully",
                                template=container.rosters.get_template(principal, template_id))

    @put("/{template_id:int}", sync_to_thread=True, summary="Change a department template")
    def update(self, template_id: PathId, data: UpdateTemplateRequest, principal: Caller, container: Services,
               if_match: IfMatch = None) -> TemplateResponse:
        template = container.rosters.update_template(
            principal, template_id,
            name=or_none(data.name),  # type: ignore[arg-type]
            description=or_none(data.description),  # type: ignore[arg-type]
            shifts=template_shifts(data.shifts) if given(data.shifts) else None,  # type: ignore[arg-type]
            expected_version=expected_version(if_match),
        )
        return TemplateResponse(message="Template updated successfully", template=template)

    @delete("/{template_id:int}", status_code=204, sync_to_thread=True, summary="Delete a department template")
    def remove(self, template_id: PathId, principal: Caller, container: Services) -> None:
        container.rosters.delete_template(principal, template_id)
