"""The docs cover the product: every CLI option, event kind and scenario is documented."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from concviz import cli, events, scenarios

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "README.md").read_text() + (ROOT / "docs" / "architecture.md").read_text()


def _options() -> list[str]:
    parser = cli.build_parser()
    found = []
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        found.append(f"concviz {name}")
        for action in command._actions:
            found.extend(o for o in action.option_strings if o not in ("-h", "--help"))
    return found


@pytest.mark.parametrize("option", _options())
def test_every_cli_command_and_option_is_in_the_readme(option: str) -> None:
    assert f"`{option}" in DOCS or f"{option} " in DOCS, option


@pytest.mark.parametrize("kind", sorted(events.KINDS))
def test_every_event_kind_is_documented(kind: str) -> None:
    assert f"`{kind}`" in DOCS, kind


@pytest.mark.parametrize("name", [s.name for s in scenarios.all_scenarios()])
def test_every_scenario_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in DOCS, name


@pytest.mark.parametrize("scenario", scenarios.all_scenarios(), ids=lambda s: s.name)
def test_every_scenario_says_what_to_look_for(scenario: scenarios.Scenario) -> None:
    assert scenario.title and scenario.concept and scenario.look_for
    for p in scenario.params:
        assert p.help and p.min <= p.default <= p.max
