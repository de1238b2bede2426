"""``Jinja2Templates`` (Starlette's; needs ``jinja2`` installed)."""

from starlette.templating import Jinja2Templates

__all__ = ["Jinja2Templates"]
