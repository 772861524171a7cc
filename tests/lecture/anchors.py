"""Where a tour's anchors land in a real trace: the counting rules of the
page's resolver (frontend/src/model/tour.ts), in Python, so that a test can
say every stop of a shipped tour finds its event in a real run."""

from __future__ import annotations

from typing import Any


def _name_matches(name: str, want: str) -> bool:
    return name == want or name.startswith(f"{want} (")


def anchor_found(anchor: dict[str, Any], events: list[dict[str, Any]], end: dict[str, Any] | None) -> str | None:
    """None when the anchor lands in this trace, else why it does not."""
    if "kind" not in anchor and "lost_update" not in anchor:
        return None  # fractions and times land in every run
    summary = (end or {}).get("summary") or {}
    if "lost_update" in anchor:
        lost = summary.get("lost_updates") or []
        return None if len(lost) >= anchor["lost_update"] else f"only {len(lost)} lost updates"
    names = {int(tid): name for tid, name in (summary.get("names") or {}).items()}
    objects: dict[int, str] = {}
    for ev in events:
        if ev["kind"] == "thread.new":
            names.setdefault(ev["args"]["thread"], ev["args"]["name"])
        elif ev["kind"] == "obj.new":
            objects[ev["obj"]] = ev["args"]["name"]
    found = [
        ev for ev in events
        if ev["kind"] == anchor["kind"]
        and ("thread" not in anchor or _name_matches(names.get(ev["tid"], "MainThread"), anchor["thread"]))
        and ("object" not in anchor or objects.get(ev["obj"]) == anchor["object"])
    ]
    nth = anchor.get("nth", 1)
    return None if len(found) >= abs(nth) else f"{len(found)} matching events, the tour wants the {nth}th"
