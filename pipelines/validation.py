"""Provider answers checked on arrival against the documented shape, with one-line errors.

Every provider validates its pages with a pydantic ``TypeAdapter`` straight from bytes. What
to do with a failure is the same everywhere: a body that is not JSON at all was cut off in
transit or came from a proxy (retry it); valid JSON of the wrong shape will not improve on a
retry (fail, naming the record and field).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError, ValidatorFunctionWrapHandler, WrapValidator

from pipelines.errors import MalformedResponse, TransientMalformed

T = TypeVar("T")


def describe(error: ValidationError) -> str:
    """One line: which record, which field, what was wrong."""
    first: Any = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return f"malformed response: {where}: {first['msg']}"


def validate_json(adapter: TypeAdapter[T], content: bytes, provider: str, endpoint: str) -> T:
    """``content`` parsed and validated, or the error that says whether a retry can help."""
    try:
        return adapter.validate_json(content)
    except ValidationError as exc:
        if exc.errors()[0]["type"] == "json_invalid":
            raise TransientMalformed(provider, endpoint, describe(exc)) from None
        raise MalformedResponse(provider, endpoint, describe(exc)) from None


def _none_when_invalid(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


# A field no mart reads (an avatar, a cover image, a nickname): a value of the wrong type is
# dropped (None) instead of failing the load, since nothing downstream would miss it.
Cosmetic = WrapValidator(_none_when_invalid)
