"""The interactive documentation pages: Swagger UI, ReDoc and Swagger UI's OAuth2 redirect page.

The pages load Swagger UI and ReDoc from the ``docs`` extra when it is installed
(``pip install fastcore[docs]``: the ``drf-spectacular-sidecar`` distribution, a monthly-updated
bundle of both UIs' release builds, used only for its static files — Django is never imported), so
the documentation works with no network; without it they load from the public CDN, as FastAPI does.
The app serves the local files under ``docs_static_url`` (``/docs/static``); see
``FastCore.setup_docs``.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any

from starlette.responses import HTMLResponse

__all__ = [
    "CDN_ASSETS",
    "DocsAssets",
    "get_redoc_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
    "local_assets_dir",
]

ASSETS_DISTRIBUTION = "drf_spectacular_sidecar"

# Swagger UI's options for every page, before the app's ``swagger_ui_parameters`` (FastAPI's).
SWAGGER_UI_DEFAULT_PARAMETERS: dict[str, Any] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}


class DocsAssets:
    """Where the pages load their scripts, styles and icon from."""

    def __init__(self, swagger_js: str, swagger_css: str, favicon: str, redoc_js: str, *,
                 local: bool) -> None:
        self.swagger_js = swagger_js
        self.swagger_css = swagger_css
        self.favicon = favicon
        self.redoc_js = redoc_js
        self.local = local

    @classmethod
    def served_at(cls, static_url: str) -> DocsAssets:
        """The files of the ``docs`` extra, mounted at ``static_url``."""
        base = static_url.rstrip("/")
        return cls(
            f"{base}/swagger-ui-dist/swagger-ui-bundle.js",
            f"{base}/swagger-ui-dist/swagger-ui.css",
            f"{base}/swagger-ui-dist/favicon-32x32.png",
            f"{base}/redoc/bundles/redoc.standalone.js",
            local=True,
        )


CDN_ASSETS = DocsAssets(
    "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
    "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
    "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/favicon-32x32.png",
    "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
    local=False,
)


@functools.cache
def local_assets_dir() -> Path | None:
    """The directory of the ``docs`` extra's files, or None when the extra is not installed."""
    # find_spec on a top-level name locates the package without running its __init__ (which
    # imports Django).
    spec = importlib.util.find_spec(ASSETS_DISTRIBUTION)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        root = Path(location) / "static" / ASSETS_DISTRIBUTION
        if (root / "swagger-ui-dist" / "swagger-ui-bundle.js").is_file() and (
            root / "redoc" / "bundles" / "redoc.standalone.js"
        ).is_file():
            return root
    return None


def _js(value: Any) -> str:
    """``value`` as a JavaScript literal that is safe inside a ``<script>`` element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _js_quoted(value: str) -> str:
    """``value`` as a single-quoted JavaScript string (FastAPI's spelling), safe inside ``<script>``."""
    return "'" + _js(value)[1:-1].replace("\\\"", '"').replace("'", "\\'") + "'"


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def get_swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    swagger_js_url: str = CDN_ASSETS.swagger_js,
    swagger_css_url: str = CDN_ASSETS.swagger_css,
    swagger_favicon_url: str = CDN_ASSETS.favicon,
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    swagger_ui_parameters: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Swagger UI for the document at ``openapi_url`` (FastAPI's function, same arguments)."""
    parameters = {**SWAGGER_UI_DEFAULT_PARAMETERS, **(swagger_ui_parameters or {})}
    options = "\n".join(f"        {_js(key)}: {_js(value)}," for key, value in parameters.items())
    redirect = ""
    if oauth2_redirect_url:
        redirect = f"\n        oauth2RedirectUrl: window.location.origin + {_js_quoted(oauth2_redirect_url)},"
    oauth = f"\n    ui.initOAuth({_js(init_oauth)});" if init_oauth else ""
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_attr(title)}</title>
<link type="text/css" rel="stylesheet" href="{_attr(swagger_css_url)}">
<link rel="icon" href="{_attr(swagger_favicon_url)}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{_attr(swagger_js_url)}"></script>
<script>
    const ui = SwaggerUIBundle({{
        url: {_js(openapi_url)},
{options}{redirect}
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    }});{oauth}
</script>
</body>
</html>
"""
    return HTMLResponse(html)


def get_redoc_html(
    *,
    openapi_url: str,
    title: str,
    redoc_js_url: str = CDN_ASSETS.redoc_js,
    redoc_favicon_url: str = CDN_ASSETS.favicon,
    with_google_fonts: bool = True,
) -> HTMLResponse:
    """ReDoc for the document at ``openapi_url`` (FastAPI's function, same arguments)."""
    fonts = ""
    if with_google_fonts:
        fonts = ('<link href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700|'
                 'Roboto:300,400,700" rel="stylesheet">\n')
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_attr(title)}</title>
{fonts}<link rel="icon" href="{_attr(redoc_favicon_url)}">
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<noscript>ReDoc needs JavaScript to render this page.</noscript>
<redoc spec-url="{_attr(openapi_url)}"></redoc>
<script src="{_attr(redoc_js_url)}"></script>
</body>
</html>
"""
    return HTMLResponse(html)


# Swagger UI opens the authorization server in a window whose redirect lands here; this page hands
# the query (authorization code flow) or fragment (implicit flow) back to the opener, checking the
# ``state`` it sent (RFC 6749 §4.1.2, §4.2.2, §10.12), then closes.
_OAUTH2_REDIRECT = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Swagger UI: OAuth2 Redirect</title></head>
<body>
<script>
"use strict";
(function () {
    const oauth2 = window.opener && window.opener.swaggerUIRedirectOauth2;
    if (!oauth2) {
        document.body.textContent = "This page completes a Swagger UI sign-in; it has nothing to show.";
        return;
    }
    const fromFragment = /code|token|error/.test(window.location.hash);
    const raw = fromFragment ? window.location.hash.slice(1) : window.location.search.slice(1);
    const params = Object.fromEntries(new URLSearchParams(raw.replace("?", "&")));
    const isValid = params.state === oauth2.state;
    const flow = oauth2.auth.schema.get ? oauth2.auth.schema.get("flow") : oauth2.auth.schema.flow;
    const codeFlow = flow === "accessCode" || flow === "authorizationCode" || flow === "authorization_code";
    if (codeFlow && !oauth2.auth.code) {
        if (!isValid) {
            oauth2.errCb({authId: oauth2.auth.name, source: "auth", level: "warning",
                          message: "Authorization may be unsafe: the state sent and received differ."});
        }
        if (params.code) {
            delete oauth2.state;
            oauth2.auth.code = params.code;
            oauth2.callback({auth: oauth2.auth, redirectUrl: oauth2.redirectUrl});
        } else {
            const detail = params.error
                ? "[" + params.error + "]: " + (params.error_description || "no description") +
                  (params.error_uri ? " More info: " + params.error_uri : "")
                : "The authorization server sent no code.";
            oauth2.errCb({authId: oauth2.auth.name, source: "auth", level: "error", message: detail});
        }
    } else {
        oauth2.callback({auth: oauth2.auth, token: params, isValid: isValid,
                         redirectUrl: oauth2.redirectUrl});
    }
    window.close();
})();
</script>
</body>
</html>
"""


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """The page Swagger UI's OAuth2 sign-in redirects to (``swagger_ui_oauth2_redirect_url``)."""
    return HTMLResponse(_OAUTH2_REDIRECT)
