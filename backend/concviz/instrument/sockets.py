"""``socket.socket``, recorded: listen, accept, connect, send/recv with byte
counts, blocking waits, BlockingIOError, mode changes and close.

The recorded class subclasses the original and replaces the ``socket.socket``
module attribute. Who gets one: sockets the program makes itself — directly,
or through ``socket.py``'s own helpers (``create_connection``,
``create_server``, ``socketpair``, ``fromfd``, ``dup``) called from the
program — and the connections ``accept()`` returns on a recorded listener.
Sockets that library code makes (``http``, ``socketserver``, ``asyncio``'s
internals, ``multiprocessing``) stay the original class and quiet: they are not
what the program's author wrote, and recording them would bury the lesson.

A socket enters the trace (``obj.new``, type ``socket``) when it first does
something worth showing, because only then does it have a readable name: the
role it plays — ``listener :8000`` at ``listen()``, ``conn from :51234`` at
``accept()``, ``client :51234 → :8000`` at ``connect()``; any other first use
names it ``socket-N``.

Blocking is recorded as for locks: in blocking mode (or with a timeout)
``accept``/``recv``/``send`` first ask ``poll()`` with a zero timeout whether
the socket is ready; only when it is not is ``sock.block`` recorded before the
real call and ``sock.wake`` after. ``sendall`` of more than the socket buffer
can still wait after that check without a ``sock.block``. In non-blocking mode
nothing waits: a BlockingIOError is recorded as ``sock.would_block``.

``concviz.instrument.selecting`` asks ``socket_id()`` for the object of a
watched socket or file descriptor.
"""

from __future__ import annotations

import _socket
import select
import socket
import sys
from types import ModuleType
from typing import Any

from concviz import recorder
from concviz.instrument._imports import when_imported
from concviz.instrument._support import Patch, is_user_file, location, new_object

_append = recorder.append
_ns = recorder.ns
_ident = recorder.ident

_OriginalSocket = socket.socket
_SOCKET_FILE = socket.__file__
_base_setblocking = _socket.socket.setblocking
_poll = select.poll
_POLLIN = select.POLLIN
_POLLOUT = select.POLLOUT

_by_fd: dict[int, int] = {}
"""File descriptor → object id of the recorded socket open on it (for select)."""


def socket_id(thing: Any) -> int | None:
    """The object id of a recorded socket, given the socket or a file descriptor."""
    obj = getattr(thing, "_cv_id", None)
    if obj is not None:  # one of ours; a first appearance in a select names it generically
        return obj or (thing._cv_register(None) if thing.fileno() >= 0 else None)
    if type(thing) is not int:
        # Only a real socket's fileno() is asked: the program's own fileno()
        # methods may do anything, and select() itself calls them once already.
        if not isinstance(thing, _socket.socket):
            return None
        try:
            thing = thing.fileno()
        except Exception:
            return None
    return _by_fd.get(thing)


def _caller_is_user() -> bool:
    """Whether the program made this socket: the first frame outside
    ``socket.py`` (and this module) is the program's own."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename == _SOCKET_FILE:
        frame = frame.f_back  # type: ignore[assignment]
    return frame is not None and is_user_file(frame.f_code.co_filename)


def _host_port(address: Any) -> tuple[str | None, int | None]:
    if isinstance(address, tuple) and len(address) >= 2 and isinstance(address[1], int):
        return str(address[0]), address[1]
    if isinstance(address, str | bytes) and address:
        return str(address), None
    return None, None


def _place(address: Any) -> str:
    host, port = _host_port(address)
    return f":{port}" if port is not None else (host or "?")


def _ready(fd: int, events: int) -> bool:
    poller = _poll()
    poller.register(fd, events)
    return bool(poller.poll(0))


def _error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


class _Meta(type):
    """``isinstance(s, socket.socket)`` stays true for a library-made (original) socket."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return type.__instancecheck__(cls, instance) or (cls is Socket and isinstance(instance, _OriginalSocket))

    def __subclasscheck__(cls, subclass: Any) -> bool:
        return type.__subclasscheck__(cls, subclass) or (cls is Socket and issubclass(subclass, _OriginalSocket))


class Socket(_OriginalSocket, metaclass=_Meta):
    __doc__ = _OriginalSocket.__doc__
    __module__ = "socket"  # the stdlib's repr names the class by it
    __qualname__ = "socket"
    __slots__ = ("_cv_id",)
    _cv_id: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Socket and not _caller_is_user():
            return _OriginalSocket(*args, **kwargs)
        return _OriginalSocket.__new__(cls, *args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._cv_id = 0  # not in the trace yet: see _cv_register
        super().__init__(*args, **kwargs)

    # --- entering the trace ---------------------------------------------------

    def _cv_register(self, name: str | None, depth: int = 3) -> int:
        """Give the socket its object (once), named by its first role."""
        obj = self._cv_id
        if obj:
            return obj
        file, line = location(depth)
        obj = self._cv_id = new_object("socket", described=(name, file, line))
        fd = self.fileno()
        if fd >= 0:
            _by_fd[fd] = obj
        timeout = _OriginalSocket.gettimeout(self)
        if timeout is not None:
            _append((_ns(), _ident(), "sock.setblocking", obj, {"blocking": timeout != 0, "timeout": timeout}))
        return obj

    def _cv(self) -> int:
        return self._cv_id or self._cv_register(None, 4)

    def _cv_io(self, op: str, events: int, call: Any, *args: Any) -> Any:
        """``call(*args)`` as ``op``, recording a wait only when it must wait."""
        timeout = _OriginalSocket.gettimeout(self)
        if timeout == 0.0:
            try:
                return call(*args)
            except BlockingIOError:
                _append((_ns(), _ident(), "sock.would_block", self._cv(), {"op": op}))
                raise
            except OSError as error:
                _append((_ns(), _ident(), "sock.error", self._cv(), {"op": op, "error": _error(error)}))
                raise
        fd = self.fileno()
        if fd < 0 or _ready(fd, events):
            try:
                return call(*args)
            except OSError as error:
                if fd >= 0:
                    _append((_ns(), _ident(), "sock.error", self._cv(), {"op": op, "error": _error(error)}))
                raise
        obj = self._cv()
        file, line = location(3)
        _append((_ns(), _ident(), "sock.block", obj, {"op": op, "timeout": timeout, "file": file, "line": line}))
        try:
            result = call(*args)
        except OSError as error:
            _append((_ns(), _ident(), "sock.wake", obj, {"op": op}))
            _append((_ns(), _ident(), "sock.error", obj, {"op": op, "error": _error(error)}))
            raise
        except BaseException:
            _append((_ns(), _ident(), "sock.wake", obj, {"op": op}))
            raise
        _append((_ns(), _ident(), "sock.wake", obj, {"op": op}))
        return result

    # --- the recorded operations ------------------------------------------------

    def listen(self, *args: Any) -> None:
        super().listen(*args)
        host, port = _host_port(self.getsockname())
        obj = self._cv_id or self._cv_register(f"listener {_place((host, port))}")
        backlog = args[0] if args and type(args[0]) is int else None
        _append((_ns(), _ident(), "sock.listen", obj, {"host": host, "port": port, "backlog": backlog}))

    def accept(self) -> tuple[Any, Any]:
        fd, addr = self._cv_io("accept", _POLLIN, self._accept)  # type: ignore[attr-defined]
        # What the original does, with a recorded socket for the connection.
        sock = _OriginalSocket.__new__(Socket)
        Socket.__init__(sock, self.family, self.type, self.proto, fileno=fd)
        if socket.getdefaulttimeout() is None and self.gettimeout():
            _base_setblocking(sock, True)
        conn = sock._cv_register(f"conn from {_place(addr)}")
        _append((_ns(), _ident(), "sock.accept", self._cv(), {"conn": conn, "port": _host_port(addr)[1]}))
        return sock, addr

    def _cv_connected(self, address: Any) -> None:
        host, port = _host_port(address)
        try:
            local = _host_port(self.getsockname())[1]
        except OSError:
            local = None
        name = f"client :{local} → {_place(address)}" if local else f"client → {_place(address)}"
        obj = self._cv_id or self._cv_register(name, 4)
        _append((_ns(), _ident(), "sock.connect", obj, {"host": host, "port": port, "local_port": local}))

    def connect(self, address: Any) -> None:
        try:
            super().connect(address)
        except BlockingIOError:
            obj = self._cv_id or self._cv_register(f"client → {_place(address)}")
            _append((_ns(), _ident(), "sock.would_block", obj, {"op": "connect"}))
            raise
        except OSError as error:
            obj = self._cv_id or self._cv_register(f"client → {_place(address)}")
            _append((_ns(), _ident(), "sock.error", obj, {"op": "connect", "error": _error(error)}))
            raise
        self._cv_connected(address)

    def connect_ex(self, address: Any) -> int:
        code: int = super().connect_ex(address)
        if code == 0:
            self._cv_connected(address)
        return code

    def send(self, *args: Any) -> int:
        n: int = self._cv_io("send", _POLLOUT, super().send, *args)
        _append((_ns(), _ident(), "sock.send", self._cv(), {"bytes": n, "all": False}))
        return n

    def sendall(self, *args: Any) -> None:
        self._cv_io("send", _POLLOUT, super().sendall, *args)
        _append((_ns(), _ident(), "sock.send", self._cv(), {"bytes": memoryview(args[0]).nbytes, "all": True}))

    def recv(self, *args: Any) -> bytes:
        data: bytes = self._cv_io("recv", _POLLIN, super().recv, *args)
        _append((_ns(), _ident(), "sock.recv", self._cv(), {"bytes": len(data)}))
        return data

    def recv_into(self, *args: Any, **kwargs: Any) -> int:
        n: int = self._cv_io("recv", _POLLIN, lambda: _OriginalSocket.recv_into(self, *args, **kwargs))
        _append((_ns(), _ident(), "sock.recv", self._cv(), {"bytes": n}))
        return n

    def setblocking(self, flag: bool) -> None:
        super().setblocking(flag)
        if self._cv_id:
            timeout = _OriginalSocket.gettimeout(self)
            _append((_ns(), _ident(), "sock.setblocking", self._cv_id,
                     {"blocking": timeout != 0, "timeout": timeout}))

    def settimeout(self, value: float | None) -> None:
        super().settimeout(value)
        if self._cv_id:
            timeout = _OriginalSocket.gettimeout(self)
            _append((_ns(), _ident(), "sock.setblocking", self._cv_id,
                     {"blocking": timeout != 0, "timeout": timeout}))

    def close(self) -> None:
        obj = self._cv_id
        if obj and not self._closed:  # type: ignore[attr-defined]
            try:
                fd = self.fileno()
                if _by_fd.get(fd) == obj:
                    del _by_fd[fd]
                _append((_ns(), _ident(), "sock.close", obj, None))
            except Exception:  # at interpreter shutdown; closing matters more
                pass
        super().close()

    def detach(self) -> int:
        fd = self.fileno()
        if self._cv_id and _by_fd.get(fd) == self._cv_id:
            del _by_fd[fd]
        return super().detach()


Socket.__name__ = "socket"

_patch = Patch()


def install() -> None:
    _patch.set(socket, "socket", Socket)
    when_imported("multiprocessing.reduction", _picklable)


def _picklable(reduction: ModuleType) -> None:
    """multiprocessing sends sockets to other processes by their exact type."""
    reduction.register(Socket, reduction._reduce_socket)


def uninstall() -> None:
    _patch.undo()
