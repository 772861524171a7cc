"""The lost-update analysis names each overwritten write."""

from __future__ import annotations

from typing import Any

from concviz.analysis.lost_updates import lost_updates

_seq = iter(range(10**6))


def ev(kind: str, tid: int, value: Any) -> dict[str, Any]:
    return {"seq": next(_seq), "t": 0, "tid": tid, "kind": f"var.{kind}", "obj": None,
            "args": {"name": "num", "value": value, "line": 1}}


def test_serial_decrements_lose_nothing() -> None:
    events = [ev("write", 0, 3)]
    for tid, value in ((1, 3), (2, 2), (3, 1)):
        events += [ev("read", tid, value), ev("write", tid, value - 1)]
    stats, lost = lost_updates(events)
    assert stats["num"] == {"initial": 3, "final": 0, "writes": 4, "lost_updates": 0}
    assert lost == []


def test_two_threads_reading_the_same_value_lose_one_update() -> None:
    init = ev("write", 0, 10)
    r1, r2 = ev("read", 1, 10), ev("read", 2, 10)
    w1, w2 = ev("write", 1, 9), ev("write", 2, 9)
    stats, lost = lost_updates([init, r1, r2, w1, w2])
    assert stats["num"]["lost_updates"] == 1
    assert lost == [{"name": "num", "thread": 2, "read_seq": r2["seq"], "read_value": 10,
                     "write_seq": w2["seq"], "write_value": 9,
                     "overwrote": {"thread": 1, "seq": w1["seq"], "value": 9}}]


def test_lost_updates_equal_the_missing_decrements() -> None:
    # Three threads read 10; one of them writes 9, another reads that 9 and
    # writes 8, then the two stale writers write 9 each: four writes, final 9,
    # so one decrement counts and three were lost.
    events = [ev("write", 0, 10), ev("read", 1, 10), ev("read", 2, 10), ev("read", 3, 10),
              ev("write", 1, 9), ev("read", 4, 9), ev("write", 4, 8), ev("write", 2, 9), ev("write", 3, 9)]
    stats, lost = lost_updates(events)
    assert stats["num"]["final"] == 9
    assert stats["num"]["writes"] == 5
    assert stats["num"]["lost_updates"] == 3
    assert [item["overwrote"]["thread"] for item in lost] == [1, 4, 2]
    assert [item["thread"] for item in lost] == [3, 3, 3]


def test_a_write_without_a_read_loses_nothing() -> None:
    stats, lost = lost_updates([ev("write", 0, 1), ev("write", 1, 5), ev("write", 2, 7)])
    assert stats["num"]["lost_updates"] == 0 and lost == []


class Counted:
    """A value that counts the comparisons made with it."""

    compared = 0

    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        Counted.compared += 1
        return isinstance(other, Counted) and other.n == self.n

    def __hash__(self) -> int:
        return hash(self.n)


def test_the_analysis_is_linear_in_the_number_of_writes() -> None:
    # Every writer read the initial value: its version is the oldest one, the
    # worst case for a search back through the writes (n²/2 comparisons).
    n = 3000
    events = [ev("write", 0, Counted(0))]
    for i in range(n):
        events += [ev("read", 1 + i % 4, Counted(0)), ev("write", 1 + i % 4, Counted(i + 1))]
    Counted.compared = 0
    stats, _ = lost_updates(events)
    assert stats["num"]["lost_updates"] == n - 1
    assert Counted.compared <= 2 * n
