#!/usr/bin/env python3
"""Mutation testing of pyvrrp's pure core (``make mutate``), with mutmut.

    make mutate                                       # wire/, auth/, protocol/
    make mutate FILE=src/pyvrrp/protocol/router.py    # one module (or one folder)

mutmut works in a scratch copy of the repository per package
(``.mutate/<package>/``, ignored by git): the source, the tests and a
``pyproject.toml`` whose ``[tool.mutmut]`` names the package's modules. The
copy is kept between runs, so mutmut retests only the functions that changed.
The unit tests are the test suite (the lab needs root and namespaces and is
too slow for hundreds of mutants); the C tag is copied with the source, and
the Python reference it is checked against (``auth/mac.py``) is mutated like
the rest.

It prints, per module, the mutants killed, the survivors and the score,
``killed / (mutants - equivalent)``, then the diff of every survivor that is
not in the reviewed lists ``tests/mutation/<package>.txt`` of mutants that
cannot change behaviour, one per entry with one line saying why. An entry is
the module, the function and the mutated line (as ``mutmut show`` prints it
after ``+``), so it survives renumbering when other code changes.

Exit status: 0 when every package run is at or above the target (95 % of
non-equivalent mutants killed), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRATCH_ROOT = REPO / ".mutate"
EQUIVALENT_DIR = REPO / "tests" / "mutation"
#: The pure core: what ``make mutate`` covers by default.
CORE = ("src/pyvrrp/wire", "src/pyvrrp/auth", "src/pyvrrp/protocol")
#: Not mutated: pcap.py is a test and tooling reader, not on the daemon's path.
NOT_MUTATED = ("src/pyvrrp/wire/pcap.py",)
TARGET = 95.0
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}  # failed test, pytest error, timeout, type check


@dataclass
class Module:
    path: str
    killed: int = 0
    survived: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.killed + len(self.survived) + len(self.equivalent) + len(self.untested)

    @property
    def score(self) -> float:
        counted = self.total - len(self.equivalent)
        return 100.0 * self.killed / counted if counted else 100.0


def _targets(spec: str | None) -> list[str]:
    roots = [spec] if spec else list(CORE)
    files: list[str] = []
    for root in roots:
        p = (REPO / root).resolve()
        if not p.exists():
            sys.exit(f"mutate: {root}: no such file or folder")
        found = [p] if p.is_file() else sorted(p.rglob("*.py"))
        for f in found:
            rel = f.relative_to(REPO).as_posix()
            if f.name != "__init__.py" and rel not in NOT_MUTATED:
                files.append(rel)
    if not files:
        sys.exit(f"mutate: nothing to mutate under {spec}")
    return files


def _prepare(scratch: Path, files: list[str]) -> None:
    """The scratch copy: source and tests as they are now, mutmut's config."""
    for stale in (scratch / "mutants" / "tests", scratch / "tests"):
        # Tests removed since the last run must not run again.
        shutil.rmtree(stale, ignore_errors=True)
    # mutmut maps tests to the functions they reach once and keeps the map:
    # with tests added since, a mutant would be "not covered" though a test
    # now reaches it. Mapping again costs one run of the unit tests.
    (scratch / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    scratch.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests"):
        # copy2 keeps mtimes, so mutmut sees unchanged files as unchanged.
        shutil.copytree(
            REPO / name,
            scratch / name,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
        )
    # The unit tests read the README (its keyword table must be current).
    shutil.copy2(REPO / "README.md", scratch / "README.md")
    config = (REPO / "pyproject.toml").read_text()
    config += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src/pyvrrp"]\n'
        f"only_mutate = {json.dumps(files)}\n"
        'pytest_add_cli_args_test_selection = ["tests/unit"]\n'
        'also_copy = ["README.md"]\n'
        # -p no:cacheprovider: no .pytest_cache writes from hundreds of runs.
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"]\n'
    )
    target = scratch / "pyproject.toml"
    if not target.exists() or target.read_text() != config:
        target.write_text(config)
        # Another configuration (a new module in the core, say): start over.
        shutil.rmtree(scratch / "mutants", ignore_errors=True)


def _equivalents() -> set[tuple[str, str]]:
    """(function key, mutated line) pairs from tests/mutation/<package>.txt."""
    out: set[tuple[str, str]] = set()
    for path in sorted(EQUIVALENT_DIR.glob("*.txt")):
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            # module.function | mutated line | why (the line may hold " | " itself)
            parts = [p.strip() for p in line.split(" | ")]
            if len(parts) < 3 or not parts[-1]:
                sys.exit(f"mutate: {path.name}: not 'function | line | why': {raw}")
            out.add((parts[0], " | ".join(parts[1:-1])))
    return out


_NUMBER = re.compile(r"__mutmut_\d+$")


def _function_key(mutant: str) -> str:
    """pyvrrp.protocol.router.xǁVirtualRouterǁreload__mutmut_3 ->
    pyvrrp.protocol.router.VirtualRouter.reload"""
    base = _NUMBER.sub("", mutant)
    module, _, func = base.rpartition(".")
    func = func.removeprefix("x_").removeprefix("xǁ").replace("ǁ", ".")
    return f"{module}.{func}"


_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
print(json.dumps({n: get_diff_for_mutant(n, path=p) for n, p in json.load(sys.stdin)}))
"""


def _diffs(scratch: Path, wanted: list[tuple[str, str]]) -> dict[str, str]:
    """mutmut's diff of each (mutant, source path), in one process."""
    if not wanted:
        return {}
    r = subprocess.run(
        [sys.executable, "-c", _DIFFS],
        cwd=scratch,
        input=json.dumps(wanted),
        capture_output=True,
        text=True,
        check=True,
    )
    diffs: dict[str, str] = json.loads(r.stdout)
    return diffs


def _mutated_lines(diff: str) -> list[str]:
    return [
        ln[1:].strip()
        for ln in diff.splitlines()
        if ln.startswith("+") and not ln.startswith("+++") and ln[1:].strip()
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", help="a module or folder under src/pyvrrp")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--quiet", action="store_true", help="scores only, no survivor diffs")
    args = ap.parse_args()

    spec = args.file or os.environ.get("FILE") or None
    files = _targets(spec)
    equivalent = _equivalents()
    used: set[tuple[str, str]] = set()
    modules: dict[str, Module] = {rel: Module(rel) for rel in files}
    diffs: list[tuple[str, str]] = []
    elapsed = 0.0
    # One scratch copy per package (wire, auth, protocol), each mutating the
    # whole package; a FILE run re-runs that module's mutants only.
    for package in sorted({_package(f) for f in files}):
        scratch = SCRATCH_ROOT / Path(package).name
        _prepare(scratch, _targets(package))
        mine = [f for f in files if _package(f) == package]
        names = [_mod(f) + "*" for f in mine] if spec else []
        started = time.monotonic()
        # mutmut's progress line is for a terminal; elsewhere it goes to a log.
        log = None if sys.stdout.isatty() else open(scratch / "mutmut.log", "w")  # noqa: SIM115
        print(f"mutate: mutmut run in {scratch.relative_to(REPO)}", flush=True)
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.jobs), *names],
            cwd=scratch,
            env={**os.environ, "HYPOTHESIS_PROFILE": "mutate", "PYTHONDONTWRITEBYTECODE": "1"},
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
        )
        if log is not None:
            log.close()
        elapsed += time.monotonic() - started
        if run.returncode != 0:
            where = f" (see {scratch.relative_to(REPO)}/mutmut.log)" if log else ""
            print(f"mutate: mutmut run failed ({run.returncode}){where}", file=sys.stderr)
            return 2
        pending: list[tuple[str, str, int | None]] = []
        for rel in mine:
            meta = scratch / "mutants" / (rel + ".meta")
            if not meta.exists():
                continue
            codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
            for name, code in sorted(codes.items()):
                if code in KILLED:
                    modules[rel].killed += 1
                else:
                    pending.append((rel, name, code))
        shown = _diffs(scratch, [(name, rel) for rel, name, _ in pending])
        for rel, name, code in pending:
            mod = modules[rel]
            diff = shown[name]
            key = _function_key(name)
            lines = _mutated_lines(diff)
            match = next(((key, ln) for ln in lines if (key, ln) in equivalent), None)
            if match is not None:
                used.add(match)
                mod.equivalent.append(name)
            elif code in (33, 5):  # no test reaches the function
                mod.untested.append(name)
                diffs.append((name, diff))
            else:
                mod.survived.append(name)
                diffs.append((name, diff))

    if not args.quiet:
        for name, diff in diffs:
            print(f"\n--- {name} ({_function_key(name)})")
            print(diff.strip())
    print(f"\nmutation score (target {TARGET:.0f} % of non-equivalent mutants killed):")
    print(f"{'module':48} {'mutants':>8} {'killed':>7} {'equiv':>6} {'surv':>5} {'score':>7}")
    by_pkg: dict[str, Module] = {}
    for mod in modules.values():
        pkg = by_pkg.setdefault(str(Path(mod.path).parent), Module(str(Path(mod.path).parent)))
        pkg.killed += mod.killed
        pkg.survived += mod.survived + mod.untested
        pkg.equivalent += mod.equivalent
    failing = False
    for mod in [*modules.values(), *by_pkg.values()]:
        surv = len(mod.survived) + len(mod.untested)
        print(
            f"{mod.path:48} {mod.total:8} {mod.killed:7} {len(mod.equivalent):6} {surv:5} "
            f"{mod.score:6.1f}%"
        )
    for pkg in by_pkg.values():
        failing |= pkg.score < TARGET
    mutated = tuple(_mod(f) for f in files)
    stale = {e for e in equivalent if e not in used and e[0].startswith(mutated)}
    for key, line in sorted(stale):
        print(f"note: tests/mutation entry matched no mutant (stale?): {key} | {line}")
    print(f"mutmut ran {elapsed:.0f} s with {args.jobs} jobs")
    return 1 if failing else 0


def _package(rel: str) -> str:
    """src/pyvrrp/protocol/router.py -> src/pyvrrp/protocol"""
    return "/".join(rel.split("/")[:3])


def _mod(rel: str) -> str:
    return rel.removeprefix("src/").removesuffix(".py").replace("/", ".") + "."


if __name__ == "__main__":
    sys.exit(main())
