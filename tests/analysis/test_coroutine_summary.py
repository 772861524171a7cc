"""The run summary's coroutines: one entry each, under a name of its own."""

from __future__ import annotations

from concviz.analysis import fold_coroutines
from concviz.analysis.fold import Fold


def test_coroutines_of_one_name_are_numbered_in_order_past_names_already_taken() -> None:
    fold = Fold()
    names = ["f#3", *["f"] * 20_000, "g"]  # a program's own "f#3" keeps its name; a greenlet test makes 20k f's
    for seq, name in enumerate(names):
        fold.feed_event(seq, seq, 0, "coro.new", 100 + seq, {"name": name, "kind": "greenlet", "file": None,
                                                            "line": None})
    summary = fold_coroutines.summary(fold)
    assert len(summary) == len(names)
    assert list(summary)[:5] == ["f#3", "f", "f#2", "f#4", "f#5"]
    assert list(summary)[-2:] == ["f#20001", "g"]
