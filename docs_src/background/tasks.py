from fastcore import BackgroundTasks, FastCore

app = FastCore()

OUTBOX: list[str] = []


def send_welcome(address: str) -> None:
    # Runs after the response has been sent; a slow mail server does not delay the client.
    OUTBOX.append(f"welcome mail to {address}")


@app.post("/signup", status_code=202)
async def signup(email: str, tasks: BackgroundTasks):
    tasks.add_task(send_welcome, email)
    return {"queued": email}
