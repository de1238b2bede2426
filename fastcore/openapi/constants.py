"""Constants of the OpenAPI document (FastAPI's ``fastapi.openapi.constants`` names)."""

__all__ = ["METHODS_WITH_BODY", "REF_PREFIX", "REF_TEMPLATE"]

#: Methods whose operations describe a request body.
METHODS_WITH_BODY = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"})

#: Where component schemas live; pydantic's ``ref_template`` (its placeholder is ``{model}``).
REF_PREFIX = "#/components/schemas/"
REF_TEMPLATE = REF_PREFIX + "{model}"
