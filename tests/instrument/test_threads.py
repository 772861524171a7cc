"""Thread: drop-in behaviour (the class is patched in place) and recorded
new / start / begin / end / join / joined."""

from __future__ import annotations

import pickle
import re
import threading as stdlib_threading
from types import ModuleType
from typing import Any

import pytest

from .helpers import check_sequence_matches, recorded


def test_function_target_with_args_and_kwargs(threading_impl: ModuleType) -> None:
    out: list[Any] = []

    def work(a: int, b: int, *, c: int) -> None:
        out.append((a, b, c, threading_impl.current_thread().name))

    thread = threading_impl.Thread(target=work, args=(1, 2), kwargs={"c": 3}, name="worker")
    assert thread.name == "worker"
    assert thread.ident is None and thread.native_id is None
    assert not thread.is_alive()
    thread.start()
    thread.join()
    assert out == [(1, 2, 3, "worker")]
    assert isinstance(thread.ident, int) and isinstance(thread.native_id, int)
    assert not thread.is_alive()


def test_subclass_run(threading_impl: ModuleType) -> None:
    class Worker(threading_impl.Thread):  # type: ignore[name-defined]
        def __init__(self, n: int) -> None:
            super().__init__(daemon=True)
            self.n = n
            self.result: int | None = None

        def run(self) -> None:
            self.result = self.n * 2

    worker = Worker(21)
    assert worker.daemon is True
    assert re.fullmatch(r"Thread-\d+", worker.name)
    worker.start()
    worker.join()
    assert worker.result == 42


def test_default_names_and_daemon_inheritance(threading_impl: ModuleType) -> None:
    def target() -> None:
        pass

    thread = threading_impl.Thread(target=target)
    assert re.fullmatch(r"Thread-\d+ \(target\)", thread.name)
    assert thread.daemon is False
    inner: list[bool] = []
    outer = threading_impl.Thread(target=lambda: inner.append(threading_impl.Thread().daemon), daemon=True)
    outer.start()
    outer.join()
    assert inner == [True]


def test_is_alive_and_join_with_timeout(threading_impl: ModuleType) -> None:
    release = threading_impl.Event()
    thread = threading_impl.Thread(target=release.wait, daemon=True)
    thread.start()
    assert thread.is_alive()
    assert thread.join(timeout=0.01) is None
    assert thread.is_alive()
    assert thread in threading_impl.enumerate()
    release.set()
    thread.join()
    assert not thread.is_alive()
    assert thread not in threading_impl.enumerate()


def test_lifecycle_errors(threading_impl: ModuleType) -> None:
    thread = threading_impl.Thread(target=lambda: None)
    with pytest.raises(RuntimeError, match=r"^cannot join thread before it is started$"):
        thread.join()
    thread.start()
    with pytest.raises(RuntimeError, match=r"^threads can only be started once$"):
        thread.start()
    with pytest.raises(RuntimeError, match=r"^cannot set daemon status of active thread$"):
        thread.daemon = True
    thread.join()
    with pytest.raises(RuntimeError, match=r"^cannot join current thread$"):
        threading_impl.current_thread().join()
    errors: list[BaseException] = []

    def join_self() -> None:
        try:
            threading_impl.current_thread().join()
        except RuntimeError as error:
            errors.append(error)

    other = threading_impl.Thread(target=join_self)
    other.start()
    other.join()
    assert [str(e) for e in errors] == ["cannot join current thread"]


def test_subclass_that_skips_init_cannot_start(threading_impl: ModuleType) -> None:
    class Broken(threading_impl.Thread):  # type: ignore[name-defined]
        def __init__(self) -> None:
            pass

    with pytest.raises(RuntimeError, match=r"^thread\.__init__\(\) not called$"):
        Broken().start()


def test_invalid_constructor_arguments(threading_impl: ModuleType) -> None:
    with pytest.raises(TypeError):
        threading_impl.Thread(None, lambda: None, "x", (), {}, None, "extra")
    with pytest.raises(TypeError):
        threading_impl.Thread(bogus=1)


def test_exceptions_in_a_thread_go_to_excepthook(
    threading_impl: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(stdlib_threading, "excepthook", seen.append)

    def fail() -> None:
        raise ValueError("boom")

    thread = threading_impl.Thread(target=fail, name="failing")
    thread.start()
    thread.join()
    [args] = seen
    assert args.exc_type is ValueError
    assert str(args.exc_value) == "boom"
    assert args.exc_traceback is not None
    assert args.thread is thread


def test_exception_with_a_broken_repr_still_reaches_excepthook(
    threading_impl: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(stdlib_threading, "excepthook", seen.append)

    class Weird(Exception):
        def __repr__(self) -> str:
            raise RuntimeError("no repr for you")

    def fail() -> None:
        raise Weird()

    thread = threading_impl.Thread(target=fail)
    thread.start()
    thread.join()
    assert [a.exc_type for a in seen] == [Weird]
    if hasattr(thread, "_concviz_tid"):
        assert [e.args["error"] for e in recorded(["thread.end"])] == ["Weird (unprintable)"]


def test_system_exit_in_a_thread_goes_to_excepthook_too(
    threading_impl: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(stdlib_threading, "excepthook", seen.append)

    def leave() -> None:
        raise SystemExit(3)

    thread = threading_impl.Thread(target=leave)
    thread.start()
    thread.join()
    assert [a.exc_type for a in seen] == [SystemExit]


def test_module_level_functions(threading_impl: ModuleType) -> None:
    main = threading_impl.main_thread()
    assert threading_impl.current_thread() is main
    assert main.name == "MainThread"
    before = threading_impl.active_count()
    assert before == len(threading_impl.enumerate())
    inside: list[Any] = []
    release = threading_impl.Event()

    def look() -> None:
        me = threading_impl.current_thread()
        inside.append((me, threading_impl.get_ident() == me.ident, threading_impl.main_thread() is main))
        release.wait()

    thread = threading_impl.Thread(target=look)
    thread.start()
    assert threading_impl.active_count() == before + 1
    release.set()
    thread.join()
    assert inside == [(thread, True, True)]
    assert threading_impl.active_count() == before


def test_dummy_thread_for_a_foreign_thread(threading_impl: ModuleType) -> None:
    import _thread

    got: list[Any] = []
    done = _thread.allocate_lock()
    done.acquire()

    def foreign() -> None:
        got.append(threading_impl.current_thread())
        done.release()

    _thread.start_new_thread(foreign, ())
    done.acquire()
    [dummy] = got
    assert isinstance(dummy, stdlib_threading._DummyThread)
    assert dummy.daemon is True


def test_repr_has_the_stdlib_shape(threading_impl: ModuleType) -> None:
    release = threading_impl.Event()
    thread = threading_impl.Thread(target=release.wait, name="t1", daemon=True)
    assert repr(thread) == "<Thread(t1, initial daemon)>"
    thread.start()
    assert repr(thread) == f"<Thread(t1, started daemon {thread.ident})>"
    release.set()
    thread.join()
    assert repr(thread) == f"<Thread(t1, stopped daemon {thread.ident})>"


def test_threads_cannot_be_pickled(threading_impl: ModuleType) -> None:
    with pytest.raises((TypeError, pickle.PicklingError)):
        pickle.dumps(threading_impl.Thread(target=print))


def test_timer_still_works(threading_impl: ModuleType) -> None:
    fired = threading_impl.Event()
    timer = threading_impl.Timer(0.001, fired.set)
    timer.start()
    assert fired.wait(10)
    timer.join()
    cancelled = threading_impl.Timer(30, fired.clear)
    cancelled.start()
    cancelled.cancel()
    cancelled.join()
    assert fired.is_set()


# --- recorded events ------------------------------------------------------------


def _thread_events(tid: int) -> list[tuple[str, int]]:
    return [(e.kind, e.who) for e in recorded()
            if e.kind.startswith("thread.") and e.args.get("thread") == tid]


def test_lifecycle_records_new_start_begin_end_join_joined(instrumented: ModuleType) -> None:
    me = instrumented.get_ident()

    def work(x: int) -> None:
        pass

    thread = instrumented.Thread(target=work, args=(1,), name="w")
    tid = thread._concviz_tid
    thread.start()
    thread.join()
    them = thread.ident
    seq = _thread_events(tid)
    assert sorted(seq) == sorted([("thread.new", me), ("thread.start", me), ("thread.begin", them),
                                  ("thread.end", them), ("thread.join", me), ("thread.joined", me)])
    at = {kind: i for i, (kind, _) in enumerate(seq)}
    # join may be recorded before or after the thread ran; everything else is ordered.
    assert at["thread.new"] < at["thread.start"] < at["thread.begin"] < at["thread.end"] < at["thread.joined"]
    assert at["thread.start"] < at["thread.join"] < at["thread.joined"]
    events = {e.kind: e for e in recorded() if e.kind.startswith("thread.")}
    assert events["thread.new"].args == {
        "thread": tid, "name": "w", "daemon": False, "target": work.__qualname__}
    assert events["thread.begin"].args == {"thread": tid, "name": "w", "daemon": False, "ident": them,
                                           "native": thread.native_id}
    assert events["thread.end"].args == {"thread": tid, "error": None}
    assert events["thread.join"].args["file"] == __file__
    assert events["thread.joined"].args == {"thread": tid, "alive": False}


def test_join_waiting_for_a_running_thread_records_join_before_end(instrumented: ModuleType) -> None:
    release = instrumented.Event()
    thread = instrumented.Thread(target=release.wait)
    tid = thread._concviz_tid
    thread.start()
    joiner = instrumented.Thread(target=thread.join)
    joiner.start()
    # join is recorded before the joiner blocks: wait for it, then let the thread end.
    from .helpers import wait_for_event

    wait_for_event("thread.join", who=None)
    release.set()
    joiner.join()
    check_sequence_matches([k for k, _ in _thread_events(tid)], [
        "thread.new", "thread.start", {"thread.begin", "thread.join"}, "thread.end", "thread.joined"])


def test_timed_out_join_records_alive(instrumented: ModuleType) -> None:
    release = instrumented.Event()
    thread = instrumented.Thread(target=release.wait)
    thread.start()
    thread.join(0.001)
    release.set()
    thread.join()
    joined = [e.args for e in recorded(["thread.joined"])]
    tid = thread._concviz_tid
    assert joined == [{"thread": tid, "alive": True}, {"thread": tid, "alive": False}]
    assert [e.args["timeout"] for e in recorded(["thread.join"])] == [0.001, None]


def test_uncaught_error_is_recorded_on_thread_end(
    instrumented: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stdlib_threading, "excepthook", lambda args: None)

    def fail() -> None:
        raise KeyError("k")

    thread = instrumented.Thread(target=fail)
    thread.start()
    thread.join()
    [end] = recorded(["thread.end"])
    assert end.args == {"thread": thread._concviz_tid, "error": "KeyError('k')"}


def test_invalid_joins_and_starts_record_nothing(instrumented: ModuleType) -> None:
    thread = instrumented.Thread(target=lambda: None)
    with pytest.raises(RuntimeError):
        thread.join()
    thread.start()
    with pytest.raises(RuntimeError):
        thread.start()
    with pytest.raises(RuntimeError):
        instrumented.current_thread().join()
    thread.join()
    kinds = [e.kind for e in recorded()]
    assert kinds.count("thread.start") == 1
    assert kinds.count("thread.join") == 1


def test_a_threads_internal_event_records_no_object(instrumented: ModuleType) -> None:
    thread = instrumented.Thread(target=lambda: None)
    thread.start()
    thread.join()
    assert recorded(["obj.new"]) == []
    assert all(e.obj is None for e in recorded())
