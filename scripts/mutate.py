"""Mutation testing of the modules that hold the rules (`make mutate`; docs/testing.md).

    python scripts/mutate.py [--workers N] [--tests "FILE ..."] [--report-only] TARGET ...
    python scripts/mutate.py --mutmut "show NAME" TARGET ...     # any mutmut command, same targets

A TARGET is `path/to/module.py` (every function in it) or `path/to/module.py:name,name`
(only those functions; `Class.method` for a method). mutmut 3 reads its settings from
setup.cfg's [mutmut] section; the targets and the tests are set here so that the Makefile holds
them in one variable each. mutmut copies the package into mutants/, mutates the targets' files,
runs the tests once to learn which tests call which function, and then runs for each mutant
only the tests that call the mutated function. Afterwards this script prints, per target and in
total, how many mutants the tests killed.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import re
import shlex
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CLASS_SEPARATOR = "ǁ"  # mutmut's separator in the mangled names of methods


@dataclass
class Target:
    path: str
    functions: list[str]

    @property
    def module(self) -> str:
        return self.path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")

    def mutant_globs(self) -> list[str]:
        """mutmut names its mutants `<module>.x_<function>__mutmut_<n>` (`xǁClassǁmethod` for methods)."""
        if not self.functions:
            return [f"{self.module}.*"]
        globs = []
        for name in self.functions:
            if "." in name:
                cls, method = name.split(".", 1)
                globs.append(f"{self.module}.x{CLASS_SEPARATOR}{cls}{CLASS_SEPARATOR}{method}__mutmut_*")
            else:
                globs.append(f"{self.module}.x_{name}__mutmut_*")
        return globs

    def label(self) -> str:
        return self.path + (f" ({', '.join(self.functions)})" if self.functions else "")


def parse_target(text: str) -> Target:
    path, _, names = text.partition(":")
    if not path.endswith(".py") or not Path(path).is_file():
        raise SystemExit(f"not a Python module: {path}")
    return Target(path, [n for n in names.split(",") if n])


def configure(targets: list[Target], tests: list[str]) -> None:
    """Set the targets and tests before mutmut's command line module reads its configuration."""
    from mutmut import configuration

    settings = configuration.config()
    settings.only_mutate = sorted({t.path for t in targets})
    if tests:
        settings.pytest_add_cli_args_test_selection = tests


def run_mutmut(arguments: list[str]) -> None:
    from mutmut.__main__ import cli

    try:
        cli.main(arguments, prog_name="mutmut", standalone_mode=False)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise


DETECTED = {"killed", "timeout", "caught by type check", "segfault"}
EQUIVALENTS = Path("docs/testing.md")  # surviving mutants judged equivalent, each with its reason


def known_equivalents() -> set[str]:
    """The mutant names written in backticks in docs/testing.md."""
    if not EQUIVALENTS.exists():
        return set()
    return set(re.findall(r"`([\w.\u01c1]+__mutmut_\d+)`", EQUIVALENTS.read_text()))


def report(targets: list[Target]) -> float:
    """Print the figures; return the share of the non-equivalent mutants that were killed (0-100)."""
    from mutmut.stats import status_by_exit_code

    equivalents = known_equivalents()
    rows, survivors, total = [], [], Counter()
    for target in targets:
        meta = Path("mutants") / (target.path + ".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        globs = target.mutant_globs()
        statuses = Counter()
        for name, code in sorted(codes.items()):
            if not any(fnmatch.fnmatch(name, g) for g in globs):
                continue
            status = status_by_exit_code[code]
            statuses[status] += 1
            if status not in DETECTED:
                known = name in equivalents
                statuses["equivalent"] += known
                survivors.append(f"{status}{' (equivalent, docs/testing.md)' if known else ''}: {name}")
        rows.append((target.label(), statuses))
        total += statuses
    rows.append(("total", total))
    width = max(len(label) for label, _s in rows)
    print()
    print(f"{'module':<{width}} {'killed':>6} {'timeout':>7} {'survived':>8} {'other':>5} {'total':>5} "
          f"{'killed %':>8} {'equivalent':>10} {'killed % of the rest':>20}")
    for label, s in rows:
        n = sum(v for k, v in s.items() if k != "equivalent")
        detected = sum(s[k] for k in DETECTED)
        other = n - s["killed"] - s["timeout"] - s["survived"]
        share = f"{100 * detected / n:.1f}" if n else "-"
        rest = n - s["equivalent"]
        share_of_rest = f"{100 * detected / rest:.1f}" if rest else "-"
        print(f"{label:<{width}} {s['killed']:>6} {s['timeout']:>7} {s['survived']:>8} {other:>5} {n:>5} "
              f"{share:>8} {s['equivalent']:>10} {share_of_rest:>20}")
    if survivors:
        print("\nNot killed (see one with: python scripts/mutate.py --mutmut 'show NAME' TARGET ...):")
        for line in survivors:
            print("   ", line)
    rest = sum(v for k, v in total.items() if k != "equivalent") - total["equivalent"]
    return 100 * sum(total[k] for k in DETECTED) / rest if rest else 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="+", metavar="TARGET")
    parser.add_argument("--tests", default="", help="test files to run (default: mutmut's, the whole suite)")
    parser.add_argument("--workers", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--report-only", action="store_true", help="print the last run's figures")
    parser.add_argument("--mutmut", default="", help="run this mutmut command instead, e.g. 'show NAME'")
    parser.add_argument("--fail-under", type=float, default=0.0,
                        help="exit with 1 if less than this share (%%) of the non-equivalent mutants is killed")
    options = parser.parse_args()
    targets = [parse_target(t) for t in options.targets]
    configure(targets, shlex.split(options.tests))
    if options.mutmut:
        run_mutmut(shlex.split(options.mutmut))
        return 0
    if not options.report_only:
        started = time.monotonic()
        names = [g for t in targets for g in t.mutant_globs()]
        run_mutmut(["run", "--max-children", str(options.workers), *names])
        print(f"\nmutation run took {time.monotonic() - started:.0f} s with {options.workers} worker(s)")
    score = report(targets)
    if score < options.fail_under:
        print(f"\n{score:.1f} % of the non-equivalent mutants killed, less than the required {options.fail_under:g} %")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
