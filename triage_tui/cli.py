"""The `triage` command line. Never imports Textual unless it opens the TUI."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn

from .config import load_settings
from .domain.engine import account_value_reason, assess, suggest_account_value
from .domain.models import Assessment, Draft, Rationale, Scores
from .domain.parse import (
    parse_amount,
    parse_date,
    parse_positive_int,
    parse_record_id,
    parse_satisfaction,
    parse_score,
)
from .domain.rubric import (
    DIMENSIONS,
    REVIEW_NAME,
    REVIEW_PERIOD_DAYS,
    Decision,
    Dimension,
    IssueType,
    Signal,
    Strategic,
    decision_from_text,
    plural,
)
from .domain.settings import Settings
from .errors import TriageError
from .export import ExportError, check_target, write_brief
from .paths import db_path
from .reports import (
    cell,
    followup_lines,
    history_lines,
    lifecycle_lines,
    local_time,
    review_lines,
    summary_lines,
)

if TYPE_CHECKING:
    from .storage import HistoryStore

PROG = "triage"


class CliError(TriageError):
    """Bad input or an impossible request: one line on stderr, exit 2."""


# ----------------------------------------------------------------------------- parsing


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one clear line and exit 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message}\n")


def _arg(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """A domain parser as an argparse ``type``: its error (a :class:`ParseError`, or any
    ValueError saying what is wrong) becomes argparse's one line."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


_score = _arg(parse_score)
_satisfaction = _arg(parse_satisfaction)
_positive_int = _arg(parse_positive_int)
_record_id = _arg(parse_record_id)
_date = _arg(parse_date)
_amount = _arg(parse_amount)
_decision = _arg(decision_from_text)  # a decision slug, or the word the history table prints


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
    p.add_argument("--by", type=_date, metavar="YYYY-MM-DD", help="deadline for the ask")
    p.add_argument("--comms", default="", metavar="T", help="customer communication plan")
    p.add_argument("--open-since", type=_date, metavar="YYYY-MM-DD",
                   help="when the issue was opened (for the late-escalation check)")
    p.add_argument("--manager-surprised", action="store_true",
                   help="your manager would be surprised to hear this from the customer")
    p.add_argument("--signal", action="append", default=[], metavar="S",
                   choices=[s.value for s in Signal],
                   help="escalation signal (repeatable): " + ", ".join(s.value for s in Signal))
    for dim, flag in _WHY_FLAGS.items():
        p.add_argument(flag, default="", metavar="T", help=f"rationale for {DIMENSIONS[dim].phrase}")
    p.add_argument("--arr", type=_amount, metavar="AMOUNT", help="annual recurring revenue")
    p.add_argument("--strategic", choices=[s.value for s in Strategic],
                   help="strategic tier: none, moderate, high")
    p.add_argument("--save", action="store_true", help="save to the history")
    p.add_argument("--export", metavar="PATH|-", help="write the brief: a file, a directory or -")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_assess)

    decisions = [d.value for d in Decision]
    p = sub.add_parser("history", parents=[db], help="past assessments, newest first")
    p.add_argument("--account", metavar="TEXT", help="account name contains TEXT (any case)")
    p.add_argument("--decision", type=_decision, metavar="D",
                   help="only this decision: " + ", ".join(decisions)
                   + " (or the word the table shows, e.g. immediately)")
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

    p = sub.add_parser("stats", parents=[db], help=f"the pattern review (the {REVIEW_NAME})")
    period = p.add_mutually_exclusive_group()
    period.add_argument("--days", type=_positive_int, metavar="N", default=REVIEW_PERIOD_DAYS,
                        help=f"only assessments of the last N days (default: {REVIEW_PERIOD_DAYS}, "
                        f"the {REVIEW_NAME})")
    period.add_argument("--all", action="store_true", help="the whole history")
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
    if args.export and args.export != "-":  # a bad path must not leave a saved record
        check_target(Path(args.export), a.account, a.created_at.astimezone().date())
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


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(args)
    items = store.query(account=args.account, decision=args.decision, limit=args.limit)
    if args.json:
        _print_json([a.to_json() for a in items])
        return 0
    total = store.count()
    if not items:
        what = "no assessment matches" if (args.account or args.decision) else "no assessments yet"
        print(f"{what} in {args.db}")
        return 0
    print("\n".join(history_lines(items, datetime.now(timezone.utc))))
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
    print(f"#{a.id} {cell(a.account)} resolved, satisfaction {a.satisfaction}/5")
    if a.checkin_due_at is not None:
        print(f"post-escalation check-in with the customer due by {local_time(a.checkin_due_at)}; "
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
    print("\n".join(followup_lines(items, now)))
    print("after talking to the customer: triage checkin ID")
    return 0


def cmd_checkin(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(args)
    before = store.get(args.id)
    a = store.checkin(args.id, datetime.now(timezone.utc))
    if args.json:
        _print_json(a.to_json())
    elif before.checkin_done_at is not None:
        print(f"#{a.id} {cell(a.account)}: check-in already done {local_time(a.checkin_done_at)}")
    else:
        print(f"#{a.id} {cell(a.account)}: post-escalation check-in done")
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.review import build_review
    from .readmodel import load_review_rows, row_from_doc

    now = datetime.now(timezone.utc)
    store = _store(args)
    if args.all:
        # Plain documents, one at a time: no pydantic per record, no second copy of the history.
        rows = [row_from_doc(doc) for doc in store.each_document()]
    else:  # the period's records and the pending follow-ups only, as the review screen reads
        rows = load_review_rows(store, now - timedelta(days=args.days))
    review = build_review(rows, now, None if args.all else args.days)
    if args.json:
        _print_json(review.to_dict(json_safe=True))
    else:
        print("\n".join(review_lines(review)))
    return 0


def cmd_recover(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(args)
    if not store.exists():
        print(f"nothing to recover: {args.db} does not exist (the history starts empty)")
        return 0
    moved = store.recover()
    if moved is None:
        print(f"{args.db} is a healthy history ({plural(store.count(), 'assessment')}): "
              "nothing to recover")
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
            f"{path} already has {plural(store.count(), 'assessment')}: use --force to replace them "
            "(the old file is kept, renamed)"
        )
    items = demo_assessments(args.count or DEFAULT_COUNT, datetime.now(timezone.utc),
                             DEFAULT_SEED if args.seed is None else args.seed)
    store.add_many(items)
    if kept is not None:
        print(f"kept the previous file as {kept}")
    print(f"wrote {plural(len(items), 'demo assessment')} to {path}")
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
            if args.command not in (None, "demo"):
                print(f"{PROG}: using the demo history ({args.db}), not yours", file=sys.stderr)
        args.db = db_path(args.db)
        settings = load_settings()
        if args.command is None:
            return run_tui(args.db, settings, demo=args.demo)
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


def run_tui(db: Path, settings: Settings, demo: bool = False) -> int:
    restore = _disable_flow_control()  # before the (slow) Textual import: see below
    try:
        from .tui.app import make_app

        app = make_app(db_path=db, settings=settings)
        if demo:
            app.sub_title = "the demo history, not yours"
        app.run()
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
