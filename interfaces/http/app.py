"""The Litestar application factory."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from infrastructure.settings import Settings
from interfaces.container import Container, build_container
from interfaces.http import event_loop
from interfaces.http.allow import allow_every_method
from interfaces.http.body import check_body
from interfaces.http.cors import cors_config
from interfaces.http.controllers.auth import AuthController
from interfaces.http.controllers.calendar_events import CalendarEventController
from interfaces.http.controllers.calendar_feeds import CalendarFeedController
from interfaces.http.controllers.root_auth import RootAuthController
from interfaces.http.controllers.scheduling_events import SchedulingEventController
from interfaces.http.controllers.claims import ClaimController
from interfaces.http.controllers.files import FileController
from interfaces.http.controllers.employee import EmployeeController, TeamController
from interfaces.http.controllers.dashboard import DashboardController
from interfaces.http.controllers.health import health
from interfaces.http.controllers.integrity import IntegrityController
from interfaces.http.controllers.history import HistoryController
from interfaces.http.controllers.invitations import InvitationController
from interfaces.http.controllers.metrics import metrics
from interfaces.http.controllers.notifications import NotificationController
from interfaces.http.controllers.reports import ReportController
from interfaces.http.controllers.rosters import RosterController
from interfaces.http.controllers.shifts import ShiftController
from interfaces.http.controllers.templates import TemplateController
from interfaces.http.controllers.organisation import DepartmentController, EnterpriseController
from interfaces.http.controllers.users import UserController
from interfaces.http.controllers.webhooks import WebhookController
from interfaces.http.errors import EXCEPTION_HANDLERS
from interfaces.http.idempotency import IdempotencyMiddleware
from interfaces.http.negotiation import ContentNegotiationMiddleware
from interfaces.http.openapi import declare_responses
from interfaces.http.ratelimit import RateLimitMiddleware
from interfaces.http.read_only import auditors_read_only, off_the_reads
from interfaces.http.request_id import HEADER as REQUEST_ID, NOTE as REQUEST_ID_NOTE
from interfaces.http.request_id import RequestIdMiddleware, stamp_request_id
from interfaces.http.security import provide_me, provide_principal
from interfaces.realtime.envelope import OPENAPI_NOTE as REALTIME_NOTE
from interfaces.realtime.gateway import Gateway
from interfaces.realtime.websockets import notifications_socket, scheduling_socket


def create_app(settings: Settings | None = None, container: Container | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    container = container or build_container(settings)
    start_loop, stop_loop = event_loop.lifecycle(container)
    gateway = Gateway(container, container.bus, settings.realtime_queue_size)
    # First, so outermost: the request's id is fixed before anything else may answer.
    middleware: list[Any] = [RequestIdMiddleware]
    if settings.rate_limit_enabled:
        middleware.append(
            DefineMiddleware(
                RateLimitMiddleware,
                limiter=container.limiter,
                tokens=container.tokens,
                settings=settings,
            )
        )
    # Listed last, so it runs innermost: 429s are negotiated by send_error itself.
    middleware.append(
        DefineMiddleware(ContentNegotiationMiddleware, max_body_bytes=settings.max_body_bytes)
    )
    # Inside negotiation: it fingerprints JSON bodies, and its replays are negotiated like any answer.
    middleware.append(DefineMiddleware(IdempotencyMiddleware, container=container))
    app = Litestar(
        route_handlers=[
            AuthController,
            RootAuthController,
            UserController,
            EnterpriseController,
            DepartmentController,
            InvitationController,
            RosterController,
            ShiftController,
            EmployeeController,
            TeamController,
            ClaimController,
            CalendarEventController,
            SchedulingEventController,
            CalendarFeedController,
            WebhookController,
            TemplateController,
            NotificationController,
            DashboardController,
            IntegrityController,
            HistoryController,
            ReportController,
            FileController,
            health,
            metrics,
            notifications_socket,
            scheduling_socket,
        ],
        dependencies={
            "container": Provide(lambda: container, use_cache=True, sync_to_thread=False),
            "me": Provide(provide_me, sync_to_thread=True),
            "principal": Provide(provide_principal, sync_to_thread=False),
        },
        middleware=middleware,
        # Outside routing and the middlewares: preflights for every path, and CORS headers on errors and 429s.
        cors_config=cors_config(settings),
        guards=[auditors_read_only],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=check_body,
        before_send=[allow_every_method, stamp_request_id],
        # Documented only (stamp_request_id sets it); the value just types its schema as a string.
        response_headers=[ResponseHeader(name=REQUEST_ID, value="", documentation_only=True, required=True,
                                         description=REQUEST_ID_NOTE)],
        openapi_config=OpenAPIConfig(
            title="SchedulaX API",
            version="1.0.0",
            description="Duty rosters and shift scheduling. Errors carry `error`, `message`,"
            " `details` and `detail: {code, message, errors}`. Every endpoint answers"
            " MessagePack for `Accept: application/x-msgpack`. Every POST, PUT, PATCH and DELETE"
            " takes an `Idempotency-Key` header: a repeat answers the original response with"
            " `Idempotent-Replayed: true` and executes nothing. " + REQUEST_ID_NOTE + " " + REALTIME_NOTE,
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(), ScalarRenderPlugin(path="/scalar")],
        ),
        on_startup=[start_loop, gateway.start],
        on_shutdown=[gateway.stop, stop_loop, container.close],
        request_max_body_size=settings.max_body_bytes,
    )
    declare_responses(app)
    off_the_reads(app, auditors_read_only)
    app.state.container = container
    app.state.gateway = gateway
    return app
