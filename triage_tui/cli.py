"""The `triage` command line. Never imports Textual unless it opens the TUI."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn

from .config import load_settings
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
from .export import ExportError, resolve_target, write_brief
from .errors import TriageError
from .paths import db_path

if TYPE_CHECKING:
    from .domain.review import Review
    from .storage import HistoryStore

PROG = "triage"


class CliError(TriageError):
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


def _record_id(text: str) -> int:
    try:
        value = int(text.strip().lstrip("#"))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"ID must be an assessment number like 12, got {text!r}")
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
    parser.add_argument("--demo", action="store_true",
                        help="use the demo history (demo.json in the user data dir, "
                        "filled with sample assessments on first use) instead of yours")
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

    decisions = [d.value for d in Decision]
    p = sub.add_parser("history", parents=[db], help="past assessments, newest first")
    p.add_argument("--account", metavar="TEXT", help="account name contains TEXT (any case)")
    p.add_argument("--decision", choices=decisions, metavar="D",
                   help="only this decision: " + ", ".join(decisions))
    p.add_argument("--limit", type=_positive_int, metavar="N", help="at most N assessments")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("show", parents=[db], help="one assessment and its brief")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("export", parents=[db], help="write the brief of a saved assessment")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("target", nargs="?", default="-", metavar="PATH|-",
                   help="a file, a directory (file named from date and account) or - "
                   "for standard output (the default)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("resolve", parents=[db], help="record the outcome of an assessment")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--satisfaction", type=_satisfaction, required=True, metavar="1-5",
                   help="how satisfied the customer was with the outcome")
    p.add_argument("--note", default="", metavar="T", help="what happened")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser("followups", parents=[db],
                       help="resolved escalations whose 48-hour check-in is not done")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_followups)

    p = sub.add_parser("checkin", parents=[db],
                       help="mark the post-escalation check-in with the customer done")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_checkin)

    p = sub.add_parser("stats", parents=[db], help="the pattern review (monthly review)")
    p.add_argument("--days", type=_positive_int, metavar="N",
                   help="only assessments of the last N days (default: all)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("recover", parents=[db],
                       help="move a corrupt or foreign history file aside and start afresh")
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("demo", parents=[db],
                       help="fill a separate demo history with sample assessments")
    p.add_argument("--force", action="store_true",
                   help="replace a file that already has records (it is kept, renamed)")
    p.add_argument("--count", type=_positive_int, default=None, metavar="N",
                   help="how many assessments (default 60)")
    p.add_argument("--seed", type=int, default=None, metavar="N", help="random seed")
    p.set_defaults(func=cmd_demo)
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
    if args.export:
        _check_export_target(args.export, a)  # a bad path must not leave a saved record
    if args.save:
        a = save_assessment(args, a)
    try:
        exported = export_brief(a, args.export, settings) if args.export else None
    except CliError as exc:
        if args.save:
            raise CliError(f"saved as #{a.id} in {args.db}, but {exc}") from None
        raise
    if args.json:
        data = a.to_json()
        if exported is not None:
            data["exported_to"] = str(exported)
        _print_json(data)
    elif args.export != "-":
        print("\n".join(summary_lines(a)))
        if exported is not None:
            print(f"brief written to {exported}")
        if args.save:
            print(f"saved as #{a.id} in {args.db}")
    elif args.save:
        print(f"saved as #{a.id} in {args.db}", file=sys.stderr)
    return 0


def _store(args: argparse.Namespace) -> HistoryStore:
    from .storage import HistoryStore

    return HistoryStore(args.db)


def save_assessment(args: argparse.Namespace, a: Assessment) -> Assessment:
    return _store(args).add(a)


def _check_export_target(target: str, a: Assessment) -> None:
    """Refuse a bad --export path before anything is saved."""
    if target == "-":
        return
    path = resolve_target(Path(target), a.account, a.created_at.astimezone().date())
    if path.is_dir():
        raise CliError(f"cannot export to {path}: it is a directory")
    if not path.parent.is_dir():
        raise CliError(f"cannot export to {path}: folder {path.parent} does not exist")
    if path.exists():
        raise CliError(
            f"cannot export to {path}: file already exists (choose another name or give a directory)"
        )


def _local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if not moment:
        return ""
    try:
        moment = moment.astimezone()
    except (OverflowError, ValueError):  # a stored date at the calendar's edge: as stored
        pass
    return moment.strftime(fmt)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _cell(text: str, width: int | None = None) -> str:
    """User text for a terminal line: no control characters, cut to ``width``."""
    text = _CONTROL.sub(" ", text)
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def _table(header: list[str], rows: list[list[str]], right: frozenset[int] = frozenset()) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def fmt(cells: list[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip()

    return [fmt(header), *(fmt(r) for r in rows)]


_SHORT_DECISION = {
    Decision.HANDLE_YOURSELF: "handle yourself",
    Decision.ESCALATE_FOR_SUPPORT: "for support",
    Decision.ESCALATE_WITH_URGENCY: "with urgency",
    Decision.ESCALATE_IMMEDIATELY: "immediately",
}


def _status(a: Assessment, now: datetime) -> str:
    if a.followup_overdue(now):
        return "check-in overdue"
    if a.followup_pending():
        return "check-in due"
    return a.status


def lifecycle_lines(a: Assessment, now: datetime) -> list[str]:
    lines = [f"  saved: {_local(a.created_at)}"]
    if a.resolved_at is None:
        lines.append("  status: open")
        return lines
    lines.append(
        f"  status: resolved {_local(a.resolved_at)}, satisfaction {a.satisfaction}/5"
        + (f" ({_cell(a.resolution_note)})" if a.resolution_note else "")
    )
    if a.checkin_done_at is not None:
        lines.append(f"  check-in: done {_local(a.checkin_done_at)}")
    elif a.checkin_due_at is not None:
        state = "overdue since" if a.followup_overdue(now) else "due by"
        lines.append(f"  check-in: {state} {_local(a.checkin_due_at)} "
                     f"(triage checkin {a.id} when done)")
    return lines


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(args)
    items = store.query(account=args.account, decision=args.decision, limit=args.limit)
    if args.json:
        _print_json([a.to_json() for a in items])
        return 0
    total = store.count()
    if not items:
        what = "no assessments match" if (args.account or args.decision) else "no assessments yet"
        print(f"{what} in {args.db}")
        return 0
    now = datetime.now(timezone.utc)
    rows = [
        [str(a.id), _local(a.created_at, "%Y-%m-%d"), _cell(a.account, 24), f"{a.total}/20",
         _SHORT_DECISION[a.decision], a.issue_type.value, _status(a, now)]
        for a in items
    ]
    print("\n".join(_table(["ID", "DATE", "ACCOUNT", "SCORE", "DECISION", "TYPE", "STATUS"],
                           rows, right=frozenset({0, 3}))))
    print(f"{len(items)} of {total} in {args.db}, newest first")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    a = _store(args).get(args.id)
    if args.json:
        _print_json(a.to_json())
        return 0
    from .domain.brief import render_brief

    try:
        brief = render_brief(a, settings)
    except Exception as exc:  # a user template can fail in many ways
        raise CliError(f"cannot render the brief template: {exc}") from None
    lines = summary_lines(a) + lifecycle_lines(a, datetime.now(timezone.utc))
    print("\n".join(lines))
    print()
    sys.stdout.write(brief)
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    a = _store(args).get(args.id)
    written = export_brief(a, args.target, settings)
    if written is not None:
        print(f"brief written to {written}")
    return 0


def cmd_resolve(args: argparse.Namespace, settings: Settings) -> int:
    a = _store(args).resolve(args.id, args.satisfaction, args.note, datetime.now(timezone.utc))
    if args.json:
        _print_json(a.to_json())
        return 0
    print(f"#{a.id} {_cell(a.account)} resolved, satisfaction {a.satisfaction}/5")
    if a.checkin_due_at is not None:
        print(f"post-escalation check-in with the customer due by {_local(a.checkin_due_at)}; "
              f"when done: triage checkin {a.id}")
    return 0


def cmd_followups(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(timezone.utc)
    items = _store(args).followups()
    if args.json:
        _print_json([{**a.to_json(), "checkin_overdue": a.followup_overdue(now)} for a in items])
        return 0
    if not items:
        print("no post-escalation check-ins due")
        return 0
    rows = []
    for a in items:
        due = a.checkin_due_at
        assert due is not None
        hours = abs(due - now).total_seconds() / 3600
        state = f"overdue by {hours:.0f} h" if now > due else f"due in {hours:.0f} h"
        rows.append([str(a.id), _cell(a.account, 24), _SHORT_DECISION[a.decision],
                     _local(a.resolved_at), _local(due), state])
    print("\n".join(_table(["ID", "ACCOUNT", "DECISION", "RESOLVED", "CHECK-IN DUE", "STATE"],
                           rows, right=frozenset({0}))))
    print("after talking to the customer: triage checkin ID")
    return 0


def cmd_checkin(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(args)
    before = store.get(args.id)
    a = store.checkin(args.id, datetime.now(timezone.utc))
    if args.json:
        _print_json(a.to_json())
    elif before.checkin_done_at is not None:
        print(f"#{a.id} {_cell(a.account)}: check-in already done {_local(a.checkin_done_at)}")
    else:
        print(f"#{a.id} {_cell(a.account)}: post-escalation check-in done")
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.review import ReviewItem, build_review

    now = datetime.now(timezone.utc)
    # Plain documents, one at a time: no pydantic per record, no second copy of the history.
    items = [ReviewItem.from_json(doc) for doc in _store(args).each_document()]
    review = build_review(items, now, args.days)
    if args.json:
        _print_json(review.model_dump(mode="json"))
    else:
        print("\n".join(review_lines(review)))
    return 0


def review_lines(review: Review) -> list[str]:
    """The pattern review as text."""
    period = f"last {review.period_days} days" if review.period_days else "all time"
    out = [f"Escalation review ({period}): {review.assessments} assessments, "
           f"{review.escalations} escalations, {review.open} open, {review.resolved} resolved"]
    if not review.assessments:
        return out + ["nothing to review yet"]

    out += ["", "By decision"]
    out += [f"  {c.label:<24}{c.count:>5}" for c in review.by_decision]
    out += ["", "By issue type"]
    out += [f"  {c.key:<24}{c.count:>5}" for c in review.by_issue_type]

    out += ["", f"Accounts escalating repeatedly (2+ within {review.repeat_window_days} days)"]
    if review.repeat_accounts:
        out += [f"  {_cell(r.account, 30):<32}{r.escalations:>3} escalations "
                f"(up to {r.most_in_window} in {review.repeat_window_days} days), "
                f"last {_local(r.last_at, '%Y-%m-%d')}" for r in review.repeat_accounts]
    else:
        out.append("  none")

    t = review.time_to_escalate
    out += ["", "Time to escalate (business days open when assessed)"]
    if t.measured:
        out.append(f"  average {t.average_days}, median {t.median_days}, longest {t.max_days} "
                   f"({t.measured} escalations with an open date); flagged late: {t.late}")
    else:
        out.append("  no escalation recorded when its issue was opened")

    out += ["", "Time to resolve escalations, by quarter resolved (days)"]
    if review.time_to_resolve:
        out += [f"  {q.quarter}  {q.resolved:>3} resolved  average {q.average_days:>5}  "
                f"median {q.median_days:>5}" for q in review.time_to_resolve]
        trend = {"growing": "growing: the process has a bottleneck",
                 "shrinking": "shrinking", "steady": "steady"}.get(review.resolve_trend or "")
        if trend:
            out.append(f"  last quarter against the one before: {trend}")
    else:
        out.append("  no escalation resolved yet")

    sat = review.satisfaction
    out += ["", "Satisfaction"]
    if sat.rated:
        dist = "  ".join(f"{n}:{c}" for n, c in sat.distribution.items())
        out.append(f"  average {sat.average}/5 over {sat.rated} resolved ({dist})")
    else:
        out.append("  no satisfaction recorded yet")

    out += ["", "Calibration (resolved escalations per band)"]
    out.append(f"  {'band':<24}{'resolved':>9}{'avg satisfaction':>18}{'avg days':>10}")
    for row in review.calibration:
        avg_sat = "-" if row.average_satisfaction is None else f"{row.average_satisfaction}"
        avg_days = "-" if row.average_days_to_resolve is None else f"{row.average_days_to_resolve}"
        out.append(f"  {row.label:<24}{row.resolved:>9}{avg_sat:>18}{avg_days:>10}")

    out += ["", f"Follow-ups due: {len(review.followups)} "
            f"({review.followups_overdue} overdue): triage followups"]
    return out


def cmd_recover(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(args)
    if not store.exists():
        print(f"nothing to recover: {args.db} does not exist (the history starts empty)")
        return 0
    moved = store.recover()
    if moved is None:
        print(f"{args.db} is a healthy history ({store.count()} assessments): nothing to recover")
        return 0
    print(f"moved {args.db} aside to {moved} (unchanged); a new history starts with the next save")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from .storage import HistoryStore
    from .storage.demo import DEFAULT_COUNT, DEFAULT_SEED, demo_assessments, demo_db_path

    path = Path(args.db_flag).expanduser() if args.db_flag else demo_db_path()
    store = HistoryStore(path)
    kept = None
    if args.force:
        kept = store.archive("replaced")
    elif store.count():
        raise CliError(
            f"{path} already has {store.count()} assessments: use --force to replace them "
            "(the old file is kept, renamed)"
        )
    items = demo_assessments(args.count or DEFAULT_COUNT, datetime.now(timezone.utc),
                             DEFAULT_SEED if args.seed is None else args.seed)
    store.add_many(items)
    if kept is not None:
        print(f"kept the previous file as {kept}")
    print(f"wrote {len(items)} demo assessments to {path}")
    db = shlex.quote(str(path))
    print(f"try: triage --db {db} history · triage --db {db} stats · triage --db {db}")
    return 0


def fill_demo(path: Path) -> None:
    """``--demo``: the demo file, filled on first use."""
    from .storage import HistoryStore
    from .storage.demo import DEFAULT_COUNT, DEFAULT_SEED, demo_assessments

    store = HistoryStore(path)
    if not store.exists():
        store.add_many(demo_assessments(DEFAULT_COUNT, datetime.now(timezone.utc), DEFAULT_SEED))


# ----------------------------------------------------------------------------- entry


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.db_flag = args.db
        if args.demo:
            if args.db_flag:
                raise CliError("--demo and --db both choose the history file; give one")
            from .storage.demo import demo_db_path

            args.db = args.db_flag = demo_db_path()
            if args.command not in ("demo", "recover"):
                fill_demo(args.db)
        args.db = db_path(args.db)
        settings = load_settings()
        if args.command is None:
            return run_tui(args.db, settings)
        func: Callable[[argparse.Namespace, Settings], int] = args.func
        return func(args, settings)
    except TriageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. --db names a folder, or a file we may not read
        where = exc.filename if isinstance(exc.filename, str) else getattr(args, "db", None)
        print(f"{PROG}: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def run_tui(db: Path, settings: Settings) -> int:
    restore = _disable_flow_control()  # before the (slow) Textual import: see below
    try:
        from .tui.app import make_app

        make_app(db_path=db, settings=settings).run()
    finally:
        restore()
    return 0


def _disable_flow_control() -> Callable[[], None]:
    """Turn off the terminal's XON/XOFF at once, so a ctrl+s typed (or scripted) while the
    app is still starting reaches it as "save" instead of freezing the terminal."""
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        changed = list(saved)
        changed[0] &= ~termios.IXON
        termios.tcsetattr(fd, termios.TCSANOW, changed)
    except (ImportError, OSError, ValueError):
        return lambda: None
    except Exception:  # termios.error
        return lambda: None

    def restore() -> None:
        try:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        except Exception:
            pass

    return restore
