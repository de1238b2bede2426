# Included by _http.pyx: how app calls are run (see the PERF note in its module docstring).

# PERF: the awaitable ``send`` returns when it did not have to wait: one shared object, whose
# ``__await__`` is an exhausted iterator, so ``await send(...)`` finishes at once with None.  It
# also speaks the coroutine protocol, so ``asyncio.ensure_future(send(...))`` works as it would on
# an ``async def`` send.
cdef object EXHAUSTED = iter(())


@cython.final
@cython.auto_pickle(False)
cdef class _Done:
    def __await__(self):
        return EXHAUSTED

    def send(self, value):
        raise StopIteration

    def throw(self, typ, val=None, tb=None):
        raise typ if val is None else val

    def close(self):
        pass


cdef bint _client_gone(object exc):
    # `exc`, or an exception it was raised from or while handling, says the client went away: our
    # send's ClientDisconnected, or Starlette's ClientDisconnect (raised by StreamingResponse
    # from ours, by Request.stream on http.disconnect).  Exception groups: if all of theirs do.
    cdef int depth = 0
    while exc is not None and depth < 16:
        if isinstance(exc, (ClientDisconnected, ClientDisconnect)):
            return True
        group = getattr(exc, "exceptions", None)
        if type(group) is tuple and group and isinstance(exc, BaseException):
            return all(_client_gone(e) for e in <tuple>group)
        exc = exc.__cause__ if exc.__cause__ is not None else exc.__context__
        depth += 1
    return False


cdef _Done DONE = _Done()
cdef object IDLE = object()  # _Runner._step: nothing left to drive


@cython.final
@cython.auto_pickle(False)
cdef class _Runner:
    """Runs app calls for one connection (or, one-shot, for one request) as an asyncio Task.

    The object is the Task's coroutine: ``send``/``throw`` are the Task's steps.  See the module
    docstring for why and how requests are driven eagerly with this Task as the current task.
    """

    def __init__(self, HttpProtocol proto, bint per_connection):
        self.proto = proto
        self.per_connection = per_connection
        self.loop = proto.loop
        self.task = self.loop.create_task(self)
        tasks = proto.srv.tasks
        tasks.add(self.task)
        self.task.add_done_callback(self._task_done)

    def _task_done(self, task):
        self.finished = True
        self.proto.srv.tasks.discard(task)

    cdef void wake(self):
        # The Task is parked: let it look for work (or end) at its next step.
        park = self.park
        if park is not None:
            self.park = None
            if not park.done():
                park.set_result(None)

    cdef void run_eagerly(self):
        # Drive the next request(s) here, with our Task entered as the current task.
        cdef object task = self.task
        cdef object loop = self.loop
        if CURRENT_TASKS is None:
            enter_task(loop, task)
            try:
                yielded = self._step(None, None)
            finally:
                leave_task(loop, task)
        else:
            CURRENT_TASKS[loop] = task  # _dispatch saw no current task
            try:
                yielded = self._step(None, None)
            finally:
                if CURRENT_TASKS.get(loop) is task:
                    del CURRENT_TASKS[loop]
        if yielded is not IDLE:
            # The app waits on `yielded`: the Task takes over and resumes it when it is done.
            self.handover = yielded
            self.has_handover = True
            self.wake()

    cdef void _begin(self, RequestCycle cycle):
        cdef HttpProtocol proto = self.proto
        self.cycle = cycle
        # A request's contextvars changes stay in its own copy of the connection's context.
        self.ctx = PyContext_CopyCurrent()
        proto.srv.in_flight += 1
        PyContext_Enter(self.ctx)
        try:
            self.coro = proto.cfg.app(cycle.scope, cycle.receive, cycle.send)
        except BaseException as exc:
            self.coro = None
            self._finish(None, exc)
        finally:
            PyContext_Exit(self.ctx)

    cdef object _step(self, object value, object exc):
        # Resume the app call with `value` (or throw `exc` into it); run following requests
        # while they do not wait.  Returns what the app waits on, or IDLE.
        cdef HttpProtocol proto = self.proto
        cdef PyObject *raw = NULL
        cdef int status
        cdef RequestCycle cycle
        while True:
            if self.coro is None:
                if not self.per_connection and self.cycle is not None:
                    return IDLE  # one-shot: its one request is done
                cycle = proto._take()
                if cycle is None:
                    return IDLE
                self._begin(cycle)
                if self.coro is None:
                    continue  # the app could not even be called
                value = exc = None
            error = None
            PyContext_Enter(self.ctx)
            try:
                if exc is None:
                    raw = NULL
                    status = PyIter_Send(self.coro, value, &raw)
                    result = <object>raw
                    Py_XDECREF(raw)
                else:
                    status = PYGEN_NEXT
                    result = self.coro.throw(exc)
            except StopIteration as stop:
                status = PYGEN_RETURN
                result = stop.value
            except BaseException as err:
                status = PYGEN_RETURN
                result = None
                error = err
            finally:
                PyContext_Exit(self.ctx)
            if status == PYGEN_RETURN:
                self.coro = None
                self._finish(result, error)
                continue
            proto._after_step(self)
            return result

    cdef void _finish(self, object result, object exc):
        # The app call for self.cycle has returned (or raised): what it left undone is fixed here.
        cdef RequestCycle cycle = self.cycle
        cdef HttpProtocol proto = self.proto
        proto.srv.in_flight -= 1
        self.ctx = None
        if exc is not None:
            if isinstance(exc, CancelledError):
                if not cycle.response_complete:
                    cycle.keep_alive = False
                    proto._close()
            elif (cycle.disconnected or proto.lost) and _client_gone(exc):
                # The app stopped because the client went away (ASGI 2.4: send raised): not an
                # error of the app's, and there is nobody left to answer.
                error_log.debug("client disconnected; the app ended with %r", exc)
                proto._close()
            else:
                error_log.error("Exception in ASGI application", exc_info=exc)
                if not cycle.head_written and not cycle.disconnected:
                    cycle.response_started = cycle.response_complete = True
                    cycle.status = 500
                    cycle.keep_alive = False
                    proto._write_now(error_response(500, "Internal Server Error"))
                    proto._cycle_done(cycle)
                proto._close()
        else:
            if result is not None:
                error_log.error("ASGI callable returned a value instead of None: %r", result)
            if cycle.disconnected:
                pass
            elif not cycle.head_written:
                error_log.error("ASGI callable returned without sending a response")
                cycle.response_started = cycle.response_complete = True
                cycle.status = 500
                cycle.keep_alive = False
                proto._write_now(error_response(500, "Internal Server Error"))
                proto._cycle_done(cycle)
            elif not cycle.response_complete:
                error_log.error("ASGI callable returned without completing the response")
                proto._close()
        cycle.waiters = None
        if proto.active is cycle:
            proto.active = None
        if proto.pending_upgrade is not None:
            proto._upgrade_ready()
        if self.per_connection:
            self.cycle = None  # an idle keep-alive connection keeps no request (scope, headers)
        else:
            proto._after_step(self)

    cdef object _yield(self, object yielded):
        # What the Task waits on next: the app's future, or a parking future when idle.
        if yielded is not IDLE:
            return yielded
        if not self.per_connection or self.proto.closing:
            raise StopIteration
        park = self.park = self.loop.create_future()
        park._asyncio_future_blocking = True
        return park

    # -- the coroutine protocol, for the Task -----------------------------------------------------

    def __await__(self):
        return self

    def __next__(self):
        return self.send(None)

    def send(self, value):
        if self.has_handover:
            self.has_handover = False
            yielded = self.handover
            self.handover = None
            return yielded
        return self._yield(self._step(value, None))

    def throw(self, typ, val=None, tb=None):
        exc = val if val is not None else (typ() if isinstance(typ, type) else typ)
        if self.has_handover:
            # Cancelled before this Task took over the app's future: cancel it, as a Task would.
            self.has_handover = False
            waited = self.handover
            self.handover = None
            if isinstance(exc, CancelledError) and hasattr(waited, "cancel"):
                waited.cancel()
        if self.coro is not None:
            return self._yield(self._step(None, exc))
        if self.proto.closing or not isinstance(exc, CancelledError):
            raise exc
        # A cancellation that reached the connection's Task between requests: nothing to stop.
        return self._yield(IDLE)

    def close(self):
        coro = self.coro
        if coro is not None:
            self.coro = None
            coro.close()
