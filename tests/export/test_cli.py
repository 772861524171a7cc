"""`concviz export` on real runs: a scenario recorded by `concviz run -o`, exported by the command."""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from concviz import scenarios, tours
from concviz.export import render
from concviz.export.source import read_file
from concviz.server.store import Store

from .conftest import concviz
from .tef import check, slices, thread_names

ROOT = Path(__file__).resolve().parents[2]
Recorded = Callable[[str], Path]


def export(trace: Path, tmp_path: Path) -> tuple[dict[str, Any], str]:
    """Both exports of ``trace``: the Chrome document (checked) and the HTML page."""
    html, chrome = tmp_path / "out.html", tmp_path / "out.json"
    proc = concviz("export", str(trace), "--html", str(html), "--chrome", str(chrome))
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {html} (" in proc.stderr and f"wrote {chrome} (" in proc.stderr
    doc = json.loads(chrome.read_bytes())
    check(doc)
    return doc, html.read_text(encoding="utf-8")


def embedded_trace(page: str) -> list[dict[str, Any]]:
    match = re.search(r'<script type="application/octet-stream" id="concviz-trace"[^>]*>([^<]*)</script>', page)
    assert match is not None, "no embedded trace"
    return [json.loads(line) for line in gzip.decompress(base64.b64decode(match.group(1))).splitlines()]


def names(doc: dict[str, Any], ph: str) -> set[str]:
    return {e["name"] for e in doc["traceEvents"] if e["ph"] == ph}


def test_race_exports_a_track_per_thread_and_a_small_offline_page(
        recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc, page = export(recorded("race"), tmp_path)
    assert len(thread_names(doc)) == 101
    assert any(n.startswith("read num = ") for n in names(doc, "i"))
    assert "sleep" in names(doc, "B")
    size = len(page.encode())
    with capsys.disabled():
        print(f"\n  race (100 threads): offline HTML export {size:,} bytes, Chrome trace "
              f"{len(json.dumps(doc)):,} bytes")
    assert size < 2_000_000 / 4, "well under 2 MB"
    lines = embedded_trace(page)
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "end"
    assert len(lines) == len(recorded("race").read_text().splitlines())


def test_the_offline_page_carries_the_scenario_tour(recorded: Recorded, tmp_path: Path) -> None:
    _, page = export(recorded("race"), tmp_path)
    block = re.search(r'<script type="application/json" id="concviz-tour">(.*?)</script>', page, re.S)
    assert block is not None, "the race's tour is in its offline page"
    shipped = tours.scenario_tour(scenarios.find("race").path)
    assert json.loads(block.group(1)) == shipped
    assert "<" not in block.group(1), "no note can end the block early"


def test_a_run_without_a_tour_exports_no_tour_block(recorded: Recorded, tmp_path: Path) -> None:
    trace = read_file(recorded("race"))
    trace.header["target"] = "no-such-scenario.py"
    assert 'id="concviz-tour"' not in render(trace, "html").decode()
    trace.tour = {"version": 1, "title": "x", "stops": []}
    stored = render(trace, "html").decode()
    assert 'id="concviz-tour">{' in stored, "a run's own tour wins, even with no stops"


def test_paths_of_the_recording_machine_stay_home(recorded: Recorded, tmp_path: Path) -> None:
    doc, page = export(recorded("deadlock"), tmp_path)
    lines = embedded_trace(page)
    assert str(ROOT) not in json.dumps(doc) + page + json.dumps(lines)
    assert list(lines[0]["source"]) == ["deadlock.py"]
    assert {step["file"] for step in lines[-1]["summary"]["deadlock"]["cycle"]} == {"deadlock.py"}


def test_a_deadlock_leaves_its_waits_open_to_the_end(recorded: Recorded, tmp_path: Path) -> None:
    doc, _ = export(recorded("deadlock"), tmp_path)
    end = max(e["ts"] for e in doc["traceEvents"])
    waits = [s for s in slices(doc) if s[0].startswith("wait Lock")]
    assert len({tid for _, tid, _, stop in waits if stop == end}) >= 2, "the two threads of the cycle"
    assert "run deadlocked" in names(doc, "i")


def test_semaphore_permits_are_a_counter_and_hand_offs_flows(recorded: Recorded, tmp_path: Path) -> None:
    doc, _ = export(recorded("semaphore"), tmp_path)
    permits = [e["args"]["free permits"] for e in doc["traceEvents"] if e["ph"] == "C"]
    assert permits[0] == 5 and min(permits) == 0 and permits[-1] == 5
    assert any(n.startswith("hand-off") for n in names(doc, "s"))


@pytest.mark.parametrize("scenario", ["queue_join", "producer_consumer"])
def test_queue_items_are_flows_and_sizes_counters(recorded: Recorded, tmp_path: Path, scenario: str) -> None:
    doc, _ = export(recorded(scenario), tmp_path)
    flows = [e for e in doc["traceEvents"] if e["ph"] == "s" and e["cat"] == "queue"]
    assert flows and all(e["name"].startswith("item ") for e in flows)
    assert any(e["ph"] == "C" and "items" in e["args"] for e in doc["traceEvents"])


def test_sockets_and_select_waits_are_slices(recorded: Recorded, tmp_path: Path) -> None:
    doc, _ = export(recorded("select_loop"), tmp_path)
    cats = {e["cat"] for e in doc["traceEvents"] if e["ph"] == "B"}
    assert {"socket", "select", "thread"} <= cats
    assert any(n.startswith("accept ") for n in names(doc, "i"))


def test_processes_are_processes_with_flows_between_them(recorded: Recorded, tmp_path: Path) -> None:
    doc, _ = export(recorded("mp_queue"), tmp_path)
    processes = {e["pid"]: e["args"]["name"] for e in doc["traceEvents"] if e.get("name") == "process_name"}
    assert sorted(processes.values()) == ["MainProcess", "Process-1"]
    crossing = [e for e in doc["traceEvents"] if e["ph"] in "sf" and e["cat"] in ("queue", "process")]
    assert {e["pid"] for e in crossing} == set(processes)


def test_coroutines_are_tracks_of_their_own(recorded: Recorded, tmp_path: Path) -> None:
    doc, _ = export(recorded("asyncio_gather"), tmp_path)
    assert {"download-0", "download-1", "download-2", "report"} <= set(thread_names(doc).values())
    assert "running" in names(doc, "B")


def test_a_stored_run_is_exported_by_its_id(recorded: Recorded, tmp_path: Path) -> None:
    lines = recorded("semaphore").read_bytes().splitlines()
    store = Store(tmp_path / "data" / "concviz.sqlite3")
    store.insert_run({"id": "abc123", "scenario": "semaphore", "params": {}, "status": "pending",
                      "created_at": 0.0}).result()
    store.set_running("abc123", lines[0])
    store.add_events("abc123", 0, lines[1:-1])
    end = json.loads(lines[-1])
    store.finish("abc123", {"status": end["status"], "exit_code": 0, "finished_at": 1.0, "events": len(lines) - 2,
                            "summary": end["summary"], "error": None}, lines[-1]).result()
    store.close()
    out = tmp_path / "run.json"
    proc = concviz("export", "abc123", "--chrome", str(out), "--data-dir", str(tmp_path / "data"))
    assert proc.returncode == 0, proc.stderr
    check(json.loads(out.read_bytes()))


def _store_without(run_dir: Path) -> Path:
    Store(run_dir / "concviz.sqlite3").close()
    return run_dir


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.jsonl", "--html", "o.html"), "no such trace file: missing.jsonl"),
        (("abc123", "--html", "o.html", "--data-dir", "nowhere"),
         "'abc123' is neither a trace file nor a run: there is no store of runs in nowhere"),
        (("abc123", "--html", "o.html", "--data-dir", "store"), "'abc123' is neither a trace file nor a run stored"),
        (("page.html", "--chrome", "o.json"), "page.html is not a concviz trace: expected a JSON header line first"),
        (("other.jsonl", "--chrome", "o.json"), "other.jsonl is not a concviz trace: expected a header line with "
                                                "format 'concviz-trace' first, got 'perfetto'"),
        (("cut.jsonl", "--chrome", "o.json"), "cut.jsonl, line 2: expected a JSON object, got '{\"seq\":'"),
        (("good.jsonl",), "say what to write: --html OUT.html and/or --chrome OUT.json"),
        (("good.jsonl", "--html", "good.jsonl"), "good.jsonl is the trace being exported"),
        (("good.jsonl", "--chrome", "no/such/dir/o.json"), "cannot write no/such/dir/o.json: No such file"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    header = json.dumps({"type": "header", "format": "concviz-trace", "version": 1})
    (tmp_path / "page.html").write_text("<!doctype html>\n")
    (tmp_path / "other.jsonl").write_text('{"type": "header", "format": "perfetto"}\n')
    (tmp_path / "cut.jsonl").write_text(f'{header}\n{{"seq": \n{{"type": "end"}}\n')
    (tmp_path / "good.jsonl").write_text(f"{header}\n")
    _store_without(tmp_path / "store")
    proc = concviz("export", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"concviz: error: {message}"), proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_a_trace_cut_off_in_its_last_line_is_still_exported(recorded: Recorded, tmp_path: Path) -> None:
    text = recorded("semaphore").read_text()
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 20])  # half of the end line
    doc, page = export(cut, tmp_path)
    assert doc["otherData"]["status"] == "no end line"
    assert "seq" in embedded_trace(page)[-1], "the last event is the last line"
