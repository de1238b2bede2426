from fastcore import FastCore

app = FastCore()


@app.get("/")
async def hello():
    return {"message": "hello, world"}


@app.get("/books/{book_id}")
async def read_book(book_id: int):
    return {"book_id": book_id, "title": f"Book #{book_id}"}
