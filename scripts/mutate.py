"""Mutation testing: do the tests notice when the code is wrong?

    python scripts/mutate.py                       # storage (triage_tui/storage/*.py)
    python scripts/mutate.py export                # triage_tui/export.py
    python scripts/mutate.py storage --jobs 2 --list   # show the mutants, run nothing

Each mutant is one single-point change to one module (a comparison flipped, ``and``/``or``
swapped, a ``not`` dropped, a constant nudged, ``+``/``-`` swapped, a statement replaced
by ``pass``, a condition negated, a value returned as None). For each, the relevant tests run
against a copy of the package with that one change (``PYTHONPATH`` puts the copy first, so
the CLI subprocesses the tests start use it too), stopping at the first failure. A mutant
is *killed* when a test fails (or the run hangs past the time limit), *survived* when all
pass. The score is killed / all; the survivors are printed with their line, to read: some
are equivalent (no behaviour changes), the others are missing tests.

Not part of the test command: a full run takes several minutes.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "storage": (["triage_tui/storage/store.py", "triage_tui/storage/jsonfile.py",
                 "triage_tui/storage/trust.py", "triage_tui/storage/migrations.py"],
                ["tests/test_storage_files.py", "tests/test_storage.py",
                 "tests/test_cli_history.py"]),
    "export": (["triage_tui/export.py"],
               ["tests/test_export.py", "tests/test_cli_history.py", "tests/test_cli_assess.py"]),
}
COPY = ("triage_tui", "tests", "templates", "pyproject.toml")
SKIP_FUNCTIONS = {"__repr__"}  # texts nobody asserts on
FLIP = {ast.Eq: "!=", ast.NotEq: "==", ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">",
        ast.In: "not in", ast.NotIn: "in", ast.Is: "is not", ast.IsNot: "is"}
BINOP = {ast.Add: "-", ast.Sub: "+", ast.Mult: "//", ast.FloorDiv: "*"}


@dataclass(frozen=True)
class Mutant:
    path: str
    line: int
    start: int  # offsets into the source text
    end: int
    replacement: str
    what: str

    def apply(self, source: str) -> str:
        return source[: self.start] + self.replacement + source[self.end :]


def _offsets(source: str) -> list[int]:
    starts, pos = [], 0
    for line in source.splitlines(keepends=True):
        starts.append(pos)
        pos += len(line)
    return starts


def mutants_of(path: str) -> list[Mutant]:
    source = (ROOT / path).read_text("utf-8")
    tree = ast.parse(source)
    starts = _offsets(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and (
            node.name in SKIP_FUNCTIONS
        ):
            skip.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                doc = body[0]
                skip.update(range(doc.lineno, (doc.end_lineno or doc.lineno) + 1))

    def span(node: ast.AST) -> tuple[int, int]:
        return (starts[node.lineno - 1] + node.col_offset,
                starts[node.end_lineno - 1] + node.end_col_offset)  # type: ignore[attr-defined, operator]

    def text(node: ast.AST) -> str:
        a, b = span(node)
        return source[a:b]

    out: list[Mutant] = []

    def add(node: ast.AST, replacement: str, what: str) -> None:
        if node.lineno in skip:  # type: ignore[attr-defined]
            return
        a, b = span(node)
        out.append(Mutant(path, node.lineno, a, b, replacement, what))  # type: ignore[attr-defined]

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in FLIP:
            new = FLIP[type(node.ops[0])]
            add(node, f"{text(node.left)} {new} {text(node.comparators[0])}", f"comparison → {new}")
        elif isinstance(node, ast.BoolOp):
            other = " or " if isinstance(node.op, ast.And) else " and "
            add(node, "(" + other.join(f"({text(v)})" for v in node.values) + ")",
                f"{'and' if other == ' or ' else 'or'} → {other.strip()}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node, f"({text(node.operand)})", "not dropped")
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP:
            new = BINOP[type(node.op)]
            add(node, f"({text(node.left)} {new} {text(node.right)})", f"operator → {new}")
        elif isinstance(node, ast.Constant) and type(node.value) in (bool, int):
            if isinstance(node.value, bool):
                add(node, str(not node.value), f"{node.value} → {not node.value}")
            else:
                add(node, str(node.value + 1), f"{node.value} → {node.value + 1}")
        elif isinstance(node, (ast.If, ast.While)) and not isinstance(node.test, ast.Constant):
            add(node.test, f"not ({text(node.test)})", "condition negated")
        elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            add(node, "return None", "returns None")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.For, ast.While, ast.If,
                             ast.With, ast.Try)):
            for stmt in node.body:
                if isinstance(stmt, (ast.Expr, ast.Raise, ast.Assign, ast.AugAssign)) and not (
                    isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                ):
                    add(stmt, "pass", "statement removed")
    out.sort(key=lambda m: (m.line, m.start, m.what))
    return out


def run_mutant(mutant: Mutant, tests: list[str], timeout: float) -> tuple[Mutant, bool, float]:
    """(mutant, killed, seconds)."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        # A copy of what the tests need, run from there: the copy comes first on sys.path
        # (the current folder) for pytest and, through PYTHONPATH, for the CLI processes.
        for name in COPY:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, Path(tmp) / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy(source, Path(tmp) / name)
        target = Path(tmp) / mutant.path
        target.write_text(mutant.apply((ROOT / mutant.path).read_text("utf-8")), "utf-8")
        env = dict(os.environ, PYTHONPATH=tmp, PYTHONDONTWRITEBYTECODE="1")
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-m", "not slow", *tests]
        try:
            result = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, timeout=timeout)
            killed = result.returncode != 0
        except subprocess.TimeoutExpired:
            killed = True  # a hang is noticed
    return mutant, killed, time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", default="storage", choices=sorted(TARGETS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--list", action="store_true", help="list the mutants only")
    parser.add_argument("--file", help="only mutants of this file (a path in the target)")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="a random sample of N mutants (an estimate, for a quick look)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    files, tests = TARGETS[args.target]
    if args.file:
        files = [f for f in files if f == args.file]
    mutants = [m for f in files for m in mutants_of(f)]
    if args.sample and args.sample < len(mutants):
        import random

        mutants = sorted(random.Random(args.seed).sample(mutants, args.sample),
                         key=lambda m: (m.path, m.line, m.start))
    if args.list:
        for m in mutants:
            print(f"{m.path}:{m.line}: {m.what}: {m.replacement[:70]!r}")
        print(f"{len(mutants)} mutants")
        return 0
    print(f"{len(mutants)} mutants of {', '.join(files)}; tests: {' '.join(tests)}", flush=True)
    # The tests must pass on the unchanged code, and the copy must be what they import.
    if run_mutant(Mutant(files[0], 1, 0, 0, "", "none"), tests, args.timeout)[1]:
        raise SystemExit("the tests fail on the unchanged code: fix that first")
    broken = Mutant(files[0], 1, 0, len((ROOT / files[0]).read_text("utf-8")),
                    "raise ImportError('mutated')\n", "module broken")
    if not run_mutant(broken, tests, args.timeout)[1]:
        raise SystemExit("a broken module went unnoticed: the tests do not import the copy")
    survivors: list[Mutant] = []
    done = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for mutant, killed, seconds in pool.map(lambda m: run_mutant(m, tests, args.timeout),
                                                 mutants):
            done += 1
            if not killed:
                survivors.append(mutant)
            print(f"[{done}/{len(mutants)}] {'killed  ' if killed else 'SURVIVED'} "
                  f"{mutant.path}:{mutant.line} {mutant.what} ({seconds:.0f} s)", flush=True)
    killed_count = len(mutants) - len(survivors)
    print("\nsurvivors:")
    for m in survivors:
        line = (ROOT / m.path).read_text("utf-8").splitlines()[m.line - 1].strip()
        print(f"  {m.path}:{m.line}: {m.what}: {line[:90]}")
    score = 100 * killed_count / len(mutants) if mutants else 100.0
    print(f"\n{args.target}: {killed_count}/{len(mutants)} mutants killed ({score:.1f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
