"""Sockets, select and selectors: drop-in behaviour against the standard
library, and recorded listen / accept / connect / send / recv / waits / close,
select calls and selector registrations."""

from __future__ import annotations

import http.client
import re
import select
import selectors
import socket
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from concviz.instrument import sockets as recorded_sockets

from .helpers import Worker, object_id, recorded, wait_for_event

LOOPBACK = ("127.0.0.1", 0)


@pytest.fixture
def socket_impl(threading_impl: ModuleType) -> Iterator[ModuleType]:
    """The ``socket`` module (with ``select`` and ``selectors``): the standard
    library's, or with concviz installed (``threading_impl`` decides which)."""
    yield socket


def listening(socket_impl: ModuleType) -> Any:
    listener = socket_impl.socket(socket_impl.AF_INET, socket_impl.SOCK_STREAM)
    listener.bind(LOOPBACK)
    listener.listen()
    return listener


def connected_pair(socket_impl: ModuleType) -> tuple[Any, Any, Any]:
    """(listener, client, server-side connection), all open."""
    listener = listening(socket_impl)
    client = socket_impl.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    return listener, client, conn


def close_all(*socks: Any) -> None:
    for s in socks:
        s.close()


# --- behaviour: the standard library is the reference ------------------------------


def test_echo_over_loopback(socket_impl: ModuleType) -> None:
    listener, client, conn = connected_pair(socket_impl)
    try:
        assert isinstance(conn, socket_impl.socket)
        assert conn.getpeername() == client.getsockname()
        assert client.sendall(b"hello") is None
        assert conn.recv(1024) == b"hello"
        assert conn.send(b"world") == 5
        buffer = bytearray(16)
        assert client.recv_into(buffer) == 5
        assert bytes(buffer[:5]) == b"world"
        client.close()
        assert conn.recv(1024) == b""
    finally:
        close_all(listener, client, conn)
    assert listener.fileno() == -1
    with pytest.raises(OSError):
        listener.accept()


def test_repr_and_type_match_the_stdlib(socket_impl: ModuleType) -> None:
    with socket_impl.socket() as s:
        assert re.match(r"<socket\.socket fd=\d+, family=\S+, type=\S+, proto=0", repr(s))
        assert type(s).__name__ == "socket"
        assert isinstance(s, socket_impl.socket)
        assert s.gettimeout() is None
    assert "[closed]" in repr(s)
    with pytest.raises(TypeError, match="cannot pickle"):
        import pickle

        pickle.dumps(s)


def test_non_blocking_calls_raise_blocking_io_error(socket_impl: ModuleType) -> None:
    listener, client, conn = connected_pair(socket_impl)
    try:
        listener.setblocking(False)
        assert listener.gettimeout() == 0.0
        with pytest.raises(BlockingIOError):
            listener.accept()
        conn.setblocking(False)
        with pytest.raises(BlockingIOError):
            conn.recv(10)
        client.sendall(b"x")
        select.select([conn], [], [], 5)
        assert conn.recv(10) == b"x"
    finally:
        close_all(listener, client, conn)


def test_recv_and_accept_time_out(socket_impl: ModuleType) -> None:
    listener, client, conn = connected_pair(socket_impl)
    try:
        conn.settimeout(0.05)
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            conn.recv(10)
        assert 0.045 <= time.monotonic() - start < 2.0
        listener.settimeout(0.01)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        close_all(listener, client, conn)


def test_accepted_socket_is_blocking_even_from_a_listener_with_a_timeout(socket_impl: ModuleType) -> None:
    listener = listening(socket_impl)
    listener.settimeout(5)
    client = socket_impl.create_connection(listener.getsockname())
    conn, addr = listener.accept()
    try:
        assert conn.gettimeout() is None
        assert addr == client.getsockname()
    finally:
        close_all(listener, client, conn)


def test_blocked_recv_goes_on_when_data_arrives(socket_impl: ModuleType, threading_impl: ModuleType) -> None:
    listener, client, conn = connected_pair(socket_impl)
    try:
        worker = Worker(threading_impl, conn.recv, 10)
        client.sendall(b"late")
        assert worker.result() == b"late"
    finally:
        close_all(listener, client, conn)


def test_socketpair_dup_and_connect_ex(socket_impl: ModuleType) -> None:
    a, b = socket_impl.socketpair()
    with a, b:
        assert isinstance(a, socket_impl.socket)
        c = a.dup()
        with c:
            c.sendall(b"via dup")
            assert b.recv(100) == b"via dup"
    listener = listening(socket_impl)
    with listener, socket_impl.socket() as s:
        assert s.connect_ex(listener.getsockname()) == 0
        listener.accept()[0].close()


def test_refused_connection_raises(socket_impl: ModuleType) -> None:
    listener = listening(socket_impl)
    address = listener.getsockname()
    listener.close()
    with socket_impl.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(address)


def test_select_reports_the_ready_sockets(socket_impl: ModuleType) -> None:
    listener, client, conn = connected_pair(socket_impl)
    try:
        assert select.select([conn], [], [], 0) == ([], [], [])
        client.sendall(b"x")
        r, w, x = select.select(iter([conn, listener]), (client,), [], 5)  # any iterables
        assert (r, w, x) == ([conn], [client], [])
        assert select.select([], [], [], 0.001) == ([], [], [])
        with pytest.raises(TypeError):
            select.select(conn, [], [])
        with pytest.raises(TypeError):
            select.select([], [], [], "soon")
        with pytest.raises(TypeError):
            select.select([object()], [], [])
    finally:
        close_all(listener, client, conn)


@pytest.mark.parametrize("name", ["DefaultSelector", "SelectSelector", "PollSelector", "EpollSelector"])
def test_selectors_register_select_modify_unregister(socket_impl: ModuleType, name: str) -> None:
    listener, client, conn = connected_pair(socket_impl)
    sel = getattr(selectors, name)()
    try:
        assert isinstance(sel, getattr(selectors, name))
        key = sel.register(conn, selectors.EVENT_READ, "reader")
        assert (key.fileobj, key.events, key.data) == (conn, selectors.EVENT_READ, "reader")
        assert sel.select(0) == []
        client.sendall(b"x")
        assert [(k.fileobj, mask) for k, mask in sel.select(5)] == [(conn, selectors.EVENT_READ)]
        key = sel.modify(conn, selectors.EVENT_READ | selectors.EVENT_WRITE, "both")
        assert (key.events, key.data) == (3, "both")
        assert sel.get_key(conn).data == "both"
        assert sel.unregister(conn).fileobj is conn
        with pytest.raises(KeyError):
            sel.unregister(conn)
        with pytest.raises(KeyError):
            sel.modify(conn, selectors.EVENT_READ)
        with pytest.raises(ValueError):
            sel.register(conn, 0)
        assert len(sel.get_map()) == 0
    finally:
        sel.close()
        close_all(listener, client, conn)


# --- who is recorded ---------------------------------------------------------------


def test_library_made_sockets_and_selectors_stay_original(instrumented: ModuleType) -> None:
    listener = socket.socket()
    listener.bind(LOOPBACK)
    listener.listen()
    port = listener.getsockname()[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.connect()  # socket.create_connection, called from http.client
    conn, _ = listener.accept()
    try:
        assert type(connection.sock) is recorded_sockets._OriginalSocket
        assert isinstance(connection.sock, socket.socket)
        assert type(conn) is recorded_sockets.Socket
    finally:
        close_all(connection.sock, conn, listener)
    names = [e.args["name"] for e in recorded(["obj.new"])]
    assert names == [f"listener :{port}", f"conn from :{conn_port(names[1])}"]
    import asyncio

    loop = asyncio.new_event_loop()  # its self-pipe sockets are library-made; its selector is recorded as the loop's
    loop.close()
    assert [e.args["name"] for e in recorded(["obj.new"])] == [*names, "event loop selector"]


def conn_port(name: str) -> int:
    return int(name.rsplit(":", 1)[1])


# --- recorded events -------------------------------------------------------------------


def test_roles_name_the_sockets(instrumented: ModuleType) -> None:
    listener, client, conn = connected_pair(socket)
    port = listener.getsockname()[1]
    local = client.getsockname()[1]
    close_all(client, conn, listener)
    news = {e.obj: e.args["name"] for e in recorded(["obj.new"])}
    assert news == {object_id(listener): f"listener :{port}", object_id(client): f"client :{local} → :{port}",
                    object_id(conn): f"conn from :{local}"}
    assert recorded(["sock.listen"])[0].args == {"host": "127.0.0.1", "port": port, "backlog": None}
    assert recorded(["sock.connect"])[0].args == {"host": "127.0.0.1", "port": port, "local_port": local}
    assert recorded(["sock.accept"])[0].args == {"conn": object_id(conn), "port": local}
    assert [e.obj for e in recorded(["sock.close"])] == [object_id(s) for s in (client, conn, listener)]


def test_send_and_recv_record_byte_counts_and_no_wait_when_ready(instrumented: ModuleType) -> None:
    listener, client, conn = connected_pair(socket)
    try:
        client.sendall(b"hello")
        client.send(b"!")
        select.select([conn], [], [], 5)
        data = b""
        while len(data) < 6:
            data += conn.recv(1024)
    finally:
        close_all(listener, client, conn)
    sends = [e.args for e in recorded(["sock.send"], object_id(client))]
    assert sends == [{"bytes": 5, "all": True}, {"bytes": 1, "all": False}]
    assert sum(e.args["bytes"] for e in recorded(["sock.recv"], object_id(conn))) == 6
    assert not recorded(["sock.block"])


def test_blocked_recv_records_block_then_wake_then_recv(instrumented: ModuleType) -> None:
    listener, client, conn = connected_pair(socket)
    try:
        worker = Worker(instrumented, conn.recv, 10)
        block = wait_for_event("sock.block", object_id(conn), worker.ident)
        client.sendall(b"late")
        assert worker.result() == b"late"
    finally:
        close_all(listener, client, conn)
    assert block.args["op"] == "recv" and block.args["timeout"] is None
    assert [e.kind for e in recorded(obj=object_id(conn)) if e.who == worker.ident] == [
        "sock.block", "sock.wake", "sock.recv"]


def test_blocked_accept_records_block_then_accept(instrumented: ModuleType) -> None:
    listener = socket.socket()
    listener.bind(LOOPBACK)
    listener.listen()
    worker = Worker(instrumented, listener.accept)
    wait_for_event("sock.block", object_id(listener), worker.ident)
    client = socket.create_connection(listener.getsockname())
    conn, _ = worker.result()
    close_all(client, conn, listener)
    assert [e.kind for e in recorded(obj=object_id(listener)) if e.who == worker.ident] == [
        "sock.block", "sock.wake", "sock.accept"]


def test_timed_out_recv_records_wake_and_error(instrumented: ModuleType) -> None:
    listener, client, conn = connected_pair(socket)
    conn.settimeout(0.001)
    with pytest.raises(TimeoutError):
        conn.recv(10)
    close_all(listener, client, conn)
    events = [(e.kind, e.args) for e in recorded(obj=object_id(conn))]
    assert ("sock.setblocking", {"blocking": True, "timeout": 0.001}) in events
    kinds = [k for k, _ in events]
    i = kinds.index("sock.block")
    assert kinds[i:i + 3] == ["sock.block", "sock.wake", "sock.error"]
    assert events[i][1]["timeout"] == 0.001
    assert events[i + 2][1] == {"op": "recv", "error": "TimeoutError: timed out"}


def test_non_blocking_calls_record_would_block(instrumented: ModuleType) -> None:
    listener = socket.socket()
    listener.setblocking(False)
    listener.bind(LOOPBACK)
    listener.listen()
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()
    assert [(e.kind, e.args) for e in recorded(obj=object_id(listener))][1:] == [
        ("sock.setblocking", {"blocking": False, "timeout": 0.0}),
        ("sock.listen", {"host": "127.0.0.1", "port": recorded(["sock.listen"])[0].args["port"], "backlog": None}),
        ("sock.would_block", {"op": "accept"}), ("sock.close", {})]


def test_an_unused_socket_never_appears(instrumented: ModuleType) -> None:
    s = socket.socket()
    s.setblocking(False)
    s.close()
    s.close()
    assert recorded() == []


def test_select_records_what_it_watched_and_what_was_ready(instrumented: ModuleType) -> None:
    listener, client, conn = connected_pair(socket)
    client.sendall(b"x")
    line = __import__("sys")._getframe().f_lineno + 1
    r, w, _ = select.select([listener, conn], [client], [], 5)
    select.select([], [], [], 0)  # a sleep: not recorded
    close_all(listener, client, conn)
    assert (r, w) == ([conn], [client])
    new = recorded(["obj.new"])[-1]
    assert (new.args["type"], new.args["name"], new.args["line"]) == ("select", f"select() line {line}", line)
    begin, end = recorded(["select.begin", "select.end"])
    assert begin.obj == end.obj == new.obj
    assert begin.args == {"timeout": 5, "read": [object_id(listener), object_id(conn)], "write": [object_id(client)],
                          "watched": 3, "file": __file__, "line": line}
    assert end.args == {"read": [object_id(conn)], "write": [object_id(client)], "ready": 2, "error": None}


def test_select_from_the_same_line_is_one_object(instrumented: ModuleType) -> None:
    a, b = socket.socketpair()
    for _ in range(3):
        select.select([a], [], [], 0)
    close_all(a, b)
    assert len({e.obj for e in recorded(["select.begin"])}) == 1
    assert len(recorded(["select.end"])) == 3


def test_selector_records_registrations_with_callbacks_and_each_select(instrumented: ModuleType) -> None:
    listener, client, conn = connected_pair(socket)

    def on_read(sock: Any) -> None:
        pass

    sel = selectors.DefaultSelector()
    listener_fd = listener.fileno()
    sel.register(listener, selectors.EVENT_READ, data=on_read)
    sel.register(conn, selectors.EVENT_READ)
    client.sendall(b"x")
    ready = sel.select(5)
    sel.modify(conn, selectors.EVENT_READ | selectors.EVENT_WRITE, "writer")
    sel.unregister(conn)
    sel.close()
    close_all(listener, client, conn)
    assert [k.fileobj for k, _ in ready] == [conn]
    obj = object_id(sel)
    new = recorded(["obj.new"], obj)[0]
    assert (new.args["type"], new.args["name"]) == (selectors.DefaultSelector.__name__, "sel")
    events = [(e.kind, e.args) for e in recorded(obj=obj)][1:]
    lid, cid = object_id(listener), object_id(conn)
    assert [k for k, _ in events] == ["sel.register", "sel.register", "select.begin", "select.end", "sel.modify",
                                      "sel.unregister"]
    assert events[0][1] == {"sock": lid, "fd": listener_fd, "events": 1, "callback": on_read.__qualname__}
    assert events[1][1]["sock"] == cid and events[1][1]["callback"] is None
    assert events[2][1]["watched"] == 2 and events[2][1]["timeout"] == 5
    assert events[3][1] == {"read": [cid], "write": [], "ready": 1, "error": None}
    assert (events[4][1]["events"], events[4][1]["callback"]) == (3, "'writer'")
    assert events[5][1]["sock"] == cid


def test_select_selector_records_its_select_once(instrumented: ModuleType) -> None:
    a, b = socket.socketpair()
    sel = selectors.SelectSelector()
    sel.register(a, selectors.EVENT_READ)
    sel.select(0)
    sel.close()
    close_all(a, b)
    assert [e.obj for e in recorded(["select.begin"])] == [object_id(sel)]
