"""The `triage` command line. Never imports Textual unless it opens the TUI."""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shlex
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn

from .config import current_time, load_settings
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
    BAND_BY_DECISION,
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
from .domain.text import inert, inert_json
from .errors import TriageError
from .export import ExportError, write_brief
from .paths import db_path, is_server_url
from .reports import (
    cell,
    due_lines,
    escalation_lines,
    escalation_review_lines,
    followup_lines,
    history_lines,
    local_time,
    review_lines,
    span,
    status_word,
    summary_lines,
    team_review_lines,
    timeline_lines,
)

if TYPE_CHECKING:
    from .domain.escalation import Escalation
    from .storage.backend import Store

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
MAX_DAYS = 36_500  # stats --days: a century is the longest period a review can ask for
MAX_DEMO = 100_000  # demo --count: more would take minutes and gigabytes for no use
_days = _arg(lambda text: parse_positive_int(text, most=MAX_DAYS))
_demo_count = _arg(lambda text: parse_positive_int(text, most=MAX_DEMO))
_record_id = _arg(parse_record_id)
_date = _arg(parse_date)
_amount = _arg(parse_amount)
_decision = _arg(decision_from_text)  # a decision slug, or the word the history table prints


def _path(what: str) -> Callable[[str], str]:
    """A path argument that must not be empty: ``--db "$UNSET"`` would quietly mean your
    real history, ``--export ""`` the current folder."""

    def path(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"must be {what}, not empty")
        return text

    return path


_db_file = _path("a history file or a team server URL")
_export_target = _path("a file, a directory or -")


def _db_parent() -> argparse.ArgumentParser:
    parent = _Parser(add_help=False)
    parent.add_argument(
        "--db",
        type=_db_file,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="history file or team server URL (postgresql://user@host/db) (default: "
        "$TRIAGE_DB, else history.json in the user data dir)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Escalation triage for Customer Success Managers. "
        "With no command, opens the terminal app.",
    )
    parser.add_argument("--db", type=_db_file, metavar="PATH|URL", default=None,
                        help="history file, or the team server's postgresql:// URL")
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
    p.add_argument("--export", type=_export_target, metavar="PATH|-",
                   help="write the brief: a file, a directory or -")
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
    p.add_argument("target", nargs="?", default="-", type=_export_target, metavar="PATH|-",
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

    p = sub.add_parser("due", parents=[db], help="what needs you now, most urgent first")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--exit-code", action="store_true",
                   help="exit 1 if anything is overdue (for cron, a prompt, a status line)")
    p.add_argument("--team", action="store_true",
                   help="a team lead on the team server: the team's overdue items, per CSM")
    p.set_defaults(func=cmd_due)

    p = sub.add_parser("ack", parents=[db], help="the routed team acknowledged the escalation")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--note", default="", metavar="T", help="who acknowledged, what they said")
    p.set_defaults(func=cmd_ack)

    p = sub.add_parser("update", parents=[db],
                       help="log the customer update you sent (or --draft one)")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--text", default=None, metavar="T", help="what you told the customer")
    p.add_argument("--next", type=_date, metavar="YYYY-MM-DD",
                   help="the day you promised the next update (default: by the cadence)")
    p.add_argument("--draft", action="store_true",
                   help="print a drafted customer update instead (nothing is logged)")
    p.set_defaults(func=cmd_update)

    p = sub.add_parser("note", parents=[db], help="an internal progress note")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--text", required=True, metavar="T")
    p.set_defaults(func=cmd_note)

    p = sub.add_parser("rescore", parents=[db], help="re-assess an escalation in place")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--reason", required=True, metavar="T", help="what changed")
    p.add_argument("--impact", type=_score, help="customer impact 1-5")
    p.add_argument("--value", type=_score, help="account value 1-5")
    p.add_argument("--time", type=_score, help="time sensitivity 1-5")
    p.add_argument("--capability", type=_score, help="CSM capability 1-5")
    p.add_argument("--type", choices=[t.value for t in IssueType], metavar="TYPE",
                   help="issue type: " + ", ".join(t.value for t in IssueType))
    p.add_argument("--signal", action="append", default=None, metavar="S",
                   choices=[s.value for s in Signal],
                   help="escalation signal (repeatable; replaces the recorded ones): "
                   + ", ".join(s.value for s in Signal))
    p.add_argument("--manager-surprised", action="store_true",
                   help="your manager would be surprised to hear this from the customer")
    p.add_argument("--json", action="store_true", help="print JSON (as show --json)")
    p.set_defaults(func=cmd_rescore)

    p = sub.add_parser("deescalate", parents=[db], help="back to handling it yourself")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--reason", required=True, metavar="T")
    p.set_defaults(func=cmd_deescalate)

    p = sub.add_parser("timeline", parents=[db], help="every event of an escalation, oldest first")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("followups", parents=[db],
                       help="resolved escalations whose 48-hour check-in is not done")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_followups)

    p = sub.add_parser("checkin", parents=[db],
                       help="mark the post-escalation check-in with the customer done")
    p.add_argument("id", type=_record_id, metavar="ID")
    p.add_argument("--note", default="", metavar="T", help="what the customer said")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_checkin)

    p = sub.add_parser("stats", parents=[db], help=f"the pattern review (the {REVIEW_NAME})")
    period = p.add_mutually_exclusive_group()
    period.add_argument("--days", type=_days, metavar="N", default=REVIEW_PERIOD_DAYS,
                        help=f"only assessments of the last N days (default: {REVIEW_PERIOD_DAYS}, "
                        f"the {REVIEW_NAME})")
    period.add_argument("--all", action="store_true", help="the whole history")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("recover", parents=[db],
                       help="move a corrupt or foreign history file aside and start afresh")
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("team", help="set up the team server (an admin's commands)")
    team = p.add_subparsers(dest="team_command", metavar="ACTION", parser_class=_Parser,
                            required=True)
    admin = _Parser(add_help=False)
    admin.add_argument("--admin", required=True, metavar="URL",
                       help="the server as its admin: postgresql://admin@host/db (a superuser, "
                       "or the database's owner with CREATEROLE)")
    t = team.add_parser("init", parents=[admin],
                        help="create or upgrade the schema, roles and policies (idempotent)")
    t.set_defaults(func=cmd_team_init)
    t = team.add_parser("add", parents=[admin], help="make USER a CSM (or lead) of a team")
    t.add_argument("user", metavar="USER", help="the person's login role (created if missing)")
    t.add_argument("--team", required=True, metavar="NAME")
    t.add_argument("--lead", action="store_true", help="the team's lead: sees the whole team")
    t.add_argument("--password-stdin", action="store_true",
                   help="set the login's password to the first line read from standard input")
    t.set_defaults(func=cmd_team_add)

    p = sub.add_parser("push", parents=[db],
                       help="copy a local history to the team server (--db URL); twice stores "
                       "nothing twice")
    p.add_argument("--from", dest="source", metavar="PATH", default=None,
                   help="the local history file (default: history.json in the user data dir)")
    p.add_argument("--team", default=None, metavar="NAME",
                   help="the team to file them under (needed if you are in several)")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("demo", parents=[db],
                       help="fill a separate demo history with sample assessments")
    p.add_argument("--force", action="store_true",
                   help="replace a file that already has records (it is kept, renamed)")
    p.add_argument("--count", type=_demo_count, default=None, metavar="N",
                   help=f"how many assessments (default 60, at most {MAX_DEMO})")
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


class TerminalText:
    """A text stream that shows control characters visibly (:func:`inert`, keeping line
    breaks): ``main`` puts one in front of stdout and stderr, so every line any command
    prints — reports, messages, errors, argparse's, a brief sent to ``-`` — reaches the
    terminal (or the pipe) inert, whatever the command. Characters the stream's encoding
    cannot show (a strict ``LC_ALL=C``) are written as backslash escapes, not a traceback."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
        self.unicode = encoding.startswith("utf")

    def write(self, text: str) -> int:
        self.write_inert(inert(text, keep_newlines=True))
        return len(text)

    def write_inert(self, text: str) -> None:
        """Write text already made inert (JSON from :func:`inert_json`): no second pass."""
        if not self.unicode:
            encoding = self.stream.encoding
            text = text.encode(encoding, "backslashreplace").decode(encoding)
        self.stream.write(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding…
        return getattr(self.stream, name)


def _print_json(data: Any) -> None:
    """JSON as stored: valid JSON whose strings parse back to the text as typed, with every
    character that could act on a terminal written as a ``\\u`` escape."""
    out = sys.stdout
    ascii_only = not getattr(out, "unicode", True)
    text = inert_json(json.dumps(data, indent=2, ensure_ascii=ascii_only)) + "\n"
    if isinstance(out, TerminalText):
        out.write_inert(text)
    else:
        out.write(text)


_PATH_ARGS = frozenset({"db", "export", "target"})  # names of files: their bytes are kept
_SURROGATE = re.compile("[\ud800-\udfff]")


def _typed(text: str) -> str:
    """Text from the command line as the user meant it. Bytes the locale could not decode
    (``LC_ALL=C``: Python keeps them as surrogate escapes, which no file can store) are read
    as UTF-8 — an accented name typed in a strict locale comes back whole — and bytes that
    are not UTF-8 either become U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return _SURROGATE.sub("\ufffd", text)


def _typed_args(args: argparse.Namespace) -> None:
    for name, value in vars(args).items():
        if name in _PATH_ARGS:
            continue
        if isinstance(value, str):
            setattr(args, name, _typed(value))
        elif isinstance(value, list):
            setattr(args, name, [_typed(v) if isinstance(v, str) else v for v in value])


def _previous(args: argparse.Namespace, a: Assessment) -> Any:
    """The verdict before the last re-score of a saved assessment (for the brief), or None."""
    if a.id is None:
        return None
    from .domain.escalation import previous_verdict

    return previous_verdict(_store(args).escalation(a.id))


def render(a: Assessment, settings: Settings, previous: Any = None) -> str:
    """The brief's markdown (``previous``: the verdict before a re-score); a user template
    that fails is one line."""
    from .domain.brief import render_brief

    try:
        return render_brief(a, settings, previous=previous)
    except Exception as exc:  # a user template can fail in many ways
        raise CliError(f"cannot render the brief template: {exc}") from None


def deliver(text: str, a: Assessment, target: str) -> Path | None:
    """Write a rendered brief: a file as rendered, or (``-``) standard output, where
    :class:`TerminalText` shows any control character visibly. Returns the file written."""
    if target == "-":
        sys.stdout.write(text)
        return None
    try:
        return write_brief(text, Path(target), a.account, a.created_at.astimezone().date())
    except ExportError as exc:
        raise CliError(str(exc)) from None


def export_brief(
    a: Assessment, target: str, settings: Settings, previous: Any = None
) -> Path | None:
    """Render and write the brief; `-` prints it. Returns the path written, if any."""
    return deliver(render(a, settings, previous), a, target)


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
    now = current_time()
    if args.open_since and args.open_since > now.date():
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
    # All or nothing: the brief is rendered and its file checked and written first, the
    # record saved last; a save that fails takes the new file away again. So a failed
    # command leaves neither a record (a retry makes no duplicate) nor a brief behind.
    brief = render(a, settings) if args.export else None
    exported: Path | None = None
    if brief is not None and args.export != "-":
        exported = deliver(brief, a, args.export)  # checks the target (never overwrites)
    if args.save:
        try:
            a = save_assessment(args, a)
        except BaseException:
            if exported is not None:
                exported.unlink(missing_ok=True)
            raise
    if brief is not None and args.export == "-":
        deliver(brief, a, "-")
    if args.json:
        data = a.to_json()
        if args.save:  # the escalation it starts: status, clocks, its created event
            data = _show_json(a, _store(args).escalation(a.id or 0), now, settings)
        if exported is not None:
            data["exported_to"] = str(exported)
        _print_json(data)
    elif args.export != "-":
        print("\n".join(summary_lines(a)))
        if exported is not None:
            print(f"brief written to {exported}")
        if args.save:
            print(f"saved as #{a.id} in {args.where}")
            print("\n".join(escalation_lines(_store(args).escalation(a.id or 0), now, settings)[:2]))
    elif args.save:
        print(f"saved as #{a.id} in {args.where}", file=sys.stderr)
    return 0


def _store(args: argparse.Namespace) -> Store:
    """The history ``--db`` names: a TinyDB file or the team server (one interface); one
    per command (a command that saves and then reads makes one connection)."""
    from .storage.backend import open_store

    if getattr(args, "opened_store", None) is None:
        args.opened_store = open_store(args.db)
    return args.opened_store


def save_assessment(args: argparse.Namespace, a: Assessment) -> Assessment:
    return _store(args).add(a)


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(args)
    items = store.query(account=args.account, decision=args.decision, limit=args.limit)
    escalations = {e.id: e for e in store.escalations(ids=[a.id or 0 for a in items])}
    now = current_time()
    if args.json:
        _print_json([{**a.to_json(), "status": escalations[a.id].status.value} for a in items])
        return 0
    total = store.count()
    if not items:
        what = "no assessment matches" if (args.account or args.decision) else "no assessments yet"
        print(f"{what} in {args.where}")
        return 0
    statuses = {i: status_word(esc, now, settings) for i, esc in escalations.items()}
    print("\n".join(history_lines(items, now, statuses)))
    print(f"{len(items)} of {total} in {args.where}, newest first")
    return 0


def _show_json(a: Assessment, esc: Escalation, now: datetime, settings: Settings
               ) -> dict[str, Any]:
    from .domain.escalation import show_fields

    return {**a.to_json(), **show_fields(esc, now, settings)}


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.escalation import previous_verdict

    store = _store(args)
    a, esc = store.get(args.id), store.escalation(args.id)
    now = current_time()
    if args.json:
        _print_json(_show_json(a, esc, now, settings))
        return 0
    brief = render(a, settings, previous_verdict(esc))
    lines = summary_lines(a) + [f"  saved: {local_time(a.created_at)}"]
    lines += escalation_lines(esc, now, settings)
    print("\n".join(lines))
    print()
    sys.stdout.write(brief)
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    a = _store(args).get(args.id)
    written = export_brief(a, args.target, settings, previous=_previous(args, a))
    if written is not None:
        print(f"brief written to {written}")
    return 0


def cmd_resolve(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(args)
    now = current_time()
    a = store.resolve(args.id, args.satisfaction, args.note, now)
    if args.json:
        _print_json(_show_json(a, store.escalation(args.id), now, settings))
        return 0
    print(f"#{a.id} {cell(a.account)} resolved, satisfaction {a.satisfaction}/5")
    esc = store.escalation(args.id)
    from .domain.escalation import clocks

    due = clocks(esc, now, settings).checkin_due
    if due is not None:
        print(f"post-escalation check-in with the customer due by {local_time(due)}; "
              f"when done: triage checkin {a.id}")
    return 0


def cmd_followups(args: argparse.Namespace, settings: Settings) -> int:
    now = current_time()
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
    now = current_time()
    a = store.checkin(args.id, now, args.note)
    if args.json:
        _print_json(_show_json(a, store.escalation(args.id), now, settings))
    elif before.checkin_done_at is not None:
        print(f"#{a.id} {cell(a.account)}: check-in already done {local_time(a.checkin_done_at)}")
    else:
        print(f"#{a.id} {cell(a.account)}: post-escalation check-in done")
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.review import build_escalation_review, build_review, escalation_review_from_facts
    from .readmodel import load_review, load_review_rows, row_from_doc

    now = current_time()
    store = _store(args)
    days = None if args.all else args.days
    since = None if days is None else now - timedelta(days=days)
    if since is None:
        # Plain documents, one at a time: no pydantic per record, no second copy of the history.
        rows = [row_from_doc(doc) for doc in store.each_document()]
        lifecycle = build_escalation_review(store.escalations(), now, settings, days)
    elif hasattr(store, "derived"):  # the period's records and the pending follow-ups,
        rows, facts = load_review(store, now, since, settings)  # each derived once
        lifecycle = escalation_review_from_facts(facts, now, settings, days)
    else:
        rows = load_review_rows(store, since)
        lifecycle = build_escalation_review(store.escalations(since=since), now, settings, days)
    review = build_review(rows, now, days)
    # a team lead on the team server: the team per CSM, summed by the server
    team = store.team_review(now, days)  # None: a file, or a CSM who leads no team
    if args.json:
        data = {**review.to_dict(json_safe=True), "lifecycle": lifecycle.to_dict(json_safe=True)}
        if team is not None:
            data["team"] = team.to_dict(json_safe=True)
        _print_json(data)
    else:
        lines = review_lines(review)
        if review.assessments:
            lines += escalation_review_lines(lifecycle)
        if team is not None:
            lines += team_review_lines(team)
        print("\n".join(lines))
    return 0


# ----------------------------------------------------------------------------- escalations


def cmd_due(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.escalation import due_items

    now = current_time()
    store = _store(args)
    leads = store.leads() if hasattr(store, "leads") else ()  # a team lead on the server
    if args.team and not leads:
        raise CliError("due --team lists the overdue items of the teams you lead on the team "
                       "server (--db postgresql://…)")
    if leads and not args.team:  # your own; --team: the whole team's
        escalations = store.escalations(include_closed=False, owner=store.user)
    else:
        escalations = store.escalations(include_closed=False)
    items = due_items(escalations, now, settings)
    csm: dict[int, str] = {}
    if args.team:  # what is late across the team, each with its CSM
        items = [i for i in items if i.overdue]
        csm = {i.id or 0: store.owner_of.get(i.id or 0, "?") for i in items}
    overdue = sum(i.overdue for i in items)
    if args.json:
        _print_json([{**i.to_json(), **({"csm": csm[i.id or 0]} if csm else {})}
                     for i in items])
    elif csm:
        named = [replace(i, account=f"{csm[i.id or 0]}: {i.account}") for i in items]
        print("\n".join(due_lines(named, now)))
        print(f"{plural(len(named), 'item')} overdue in the team, most urgent first")
    elif not items:
        print("nothing due: every escalation is on time")
    else:
        print("\n".join(due_lines(items, now)))
        print(f"{plural(len(items), 'item')}, {overdue} overdue, most urgent first")
    return 1 if args.exit_code and overdue else 0


def _after(esc: Escalation, now: datetime, settings: Settings, done: str) -> None:
    """What a change did, then the status and what is due next."""
    print(f"#{esc.id} {cell(esc.account)}: {done}")
    print("\n".join(escalation_lines(esc, now, settings)[:2]))


def cmd_ack(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.escalation import ack_event

    now = current_time()
    esc = _store(args).append(args.id, ack_event(now, args.note))
    ack_from = esc.state.ack_from or now
    _after(esc, now, settings, f"acknowledged after {span(now - ack_from)}")
    return 0


def cmd_update(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.escalation import render_customer_update, update_event

    store = _store(args)
    now = current_time()
    if args.draft:
        if args.text is not None or args.next is not None:
            raise CliError("--draft prints a draft and logs nothing: "
                           "log the update you sent with --text T [--next YYYY-MM-DD]")
        a, esc = store.get(args.id), store.escalation(args.id)
        try:
            text = render_customer_update(a, esc, now, settings)
        except TriageError:
            raise
        except Exception as exc:  # a user template can fail in many ways
            raise CliError(f"cannot render the customer update template: {exc}") from None
        sys.stdout.write(text)
        return 0
    if args.text is None or not args.text.strip():
        raise CliError("update needs --text T (what you told the customer), or --draft")
    esc = store.append(args.id, update_event(now, args.text, args.next))
    _after(esc, now, settings, "customer update logged")
    return 0


def cmd_note(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.escalation import note_event

    now = current_time()
    esc = _store(args).append(args.id, note_event(now, args.text))
    _after(esc, now, settings, "note added")
    return 0


def cmd_rescore(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.escalation import reassess, rescore_event

    store = _store(args)
    now = current_time()
    a, esc = store.get(args.id), store.escalation(args.id)
    given = {Dimension.CUSTOMER_IMPACT: args.impact, Dimension.ACCOUNT_VALUE: args.value,
             Dimension.TIME_SENSITIVITY: args.time, Dimension.CSM_CAPABILITY: args.capability}
    new = reassess(
        a, now, settings,
        scores={d: v for d, v in given.items() if v is not None},
        issue_type=IssueType(args.type) if args.type else None,
        signals=args.signal,
        manager_surprised=True if args.manager_surprised else None,
    )
    after = store.append(args.id, rescore_event(now, args.reason, a, new),
                         expect=len(esc.events), assessment=new)
    if args.json:
        _print_json(_show_json(store.get(args.id), after, now, settings))
        return 0
    moved = ("moved up a band" if new.decision.rank > a.decision.rank else
             "moved down a band" if new.decision.rank < a.decision.rank else "same band")
    _after(after, now, settings,
           f"re-scored {a.total}/20 → {new.total}/20, "
           f"{BAND_BY_DECISION[new.decision].label.lower()} ({moved})")
    return 0


def cmd_deescalate(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.escalation import deescalate_event

    now = current_time()
    esc = _store(args).append(args.id, deescalate_event(now, args.reason))
    _after(esc, now, settings, "de-escalated: back to handling it yourself")
    return 0


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    from .domain.escalation import timeline_json

    esc = _store(args).escalation(args.id)
    if args.json:
        _print_json(timeline_json(esc))
        return 0
    now = current_time()
    print(f"#{esc.id} {cell(esc.account)}: {esc.status.value}, "
          f"{plural(len(esc.events), 'event')}, oldest first")
    print("\n".join(timeline_lines(esc, now)))
    return 0


def cmd_recover(args: argparse.Namespace, settings: Settings) -> int:
    from .storage import HistoryStore

    if not isinstance(args.db, Path):
        raise CliError("recover moves a history file aside; the team server keeps its own "
                       "data (ask its admin)")
    store = HistoryStore(args.db)
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


def cmd_team_init(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.team import SCHEMA_VERSION, init_team

    applied = init_team(args.admin)
    if applied:
        print(f"team server schema at version {SCHEMA_VERSION} "
              f"(applied migration {', '.join(map(str, applied))})")
    else:
        print(f"team server schema already at version {SCHEMA_VERSION}: nothing to do")
    return 0


def cmd_team_add(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.team import add_member

    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("--password-stdin read an empty password")
    created = add_member(args.admin, args.user, args.team, lead=args.lead, password=password)
    role = "lead" if args.lead else "CSM"
    login = "created login role" if created else "login role"
    print(f"{cell(args.user)} ({login}) is a {role} of team {cell(args.team)}")
    return 0


def cmd_push(args: argparse.Namespace, settings: Settings) -> int:
    from .paths import default_db_path
    from .storage import HistoryStore
    from .storage.team import TeamStore

    if not is_server_url(args.db):
        raise CliError("push copies a local history to the team server: give the server with "
                       "--db postgresql://user@host/db (or TRIAGE_DB)")
    source = Path(args.source).expanduser() if args.source else default_db_path()
    local = HistoryStore(source)
    if not local.exists():
        raise CliError(f"nothing to push: {source} does not exist")
    added, kept = TeamStore(str(args.db)).push(local, team=args.team)
    print(f"pushed {plural(added, 'escalation')} from {source} to {args.where}"
          + (f" ({kept} already there)" if kept else ""))
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
    items = demo_assessments(args.count or DEFAULT_COUNT, current_time(),
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
        store.add_many(demo_assessments(DEFAULT_COUNT, current_time(), DEFAULT_SEED))


# ----------------------------------------------------------------------------- entry


def main(argv: list[str] | None = None) -> int:
    """The ``triage`` command. Everything it prints goes through :class:`TerminalText`
    (control characters shown visibly); the TUI gets the real streams back first."""
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalText(real[0]), TerminalText(real[1])
    try:
        try:
            code = _main(argv)
            sys.stdout.flush()  # a closed pipe shows here when the output was short
        except BrokenPipeError:  # `triage history | head -1`: the reader has gone, fine
            _quiet_stdout(real[0])
            return 0
    finally:
        sys.stdout, sys.stderr = real
    return code() if callable(code) else code


def _quiet_stdout(stream: Any) -> None:
    """After a broken pipe: point stdout at /dev/null so the flush at exit cannot fail
    again (Python's documented recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        pass


def _main(argv: list[str] | None) -> int | Callable[[], int]:
    """Run the command and return its exit code, or (no command) what opens the TUI."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _typed_args(args)
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
        if args.command is not None or is_server_url(args.db):
            # (the TUI names no history: the store and its imports wait until it is used,
            # after the first frame; a server URL is still checked before the screen opens)
            from .storage.backend import describe_db

            args.where = describe_db(args.db)
        settings = load_settings()
        if args.command is None:
            return lambda: run_tui(args.db, settings, demo=args.demo)
        func: Callable[[argparse.Namespace, Settings], int] = args.func
        return func(args, settings)
    except TriageError as exc:
        return _error(str(exc))
    except BrokenPipeError:
        raise  # main's: quiet, exit 0
    except OSError as exc:  # e.g. --db names a folder, or a file we may not read
        where = exc.filename if isinstance(exc.filename, str) else getattr(args, "db", None)
        return _error(f"{where}: {exc.strerror or exc}")
    except OverflowError as exc:  # date arithmetic at the calendar's edge, whatever its source
        return _error(f"a date or number is out of range ({exc})")
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line, never a traceback with raw user text
        return _error(f"unexpected {type(exc).__name__}: {exc} (please report this)")


def _error(message: str) -> int:
    """A CLI error: one line on stderr (a newline in it is shown, not obeyed), exit 2."""
    print(f"{PROG}: error: {inert(message)}", file=sys.stderr)
    return 2


def run_tui(db: Path | str, settings: Settings, demo: bool = False) -> int:
    restore = _disable_flow_control()  # before the (slow) Textual import: see below
    # No automatic cyclic garbage collection in the app: almost everything allocated until
    # the first frame (modules, styles, the first screen's widgets) lives as long as the
    # app, and the collector's passes over it were a fifth of the time to the first frame
    # (~35 ms at 120x40, one full pass alone ~14 ms). After the first frame the app freezes
    # what exists and collects between keys (TriageApp._collect_garbage_between_keys).
    gc.disable()
    try:
        from .tui.app import make_app

        app = make_app(db_path=db, settings=settings)
        if demo:
            app.sub_title = "the demo history, not yours"
        app.run()
    finally:
        gc.enable()
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
