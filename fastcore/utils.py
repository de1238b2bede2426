"""The helpers of FastAPI's ``fastapi.utils`` that libraries import (strawberry's GraphQL router
imports ``generate_unique_id``), under FastAPI's names.  Each is fastcore's own implementation, kept
where it is used; this module only names them.
"""

from __future__ import annotations

from fastcore.exception_handlers import is_body_allowed_for_status_code
from fastcore.openapi.utils import deep_update as deep_dict_update
from fastcore.openapi.utils import generate_unique_id

__all__ = ["deep_dict_update", "generate_unique_id", "is_body_allowed_for_status_code"]
