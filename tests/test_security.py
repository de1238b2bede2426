"""Tests for ``fastcore.security``: every scheme, differentially against FastAPI.

Each app below is a function of a namespace of framework names, built once with FastAPI and once
with fastcore; every request goes to both, and status, JSON body and ``WWW-Authenticate`` must
agree.  Inputs include hostile ``Authorization`` and API-key values (wrong scheme, broken base64,
non-ASCII and non-UTF-8 bytes sent in a raw ASGI scope, empty, 64 KiB), which must be a 401 (or the
value FastAPI passes through), never a 500.
"""

import base64
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any

import anyio
import fastapi
import fastapi.security
import fastapi.security.http
import fastapi.testclient
import pytest

import fastcore
import fastcore.security
import fastcore.security.http
import fastcore.testclient
from fastcore.dependencies import SecurityScopes as CoreSecurityScopes


def _ns(module: Any, security: Any, http: Any, app: Any, testclient: Any, name: str) -> SimpleNamespace:
    return SimpleNamespace(
        name=name,
        App=app,
        Depends=module.Depends,
        Security=module.Security,
        HTTPException=module.HTTPException,
        SecurityScopes=security.SecurityScopes,
        HTTPBase=http.HTTPBase,
        sec=security,
        TestClient=testclient.TestClient,
    )


FASTAPI = _ns(
    fastapi, fastapi.security, fastapi.security.http, fastapi.FastAPI, fastapi.testclient, "fastapi"
)
FASTCORE = _ns(
    fastcore, fastcore.security, fastcore.security.http, fastcore.FastCore, fastcore.testclient, "fastcore"
)

AppFactory = Callable[[SimpleNamespace], Any]


def _clients(factory: AppFactory) -> tuple[Any, Any]:
    return (
        FASTAPI.TestClient(factory(FASTAPI), raise_server_exceptions=False),
        FASTCORE.TestClient(factory(FASTCORE), raise_server_exceptions=False),
    )


def _summary(response: Any) -> tuple[int, Any, str | None]:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return response.status_code, body, response.headers.get("www-authenticate")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# --------------------------------------------------------------------------------------------------
# The schemes, each on one route, each also with auto_error=False


def schemes_app(ns: SimpleNamespace) -> Any:
    sec = ns.sec
    app = ns.App()
    schemes: dict[str, Any] = {
        "oauth2": sec.OAuth2PasswordBearer(tokenUrl="token"),
        "code": sec.OAuth2AuthorizationCodeBearer(authorizationUrl="auth", tokenUrl="token"),
        "oauth2-base": sec.OAuth2(),
        "oidc": sec.OpenIdConnect(openIdConnectUrl="/.well-known/openid-configuration"),
        "basic": sec.HTTPBasic(),
        "basic-realm": sec.HTTPBasic(realm="simple realm"),
        "bearer": sec.HTTPBearer(),
        "digest": sec.HTTPDigest(),
        "http-other": ns.HTTPBase(scheme="other"),
        "key-header": sec.APIKeyHeader(name="x-key"),
        "key-query": sec.APIKeyQuery(name="api_key"),
        "key-cookie": sec.APIKeyCookie(name="session"),
    }
    optional = {
        f"{name}-opt": type(scheme)(**_optional_kwargs(name))
        for name, scheme in schemes.items()
    }
    for path, scheme in {**schemes, **optional}.items():
        _add_route(ns, app, f"/{path}", scheme)
    return app


def _optional_kwargs(name: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "oauth2": {"tokenUrl": "token"},
        "code": {"authorizationUrl": "auth", "tokenUrl": "token"},
        "oidc": {"openIdConnectUrl": "/.well-known/openid-configuration"},
        "basic-realm": {"realm": "simple realm"},
        "http-other": {"scheme": "other"},
        "key-header": {"name": "x-key"},
        "key-query": {"name": "api_key"},
        "key-cookie": {"name": "session"},
    }.get(name, {})
    return {**kwargs, "auto_error": False}


def _add_route(ns: SimpleNamespace, app: Any, path: str, scheme: Any) -> None:
    @app.get(path)
    async def endpoint(value: Annotated[Any, ns.Depends(scheme)]) -> Any:
        # Credentials objects are returned as they are: both frameworks must encode them alike.
        return {"value": value}


SCHEME_PATHS = [
    "oauth2", "code", "oauth2-base", "oidc", "basic", "basic-realm", "bearer", "digest", "http-other",
]
KEY_PATHS = ["key-header", "key-query", "key-cookie"]
ALL_PATHS = [p for base in SCHEME_PATHS + KEY_PATHS for p in (base, f"{base}-opt")]

HUGE = 64 * 1024

AUTHORIZATION_VALUES: list[str | None] = [
    None,
    "",
    " ",
    "Bearer",
    "Bearer ",
    "Bearer token",
    "Bearer  token  ",
    "bearer token",
    "BEARER token",
    "BeArEr token",
    "Bearer\ttoken",
    "Bearer token with spaces",
    "Token abc",
    "Basic",
    "Basic ",
    "Basic " + _b64(b"user:pass"),
    "basic " + _b64(b"user:pass"),
    "BASIC " + _b64(b"user:pass"),
    "Basic " + _b64(b":"),
    "Basic " + _b64(b"user:"),
    "Basic " + _b64(b":pass:word:"),
    "Basic " + _b64(b"no-colon"),
    "Basic !!!not base64!!!",
    "Basic " + _b64(b"user:pass") + "=",  # bad padding
    "Basic dXNlcjpwYXNz@@@",  # non-alphabet characters are skipped by a lenient decoder
    "Basic " + _b64("usér:pässwörd".encode()),  # UTF-8, not ASCII
    "Basic " + _b64(b"\xff\xfe:\x80\x81"),  # not UTF-8 at all
    "Basic " + _b64(b"user\x00:pa\x00ss"),
    "Digest username=\"u\", realm=\"r\", nonce=\"n\"",
    "digest x",
    "Other creds",
    "other creds",
    "Bearer " + "t" * HUGE,
    "Basic " + "A" * HUGE,
    "Basic " + _b64(b"u:" + b"p" * HUGE),
    "Basic " + _b64(b"\xff" * HUGE),
    "X" * HUGE,
]


def _auth_headers(value: str | None) -> dict[str, str]:
    return {} if value is None else {"Authorization": value}


@pytest.fixture(scope="module")
def scheme_clients() -> tuple[Any, Any]:
    return _clients(schemes_app)


@pytest.mark.parametrize("path", ALL_PATHS)
def test_authorization_header_parity(scheme_clients: tuple[Any, Any], path: str) -> None:
    expected_client, actual_client = scheme_clients
    mismatches = []
    for value in AUTHORIZATION_VALUES:
        expected = _summary(expected_client.get(f"/{path}", headers=_auth_headers(value)))
        actual = _summary(actual_client.get(f"/{path}", headers=_auth_headers(value)))
        assert actual[0] != 500, (path, value)
        if actual != expected:
            mismatches.append((repr(value)[:60], expected, actual))
    assert not mismatches, mismatches


KEY_INPUTS: list[dict[str, Any]] = [
    {},
    {"headers": {"x-key": ""}},
    {"headers": {"x-key": "secret"}},
    {"headers": {"X-KEY": "secret"}},
    {"headers": {"x-key": " spaced "}},
    {"headers": {"x-key": "k" * HUGE}},
    {"params": {"api_key": ""}},
    {"params": {"api_key": "secret"}},
    {"params": [("api_key", "first"), ("api_key", "second")]},
    {"params": {"API_KEY": "secret"}},
    {"params": {"api_key": "k" * 60_000}},  # httpx refuses URLs over 64 KiB
    {"url_suffix": "?api_key=%FF%FE"},
    {"url_suffix": "?api_key=%ZZ"},
    {"url_suffix": "?api_key"},
    {"headers": {"cookie": "session="}},
    {"headers": {"cookie": "session=secret"}},
    {"headers": {"cookie": 'session="quoted value"'}},
    {"headers": {"cookie": "other=1; session=abc; session=def"}},
    {"headers": {"cookie": "garbage;;;=;session"}},
    {"headers": {"cookie": "session=" + "k" * HUGE}},
]


@pytest.mark.parametrize("path", [p for base in KEY_PATHS for p in (base, f"{base}-opt")])
def test_api_key_parity(scheme_clients: tuple[Any, Any], path: str) -> None:
    expected_client, actual_client = scheme_clients
    mismatches = []
    for request in KEY_INPUTS:
        kwargs = dict(request)
        url = f"/{path}{kwargs.pop('url_suffix', '')}"
        expected = _summary(expected_client.get(url, **kwargs))
        actual = _summary(actual_client.get(url, **kwargs))
        assert actual[0] != 500, (path, request)
        if actual != expected:
            mismatches.append((repr(request)[:60], expected, actual))
    assert not mismatches, mismatches


def test_missing_credentials_challenges() -> None:
    """The 401s themselves, spelled out (FastAPI 0.165's behaviour)."""
    client = fastcore.testclient.TestClient(schemes_app(FASTCORE))
    challenges = {
        "oauth2": "Bearer", "code": "Bearer", "oauth2-base": "Bearer", "oidc": "Bearer",
        "basic": "Basic", "basic-realm": 'Basic realm="simple realm"', "bearer": "Bearer",
        "digest": "Digest", "http-other": "Other",
        "key-header": "APIKey", "key-query": "APIKey", "key-cookie": "APIKey",
    }
    for path, challenge in challenges.items():
        response = client.get(f"/{path}")
        assert response.status_code == 401, path
        assert response.json() == {"detail": "Not authenticated"}
        assert response.headers["www-authenticate"] == challenge, path
        optional = client.get(f"/{path}-opt")
        assert optional.status_code == 200, path
        assert optional.json() == {"value": None}


def test_values_returned() -> None:
    client = fastcore.testclient.TestClient(schemes_app(FASTCORE))
    token = {"Authorization": "bearer abc"}
    assert client.get("/oauth2", headers=token).json() == {"value": "abc"}
    assert client.get("/oidc", headers=token).json() == {"value": "bearer abc"}
    bearer = client.get("/bearer", headers=token).json()
    assert bearer == {"value": {"scheme": "bearer", "credentials": "abc"}}
    basic = {"Authorization": "Basic " + _b64(b"al:i:ce")}
    assert client.get("/basic", headers=basic).json() == {"value": {"username": "al", "password": "i:ce"}}
    # A Basic header that is there but broken is refused even with auto_error=False.
    broken = client.get("/basic-opt", headers={"Authorization": "Basic %%%"})
    assert broken.status_code == 401
    assert broken.headers["www-authenticate"] == "Basic"


# --------------------------------------------------------------------------------------------------
# Raw ASGI scopes: bytes no HTTP client would send


def _raw_get(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], query: bytes = b""
) -> tuple[int, Any, Any]:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
        "root_path": "", "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }

    async def run() -> None:
        await app(scope, receive, send)

    anyio.run(run)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    challenge = dict(start["headers"]).get(b"www-authenticate")
    return start["status"], json.loads(body), challenge


RAW_INPUTS: list[tuple[list[tuple[bytes, bytes]], bytes]] = [
    ([(b"authorization", b"Bearer \xff\xfe\x00")], b""),
    ([(b"authorization", b"\xff\xfe token")], b""),
    ([(b"authorization", b"Basic \xff\xfe")], b""),
    ([(b"authorization", b"Basic " + base64.b64encode(b"\xc3\x28:\xa0\xa1"))], b""),
    ([(b"authorization", b"Digest \x80\x81")], b""),
    ([(b"authorization", b"")], b""),
    ([(b"authorization", b"Bearer a"), (b"authorization", b"Basic " + base64.b64encode(b"u:p"))], b""),
    ([(b"authorization", b"Basic " + base64.b64encode(b"u:p")), (b"authorization", b"Bearer a")], b""),
    ([(b"x-key", b"\xff\xfe")], b""),
    ([(b"x-key", b"")], b""),
    ([(b"cookie", b"session=\xff\xfe")], b""),
    ([], b"api_key=\xff\xfe"),
    ([], b"api_key=%ff%00"),
    ([], b"api_key=&api_key=second"),
]


@pytest.mark.parametrize("path", ALL_PATHS)
def test_raw_bytes_parity(path: str) -> None:
    expected_app, actual_app = schemes_app(FASTAPI), schemes_app(FASTCORE)
    mismatches = []
    for headers, query in RAW_INPUTS:
        expected = _raw_get(expected_app, f"/{path}", headers, query)
        actual = _raw_get(actual_app, f"/{path}", headers, query)
        assert actual[0] != 500, (path, headers, query)
        if actual != expected:
            mismatches.append((headers, query, expected, actual))
    assert not mismatches, mismatches


# --------------------------------------------------------------------------------------------------
# OpenAPI descriptions: ``model`` is what FastAPI puts under components.securitySchemes


def _scheme_pairs() -> list[tuple[str, Callable[[Any], Any]]]:
    return [
        ("password", lambda sec: sec.OAuth2PasswordBearer(tokenUrl="/token")),
        ("password-full", lambda sec: sec.OAuth2PasswordBearer(
            tokenUrl="/token", scheme_name="Login", scopes={"me": "Read me"}, description="d",
            refreshUrl="/refresh")),
        ("code", lambda sec: sec.OAuth2AuthorizationCodeBearer(authorizationUrl="/a", tokenUrl="/t")),
        ("code-full", lambda sec: sec.OAuth2AuthorizationCodeBearer(
            authorizationUrl="/a", tokenUrl="/t", refreshUrl="/r", scopes={"x": "y"}, description="d")),
        ("oauth2", lambda sec: sec.OAuth2(flows={"clientCredentials": {"tokenUrl": "/t", "scopes": {}}})),
        ("oauth2-empty", lambda sec: sec.OAuth2()),
        ("oidc", lambda sec: sec.OpenIdConnect(openIdConnectUrl="/conf", description="d")),
        ("basic", lambda sec: sec.HTTPBasic(realm="ignored by OpenAPI", description="d")),
        ("bearer", lambda sec: sec.HTTPBearer(bearerFormat="JWT")),
        ("bearer-plain", lambda sec: sec.HTTPBearer(scheme_name="Token")),
        ("digest", lambda sec: sec.HTTPDigest()),
        ("key-header", lambda sec: sec.APIKeyHeader(name="X-Key", description="d")),
        ("key-query", lambda sec: sec.APIKeyQuery(name="k", scheme_name="Q")),
        ("key-cookie", lambda sec: sec.APIKeyCookie(name="c")),
    ]


@pytest.mark.parametrize(("label", "make"), _scheme_pairs(), ids=[p[0] for p in _scheme_pairs()])
def test_model_matches_fastapi(label: str, make: Callable[[Any], Any]) -> None:
    expected = make(fastapi.security)
    actual = make(fastcore.security)
    assert actual.model == expected.model.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert actual.scheme_name == expected.scheme_name
    json.dumps(actual.model)  # JSON-ready as it is


def test_http_base_model() -> None:
    expected = fastapi.security.http.HTTPBase(scheme="custom", description="d")
    actual = fastcore.security.http.HTTPBase(scheme="custom", description="d")
    assert actual.model == expected.model.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert actual.scheme_name == "HTTPBase"


def test_security_scopes_is_the_dependency_machinerys_class() -> None:
    assert fastcore.security.SecurityScopes is CoreSecurityScopes
    assert fastcore.SecurityScopes is CoreSecurityScopes


def test_override_not_authenticated_error() -> None:
    """FastAPI documents subclassing to answer 403 as it once did; the same hook works here."""

    class LegacyBearer(fastcore.security.HTTPBearer):
        def make_not_authenticated_error(self) -> fastcore.HTTPException:
            return fastcore.HTTPException(403, "Not authenticated")

    app = fastcore.FastCore()
    scheme = LegacyBearer()

    @app.get("/")
    async def endpoint(creds: Annotated[Any, fastcore.Depends(scheme)]) -> Any:
        return creds

    response = fastcore.testclient.TestClient(app).get("/")
    assert (response.status_code, response.json()) == (403, {"detail": "Not authenticated"})


# --------------------------------------------------------------------------------------------------
# The token form


def form_app(ns: SimpleNamespace) -> Any:
    app = ns.App()

    @app.post("/token")
    async def token(form: Annotated[ns.sec.OAuth2PasswordRequestForm, ns.Depends()]) -> Any:
        return vars(form)

    @app.post("/strict")
    async def strict(form: Annotated[ns.sec.OAuth2PasswordRequestFormStrict, ns.Depends()]) -> Any:
        return vars(form)

    return app


FORM_INPUTS: list[dict[str, Any]] = [
    {"data": {"username": "johndoe", "password": "secret"}},
    {"data": {"grant_type": "password", "username": "johndoe", "password": "secret"}},
    {"data": {"grant_type": "password", "username": "u", "password": "p", "scope": "me  items\tadmin"}},
    {"data": {"grant_type": "password", "username": "u", "password": "p", "client_id": "c",
              "client_secret": "s"}},
    {"data": {"grant_type": "client_credentials", "username": "u", "password": "p"}},
    {"data": {"grant_type": "password\n", "username": "u", "password": "p"}},
    {"data": {"grant_type": "Password", "username": "u", "password": "p"}},
    {"data": {"grant_type": "", "username": "u", "password": "p"}},
    {"data": {"username": "u"}},
    {"data": {"password": "p"}},
    {"data": {"username": "", "password": ""}},
    {"data": {}},
    {"files": {"username": (None, "u"), "password": (None, "p"), "grant_type": (None, "password")}},
    {"json": {"username": "u", "password": "p", "grant_type": "password"}},
    {"content": b"username=%FF&password=p&grant_type=password",
     "headers": {"content-type": "application/x-www-form-urlencoded"}},
]


@pytest.mark.parametrize("path", ["/token", "/strict"])
def test_token_form_parity(path: str) -> None:
    expected_client, actual_client = _clients(form_app)
    mismatches = []
    for request in FORM_INPUTS:
        expected = _summary(expected_client.post(path, **request))
        actual = _summary(actual_client.post(path, **request))
        if actual != expected:
            mismatches.append((request, expected, actual))
    assert not mismatches, mismatches


def test_token_form_values() -> None:
    client = fastcore.testclient.TestClient(form_app(FASTCORE))
    data = {"grant_type": "password", "username": "u", "password": "p", "scope": "me items"}
    assert client.post("/strict", data=data).json() == {
        "grant_type": "password", "username": "u", "password": "p", "scopes": ["me", "items"],
        "client_id": None, "client_secret": None,
    }
    missing_grant = client.post("/strict", data={"username": "u", "password": "p"})
    assert missing_grant.status_code == 422
    assert missing_grant.json()["detail"][0]["loc"] == ["body", "grant_type"]


# --------------------------------------------------------------------------------------------------
# Scopes through nested dependencies (FastAPI's "OAuth2 scopes" tutorial, with a toy token format
# "user:scope scope")


def scopes_app(ns: SimpleNamespace) -> Any:
    app = ns.App()
    oauth2 = ns.sec.OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Me", "items": "Items"})
    calls = {"oauth2": 0}

    async def counted_token(token: Annotated[str, ns.Depends(oauth2)]) -> str:
        calls["oauth2"] += 1
        return token

    async def get_current_user(
        security_scopes: ns.SecurityScopes, token: Annotated[str, ns.Depends(counted_token)]
    ) -> dict[str, Any]:
        challenge = f'Bearer scope="{security_scopes.scope_str}"' if security_scopes.scopes else "Bearer"
        headers = {"WWW-Authenticate": challenge}
        user, _, granted = token.partition(":")
        if not user:
            raise ns.HTTPException(401, "Could not validate credentials", headers=headers)
        for scope in security_scopes.scopes:
            if scope not in granted.split():
                raise ns.HTTPException(401, "Not enough permissions", headers=headers)
        scopes = list(security_scopes.scopes)
        return {"user": user, "required": scopes, "scope_str": security_scopes.scope_str}

    async def get_current_active_user(
        current: Annotated[dict[str, Any], ns.Security(get_current_user, scopes=["me"])],
    ) -> dict[str, Any]:
        if current["user"] == "disabled":
            raise ns.HTTPException(400, "Inactive user")
        return current

    @app.get("/users/me")
    async def me(current: Annotated[dict[str, Any], ns.Depends(get_current_active_user)]) -> Any:
        return current

    @app.get("/users/me/items")
    async def items(
        current: Annotated[dict[str, Any], ns.Security(get_current_active_user, scopes=["items"])],
    ) -> Any:
        return current

    @app.get("/status")
    async def status(current: Annotated[dict[str, Any], ns.Security(get_current_user)]) -> Any:
        return current

    @app.get("/direct")
    async def direct(
        current: Annotated[dict[str, Any], ns.Security(get_current_user, scopes=["items"])],
    ) -> Any:
        return current

    @app.get("/scopes-only")
    async def scopes_only(security_scopes: ns.SecurityScopes) -> Any:
        return {"scopes": security_scopes.scopes}

    @app.get("/router-level", dependencies=[ns.Security(get_current_user, scopes=["admin"])])
    async def router_level() -> Any:
        return {"ok": True}

    @app.get("/calls")
    async def read_calls() -> Any:
        return calls

    return app


SCOPE_TOKENS = [None, "Bearer", "Bearer :me", "Bearer ann:", "Bearer ann:me", "Bearer ann:items",
                "Bearer ann:me items", "Bearer disabled:me items", "Bearer ann:admin", "Basic abc"]
SCOPE_PATHS = ["/users/me", "/users/me/items", "/status", "/direct", "/scopes-only", "/router-level"]


@pytest.mark.parametrize("path", SCOPE_PATHS)
def test_scopes_parity(path: str) -> None:
    expected_client, actual_client = _clients(scopes_app)
    mismatches = []
    for token in SCOPE_TOKENS:
        expected = _summary(expected_client.get(path, headers=_auth_headers(token)))
        actual = _summary(actual_client.get(path, headers=_auth_headers(token)))
        if actual != expected:
            mismatches.append((token, expected, actual))
    assert not mismatches, mismatches


def test_nested_scopes_reach_security_scopes() -> None:
    client = fastcore.testclient.TestClient(scopes_app(FASTCORE))
    ok = client.get("/users/me/items", headers={"Authorization": "Bearer ann:me items"})
    assert ok.json() == {"user": "ann", "required": ["items", "me"], "scope_str": "items me"}
    refused = client.get("/users/me/items", headers={"Authorization": "Bearer ann:me"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer scope="items me"'


def dedupe_app(ns: SimpleNamespace) -> Any:
    app = ns.App()

    async def inner(security_scopes: ns.SecurityScopes) -> list[str]:
        return list(security_scopes.scopes)

    async def outer(scopes: Annotated[list[str], ns.Security(inner, scopes=["me", "items"])]) -> list[str]:
        return scopes

    @app.get("/")
    async def endpoint(scopes: Annotated[list[str], ns.Security(outer, scopes=["me"])]) -> Any:
        return scopes

    return app


def test_repeated_scopes_are_listed_once() -> None:
    expected_client, actual_client = _clients(dedupe_app)
    expected = _summary(expected_client.get("/"))
    assert expected == (200, ["me", "items"], None)
    actual = _summary(actual_client.get("/"))
    assert actual == expected


def test_security_scopes_mutation_stays_in_its_request() -> None:
    """A handler that edits its SecurityScopes must not change what the next request receives."""
    for ns in (FASTAPI, FASTCORE):
        app = ns.App()

        @app.get("/")
        async def endpoint(security_scopes: ns.SecurityScopes) -> Any:
            seen = list(security_scopes.scopes)
            security_scopes.scopes.append("leaked")
            return seen

        client = ns.TestClient(app)
        assert client.get("/").json() == []
        second = client.get("/").json()
        assert second == []


def test_scheme_called_once_per_request_under_different_scopes() -> None:
    """FastAPI leaves scopes out of the cache key of a dependency that does not use them."""

    def app_factory(ns: SimpleNamespace) -> Any:
        app = ns.App()
        calls: list[int] = []

        async def session() -> int:
            calls.append(1)
            return len(calls)

        async def user(security_scopes: ns.SecurityScopes, s: Annotated[int, ns.Depends(session)]) -> int:
            return s

        @app.get("/")
        async def endpoint(
            u: Annotated[int, ns.Security(user, scopes=["me"])], s: Annotated[int, ns.Depends(session)]
        ) -> Any:
            return {"user_session": u, "session": s, "calls": len(calls)}

        return app

    expected_client, actual_client = _clients(app_factory)
    expected = _summary(expected_client.get("/"))
    assert expected[1] == {"user_session": 1, "session": 1, "calls": 1}
    actual = _summary(actual_client.get("/"))
    assert actual == expected


# --------------------------------------------------------------------------------------------------
# The example app, end to end


@pytest.fixture(scope="module")
def example_client() -> Any:
    from examples.security_app import app

    return fastcore.testclient.TestClient(app)


def _login(client: Any, username: str, password: str, scope: str = "") -> Any:
    return client.post("/token", data={"username": username, "password": password, "scope": scope})


def test_example_login_and_read_me(example_client: Any) -> None:
    login = _login(example_client, "johndoe", "secret", "me items")
    assert login.status_code == 200
    token = login.json()
    assert token["token_type"] == "bearer"
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    me = example_client.get("/users/me/", headers=auth)
    assert me.status_code == 200
    assert me.json() == {
        "username": "johndoe", "email": "johndoe@example.com", "full_name": "John Doe", "disabled": False,
    }
    items = example_client.get("/users/me/items/", headers=auth)
    assert items.json() == [{"item_id": "Foo", "owner": "johndoe"}]
    assert example_client.get("/status/", headers=auth).json() == {"status": "ok"}


def test_example_wrong_password_and_unknown_user(example_client: Any) -> None:
    for username, password in (("johndoe", "wrong"), ("nobody", "secret"), ("johndoe", "")):
        response = _login(example_client, username, password)
        assert response.status_code in (401, 422)
        if response.status_code == 401:
            assert response.json() == {"detail": "Incorrect username or password"}
            assert response.headers["www-authenticate"] == "Bearer"


def test_example_missing_scope(example_client: Any) -> None:
    token = _login(example_client, "johndoe", "secret", "me").json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert example_client.get("/users/me/", headers=auth).status_code == 200
    response = example_client.get("/users/me/items/", headers=auth)
    assert response.status_code == 401
    assert response.json() == {"detail": "Not enough permissions"}
    assert response.headers["www-authenticate"] == 'Bearer scope="items me"'
    # No scope at all: even /users/me/ (scope "me") is refused.
    bare = _login(example_client, "johndoe", "secret").json()["access_token"]
    response = example_client.get("/users/me/", headers={"Authorization": f"Bearer {bare}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer scope="me"'


def test_example_bad_tokens(example_client: Any) -> None:
    import jwt

    from examples import security_app

    other_key = "not-the-server-key-but-as-long-as-hs256-wants"
    forged = jwt.encode({"sub": "johndoe", "scopes": ["me"]}, other_key, algorithm="HS256")
    expired = security_app.create_access_token(
        {"sub": "johndoe", "scopes": ["me"]}, expires_delta=-security_app.datetime.timedelta(seconds=5)
    )
    for token in ("", "garbage", "a.b.c", forged, expired, "x" * HUGE):
        response = example_client.get("/users/me/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token[:40]
        assert response.json() == {"detail": "Could not validate credentials"}
        assert response.headers["www-authenticate"] == 'Bearer scope="me"'
    assert example_client.get("/users/me/").headers["www-authenticate"] == "Bearer"


def test_example_inactive_user(example_client: Any) -> None:
    token = _login(example_client, "alice", "secret2", "me").json()["access_token"]
    response = example_client.get("/users/me/", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()) == (400, {"detail": "Inactive user"})


def test_example_admin_basic(example_client: Any) -> None:
    assert example_client.get("/admin/status", auth=("admin", "change-me")).json() == {"users": 2}
    for auth in (("admin", "wrong"), ("root", "change-me"), ("", "")):
        response = example_client.get("/admin/status", auth=auth)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Basic realm="admin"'
    missing = example_client.get("/admin/status")
    assert (missing.status_code, missing.json()) == (401, {"detail": "Not authenticated"})


def test_token_form_schemas_equal_fastapi() -> None:
    # The strict form documents its secrets as plain strings, the lenient one as passwords.
    expected = form_app(FASTAPI).openapi()["components"]["schemas"]
    actual = form_app(FASTCORE).openapi()["components"]["schemas"]
    assert actual == expected
    assert "format" not in actual["Body_strict_strict_post"]["properties"]["password"]
    assert actual["Body_token_token_post"]["properties"]["password"]["format"] == "password"


# -- request_header: the schemes' one-header read ----------------------------------------------------


def _headers_scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""}


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(b"authorization", b"Bearer abc")],
        [(b"authorization", b"first"), (b"authorization", b"second")],  # the first one, as Starlette
        [(b"x-other", b"1"), (b"authorization", b"caf\xe9")],  # Latin-1, as Starlette decodes
        [(b"authorization", b"")],
    ],
)
def test_request_header_reads_what_request_headers_get_does(headers: list[tuple[bytes, bytes]]) -> None:
    from starlette.requests import Request

    from fastcore.security.base import request_header

    request = Request(_headers_scope(headers))
    assert request_header(request, "authorization") == request.headers.get("authorization")
    assert request_header(request, "x-missing") is None


def test_request_header_asks_the_headers_object_once_there_is_one() -> None:
    from starlette.datastructures import Headers
    from starlette.requests import Request

    from fastcore.security.base import request_header

    class Rewritten(Request):
        @property
        def headers(self) -> Headers:
            return Headers({"authorization": "Bearer rewritten"})

    scope = _headers_scope([(b"authorization", b"Bearer original")])
    assert request_header(Rewritten(scope), "authorization") == "Bearer rewritten"
    request = Request(scope)
    request._headers = Headers({"authorization": "Bearer replaced"})  # a middleware's doing
    assert request_header(request, "authorization") == "Bearer replaced"
