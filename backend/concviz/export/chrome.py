"""Chrome / Perfetto export: a concviz trace as Trace Event Format JSON.

The result opens in Perfetto UI and chrome://tracing. Each process of the run
is a process there and each thread and coroutine a named track (``M``
metadata). Waits (lock, event, condition, barrier, queue, socket, select,
join, sleep) and lock holds are ``B``/``E`` slices; a lock handed to a waiter,
a queue item, a pipe message and a process start are flows (``s`` → ``f``)
between two tracks; a semaphore's free permits and a queue's items are
counters (``C``); prints, watched reads and writes and other moments are
instants (``i``). Times are microseconds since the run started: concviz
keeps integer nanoseconds and converts here, at the edge.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import msgspec

from concviz.analysis.fold_coroutines import HOST_KINDS
from concviz.analysis.fold_io import QUEUE_TYPES
from concviz.export.source import Trace
from concviz.export.tracks import Track, Tracks


@dataclass(frozen=True)
class _Wait:
    cat: str
    name: str
    """Format of the slice's name: ``{obj}``, ``{thread}``, ``{process}`` and the event's args."""
    ends: tuple[str, ...]
    on: str = "obj"
    """What is waited for, to match the end to its begin: the ``obj``, the arg ``thread`` or ``pid``, or nothing."""


WAITS: dict[str, _Wait] = {
    "lock.block": _Wait("lock", "wait {obj}", ("lock.acquire", "lock.fail")),
    "event.wait": _Wait("event", "wait {obj}", ("event.wake",)),
    "cond.wait": _Wait("condition", "wait {obj}", ("cond.wake",)),
    "barrier.wait": _Wait("barrier", "wait {obj}", ("barrier.pass", "barrier.broken")),
    "sleep.begin": _Wait("sleep", "sleep", ("sleep.end",), on=""),
    "thread.join": _Wait("thread", "join {thread}", ("thread.joined",), on="thread"),
    "queue.block": _Wait("queue", "{op} {obj}", ("queue.wake",)),
    "queue.join": _Wait("queue", "join {obj}", ("queue.joined",)),
    "sock.block": _Wait("socket", "{op} {obj}", ("sock.wake",)),
    "select.begin": _Wait("select", "{obj}", ("select.end",)),
    "process.join": _Wait("process", "join {process}", ("process.joined",), on="pid"),
    "pipe.block": _Wait("pipe", "recv {obj}", ("pipe.wake",)),
    "pool.join": _Wait("pool", "join {obj}", ("pool.joined",)),
}
_BEGIN_OF = {end: begin for begin, wait in WAITS.items() for end in wait.ends}

INSTANTS: dict[str, str] = {
    "print": "{text}", "var.read": "read {name} = {value}", "var.write": "write {name} = {value}",
    "thread.start": "start {thread}", "lock.fail": "failed {obj}", "event.set": "set {obj}",
    "event.clear": "clear {obj}", "cond.notify": "notify {obj}", "queue.fail": "{op} failed {obj}",
    "queue.task_done": "task_done {obj}", "sock.listen": "listen {obj}", "sock.accept": "accept {obj}",
    "sock.connect": "connect {obj}", "sock.send": "send {bytes} B {obj}", "sock.recv": "recv {bytes} B {obj}",
    "sock.would_block": "{op} would block {obj}", "sock.error": "{op} error {obj}", "sock.close": "close {obj}",
    "process.start": "start {name}", "process.terminate": "terminate {process}", "process.kill": "kill {process}",
    "process.exit": "exit {exit_code}", "program.end": "program end", "limit": "{what} limit",
    "pool.submit": "submit job {job}", "pool.task": "task {job}.{i}", "pool.done": "done {job}.{i}",
    "pool.result": "result {job}.{i}", "pool.close": "close {obj}", "pool.terminate": "terminate {obj}",
    "proxy.call": "{method} {obj}", "coro.wait": "wait {what}",
}
"""Kinds shown as moments, with the format of their name."""

# The two ends of a flow, matched by (link, object, id): kind → (link, format of its name at the tail, is the head).
_LINKS: dict[str, tuple[str, str, bool]] = {
    "queue.put": ("queue", "item {obj}", False), "queue.get": ("queue", "item {obj}", True),
    "pipe.send": ("pipe", "message {obj}", False), "pipe.recv": ("pipe", "message {obj}", True),
    "process.start": ("process", "start {name}", False), "process.begin": ("process", "", True),
}
SKIPPED = frozenset({"line", "cpu"})
"""Too many to show as moments, and the timeline of slices says more."""
SEMAPHORES = frozenset({"Semaphore", "BoundedSemaphore"})


def to_chrome(trace: Trace) -> dict[str, Any]:
    """The Trace Event Format document (``{"traceEvents": [...], ...}``) of a trace."""
    return _Converter(trace).convert()


def encode(trace: Trace) -> bytes:
    return msgspec.json.encode(to_chrome(trace))


class _Fields(dict[str, Any]):
    """Names of slices and moments: a field an event lacks reads as ``?``, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return "?"


class _Converter:
    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.out: list[dict[str, Any]] = []
        self.tracks = Tracks(self.out)
        summary = (trace.end or {}).get("summary") or {}
        self.thread_names: dict[int, str] = {int(k): v for k, v in (summary.get("names") or {}).items()}
        self.processes: dict[int, str] = {}
        self.objects: dict[int, tuple[str, str, int]] = {}
        """id → (type, name, the pid that made it: its counters live there)."""
        self.coroutines: dict[int, str] = {}
        self.running: dict[tuple[int, int], int] = {}
        """(pid, thread) → the coroutine running on it: the actor of its events."""
        self.permits: dict[int, int] = {}
        self.holders: dict[int, list[Track]] = defaultdict(list)
        """lock → tracks holding it, oldest first (a Lock may be released by another thread)."""
        self.released: dict[int, tuple[Track, float]] = {}
        self.tails: dict[tuple[str, Any, Any], tuple[Track, float, str]] = {}
        """Tails of flows whose head is still to come, by (link, object, id)."""
        self.flows = 0

    def convert(self) -> dict[str, Any]:
        # In time order: across processes the trace's order may run a little behind the clock.
        events = sorted(self.trace.events, key=lambda ev: ev["t"])
        for ev in events:
            self.processes.setdefault(ev["pid"], f"process {ev['pid']}")
            if ev["kind"] not in SKIPPED:
                self._event(ev["kind"], ev["pid"], ev["tid"], ev["obj"], ev["args"], ev["t"] / 1000)
        end_ns = max(events[-1]["t"] if events else 0, (self.trace.end or {}).get("duration_ns") or 0)
        self._run_end(end_ns / 1000)
        self.tracks.end_all(end_ns / 1000)
        self.out.sort(key=lambda e: e["ts"])  # stable: same-time events keep their order (B before its flow)
        return {"traceEvents": self._metadata() + self.out, "displayTimeUnit": "ms", "otherData": self._other()}

    # --- one event ----------------------------------------------------------------------

    def _event(self, kind: str, pid: int, tid: int, obj: int | None, args: dict[str, Any], ts: float) -> None:
        track = self._track(pid, tid, kind, ts)
        self._learn(kind, pid, tid, obj, args, ts)
        if kind == "coro.switch":
            self._switch(pid, tid, obj, args.get("origin"), ts)
        begin = _BEGIN_OF.get(kind)
        waited = begin is not None and self.tracks.end(track, ts, (begin, _target(WAITS[begin], obj, args)))
        if kind == "lock.acquire" and obj is not None:
            self._acquire(track, ts, obj, args.get("depth"), handed=waited and begin == "lock.block")
        elif kind == "lock.release" and obj is not None:
            self._release(track, ts, obj, args.get("depth"))
        wait = WAITS.get(kind)
        if wait is not None:
            name = wait.name.format_map(self._fields(obj, args))
            self.tracks.begin(track, ts, (kind, _target(wait, obj, args)), name, wait.cat, args)
        if kind in _LINKS:
            self._link(kind, track, ts, obj, args)
        if kind in ("queue.put", "queue.get") and obj is not None:
            self._counter(obj, "items", args.get("size", 0), ts)
        if kind in INSTANTS:
            name = INSTANTS[kind].format_map(self._fields(obj, args))
            self.out.append({"ph": "i", "s": "t", "name": name, "cat": kind.partition(".")[0], "ts": ts,
                             "pid": track.pid, "tid": track.id, "args": args})
        if kind == "thread.end":
            self.tracks.end_track(track, ts)
        elif kind == "process.end":
            self.tracks.end_all(ts, pid=args.get("pid", pid))

    def _learn(self, kind: str, pid: int, tid: int, obj: int | None, args: dict[str, Any], ts: float) -> None:
        """Names of threads, processes, objects and coroutines, as the trace reveals them."""
        if kind in ("thread.new", "thread.begin"):
            thread = args.get("thread", tid)
            self.thread_names[thread] = args["name"]
            self._rename(pid, thread, args["name"])
        elif kind in ("process.begin", "process.name") and args.get("name"):
            self.processes[pid] = args["name"]
        elif kind == "obj.new" and obj is not None:
            self.objects[obj] = (args["type"], args["name"], pid)
            if args["type"] in SEMAPHORES:
                self.permits[obj] = args.get("value") or 1
                self._counter(obj, "free permits", self.permits[obj], ts)
            elif args["type"] in QUEUE_TYPES:
                self._counter(obj, "items", 0, ts)
        elif kind in ("coro.new", "coro.name") and obj is not None:
            self.coroutines[obj] = args["name"]
            self._rename(pid, -obj, args["name"])

    def _rename(self, pid: int, lane: int, name: str) -> None:
        track = self.tracks.by_lane.get((pid, lane))
        if track is not None:
            self.tracks.rename(track, name)

    def _track(self, pid: int, tid: int, kind: str, ts: float) -> Track:
        """The actor's track: the coroutine running on the thread, if any, else the thread."""
        cid = self.running.get((pid, tid))
        if cid is not None and kind not in HOST_KINDS:
            return self.tracks.lane(pid, -cid, self.coroutines.get(cid, f"coroutine {cid}"), ts)
        return self.tracks.lane(pid, tid, self._thread_name(pid, tid), ts)

    def _thread_name(self, pid: int, tid: int) -> str:
        name = self.thread_names.get(tid)
        if name is not None:
            return name
        return "MainThread" if tid in (0, pid << 20) else f"thread {tid}"

    # --- coroutines, locks, flows, counters ------------------------------------------------

    def _switch(self, pid: int, tid: int, to: int | None, origin: int | None, ts: float) -> None:
        """A coroutine's track has a ``running`` slice for each stretch it ran."""
        if origin is not None and (left := self.tracks.by_lane.get((pid, -origin))) is not None:
            self.tracks.end(left, ts, ("run", origin))
        if to is None:
            self.running.pop((pid, tid), None)
            return
        self.running[(pid, tid)] = to
        track = self.tracks.lane(pid, -to, self.coroutines.get(to, f"coroutine {to}"), ts)
        self.tracks.begin(track, ts, ("run", to), "running", "coroutine", {"thread": self._thread_name(pid, tid)})

    def _acquire(self, track: Track, ts: float, obj: int, depth: int | None, handed: bool) -> None:
        # An RLock's hold lasts from its first level to its last release; a re-entry is no new hold.
        if depth is not None and self.tracks.is_open(track, ("hold", obj)):
            return
        name = self._object_name(obj)
        self.tracks.begin(track, ts, ("hold", obj), f"hold {name}", "lock", {})
        self.holders[obj].append(track)
        if obj in self.permits:
            self.permits[obj] -= 1
            self._counter(obj, "free permits", self.permits[obj], ts)
        released = self.released.get(obj)
        if handed and released is not None and released[0] is not track:
            self._flow("lock", f"hand-off {name}", released, (track, ts))

    def _release(self, track: Track, ts: float, obj: int, depth: int | None) -> None:
        if depth is not None and depth > 0:
            return  # an RLock still held at a lower level
        holders = self.holders[obj]
        holder = track if any(h is track for h in holders) else (holders[0] if holders else None)
        if holder is not None:
            holders.remove(holder)
            self.tracks.end(holder, ts, ("hold", obj))
        if obj in self.permits:
            self.permits[obj] += 1
            self._counter(obj, "free permits", self.permits[obj], ts)
        self.released[obj] = (track, ts)

    def _link(self, kind: str, track: Track, ts: float, obj: int | None, args: dict[str, Any]) -> None:
        """Remembers a flow's tail (named from it); draws the flow at its head. In time order a
        tail comes first: a get never precedes its put, nor a child's first event its start."""
        link, name, head = _LINKS[kind]
        ident = args.get("pid") if link == "process" else args.get("id")
        if ident is None:
            return  # a get that cannot be told from which put
        if not head:
            self.tails[(link, obj, ident)] = (track, ts, name.format_map(self._fields(obj, args)))
        elif (tail := self.tails.pop((link, obj, ident), None)) is not None:
            self._flow(link, tail[2], (tail[0], tail[1]), (track, ts))

    def _flow(self, cat: str, name: str, tail: tuple[Track, float], head: tuple[Track, float]) -> None:
        """An arrow: ``s`` binds to the slice around the tail, ``f`` (``bp: e``) to the slice around the head."""
        self.flows += 1
        for (track, ts), ph in ((tail, "s"), (head, "f")):
            event = {"ph": ph, "id": self.flows, "name": name, "cat": cat, "ts": ts, "pid": track.pid,
                     "tid": track.id}
            if ph == "f":
                event["bp"] = "e"
            self.out.append(event)

    def _counter(self, obj: int, series: str, value: int, ts: float) -> None:
        """A counter of the object, in the process that made it (shared objects have one series)."""
        kind, name, pid = self.objects.get(obj, ("?", f"#{obj}", next(iter(self.tracks.first))))
        cat = "queue" if kind in QUEUE_TYPES else "semaphore"
        self.out.append({"ph": "C", "name": name, "cat": cat, "ts": ts, "pid": pid, "tid": self.tracks.first[pid].id,
                         "args": {series: value}})

    # --- names ---------------------------------------------------------------------------------

    def _object_name(self, obj: int | None) -> str:
        if obj is None:
            return "?"
        if obj in self.objects:
            return self.objects[obj][1]
        return self.coroutines.get(obj, f"#{obj}")

    def _fields(self, obj: int | None, args: dict[str, Any]) -> _Fields:
        fields = _Fields(args)
        fields["obj"] = self._object_name(obj)
        if isinstance(args.get("thread"), int):
            fields["thread"] = self.thread_names.get(args["thread"], f"thread {args['thread']}")
        if isinstance(args.get("pid"), int):
            fields["process"] = self.processes.get(args["pid"], f"process {args['pid']}")
        if isinstance(args.get("text"), str):
            fields["text"] = args["text"].strip()[:60] or "print"
        return fields

    # --- the whole run ---------------------------------------------------------------------------

    def _run_end(self, ts: float) -> None:
        end = self.trace.end
        if end is None or not self.tracks.by_lane:
            return
        first = next(iter(self.tracks.by_lane.values()))
        args = {"status": end.get("status"), "exit_code": end.get("exit_code"), "error": end.get("error")}
        deadlock = (end.get("summary") or {}).get("deadlock")
        if deadlock:
            args["deadlock"] = deadlock
        self.out.append({"ph": "i", "s": "g", "name": f"run {end.get('status')}", "cat": "run", "ts": ts,
                         "pid": first.pid, "tid": first.id, "args": args})

    def _metadata(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for index, (pid, first) in enumerate(self.tracks.first.items()):
            out.append(_meta("process_name", pid, first.id, {"name": self.processes[pid]}))
            out.append(_meta("process_sort_index", pid, first.id, {"sort_index": index}))
        for track in self.tracks.by_lane.values():
            out.append(_meta("thread_name", track.pid, track.id, {"name": track.name}))
            out.append(_meta("thread_sort_index", track.pid, track.id, {"sort_index": track.id}))
        return out

    def _other(self) -> dict[str, Any]:
        h = self.trace.header
        end = self.trace.end or {}
        return {"source": "concviz", "run_id": str(h.get("run_id")), "target": str(h.get("target")),
                "params": msgspec.json.encode(h.get("params") or {}).decode(),
                "status": str(end.get("status", "no end line")), "python": str(h.get("python"))}


def _target(wait: _Wait, obj: int | None, args: dict[str, Any]) -> Any:
    return obj if wait.on == "obj" else args.get(wait.on) if wait.on else None


def _meta(name: str, pid: int, tid: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"ph": "M", "name": name, "ts": 0, "pid": pid, "tid": tid, "args": args}
