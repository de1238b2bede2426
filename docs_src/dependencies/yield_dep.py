from collections.abc import Iterator
from typing import Annotated

from fastcore import Depends, FastCore

app = FastCore()

# What a real app would keep in a database; here a log of the sessions' lives.
EVENTS: list[str] = []


class Session:
    def __init__(self) -> None:
        self.open = True


def get_session() -> Iterator[Session]:
    session = Session()
    EVENTS.append("open")
    try:
        yield session
    finally:
        # Runs after the response has been sent, even when the handler raised.
        session.open = False
        EVENTS.append("close")


@app.get("/session")
def use_session(session: Annotated[Session, Depends(get_session)]):
    return {"open": session.open}
