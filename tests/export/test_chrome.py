"""The Chrome / Perfetto export on small hand-written traces: one behaviour each."""

from __future__ import annotations

import json
from typing import Any

from concviz.export import chrome
from concviz.export.source import Trace

from .tef import check, slices, thread_names

PID = 4242
CHILD = 4343


class Events:
    """A trace written by hand: ``add(t_us, tid, kind, obj, **args)`` in recording order."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.add(0, 0, "process.begin", pid=PID, ppid=1, name="MainProcess", method="root")

    def add(self, t_us: int, tid: int, kind: str, obj: int | None = None, /, *, on: int = PID, **args: Any) -> None:
        self.events.append({"seq": len(self.events), "t": t_us * 1000, "pid": on, "tid": tid, "kind": kind,
                            "obj": obj, "args": args})

    def thread(self, t_us: int, tid: int, name: str) -> None:
        self.add(t_us, tid, "thread.begin", thread=tid, name=name, daemon=False, ident=tid)

    def obj(self, t_us: int, obj: int, type_: str, name: str, value: int | None = None) -> None:
        self.add(t_us, 0, "obj.new", obj, type=type_, name=name, value=value, lock=None, file=None, line=None)

    def export(self, status: str = "finished", **summary: Any) -> dict[str, Any]:
        header = {"type": "header", "format": "concviz-trace", "version": 1, "run_id": "r1", "target": "t",
                  "argv": [], "params": {}, "watch": [], "lines": False, "started_at": 0.0, "python": "3.11",
                  "source": {}}
        end = {"type": "end", "status": status, "exit_code": 0, "duration_ns": self.events[-1]["t"] + 1000,
               "summary": {"names": {}, "deadlock": None, **summary}, "error": None}
        doc = json.loads(chrome.encode(Trace(header, self.events, end)))
        check(doc)
        return doc


def of_phase(doc: dict[str, Any], ph: str) -> list[dict[str, Any]]:
    return [e for e in doc["traceEvents"] if e["ph"] == ph]


def named(doc: dict[str, Any], name: str) -> list[tuple[str, int, float, float]]:
    return [s for s in slices(doc) if s[0] == name]


def track_of(doc: dict[str, Any], name: str) -> int:
    return next(tid for tid, n in thread_names(doc).items() if n == name)


def test_each_thread_is_a_named_track_and_each_process_a_named_process() -> None:
    ev = Events()
    ev.thread(10, 1, "worker")
    ev.add(20, 0, "process.start", pid=CHILD, name="Process-1")
    ev.add(30, CHILD << 20, "process.begin", on=CHILD, pid=CHILD, ppid=PID, name=None, method="fork")
    ev.add(31, CHILD << 20, "process.name", on=CHILD, name="Process-1")
    doc = ev.export()
    processes = {e["pid"]: e["args"]["name"] for e in of_phase(doc, "M") if e["name"] == "process_name"}
    assert processes == {PID: "MainProcess", CHILD: "Process-1"}
    names = {(e["pid"], e["args"]["name"]) for e in of_phase(doc, "M") if e["name"] == "thread_name"}
    assert names == {(PID, "MainThread"), (PID, "worker"), (CHILD, "MainThread")}
    assert all(0 < e["tid"] < 100 for e in doc["traceEvents"] if e["ph"] in "BEi"), "small track ids"


def test_times_are_microseconds_since_the_run_started() -> None:
    ev = Events()
    ev.add(1500, 0, "print", text="hello\n", stream="stdout")
    [instant] = [e for e in of_phase(ev.export(), "i") if e["cat"] == "print"]
    assert instant["ts"] == 1500 and instant["name"] == "hello" and instant["args"]["stream"] == "stdout"


def test_a_lock_wait_and_holds_are_slices_and_the_hand_off_a_flow() -> None:
    ev = Events()
    ev.obj(1, 1, "Lock", "LockA")
    ev.thread(2, 1, "T1")
    ev.thread(3, 2, "T2")
    ev.add(10, 1, "lock.acquire", 1, depth=None)
    ev.add(20, 2, "lock.block", 1, timeout=None, file="x.py", line=3)
    ev.add(30, 1, "lock.release", 1, depth=None)
    ev.add(35, 2, "lock.acquire", 1, depth=None)
    ev.add(40, 2, "lock.release", 1, depth=None)
    doc = ev.export()
    t1, t2 = track_of(doc, "T1"), track_of(doc, "T2")
    assert named(doc, "hold LockA") == [("hold LockA", t1, 10, 30), ("hold LockA", t2, 35, 40)]
    assert named(doc, "wait LockA") == [("wait LockA", t2, 20, 35)]
    start, end = of_phase(doc, "s"), of_phase(doc, "f")
    assert [(e["tid"], e["ts"], e["name"]) for e in start + end] == [(t1, 30, "hand-off LockA"),
                                                                     (t2, 35, "hand-off LockA")]


def test_no_hand_off_to_a_thread_that_did_not_wait() -> None:
    ev = Events()
    ev.obj(1, 1, "Lock", "L")
    ev.add(10, 1, "lock.acquire", 1, depth=None)
    ev.add(20, 1, "lock.release", 1, depth=None)
    ev.add(30, 2, "lock.acquire", 1, depth=None)
    assert not of_phase(ev.export(), "s")


def test_holds_released_out_of_order_still_nest() -> None:
    ev = Events()
    ev.obj(1, 1, "Lock", "A")
    ev.obj(1, 2, "Lock", "B")
    ev.add(10, 1, "lock.acquire", 1, depth=None)
    ev.add(20, 1, "lock.acquire", 2, depth=None)
    ev.add(30, 1, "lock.release", 1, depth=None)
    ev.add(40, 1, "lock.release", 2, depth=None)
    doc = ev.export()  # check() fails on an E that would close the wrong B
    assert [s[2:] for s in named(doc, "hold A")] == [(10, 30)]
    assert [s[2:] for s in named(doc, "hold B")] == [(20, 30), (30, 40)]


def test_a_lock_released_by_another_thread_ends_its_holders_slice() -> None:
    ev = Events()
    ev.obj(1, 1, "Lock", "L")
    ev.thread(2, 1, "holder")
    ev.add(10, 1, "lock.acquire", 1, depth=None)
    ev.add(20, 0, "lock.release", 1, depth=None)
    doc = ev.export()
    assert named(doc, "hold L") == [("hold L", track_of(doc, "holder"), 10, 20)]


def test_an_rlock_held_at_several_levels_is_one_hold() -> None:
    ev = Events()
    ev.obj(1, 1, "RLock", "R")
    for t, kind, depth in [(10, "acquire", 1), (20, "acquire", 2), (30, "release", 1), (40, "release", 0)]:
        ev.add(t, 0, f"lock.{kind}", 1, depth=depth)
    assert [s[2:] for s in named(ev.export(), "hold R")] == [(10, 40)]


def test_semaphore_permits_are_a_counter() -> None:
    ev = Events()
    ev.obj(1, 1, "Semaphore", "pool", value=2)
    ev.add(10, 1, "lock.acquire", 1, depth=None)
    ev.add(20, 2, "lock.acquire", 1, depth=None)
    ev.add(30, 1, "lock.release", 1, depth=None)
    counters = [(e["ts"], e["name"], e["args"]) for e in of_phase(ev.export(), "C")]
    assert counters == [(1, "pool", {"free permits": 2}), (10, "pool", {"free permits": 1}),
                        (20, "pool", {"free permits": 0}), (30, "pool", {"free permits": 1})]


def test_a_queue_item_is_a_flow_from_put_to_get_and_its_size_a_counter() -> None:
    ev = Events()
    ev.obj(1, 5, "Queue", "q", value=0)
    ev.thread(2, 1, "producer")
    ev.thread(3, 2, "consumer")
    ev.add(10, 2, "queue.block", 5, op="get", timeout=None, file=None, line=None)
    ev.add(20, 1, "queue.put", 5, id=1, item="'a'", size=1)
    ev.add(21, 1, "queue.put", 5, id=2, item="'b'", size=2)
    ev.add(30, 2, "queue.wake", 5, op="get", ok=True)
    ev.add(30, 2, "queue.get", 5, id=1, item="'a'", size=1)
    ev.add(40, 2, "queue.get", 5, id=None, item="'b'", size=0)
    doc = ev.export()
    producer, consumer = track_of(doc, "producer"), track_of(doc, "consumer")
    assert named(doc, "get q") == [("get q", consumer, 10, 30)]
    flows = [(e["ph"], e["tid"], e["ts"], e["name"]) for e in doc["traceEvents"] if e["ph"] in "sf"]
    assert flows == [("s", producer, 20, "item q"), ("f", consumer, 30, "item q")], "a get without id: no arrow"
    assert [e["args"]["items"] for e in of_phase(doc, "C")] == [0, 1, 2, 1, 0]


def test_a_process_start_is_a_flow_to_the_childs_first_event() -> None:
    ev = Events()
    ev.add(20, 0, "process.start", pid=CHILD, name="Process-1")
    ev.add(30, CHILD << 20, "process.begin", on=CHILD, pid=CHILD, ppid=PID, name=None, method="fork")
    doc = ev.export()
    assert [(e["ph"], e["pid"], e["ts"], e["name"]) for e in doc["traceEvents"] if e["ph"] in "sf"] == [
        ("s", PID, 20, "start Process-1"), ("f", CHILD, 30, "start Process-1")]


def test_waits_of_a_deadlock_stay_open_to_the_end_of_the_run() -> None:
    ev = Events()
    ev.obj(1, 1, "Lock", "A")
    ev.add(10, 1, "lock.acquire", 1, depth=None)
    ev.add(20, 2, "lock.block", 1, timeout=None, file=None, line=None)
    doc = ev.export(status="deadlocked", deadlock={"cycle": []})
    [(_, _, begin, end)] = named(doc, "wait A")
    assert (begin, end) == (20, 21)
    [run_end] = [e for e in of_phase(doc, "i") if e["s"] == "g"]
    assert run_end["name"] == "run deadlocked" and run_end["args"]["deadlock"] == {"cycle": []}


def test_a_thread_that_ended_has_no_open_slices_left() -> None:
    ev = Events()
    ev.thread(1, 1, "T")
    ev.add(5, 1, "sleep.begin", seconds=1.0, file=None, line=None)
    ev.add(9, 1, "thread.end", thread=1, error=None)
    ev.add(50, 0, "print", text="later", stream="stdout")
    doc = ev.export()
    assert {(s[0], s[3]) for s in slices(doc) if s[1] == track_of(doc, "T")} == {("T", 9), ("sleep", 9)}


def test_coroutines_get_tracks_of_their_own() -> None:
    ev = Events()
    ev.add(1, 0, "coro.new", 7, name="gr1", kind="greenlet", file=None, line=None)
    ev.add(2, 0, "coro.switch", 7, origin=None, throw=False)
    ev.add(3, 0, "print", text="in gr1", stream="stdout")
    ev.add(4, 0, "coro.switch", None, origin=7, throw=False)
    ev.add(5, 0, "print", text="back in the thread", stream="stdout")
    doc = ev.export()
    gr1, main = track_of(doc, "gr1"), track_of(doc, "MainThread")
    assert named(doc, "running") == [("running", gr1, 2, 4)]
    assert {e["name"]: e["tid"] for e in of_phase(doc, "i") if e["cat"] == "print"} == {
        "in gr1": gr1, "back in the thread": main}


def test_a_watched_variable_is_read_and_written_as_instants() -> None:
    ev = Events()
    ev.add(1, 1, "var.read", name="num", value=100, line=None)
    ev.add(2, 1, "var.write", name="num", value=99, line=None)
    assert [e["name"] for e in of_phase(ev.export(), "i") if e["cat"] == "var"] == ["read num = 100",
                                                                                  "write num = 99"]
