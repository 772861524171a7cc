"""Size of the exports of each built-in scenario's default run (issue 11: "well under 2 MB").

Runs ``concviz run -o`` then ``concviz export --html --chrome`` for every
built-in scenario at its defaults, as a lecturer would, and prints the sizes
of the offline HTML page and of the Chrome/Perfetto trace. Needs the built
front end (`npm run build`). Exits 1 if an HTML export reaches 2 MB.

    .venv/bin/python bench/export_size.py [SCENARIO ...]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from concviz import scenarios

LIMIT = 2_000_000


def concviz(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "concviz.cli", *args], capture_output=True, text=True, timeout=180)


def main(names: list[str]) -> int:
    names = names or [s.name for s in scenarios.all_scenarios()]
    print(f"{'scenario':<22} {'events':>8} {'trace':>11} {'HTML':>11} {'Chrome JSON':>12}")
    worst = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            trace, page, chrome = (Path(tmp) / f"{name}{suffix}" for suffix in (".jsonl", ".html", ".trace.json"))
            concviz("run", "-q", "-o", str(trace), name)
            if not trace.is_file():
                print(f"{name:<22} (no trace recorded)")
                continue
            done = concviz("export", str(trace), "--html", str(page), "--chrome", str(chrome))
            if done.returncode != 0:
                print(f"{name:<22} export failed: {done.stderr.strip()}")
                continue
            events = len(trace.read_bytes().splitlines())
            size = page.stat().st_size
            worst = max(worst, size)
            print(f"{name:<22} {events:>8,} {trace.stat().st_size:>11,} {size:>11,} {chrome.stat().st_size:>12,}")
    print(f"largest HTML export: {worst:,} bytes (limit {LIMIT:,})")
    return 0 if worst < LIMIT else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
