from typing import Annotated

from fastcore import FastCore, Query, WebSocket, WebSocketDisconnect

app = FastCore()


@app.websocket("/echo/{room}")
async def echo(websocket: WebSocket, room: str, name: Annotated[str, Query(min_length=1)]):
    await websocket.accept()
    await websocket.send_json({"joined": room, "name": name})
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"{name}@{room}: {text}")
    except WebSocketDisconnect:
        pass
