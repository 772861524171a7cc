"""The built-in scenarios: discovered in ``scenarios/``, described without running them.

Each scenario is an ordinary Python file. Its module docstring gives the
title (first line), then paragraphs, two of which start with ``Concept:`` and
``What to look for:``. ``PARAMS = [Param(...), ...]`` and ``WATCH = [...]``
are literals, read here with ``ast`` — listing scenarios runs no code.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concviz.params import Param

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def scenarios_dir() -> Path:
    configured = os.environ.get("CONCVIZ_SCENARIOS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "scenarios"


@dataclass
class Scenario:
    name: str
    path: Path
    title: str
    concept: str
    look_for: str
    description: str
    params: list[Param] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)
    lines: bool = True

    def as_json(self, with_source: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "title": self.title, "concept": self.concept, "look_for": self.look_for,
            "description": self.description, "params": [p.as_json() for p in self.params],
            "watch": self.watch, "path": self.path.name,
        }
        if with_source:
            data["source"] = self.path.read_text(encoding="utf-8")
        return data


class ScenarioError(ValueError):
    pass


def _param(call: ast.expr) -> Param:
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Param"):
        raise ScenarioError("PARAMS must be a list of Param(...) calls")
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    return Param(*args, **kwargs)


def _sections(doc: str) -> tuple[str, str, str, str]:
    paragraphs = [p.strip() for p in doc.strip().split("\n\n") if p.strip()]
    title = paragraphs[0].splitlines()[0].strip() if paragraphs else ""
    concept = look_for = ""
    rest: list[str] = []
    for para in paragraphs[1:]:
        flat = " ".join(line.strip() for line in para.splitlines())
        if flat.startswith("Concept:"):
            concept = flat.removeprefix("Concept:").strip()
        elif flat.startswith("What to look for:"):
            look_for = flat.removeprefix("What to look for:").strip()
        else:
            rest.append(flat)
    return title, concept, look_for, "\n\n".join(rest)


def load(path: Path) -> Scenario:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    title, concept, look_for, description = _sections(ast.get_docstring(tree) or "")
    params: list[Param] = []
    watch: list[str] = []
    lines = True
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        target = node.targets[0].id
        if target == "PARAMS" and isinstance(node.value, ast.List):
            params = [_param(e) for e in node.value.elts]
        elif target == "WATCH":
            watch = list(ast.literal_eval(node.value))
        elif target == "LINES":
            lines = bool(ast.literal_eval(node.value))
    return Scenario(path.stem, path, title or path.stem, concept, look_for, description, params, watch, lines)


def all_scenarios() -> list[Scenario]:
    directory = scenarios_dir()
    return [load(p) for p in sorted(directory.glob("*.py")) if _NAME.match(p.stem)]


def find(name: str) -> Scenario:
    """The scenario called ``name``; names only, never paths."""
    if not _NAME.match(name):
        raise ScenarioError(f"no scenario named {name!r}: names are lowercase letters, digits and _")
    path = scenarios_dir() / f"{name}.py"
    if not path.is_file():
        known = ", ".join(s.name for s in all_scenarios())
        raise ScenarioError(f"no scenario named {name!r} (known: {known})")
    return load(path)
