"""The ``concviz`` command: list scenarios, run one (or any script), serve the web app.

As with ``python`` and ``coverage run``, options come before the target and
everything after the target is the program's own ``sys.argv[1:]``.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
from pathlib import Path
from typing import Any, NoReturn

from concviz import memory, scenarios
from concviz import params as params_mod
from concviz.analysis.fold_io import QUEUE_TYPES
from concviz.control import options as control_options
from concviz.supervisor import RunSpec, Supervisor
from concviz.translate import Lines

EXIT_USAGE = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds between 0 and 86400, got {text!r}")
    if not math.isfinite(value) or not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"expected a number of seconds between 0 and 86400, got {text!r}")
    return value


# Runs from the command line may use most of a small machine; the server's
# own default (``Settings.max_memory``) is lower, since several run at once.
DEFAULT_MAX_MEMORY = 4 << 30


def _memory(text: str) -> int:
    try:
        return memory.parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def _count(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer between {low} and {high}, got {text!r}")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an integer between {low} and {high}, got {text!r}")
        return value

    return parse


def _origin(text: str) -> str:
    from concviz.server.embedding import normalise_origin

    try:
        return normalise_origin(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="concviz", description="See concurrency in Python.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("scenarios", help="list the built-in scenarios with their parameters")

    run = sub.add_parser("run", help="run a scenario or a script, instrumented, and record its trace")
    run.add_argument("-o", "--output", metavar="TRACE", help="write the trace (JSON Lines) to this file")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="set a scenario parameter (repeatable)")
    run.add_argument("--watch", action="append", default=[], metavar="NAME",
                     help="record every read and write of this module-level variable (repeatable)")
    lines = run.add_mutually_exclusive_group()
    lines.add_argument("--lines", dest="lines", action="store_true", default=None,
                       help="record the source line each thread is on (default for scenarios)")
    lines.add_argument("--no-lines", dest="lines", action="store_false", help="do not record source lines")
    run.add_argument("--timeout", type=_positive_seconds, default=60.0, metavar="SECONDS",
                     help="stop the run after this wall time (default 60); exit status 124")
    run.add_argument("--max-threads", type=_count(1, 100_000), default=2000, metavar="N",
                     help="stop the run when more threads than this, or more of its processes, are alive at once "
                          "(default 2000)")
    run.add_argument("--max-events", type=_count(1, 100_000_000), default=2_000_000, metavar="N",
                     help="stop the run when it records more events than this (default 2000000)")
    run.add_argument("--max-memory", type=_memory, default=DEFAULT_MAX_MEMORY, metavar="SIZE",
                     help="stop the run when its processes hold more memory than this together, e.g. 512M "
                          "or 2G (default 4G); exit status 125")
    run.add_argument("-q", "--quiet", action="store_true", help="do not print the summary")
    control_options.add_run_options(run)
    run.add_argument("target", help="a scenario name (see `concviz scenarios`) or a path to a .py file")
    run.add_argument("args", nargs=argparse.REMAINDER, help="the program's own arguments")

    explore = sub.add_parser("explore", help="run a program under many thread schedules and report the first "
                                             "deadlock, lost update, exception or failure (exit 1)")
    explore.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                         help="set a scenario parameter (repeatable)")
    explore.add_argument("--watch", action="append", default=[], metavar="NAME",
                         help="record every read and write of this module-level variable (repeatable)")
    explore.add_argument("--timeout", type=_positive_seconds, default=60.0, metavar="SECONDS",
                         help="time limit of each run (default 60)")
    explore.add_argument("--max-threads", type=_count(1, 100_000), default=2000, metavar="N",
                         help="thread limit of each run (default 2000)")
    explore.add_argument("--max-events", type=_count(1, 100_000_000), default=2_000_000, metavar="N",
                         help="event limit of each run (default 2000000)")
    explore.add_argument("--max-memory", type=_memory, default=DEFAULT_MAX_MEMORY, metavar="SIZE",
                         help="memory limit of each run, its processes together (default 4G)")
    explore.add_argument("--strategy", choices=("random", "pct"), default="random",
                         help="how to choose the schedules (default random)")
    explore.add_argument("--runs", type=_count(1, 1_000_000), default=100, metavar="N",
                         help="how many schedules to try (default 100)")
    control_options.add_strategy_options(explore)
    explore.add_argument("target", help="a scenario name or a path to a .py file")
    explore.add_argument("args", nargs=argparse.REMAINDER, help="the program's own arguments")

    sweep = sub.add_parser("sweep", help="run a scenario many times over a grid of parameter values and print "
                                         "the outcomes per value")
    from concviz.experiments import command as sweep_command

    sweep_command.add_options(sweep, _positive_seconds, _memory)

    serve = sub.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_count(0, 65535), default=8000, help="port (default 8000)")
    serve.add_argument("--data-dir", default=None, metavar="DIR",
                       help="where runs are stored (default $CONCVIZ_DATA or ./data)")
    serve.add_argument("--embed-origin", dest="embed_origins", action="append", default=[], metavar="ORIGIN",
                       type=_origin, help="let pages of this origin (e.g. https://slides.example.edu) show "
                                          "/embed/... in an iframe (repeatable; default: no other site)")
    serve.add_argument("--scheduler", default=None, metavar="ADDR",
                       help="run sweeps on a Dask cluster (tcp://HOST:PORT) instead of this machine")
    serve.add_argument("--token", default=None, metavar="TOKEN",
                       help="the token every request must carry (default $CONCVIZ_TOKEN; on a non-loopback "
                            "--host one is generated and printed once as a URL)")
    serve.add_argument("--allow-host", dest="allow_hosts", action="append", default=[], metavar="NAME",
                       help="also answer requests whose Host names NAME, e.g. the machine's name on the "
                            "network (repeatable)")
    serve.add_argument("--keep-alive-timeout", type=_positive_seconds, default=5.0, metavar="SECONDS",
                       help="close an idle keep-alive connection after this long (default 5)")
    serve.add_argument("--request-timeout", type=_positive_seconds, default=10.0, metavar="SECONDS",
                       help="a request must arrive whole this long after its first byte, else 408 "
                            "(default 10)")

    export = sub.add_parser("export", help="export a trace or a stored run as one offline HTML page or a "
                                           "Chrome/Perfetto trace")
    export.add_argument("source", metavar="TRACE_OR_RUN",
                        help="a trace file (concviz run -o) or the id of a run stored by the server")
    export.add_argument("--html", metavar="OUT", help="write one self-contained HTML page that opens offline")
    export.add_argument("--chrome", metavar="OUT", help="write a Trace Event Format JSON for Perfetto or "
                                                        "chrome://tracing")
    export.add_argument("--data-dir", default=None, metavar="DIR",
                        help="where the server stores runs, to find a run id (default $CONCVIZ_DATA or ./data)")
    return parser


# --- concviz scenarios -------------------------------------------------------------


def cmd_scenarios() -> int:
    for s in scenarios.all_scenarios():
        print(f"{s.name:<18} {s.title}")
        for p in s.params:
            unit = f" {p.unit}" if p.unit else ""
            print(f"{'':<20}{p.name}={p.default:g}{unit}  ({p.min:g}..{p.max:g})  {p.help}")
    return 0


# --- concviz run ------------------------------------------------------------------------


class FileSink:
    """Writes the trace to a file, whole lines only, flushed after each batch."""

    def __init__(self, path: str | None) -> None:
        self.file = open(path, "wb") if path else None  # noqa: SIM115 - closed in end()

    def header(self, line: bytes) -> None:
        self._write(line + b"\n")

    def events(self, lines: Lines) -> None:
        self._write(lines.data)

    def end(self, line: bytes) -> None:
        self._write(line + b"\n")
        if self.file is not None:
            self.file.close()

    def _write(self, data: bytes) -> None:
        if self.file is not None:
            self.file.write(data)
            self.file.flush()


def _as_options(args: list[str], declared: list[params_mod.Param]) -> list[str]:
    """Arguments given after a scenario's name, as the options they were meant
    to be (``--threads=20`` → ``--param threads=20``)."""
    names = {p.name for p in declared}
    out = []
    for arg in args:
        name, sep, value = arg.removeprefix("--").partition("=")
        meant = arg.startswith("--") and sep and name.replace("-", "_") in names
        out.append(f"--param {name.replace('-', '_')}={value}" if meant else arg)
    return out


def _control(ns: argparse.Namespace) -> dict[str, Any] | None:
    try:
        return control_options.control_settings(getattr(ns, "control", None), getattr(ns, "seed", None),
                                                getattr(ns, "pct_depth", 3))
    except ValueError as error:
        raise UsageError(str(error))


def spec_from_args(ns: argparse.Namespace) -> RunSpec:
    control = _control(ns)
    target: str = ns.target
    looks_like_path = target.endswith(".py") or os.sep in target
    if looks_like_path:
        if ns.param:
            raise UsageError("--param applies to scenarios; pass a script's own arguments after its path")
        if not Path(target).is_file():
            raise UsageError(f"no such file: {target}")
        return RunSpec(path=target, target=target, argv=list(ns.args), watch=list(ns.watch),
                       lines=bool(ns.lines), timeout=ns.timeout, max_threads=ns.max_threads,
                       max_events=ns.max_events, max_memory=getattr(ns, "max_memory", None), control=control)
    try:
        scenario = scenarios.find(target)
    except scenarios.ScenarioError as error:
        raise UsageError(str(error))
    if ns.args:
        raise UsageError(f"the scenario {scenario.name} takes no arguments after its name (got "
                         f"{' '.join(ns.args)}); concviz's options go before it: "
                         f"concviz run {' '.join(_as_options(ns.args, scenario.params))} {scenario.name}")
    given: dict[str, str] = {}
    for item in ns.param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"expected --param NAME=VALUE, got {item!r}")
        given[name.strip()] = value.strip()
    try:
        values = params_mod.resolve(scenario.params, given, from_text=True)
    except params_mod.ParamErrors as error:
        raise UsageError(str(error))
    argv = [f"--{k}={v!r}" if isinstance(v, float) else f"--{k}={v}" for k, v in values.items()] + list(ns.args)
    return RunSpec(
        path=str(scenario.path), target=scenario.name, argv=argv, params=values,
        watch=sorted(set(scenario.watch) | set(ns.watch)),
        lines=scenario.lines if ns.lines is None else ns.lines,
        timeout=ns.timeout, max_threads=ns.max_threads, max_events=ns.max_events,
        max_memory=getattr(ns, "max_memory", None), control=control,
    )


def describe_end(spec: RunSpec, end: dict[str, Any], output: str | None) -> str:
    s = end["summary"]
    seconds = end["duration_ns"] / 1e9
    out = [f"concviz: {spec.target} {end['status']} (exit {end['exit_code']}) in {seconds:.2f} s — "
           f"{s['threads']} threads, {s['events']:,} events"]
    if end.get("error"):
        out.append(f"  {end['error']}")
    processes = s.get("processes") or {}
    if len(processes) > 1:
        for pid, p in list(processes.items())[:12]:
            code = (f"exit {p['exit_code']}" if p["exit_code"] is not None
                    else "ended, exit code not recorded" if p.get("ended") else "running")
            out.append(f"  process {p['name']} (pid {pid}, parent {p['parent']}): {p['threads']} threads, "
                       f"{p['cpu_s']:.2f} s CPU, {code}")
        if len(processes) > 12:
            out.append(f"  … and {len(processes) - 12} more processes")
    coroutines = s.get("coroutines") or {}
    if coroutines:
        shown = list(coroutines.items())[:8]
        out.append("  coroutines: " + ", ".join(f"{name} ({c['kind']}, {c['switches']} switches in)"
                                                 for name, c in shown)
                   + (f" … and {len(coroutines) - 8} more" if len(coroutines) > 8 else ""))
        for name, c in coroutines.items():
            if c.get("blocking_runs"):
                scheduler = "hub" if c["kind"] == "gevent" else "event loop"
                out.append(f"  {name} blocked its {scheduler}: it ran up to {c['longest_run_ms']:.0f} ms without "
                           f"yielding ({c['blocking_runs']} time{'s' if c['blocking_runs'] > 1 else ''}), "
                           "and nothing else on its thread ran meanwhile")
    names = s["names"]
    for name, w in s["watched"].items():
        out.append(f"  watched {name}: {w['initial']!r} → {w['final']!r} after {w['writes']} writes; "
                   f"{w['lost_updates']} updates lost")
    for lost in s["lost_updates"][:3]:
        o = lost["overwrote"]
        out.append(f"    {names.get(str(lost['thread']))} read {lost['name']}={lost['read_value']!r} (event "
                   f"{lost['read_seq']}) and wrote {lost['write_value']!r}, overwriting "
                   f"{names.get(str(o['thread']))}'s {o['value']!r} (event {o['seq']})")
    if len(s["lost_updates"]) > 3:
        out.append(f"    … and {s['watched'] and sum(w['lost_updates'] for w in s['watched'].values()) - 3} more")
    described = [line for name, o in s["objects"].items() if (line := _describe_object(name, o))]
    out.extend(described[:12])
    if len(described) > 12:
        out.append(f"  … and {len(described) - 12} more objects")
    sockets = s.get("sockets")
    if sockets and any(sockets.values()):
        out.append(f"  sockets: {sockets.get('accepted', 0)} accepted, {sockets.get('connected', 0)} connected, "
                   f"{sockets.get('bytes_sent', 0):,} bytes sent, {sockets.get('bytes_received', 0):,} received")
    if s["deadlock"]:
        out.append("  deadlock:")
        for step in s["deadlock"]["cycle"]:
            where = f" at {os.path.basename(step['file'])}:{step['line']}" if step.get("file") else ""
            holds = ", ".join(step["holds"]) or "nothing"
            out.append(f"    {step['name']} holds {holds} and waits for {step['waits_for']}{where}")
    out.extend(control_options.describe(s.get("schedule")))
    if output:
        out.append(f"  trace: {output}")
    return "\n".join(out)


_LOCKS = {"Lock", "RLock", "Semaphore", "BoundedSemaphore"}


def _describe_object(name: str, o: dict[str, Any]) -> str | None:
    """One summary line for an object that saw some use, in its own terms."""
    kind = o["kind"]
    if kind in _LOCKS:
        if not o["acquisitions"]:
            return None
        return (f"  {kind} {name}: {o['acquisitions']} acquisitions, max {o['max_holders']} holding, "
                f"max {o['max_waiters']} waiting")
    if kind in QUEUE_TYPES:
        return (f"  {kind} {name}: {o.get('puts', 0)} put, {o.get('gets', 0)} got, max {o.get('max_items', 0)} items, "
                f"max {o['max_waiters']} waiting")
    if "jobs" in o:
        failed = f", {o['failed']} failed" if o["failed"] else ""
        return f"  {kind} {name}: {o['jobs']} jobs, {o['tasks']} tasks done{failed}"
    if "proxy_calls" in o:
        return f"  {kind} {name}: {o['proxy_calls']} calls through its proxies"
    if kind == "Pipe":
        return f"  Pipe {name}: {o.get('sends', 0)} sent, {o.get('recvs', 0)} received"
    if "calls" in o:
        return f"  {kind} {name}: {o['calls']} calls, max {o.get('max_ready', 0)} ready at once"
    if o["max_waiters"]:
        return f"  {kind} {name}: max {o['max_waiters']} waiting"
    return None


def cmd_run(ns: argparse.Namespace) -> int:
    spec = spec_from_args(ns)
    try:
        sink = FileSink(ns.output)
    except OSError as error:
        raise UsageError(f"cannot write the trace to {ns.output}: {error.strerror}")
    stepper = None
    if spec.control is not None and spec.control["strategy"] == "step":
        from concviz.control.terminal import TerminalStepper

        # The terminal is the stepper's; the program's output is in the trace.
        spec.stdout = os.open(os.devnull, os.O_WRONLY)
        stepper = sink = TerminalStepper(sink)  # type: ignore[assignment]
    supervisor = Supervisor(spec, sink)
    if stepper is not None:
        stepper.start(supervisor)
    previous = signal.signal(signal.SIGINT, lambda *_: supervisor.stop())
    try:
        end = supervisor.run()
    finally:
        signal.signal(signal.SIGINT, previous)
    if ns.schedule_out:
        control_options.save_schedule(ns.schedule_out, spec, end)
    if not ns.quiet:
        print(describe_end(spec, end, ns.output), file=sys.stderr)
    return int(end["exit_code"])


def cmd_explore(ns: argparse.Namespace) -> int:
    from concviz.control.explore import run_command

    ns.lines = False  # not needed to judge a run, and costly
    spec = spec_from_args(ns)
    return run_command(spec, ns.strategy, ns.runs, ns.seed or 0, ns.pct_depth, ns.schedule_out,
                       lambda text: print(text, file=sys.stderr))


def cmd_sweep(ns: argparse.Namespace) -> int:
    from concviz.experiments.command import SweepUsageError, run_command

    try:
        return run_command(ns)
    except SweepUsageError as error:
        raise UsageError(str(error))


def cmd_serve(ns: argparse.Namespace) -> int:
    from concviz.server.app import serve

    return serve(host=ns.host, port=ns.port, data_dir=ns.data_dir, embed_origins=tuple(ns.embed_origins),
                 sweep_scheduler=ns.scheduler, token=ns.token, extra_hosts=tuple(ns.allow_hosts),
                 keep_alive_timeout=ns.keep_alive_timeout, request_timeout=ns.request_timeout)


def cmd_export(ns: argparse.Namespace) -> int:
    from concviz.export import ExportError
    from concviz.export.command import export

    outputs = {fmt: path for fmt, path in (("html", ns.html), ("chrome", ns.chrome)) if path}
    if not outputs:
        raise UsageError("say what to write: --html OUT.html and/or --chrome OUT.json")
    try:
        written = export(ns.source, outputs, ns.data_dir)
    except ExportError as error:
        raise UsageError(str(error))
    for path, size in written:
        print(f"concviz: wrote {path} ({size:,} bytes)", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        ns = parser.parse_args(argv)
        if ns.command == "scenarios":
            return cmd_scenarios()
        if ns.command == "run":
            return cmd_run(ns)
        if ns.command == "export":
            return cmd_export(ns)
        if ns.command == "explore":
            return cmd_explore(ns)
        if ns.command == "sweep":
            return cmd_sweep(ns)
        return cmd_serve(ns)
    except UsageError as error:
        print(f"concviz: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except scenarios.ScenarioError as error:
        print(f"concviz: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
