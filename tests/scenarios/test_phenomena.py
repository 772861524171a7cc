"""Every scenario runs in a real child process and its trace shows its phenomenon."""

from __future__ import annotations

import itertools
import re
import socket
from collections import Counter
from typing import Any

import pytest
from test_processes import COVERED as PROCESS_SCENARIOS

from concviz import scenarios

Run = Any


def test_every_scenario_has_a_phenomenon_test() -> None:
    names = {s.name for s in scenarios.all_scenarios()}
    tested = set(PHENOMENA) | PROCESS_SCENARIOS
    assert names <= tested, f"scenarios without a phenomenon test: {sorted(names - tested)}"


def max_concurrent_holders(run: Run, obj: int) -> int:
    held = best = 0
    for e in run.events:
        if e["obj"] != obj:
            continue
        if e["kind"] == "lock.acquire":
            held += 1
            best = max(best, held)
        elif e["kind"] == "lock.release":
            held -= 1
    return best


def check_race(run: Run) -> None:
    num = run.summary["watched"]["num"]
    assert num["initial"] == 100
    assert num["final"] > 0, "with a 1 ms gap, updates are lost"
    assert num["lost_updates"] == num["final"], "each lost update explains one missing decrement"
    lost = run.summary["lost_updates"][0]
    by_seq = {e["seq"]: e for e in run.events}
    read, write, overwritten = by_seq[lost["read_seq"]], by_seq[lost["write_seq"]], by_seq[lost["overwrote"]["seq"]]
    assert read["kind"] == "var.read" and read["tid"] == lost["thread"]
    assert write["kind"] == "var.write" and write["tid"] == lost["thread"]
    assert overwritten["kind"] == "var.write" and overwritten["tid"] != lost["thread"]
    assert read["seq"] < write["seq"] and overwritten["seq"] < write["seq"]
    assert overwritten["args"]["value"] <= read["args"]["value"] - 1, "the overwritten write was newer than the read"
    assert run.summary["threads"] == 101


def check_race_locked(run: Run) -> None:
    num = run.summary["watched"]["num"]
    assert (num["initial"], num["final"], num["lost_updates"]) == (100, 0, 0)
    lock = run.summary["objects"]["lock"]
    assert lock["acquisitions"] == 100
    assert lock["max_holders"] == 1
    assert lock["max_waiters"] > 1


def check_deadlock(run: Run) -> None:
    assert run.returncode == 3
    assert run.end["status"] == "deadlocked"
    cycle = run.summary["deadlock"]["cycle"]
    assert len(cycle) == 2
    assert {step["waits_for"] for step in cycle} == {"LockA", "LockB"}
    for step in cycle:
        assert step["holds"] and step["holds"][0] != step["waits_for"]
        assert step["file"].endswith("deadlock.py") and step["line"] > 0
    assert "deadlock:" in run.stderr


def check_rlock(run: Run) -> None:
    assert run.end["status"] == "finished"
    rlock = run.objects()["rlock"]
    depths = [e["args"]["depth"] for e in run.kinds("lock.acquire") if e["obj"] == rlock]
    assert max(depths) == 2
    assert run.summary["objects"]["rlock"]["acquisitions"] == 20


def check_semaphore(run: Run) -> None:
    sem = run.objects()["semaphore"]
    assert max_concurrent_holders(run, sem) == 5
    assert run.summary["objects"]["semaphore"]["max_holders"] == 5
    assert run.summary["objects"]["semaphore"]["max_waiters"] >= 1


def check_event(run: Run) -> None:
    event = run.objects()["event"]
    seqs = [e["seq"] for e in run.kinds("event.set") if e["obj"] == event]
    assert len(seqs) == 1
    woken = [e for e in run.kinds("event.wake") if e["obj"] == event]
    assert len(woken) == 5 and all(e["args"]["flag"] for e in woken)
    assert all(e["seq"] > seqs[0] for e in woken)
    waits = [e for e in run.kinds("event.wait") if e["obj"] == event]
    assert len(waits) == 5 and all(e["seq"] < seqs[0] for e in waits)


def check_condition(run: Run) -> None:
    assert [p for p in run.prints() if p.startswith("consumed")] == [f"consumed {i}\n" for i in range(5)]
    assert run.kinds("cond.wait") and run.kinds("cond.notify")
    cond_lock = run.objects()["cond.lock"]
    assert run.summary["objects"]["cond.lock"]["max_holders"] == 1
    assert any(e["obj"] == cond_lock for e in run.kinds("lock.release"))


def check_thread_basics(run: Run) -> None:
    names = set(run.names().values())
    assert {"Greeter-0", "Greeter-1"} <= names
    assert any(n.startswith("Thread-") and "(greet)" in n for n in names)
    assert Counter(e["kind"] for e in run.events)["thread.end"] == 4


def check_join(run: Run) -> None:
    tids = {name: tid for tid, name in run.names().items()}
    joins = [e for e in run.kinds("thread.join", "thread.joined") if e["tid"] == 0]
    assert [(e["kind"], e["args"]["thread"]) for e in joins] == [
        ("thread.join", tids["short"]), ("thread.joined", tids["short"]),
        ("thread.join", tids["long"]), ("thread.joined", tids["long"]),
    ]
    ends = {e["args"]["thread"]: e["seq"] for e in run.kinds("thread.end")}
    assert ends[tids["short"]] < joins[1]["seq"] < ends[tids["long"]] < joins[3]["seq"]
    assert not any(e["tid"] != 0 for e in run.kinds("thread.join"))


def check_daemon(run: Run) -> None:
    tids = {name: tid for tid, name in run.names().items()}
    ended = {e["args"]["thread"] for e in run.kinds("thread.end")}
    assert tids["worker"] in ended
    assert tids["daemon"] not in ended, "the daemon is killed at exit, not waited for"
    assert "daemon: done\n" not in run.prints()
    assert run.end["status"] == "finished"


# --- queues ------------------------------------------------------------------------


def queue_events(run: Run, name: str) -> list[dict[str, Any]]:
    obj = run.objects()[name]
    return [e for e in run.events if e["obj"] == obj and e["kind"].startswith("queue.")]


def assert_each_get_follows_its_put(events: list[dict[str, Any]]) -> None:
    put_at = {e["args"]["id"]: e["seq"] for e in events if e["kind"] == "queue.put"}
    for e in events:
        if e["kind"] == "queue.get":
            assert put_at[e["args"]["id"]] < e["seq"], e


def check_queue_basics(run: Run) -> None:
    events = queue_events(run, "q")
    assert_each_get_follows_its_put(events)
    gets = [e["args"] for e in events if e["kind"] == "queue.get"]
    assert [g["id"] for g in gets] == [1, 2, 3], "first in, first out"
    assert [g["item"] for g in gets] == ["'item 0'", "'item 1'", "'item 2'"]
    fail = next(e for e in events if e["kind"] == "queue.fail")
    assert fail["args"] == {"op": "get", "blocking": False}
    printed = next(e for e in run.kinds("print") if "queue.Empty" in e["args"]["text"])
    assert printed["seq"] > fail["seq"] and printed["tid"] == fail["tid"]
    assert any(e["kind"] == "queue.block" and e["args"]["op"] == "get" for e in events), "the consumer waits"
    assert run.summary["objects"]["q"] | {"max_waiters": 1} == {
        "kind": "Queue", "acquisitions": 0, "max_holders": 0, "max_waiters": 1,
        "puts": 3, "gets": 3, "task_done": 0, "max_items": 1}


def check_queue_join(run: Run) -> None:
    events = queue_events(run, "tasks")
    done = [e for e in events if e["kind"] == "queue.task_done"]
    assert [e["args"]["unfinished"] for e in done] == [2, 1, 0]
    join = next(e for e in events if e["kind"] == "queue.join")
    joined = next(e for e in events if e["kind"] == "queue.joined")
    assert join["tid"] == joined["tid"] and join["args"]["unfinished"] == 3
    assert join["seq"] < done[0]["seq"] and done[-1]["seq"] < joined["seq"]
    ok = next(e for e in run.kinds("print") if e["args"]["text"].startswith("ok"))
    assert ok["seq"] > joined["seq"] > done[-1]["seq"], "ok is printed only after the third task_done"
    assert run.summary["objects"]["tasks"]["task_done"] == 3


def check_queue_kinds(run: Run) -> None:
    orders = {}
    for name in ("fifo", "lifo", "priority"):
        events = queue_events(run, name)
        assert_each_get_follows_its_put(events)
        orders[name] = [e["args"]["id"] for e in events if e["kind"] == "queue.get"]
    assert orders == {"fifo": [1, 2, 3, 4], "lifo": [4, 3, 2, 1], "priority": [2, 4, 1, 3]}
    kinds = {name: run.summary["objects"][name]["kind"] for name in orders}
    assert kinds == {"fifo": "Queue", "lifo": "LifoQueue", "priority": "PriorityQueue"}
    takers = {e["tid"] for e in run.kinds("queue.get")}
    assert len(takers) == 3, "one lane per queue"


def check_producer_consumer(run: Run) -> None:
    events = queue_events(run, "q")
    assert_each_get_follows_its_put(events)
    producers = {tid for tid, name in run.names().items() if name.startswith("producer")}
    blocked_puts = [e for e in events if e["kind"] == "queue.block" and e["args"]["op"] == "put"]
    assert {e["tid"] for e in blocked_puts} & producers, "with a slow consumer, a producer waits on a full queue"
    q = run.summary["objects"]["q"]
    assert (q["puts"], q["gets"], q["max_items"]) == (12, 12, 3)
    assert max(e["args"]["size"] for e in events if e["kind"] == "queue.put") == 3
    assert q["max_waiters"] >= 2


def check_producer_consumer_fast_consumer(run: Run) -> None:
    events = queue_events(run, "q")
    consumers = {tid for tid, name in run.names().items() if name.startswith("consumer")}
    producers = {tid for tid, name in run.names().items() if name.startswith("producer")}
    assert not [e for e in events if e["kind"] == "queue.block" and e["args"]["op"] == "put" and e["tid"] in producers]
    assert {e["tid"] for e in events if e["kind"] == "queue.block" and e["args"]["op"] == "get"} == consumers


# --- sockets and select ---------------------------------------------------------------


def sockets_by_role(run: Run) -> dict[str, list[int]]:
    roles: dict[str, list[int]] = {"listener": [], "conn": [], "client": []}
    for e in run.kinds("obj.new"):
        if e["args"]["type"] == "socket":
            roles[e["args"]["name"].split(" ")[0]].append(e["obj"])
    return roles


def listening_ports() -> set[int]:
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for row in f.read().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                if state == "0A":
                    ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def assert_every_socket_closed_and_port_free(run: Run, clients: int) -> None:
    roles = sockets_by_role(run)
    assert (len(roles["listener"]), len(roles["conn"]), len(roles["client"])) == (1, clients, clients)
    opened = {obj for objs in roles.values() for obj in objs}
    closed = [e["obj"] for e in run.kinds("sock.close")]
    assert sorted(closed) == sorted(opened), "the scenario closes every socket itself"
    port = run.kinds("sock.listen")[0]["args"]["port"]
    assert port not in listening_ports()
    probe = socket.socket()
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # nothing holds the port any more
    finally:
        probe.close()
    sockets = run.summary["sockets"]
    assert (sockets["accepted"], sockets["connected"], sockets["closed"]) == (clients, clients, 2 * clients + 1)
    assert sockets["bytes_sent"] == sockets["bytes_received"] > 0


def server_tid(run: Run) -> int:
    return next(tid for tid, name in run.names().items() if name == "server")


def served_by_one_thread(run: Run) -> None:
    conns = set(sockets_by_role(run)["conn"])
    server = server_tid(run)
    assert {e["tid"] for e in run.kinds("sock.accept")} == {server}
    assert {e["tid"] for e in run.kinds("sock.recv", "sock.send") if e["obj"] in conns} == {server}


def open_at_once(run: Run) -> int:
    """The most connections open on the server side at the same time."""
    conns = set(sockets_by_role(run)["conn"])
    now = best = 0
    for e in run.events:
        if e["kind"] == "sock.accept":
            now += 1
            best = max(best, now)
        elif e["kind"] == "sock.close" and e["obj"] in conns:
            now -= 1
    return best


def check_blocking_server(run: Run) -> None:
    assert_every_socket_closed_and_port_free(run, 3)
    served_by_one_thread(run)
    assert open_at_once(run) == 1, "clients are served one after another"
    conns = sockets_by_role(run)["conn"]
    spans = []
    for conn in conns:
        seqs = [e["seq"] for e in run.events if e["obj"] == conn or (e["kind"] == "sock.accept"
                                                                      and e["args"]["conn"] == conn)]
        spans.append((min(seqs), max(seqs)))
    assert spans == sorted(spans) and all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    server = server_tid(run)
    waits = {e["args"]["op"] for e in run.kinds("sock.block") if e["tid"] == server}
    assert waits == {"accept", "recv"}
    # The clients served later were connected all along, waiting for their first reply.
    clients = set(sockets_by_role(run)["client"])
    waiting = {e["obj"] for e in run.kinds("sock.block")
               if e["obj"] in clients and e["args"]["op"] == "recv" and e["seq"] < spans[0][1]}
    assert len(waiting) >= 2


def check_nonblocking_poll(run: Run) -> None:
    assert_every_socket_closed_and_port_free(run, 2)
    served_by_one_thread(run)
    server = server_tid(run)
    would_block = [e for e in run.kinds("sock.would_block") if e["tid"] == server]
    # recv always finds nothing at times (clients pause between messages);
    # accept only if the server polls before every client has connected.
    ops = {e["args"]["op"] for e in would_block}
    assert "recv" in ops and ops <= {"accept", "recv"}
    assert not [e for e in run.kinds("sock.block") if e["tid"] == server], "the server never waits on a socket"
    assert run.summary["sockets"]["would_block"] == len(would_block)


def check_select_loop(run: Run) -> None:
    assert_every_socket_closed_and_port_free(run, 3)
    served_by_one_thread(run)
    assert open_at_once(run) >= 2, "one thread has several clients open at once"
    server = server_tid(run)
    assert not [e for e in run.kinds("sock.block") if e["tid"] == server], "it waits in select, never in recv"
    selects = run.kinds("select.begin", "select.end")
    assert {e["tid"] for e in selects} == {server}
    listener = sockets_by_role(run)["listener"][0]
    assert all(listener in e["args"]["read"] for e in run.kinds("select.begin"))
    stats = next(v for v in run.summary["objects"].values() if v["kind"] == "select")
    assert stats["calls"] == len(run.kinds("select.end")) and stats["max_ready"] >= 1


def check_selectors_server(run: Run) -> None:
    assert_every_socket_closed_and_port_free(run, 3)
    served_by_one_thread(run)
    roles = sockets_by_role(run)
    callbacks = {e["args"]["sock"]: e["args"]["callback"] for e in run.kinds("sel.register")}
    assert callbacks == {roles["listener"][0]: "accept"} | {conn: "read" for conn in roles["conn"]}
    assert sorted(e["args"]["sock"] for e in run.kinds("sel.unregister")) == sorted(callbacks)
    server = server_tid(run)
    assert {e["tid"] for e in run.kinds("select.begin", "sel.register")} == {server}
    assert open_at_once(run) >= 2
    stats = run.summary["objects"]["selector"]
    assert stats["kind"] == "EpollSelector"
    assert stats["calls"] == len(run.kinds("select.end")) and stats["max_ready"] >= 1


def check_greenlet_switch(run: Run) -> None:
    assert [e["args"]["text"] for e in run.kinds("print")] == ["12\n", "56\n", "34\n"]
    names = {e["obj"]: e["args"]["name"] for e in run.kinds("coro.new", "coro.name")}
    switches = [(names[e["args"]["origin"]], names[e["obj"]]) for e in run.kinds("coro.switch")]
    assert switches == [("main greenlet", "gr1"), ("gr1", "gr2"), ("gr2", "gr1"), ("gr1", "main greenlet")]
    assert all(e["tid"] == 0 for e in run.kinds("coro.switch"))  # one thread throughout
    assert [names[e["obj"]] for e in run.kinds("coro.end")] == ["gr1"]  # gr2 never finishes
    coroutines = run.end["summary"]["coroutines"]
    assert {name: c["kind"] for name, c in coroutines.items()} == {
        "main greenlet": "greenlet", "gr1": "greenlet", "gr2": "greenlet"}


def check_asyncio_gather(run: Run) -> None:
    names = {e["obj"]: e["args"]["name"] for e in run.kinds("coro.new", "coro.name")}
    assert {"event loop", "report", "download-0", "download-1", "download-2"} <= set(names.values())
    assert {e["tid"] for e in run.kinds("coro.switch")} == {0}  # one thread
    waits = {(names[e["obj"]], e["args"]["what"], e["args"]["detail"]) for e in run.kinds("coro.wait")}
    assert ("report", "task", "download-2") in waits
    assert {w for w in waits if w[1] == "sleep"} == {(f"download-{n}", "sleep", f"{0.3 * (n + 1) / 3:g} s")
                                                    for n in range(3)}
    # The downloads sleep at the same time: all three are suspended before the first ends.
    first_end = min(e["seq"] for e in run.kinds("coro.end") if names[e["obj"]].startswith("download"))
    sleeps = [e["seq"] for e in run.kinds("coro.wait") if e["args"]["what"] == "sleep"]
    assert len(sleeps) == 3 and max(sleeps) < first_end
    took = float(run.kinds("print")[-1]["args"]["text"].split()[1])
    assert took < 0.3 * 2  # about the longest delay, far from the sum (0.6 s)


def check_asyncio_lock(run: Run) -> None:
    assert run.returncode == 3 and run.end["status"] == "deadlocked"
    assert "count = 12 (expected 12)" in run.kinds("print")[0]["args"]["text"]
    names = {e["obj"]: e["args"]["name"] for e in run.kinds("coro.new")}
    counter = run.objects()["counter_lock"]
    # The holders are the worker tasks, one at a time, on the one thread.
    holders = []
    running = None
    for e in run.events:
        if e["kind"] == "coro.switch":
            running = names.get(e["obj"])
        elif e["kind"] == "lock.acquire" and e["obj"] == counter:
            holders.append(running)
    assert Counter(holders) == {f"worker-{n}": 3 for n in range(4)}
    assert run.summary["objects"]["counter_lock"]["max_holders"] == 1
    # asyncio hands a released lock to its first waiter: a worker that comes straight back queues
    # behind the three others, so all four wait at once.
    assert run.summary["objects"]["counter_lock"]["max_waiters"] == 4
    assert {e["tid"] for e in run.events if e["kind"].startswith("lock.")} == {0}
    # The deadlock is between the two transfer tasks, each holding what the other waits for.
    cycle = run.summary["deadlock"]["cycle"]
    assert sorted((step["name"], step["holds"][-1], step["waits_for"]) for step in cycle) == [
        ("transfer-ab", "lock_a", "lock_b"), ("transfer-ba", "lock_b", "lock_a")]
    assert all(names[step["coroutine"]] == step["name"] and step["thread"] == 0 for step in cycle)
    waits = {(names[e["obj"]], e["args"]["what"], e["args"]["target"]) for e in run.kinds("coro.wait")}
    assert ("transfer-ab", "lock", run.objects()["lock_b"]) in waits


def check_generator_send(run: Run) -> None:
    texts = [e["args"]["text"].strip() for e in run.kinds("print")]
    assert texts == [line for n in range(1, 4) for line in (
        f"[PRODUCER] producing {n}", f"[CONSUMER] consuming {n}", "[PRODUCER] consumer answered 200 OK")]
    (new,) = run.kinds("coro.new")
    assert (new["args"]["name"], new["args"]["kind"]) == ("c", "generator")
    c = new["obj"]
    switches = [(e["args"]["origin"], e["obj"]) for e in run.kinds("coro.switch")]
    assert switches == [(None, c), (c, None)] * 4  # priming send(None), then three items
    # Each consumer print happens while c runs on the thread: between a switch in and the switch out.
    running = False
    for e in run.events:
        if e["kind"] == "coro.switch":
            running = e["obj"] == c
        elif e["kind"] == "print":
            assert running == e["args"]["text"].startswith("[CONSUMER]")
    assert [e["obj"] for e in run.kinds("coro.end")] == [c]


def running_coroutine(run: Run) -> dict[int, int | None]:
    """Print seq → the coroutine running on the printing thread (None: the thread's own code)."""
    current: dict[int, int | None] = {}
    found = {}
    for e in run.events:
        if e["kind"] == "coro.switch":
            current[e["tid"]] = e["obj"]
        elif e["kind"] == "print":
            found[e["seq"]] = current.get(e["tid"])
    return found


def printed_seconds(run: Run, label: str) -> float:
    """The number after ``label:`` in the printed line that starts with it."""
    line = next(p for p in run.prints() if p.startswith(f"{label}:"))
    return float(line.split()[1])


def check_gevent_spawn(run: Run, delay: float = 0.15) -> None:
    assert run.end["status"] == "finished"
    coroutines = run.summary["coroutines"]
    assert coroutines["Hub"]["kind"] == "gevent"
    names = {e["obj"]: e["args"]["name"] for e in run.kinds("coro.new", "coro.name")}
    hub = next(obj for obj, name in names.items() if name == "Hub")
    running = running_coroutine(run)
    concurrent_end = next(e["seq"] for e in run.kinds("print") if e["args"]["text"].startswith("concurrent:"))
    gets = {e["seq"]: running[e["seq"]] for e in run.kinds("print")
            if e["args"]["text"].startswith("GET:") and e["seq"] < concurrent_end}
    received = {e["seq"]: running[e["seq"]] for e in run.kinds("print")
                if "bytes received" in e["args"]["text"] and e["seq"] < concurrent_end}
    fetchers = set(gets.values())
    assert len(gets) == len(fetchers) == 3 and set(received.values()) == fetchers
    assert all(names[g].startswith("Greenlet-") for g in fetchers)
    assert max(gets) < min(received), "all three requests are in flight before the first answer"
    # Each fetch greenlet hands the thread to the hub while its request waits.
    for g in fetchers:
        get = next(seq for seq, c in gets.items() if c == g)
        got = next(seq for seq, c in received.items() if c == g)
        assert any(e["args"]["origin"] == g and e["obj"] == hub and get < e["seq"] < got
                   for e in run.kinds("coro.switch"))
    # The server's greenlets wait their delay side by side too.
    handlers = {e["obj"] for e in run.kinds("coro.new") if e["seq"] < concurrent_end
                and e["args"]["kind"] == "gevent" and e["obj"] not in fetchers | {hub}}
    assert len(handlers) == 3
    first_steps = [min(e["seq"] for e in run.kinds("coro.switch") if e["obj"] == h) for h in handlers]
    assert max(first_steps) < min(e["seq"] for e in run.kinds("coro.end") if e["obj"] in handlers)
    assert {e["tid"] for e in run.kinds("coro.switch")} == {0}  # one thread throughout
    assert printed_seconds(run, "concurrent") < 2 * delay
    assert printed_seconds(run, "sequential") >= 2.5 * delay


def check_gevent_blocking(run: Run, work: float = 0.3) -> None:
    assert run.end["status"] == "finished"
    prints = [(e["seq"], e["args"]["text"]) for e in run.kinds("print")]
    start = next(seq for seq, text in prints if text.startswith("hog: starts"))
    done = next(seq for seq, text in prints if text.startswith("hog: done"))
    assert not [text for seq, text in prints if start < seq < done], "no tick while the hog computes"
    assert any(seq > done for seq, text in prints if "tick" in text)
    hog = run.summary["coroutines"]["Greenlet-3"]
    assert hog["blocking_runs"] == 1 and hog["longest_run_ms"] >= work * 1000 * 0.95
    assert all(c["blocking_runs"] == 0 for name, c in run.summary["coroutines"].items() if name != "Greenlet-3")


def check_gevent_cooperating(run: Run) -> None:
    prints = [(e["seq"], e["args"]["text"]) for e in run.kinds("print")]
    start = next(seq for seq, text in prints if text.startswith("hog: starts"))
    done = next(seq for seq, text in prints if text.startswith("hog: done"))
    assert [text for seq, text in prints if start < seq < done], "ticks go on between the hog's pieces"
    assert all(c["blocking_runs"] == 0 for c in run.summary["coroutines"].values())


def check_async_server(run: Run) -> None:
    assert run.end["status"] == "finished"
    clients, messages = 3, 3
    assert_every_socket_closed_and_port_free(run, clients)
    served_by_one_thread(run)
    got = sorted(p.strip() for p in run.prints() if p.startswith("client"))
    assert got == sorted(f"client {n} got HELLO {i} FROM CLIENT {n}" for n in range(clients) for i in range(messages))
    running = running_coroutine(run)
    handlers = {running[e["seq"]] for e in run.kinds("print") if e["args"]["text"].startswith("server: serving")}
    assert None not in handlers and len(handlers) == clients, "each connection is served by a task of its own"
    switches = [e for e in run.kinds("coro.switch") if e["obj"] in handlers or e["args"]["origin"] in handlers]
    assert {e["tid"] for e in switches} == {server_tid(run)}, "every handler task runs on the server's thread"
    ends = [e["seq"] for e in run.kinds("coro.end") if e["obj"] in handlers]
    assert len(ends) == clients
    first_steps = [min(e["seq"] for e in switches if e["obj"] == h) for h in handlers]
    assert max(first_steps) < min(ends), "every handler task is alive before the first one ends"
    for h in handlers:
        suspended = [e for e in switches if e["args"]["origin"] == h]
        assert len(suspended) >= messages, "a handler is suspended at every await that is not ready"


def check_greenlets_vs_threads(run: Run, count: int = 300, rounds: int = 3) -> None:
    assert run.end["status"] == "finished"
    for kind in ("greenlets", "threads"):
        line = next(p for p in run.prints() if p.startswith(f"{kind}:"))
        m = re.fullmatch(r"\w+: (\d+) started in ([\d.]+) ms, (\d+) hand-overs in ([\d.]+) ms"
                         r" \(([\d,]+) switches/s\), ([\d.]+) ms in all\n", line)
        assert m, line
        assert (int(m[1]), int(m[3])) == (count, count * rounds), line
        started, handed, per_second, total = float(m[2]), float(m[4]), int(m[5].replace(",", "")), float(m[6])
        assert started > 0 and handed > 0 and per_second > 0 and total >= started + handed - 0.2, line
    coroutines = run.summary["coroutines"]
    ring = [e["obj"] for e in run.kinds("coro.new") if e["args"]["name"] != "main greenlet"]
    assert len(ring) == count and all(e["args"]["kind"] == "greenlet" for e in run.kinds("coro.new"))
    assert len(coroutines) == count + 1
    # The turn goes round the ring in order, greenlet to greenlet, without the main greenlet in between.
    members = set(ring)
    hand_overs = [(e["args"]["origin"], e["obj"]) for e in run.kinds("coro.switch")
                  if e["obj"] in members and e["args"]["origin"] in members]
    assert hand_overs == [(ring[k % count], ring[(k + 1) % count]) for k in range(count * rounds)]
    assert {e["tid"] for e in run.kinds("coro.switch")} == {0}
    assert run.summary["threads"] == count + 1
    assert len(run.kinds("event.set")) == count * rounds + 1  # every hand-over, and the main thread's first turn
    assert not run.kinds("line"), "LINES = False"


PHENOMENA = {
    "generator_send": (check_generator_send, ()),
    "gevent_spawn": (check_gevent_spawn, ("--param", "delay=0.15")),
    "gevent_blocking": (check_gevent_blocking, ("--param", "work=0.3", "--param", "steps=1")),
    "async_server": (check_async_server, ("--param", "delay=0.005")),
    "greenlets_vs_threads": (check_greenlets_vs_threads, ("--param", "count=300", "--param", "rounds=3")),
    "asyncio_gather": (check_asyncio_gather, ("--param", "delay=0.3")),
    "asyncio_lock": (check_asyncio_lock, ("--param", "deadlock=1", "--param", "hold=0.005")),
    "greenlet_switch": (check_greenlet_switch, ()),
    "race": (check_race, ("--param", "threads=100", "--param", "gap=0.001")),
    "race_locked": (check_race_locked, ("--param", "gap=0")),
    "deadlock": (check_deadlock, ()),
    "rlock": (check_rlock, ()),
    "semaphore": (check_semaphore, ("--param", "work=0.05")),
    "event": (check_event, ("--param", "delay=0.05")),
    "condition": (check_condition, ("--param", "produce_time=0", "--param", "consume_time=0.01")),
    "thread_basics": (check_thread_basics, ("--param", "work=0.01")),
    "join": (check_join, ("--param", "unit=0.02")),
    "daemon": (check_daemon, ("--param", "worker_time=0.05")),
    "queue_basics": (check_queue_basics, ("--param", "delay=0.02")),
    "queue_join": (check_queue_join, ("--param", "work=0.01")),
    "queue_kinds": (check_queue_kinds, ("--param", "delay=0.001")),
    "producer_consumer": (check_producer_consumer, ("--param", "produce_time=0.001", "--param", "consume_time=0.02")),
    "blocking_server": (check_blocking_server, ("--param", "delay=0.005")),
    "nonblocking_poll": (check_nonblocking_poll, ("--param", "delay=0.02", "--param", "poll_interval=0.005")),
    "select_loop": (check_select_loop, ("--param", "delay=0.01")),
    "selectors_server": (check_selectors_server, ("--param", "delay=0.01")),
}


@pytest.mark.parametrize("name", sorted(PHENOMENA))
def test_scenario_shows_its_phenomenon(name: str, run_scenario: Any) -> None:
    check, options = PHENOMENA[name]
    run = run_scenario(name, *options)
    assert run.end["summary"]["events"] == len(run.events)
    assert [e["seq"] for e in run.events] == list(range(len(run.events)))
    check(run)


def test_a_gevent_hog_cut_into_pieces_lets_the_others_run(run_scenario: Any) -> None:
    check_gevent_cooperating(run_scenario("gevent_blocking", "--param", "work=0.3", "--param", "steps=30"))


def test_producer_consumer_with_a_fast_consumer_makes_the_consumers_wait(run_scenario: Any) -> None:
    run = run_scenario("producer_consumer", "--param", "produce_time=0.02", "--param", "consume_time=0",
                       "--param", "items=3")
    check_producer_consumer_fast_consumer(run)
