from typing import Annotated

from fastcore import Cookie, FastCore, Header

app = FastCore()


@app.get("/whoami")
async def whoami(
    user_agent: Annotated[str | None, Header()] = None,
    x_request_id: Annotated[str | None, Header()] = None,
    session: Annotated[str | None, Cookie()] = None,
):
    # Header() turns the underscore of a name into a dash: x_request_id reads "X-Request-ID".
    return {"user_agent": user_agent, "request_id": x_request_id, "session": session}
