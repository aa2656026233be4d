"""The `triage` command line. Never imports Textual unless it opens the TUI."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, NoReturn

from .config import ConfigError, load_settings
from .domain.engine import account_value_reason, assess, suggest_account_value
from .domain.models import Assessment, Draft, Rationale, Scores
from .domain.rubric import (
    BAND_BY_DECISION,
    DIMENSIONS,
    ISSUE_TYPES,
    SCORE_MAX,
    SCORE_MIN,
    Decision,
    Dimension,
    IssueType,
    Signal,
    Strategic,
)
from .domain.settings import Settings
from .export import ExportError, write_brief
from .paths import db_path

PROG = "triage"


class CliError(Exception):
    """Bad input or an impossible request: one line on stderr, exit 2."""


# ----------------------------------------------------------------------------- parsing


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one clear line and exit 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message}\n")


def _score(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"score must be a whole number {SCORE_MIN}-{SCORE_MAX}, got {text!r}"
        ) from None
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise argparse.ArgumentTypeError(
            f"score must be {SCORE_MIN}-{SCORE_MAX}, got {value}"
        )
    return value


def _satisfaction(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise argparse.ArgumentTypeError(f"satisfaction must be 1-5, got {text!r}")
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str) -> date:
    if not _ISO_DATE.match(text.strip()):
        raise argparse.ArgumentTypeError(f"date must be YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a real date: {text!r}") from None


def parse_amount(text: str) -> float:
    """ARR: 42000, 42,000, 42k, 1.2m (currency symbols and spaces ignored)."""
    cleaned = re.sub(r"[\s,_€$£]", "", text.strip().lower())
    for code in ("eur", "usd", "gbp"):
        cleaned = cleaned.removeprefix(code).removesuffix(code)
    factor = 1.0
    if cleaned.endswith("k"):
        factor, cleaned = 1_000.0, cleaned[:-1]
    elif cleaned.endswith("m"):
        factor, cleaned = 1_000_000.0, cleaned[:-1]
    try:
        value = float(cleaned) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"ARR must be an amount like 42000 or 42k, got {text!r}") from None
    if value < 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"ARR must be a positive amount, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {text!r}")
    return value


def _db_parent() -> argparse.ArgumentParser:
    parent = _Parser(add_help=False)
    parent.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="history file (default: $TRIAGE_DB, else history.json in the user data dir)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Escalation triage for Customer Success Managers. "
        "With no command, opens the terminal app.",
    )
    parser.add_argument("--db", metavar="PATH", default=None, help="history file")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    db = _db_parent()

    p = sub.add_parser("assess", parents=[db], help="score a situation and decide")
    p.add_argument("--account", required=True, help="account name")
    p.add_argument("--impact", type=_score, help="customer impact 1-5")
    p.add_argument("--value", type=_score, help="account value 1-5 (or --arr/--strategic)")
    p.add_argument("--time", type=_score, help="time sensitivity 1-5")
    p.add_argument("--capability", type=_score, help="CSM capability 1-5")
    p.add_argument("--type", required=True, choices=[t.value for t in IssueType], metavar="TYPE",
                   help="issue type: " + ", ".join(t.value for t in IssueType))
    p.add_argument("--situation", default="", metavar="T")
    p.add_argument("--ask", default="", metavar="T", help="the specific ask")
    p.add_argument("--by", type=parse_date, metavar="YYYY-MM-DD", help="deadline for the ask")
    p.add_argument("--comms", default="", metavar="T", help="customer communication plan")
    p.add_argument("--open-since", type=parse_date, metavar="YYYY-MM-DD",
                   help="when the issue was opened (for the late-escalation check)")
    p.add_argument("--manager-surprised", action="store_true",
                   help="your manager would be surprised to hear this from the customer")
    p.add_argument("--signal", action="append", default=[], metavar="S",
                   choices=[s.value for s in Signal],
                   help="escalation signal (repeatable): " + ", ".join(s.value for s in Signal))
    for dim, flag in _WHY_FLAGS.items():
        p.add_argument(flag, default="", metavar="T", help=f"rationale for {DIMENSIONS[dim].phrase}")
    p.add_argument("--arr", type=parse_amount, metavar="AMOUNT", help="annual recurring revenue")
    p.add_argument("--strategic", choices=[s.value for s in Strategic],
                   help="strategic tier: none, moderate, high")
    p.add_argument("--save", action="store_true", help="save to the history")
    p.add_argument("--export", metavar="PATH|-", help="write the brief: a file, a directory or -")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_assess)
    return parser


_WHY_FLAGS = {
    Dimension.CUSTOMER_IMPACT: "--why-impact",
    Dimension.ACCOUNT_VALUE: "--why-value",
    Dimension.TIME_SENSITIVITY: "--why-time",
    Dimension.CSM_CAPABILITY: "--why-capability",
}


# ----------------------------------------------------------------------------- helpers


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def summary_lines(a: Assessment) -> list[str]:
    """A readable summary of one assessment for the terminal."""
    band = BAND_BY_DECISION[a.decision]
    head = f"{a.account}: {a.total}/20 · {band.label}"
    if a.id is not None:
        head = f"#{a.id} {head}"
    lines = [head]
    if a.raised_by_manager_surprise:
        lines.append(
            f"  (score says {BAND_BY_DECISION[a.score_decision].label.lower()}; "
            "raised by the manager-surprise test)"
        )
    lines.append(
        "  scores: "
        + ", ".join(f"{DIMENSIONS[d].phrase} {a.scores[d]}" for d in Dimension)
    )
    lines.append(f"  type: {ISSUE_TYPES[a.issue_type].label}")
    if a.route:
        lines.append(f"  route to: {a.route.to} ({a.route.when.lower()})")
    lines.append(f"  why: {a.why.text}")
    for what_if in (a.what_if.up, a.what_if.down):
        if what_if:
            lines.append(f"  what if: {what_if.text}")
    if a.warnings:
        lines.append("  warnings:")
        lines.extend(f"    ! [{w.code}] {w.message}" for w in a.warnings)
    return lines


def export_brief(
    a: Assessment, target: str, settings: Settings, *, stdout_ok: bool = True
) -> Path | None:
    """Render and write the brief; `-` prints it. Returns the path written, if any."""
    from .domain.brief import render_brief

    try:
        text = render_brief(a, settings)
    except Exception as exc:  # a user template can fail in many ways
        raise CliError(f"cannot render the brief template: {exc}") from None
    if target == "-":
        if not stdout_ok:
            raise CliError("--export - and --json both write to standard output; pick one")
        sys.stdout.write(text)
        return None
    try:
        return write_brief(text, Path(target), a.account, a.created_at.astimezone().date())
    except ExportError as exc:
        raise CliError(str(exc)) from None


# ----------------------------------------------------------------------------- commands


def cmd_assess(args: argparse.Namespace, settings: Settings) -> int:
    account = args.account.strip()
    if not account:
        raise CliError("--account must not be empty")
    value = args.value
    rationale = {dim: getattr(args, flag[2:].replace("-", "_")) for dim, flag in _WHY_FLAGS.items()}
    strategic = Strategic(args.strategic) if args.strategic else None
    if value is None:
        if args.arr is None and strategic is None:
            raise CliError("account value missing: give --value N or --arr AMOUNT [--strategic TIER]")
        value = suggest_account_value(args.arr, strategic, settings)
        if not rationale[Dimension.ACCOUNT_VALUE]:
            reason = account_value_reason(args.arr, strategic, settings)
            rationale[Dimension.ACCOUNT_VALUE] = f"{reason} (suggested {value})"
    missing = [
        flag for flag, v in (("--impact", args.impact), ("--time", args.time),
                             ("--capability", args.capability)) if v is None
    ]
    if missing:
        raise CliError(f"missing score: {', '.join(missing)} (each 1-5)")
    now = datetime.now(timezone.utc)
    if args.open_since and args.open_since > now.astimezone().date():
        raise CliError(f"--open-since {args.open_since} is in the future")
    draft = Draft(
        account=account,
        arr=args.arr,
        strategic=strategic,
        scores=Scores(
            customer_impact=args.impact,
            account_value=value,
            time_sensitivity=args.time,
            csm_capability=args.capability,
        ),
        rationale=Rationale(**{str(d): t for d, t in rationale.items()}),
        issue_type=IssueType(args.type),
        signals=[Signal(s) for s in args.signal],
        manager_surprised=args.manager_surprised,
        open_since=args.open_since,
        situation=args.situation,
        ask=args.ask,
        by=args.by,
        comms=args.comms,
    )
    a = assess(draft, settings, now=now)
    if args.export == "-" and args.json:
        raise CliError("--export - and --json both write to standard output; pick one")
    if args.save:
        a = save_assessment(args, a)
    exported = export_brief(a, args.export, settings) if args.export else None
    if args.json:
        data = a.to_json()
        if exported is not None:
            data["exported_to"] = str(exported)
        _print_json(data)
    elif args.export != "-":
        print("\n".join(summary_lines(a)))
        if exported is not None:
            print(f"brief written to {exported}")
    return 0


def save_assessment(args: argparse.Namespace, a: Assessment) -> Assessment:
    raise CliError("--save is not available yet (the history store is coming)")


# ----------------------------------------------------------------------------- entry


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.db = db_path(args.db)
    try:
        settings = load_settings()
        if args.command is None:
            return run_tui(args.db, settings)
        func: Callable[[argparse.Namespace, Settings], int] = args.func
        return func(args, settings)
    except (CliError, ConfigError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def run_tui(db: Path, settings: Settings) -> int:
    from .tui.app import make_app

    make_app(db_path=db, settings=settings).run()
    return 0
