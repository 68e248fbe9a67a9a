"""Request bodies are decoded strictly, and every missing field is named at once.

Litestar converts a handler's path, query, header and body values in one msgspec pass
with `strict=False`, because query and path values arrive as strings. That pass also
turns a JSON `"2"` into `2` and `"true"` into `True`, and it stops at the first error.
This `before_request` hook converts the body alone first, strictly, so JSON types are
kept; Litestar's pass that follows then sees only bodies that were valid without
coercion. Form bodies (001's login) hold only strings by nature: they stay lenient.

It runs before the handler's dependencies, so a bad body answers 400 before a missing
token answers 401, as a malformed one already did.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import msgspec
import msgspec.inspect as mi
from litestar import Request
from litestar.exceptions import ClientException, SerializationException, ValidationException
from litestar.handlers import HTTPRouteHandler

from interfaces.http.negotiation import FORM_BODY, MAX_DEPTH

FIELD_REQUIRED = "Field required"
BODY_REQUIRED = "Request body is required"
_ITEMS = (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)


@dataclass(frozen=True)
class BodyType:
    annotation: Any
    optional: bool


async def check_body(request: Request[Any, Any, Any]) -> None:
    target = body_type(request.route_handler)  # type: ignore[arg-type]
    if target is None:
        return
    if not (await request.body()).strip():
        if target.optional:
            return
        raise invalid(BODY_REQUIRED, [("body", BODY_REQUIRED)])
    try:
        value = await request.json()
    except RecursionError:  # a body that bypassed the middleware's check (multipart, say)
        raise ClientException(f"Request body is nested more than {MAX_DEPTH} levels deep") from None
    except SerializationException as error:
        raise ClientException(f"Malformed JSON request body: {error}") from error
    if value is None and target.optional:
        return
    missing = missing_fields(value, target.annotation)
    if missing:
        message = f"Missing required field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
        raise invalid(message, [(name, FIELD_REQUIRED) for name in missing])
    try:
        msgspec.convert(value, target.annotation, strict=not request.scope.get(FORM_BODY))  # type: ignore[call-overload]
    except msgspec.ValidationError as error:
        text, _, where = str(error).partition(" - at `")
        field = where.rstrip("`").removeprefix("$").lstrip(".") or "body"
        raise invalid(f"{text} ({field})", [(field, text)]) from None


def invalid(message: str, errors: list[tuple[str, str]]) -> ValidationException:
    """The shape Litestar gives its own validation errors, so one handler renders both."""
    return ValidationException(
        detail=message, extra=[{"key": key, "message": text, "source": "body"} for key, text in errors]
    )


@lru_cache(maxsize=512)
def body_type(handler: HTTPRouteHandler) -> BodyType | None:
    field = handler.parsed_fn_signature.parameters.get("data")
    if field is None:
        return None
    return BodyType(annotation=field.annotation, optional=field.is_optional or field.has_default)


def missing_fields(value: Any, annotation: Any) -> list[str]:
    """Every required field absent from `value` (nested ones as `shifts[0].title`), by wire name."""
    return _missing(value, _info(annotation), "")


@lru_cache(maxsize=256)
def _info(annotation: Any) -> mi.Type:
    return mi.type_info(annotation)


def _bare(info: mi.Type) -> mi.Type:
    while isinstance(info, mi.Metadata):
        info = info.type
    return info


def _missing(value: Any, info: mi.Type, at: str) -> list[str]:
    info = _bare(info)
    if isinstance(info, mi.UnionType):
        structs = [t for t in map(_bare, info.types) if isinstance(t, mi.StructType)]
        return _missing(value, structs[0], at) if len(structs) == 1 else []
    if isinstance(info, mi.StructType) and isinstance(value, dict):
        found: list[str] = []
        for field in info.fields:
            name = f"{at}.{field.encode_name}" if at else field.encode_name
            if field.encode_name in value:
                found += _missing(value[field.encode_name], field.type, name)
            elif field.required:
                found.append(name)
        return found
    if isinstance(info, _ITEMS) and isinstance(value, list):
        return [name for i, item in enumerate(value) for name in _missing(item, info.item_type, f"{at}[{i}]")]
    return []
