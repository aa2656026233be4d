"""Issue 11 in the TUI: hostile text is inert, odd input and sizes do not crash, nothing
typed is lost (quit asks, a save in flight is waited for, drafts are kept privately)."""

from __future__ import annotations

import codecs
import os
import stat
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Markdown, Static, TextArea

from tui_helpers import asynctest, wait_for
from triage_tui.domain.brief import TemplateLimitError, render_brief
from triage_tui.domain.engine import assess
from triage_tui.domain.models import Draft, Rationale, Scores
from triage_tui.domain.rubric import IssueType, Signal, Strategic
from triage_tui.domain.settings import Settings
from triage_tui.paths import draft_path
from triage_tui.storage import HistoryStore
from triage_tui.storage.drafts import clear_draft, load_draft, save_draft
from triage_tui.tui.app import TriageApp, make_app
from triage_tui.tui.screens import assess as assess_module
from triage_tui.tui.screens.assess import AssessScreen
from triage_tui.tui.screens.confirm import ConfirmScreen

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)

# Markup that would act if parsed, markup that would crash, brackets that would vanish,
# and the terminal controls of the adversarial run (OSC 52 clipboard write, CSI as one
# C1 byte, a bidi override, DEL).
HOSTILE = "[@click=app.quit]pwn[/] Acme [/b] [EU] GmbH \x1b]52;c;cHduZWQ=\x07Z \x9b2J \u202e\x7f"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\x7f")


def app_for(db: Path, settings: Settings | None = None) -> TriageApp:
    return make_app(db_path=db, settings=settings or Settings(), now=lambda: NOW)


async def ready(pilot) -> AssessScreen:
    app = pilot.app
    for _ in range(200):
        await pilot.pause()
        screen = app.screen
        if isinstance(screen, AssessScreen) and len(screen.query("#situation, #brief")) == 2:
            return screen
    raise AssertionError("the assess screen never finished mounting")


def assert_inert(text: str) -> None:
    for char in RAW_CONTROLS:
        assert char not in text, f"raw {char!r} reached the screen"


def screen_text(app: TriageApp) -> str:
    """What every visible widget of the screen renders (Content / str), joined."""
    parts = []
    for widget in app.screen.query("*"):
        try:
            parts.append(str(widget.render()))
        except Exception:  # containers and the like render nothing useful
            continue
    return "\n".join(parts)


def fill(screen: AssessScreen, text: str) -> None:
    """Put ``text`` in every text field of the form (as a paste would)."""
    for field in screen.query(Input):
        if field.id in ("account", "ask", "comms") or (field.id or "").startswith("why-"):
            field.value = text
    screen.query_one("#situation", TextArea).load_text(text + "\nsecond line")


# ----------------------------------------------------------------------------- hostile text


def hostile_record(db: Path, *, resolved: bool) -> int:
    """An assessment stored as typed elsewhere (the CLI, an edited file): hostile text
    in every field, and in the resolution note."""
    draft = Draft(
        account=HOSTILE, situation=HOSTILE + "\n" + HOSTILE, ask=HOSTILE, comms=HOSTILE,
        rationale=Rationale(**{k: HOSTILE for k in ("customer_impact", "account_value",
                                                    "time_sensitivity", "csm_capability")}),
        scores=Scores(customer_impact=5, account_value=5, time_sensitivity=4, csm_capability=3),
    )
    store = HistoryStore(db)
    saved = store.add(assess(draft, Settings(), now=NOW))
    if resolved:
        store.resolve(saved.id, 4, HOSTILE, now=NOW)
    return saved.id


@asynctest
async def test_typed_hostile_text_saves_exports_and_notifies_as_data(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets._toast import Toast  # only to find the toasts on screen

    from triage_tui.domain.text import inert
    from triage_tui.tui.screens.export import ExportScreen

    monkeypatch.chdir(tmp_path)
    app = app_for(db_file)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        screen = await ready(pilot)
        fill(screen, HOSTILE)  # as a paste would put it there
        await pilot.pause()
        # What a field holds is what it shows: controls as their pictures.
        assert screen.query_one("#account", Input).value == inert(HOSTILE)
        await pilot.press("end", "ctrl+s")  # the account is focused
        await wait_for(pilot, lambda: HistoryStore(db_file).count() == 1)
        await wait_for(pilot, lambda: any("Acme" in n.message for n in app._notifications))
        saved = HistoryStore(db_file).all()[0]
        assert saved.account == inert(HOSTILE).strip()
        assert saved.ask == inert(HOSTILE)
        assert saved.situation == inert(HOSTILE) + "\nsecond line"
        note = next(n for n in app._notifications if "Acme" in n.message)
        assert "[@click=app.quit]pwn[/] Acme [/b] [EU] GmbH ␛]52" in note.message
        assert not note.markup
        # Clicking the "Saved" toast must not run the action written in the account.
        await wait_for(pilot, lambda: len(app.screen.query(Toast)) > 0)
        toast = app.screen.query(Toast).last()
        assert "[@click=app.quit]pwn[/] Acme [/b] [EU] GmbH" in str(toast.render())
        await pilot.click(toast)
        await pilot.pause()
        assert app.is_running
        await wait_for(pilot, lambda: "Escalation Assessment" in screen.query_one(Markdown).source)
        assert_inert(screen.query_one(Markdown).source)
        assert_inert(screen_text(app))
        assert_inert(app.export_screenshot())

        # Export: the file is written (a safe name), the notification is literal.
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.title == "Exported" for n in app._notifications))
        assert len(list(tmp_path.glob("*.md"))) == 1
        assert app.is_running


@asynctest
async def test_stored_hostile_text_is_inert_in_history_detail_resolve_and_review(
    db_file: Path,
) -> None:
    from triage_tui.tui.screens.detail import DetailScreen
    from triage_tui.tui.screens.resolve import ResolveScreen

    hostile_record(db_file, resolved=True)
    open_id = hostile_record(db_file, resolved=False)
    app = app_for(db_file)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: getattr(app.screen, "complete", False))
        await pilot.pause()
        assert_inert(screen_text(app))
        assert_inert(app.export_screenshot())
        assert "␛]52" in app.export_screenshot()  # shown, visibly
        await pilot.press("enter")  # the newest: the open one
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.pause()
        assert app.screen.assessment.id == open_id
        assert_inert(screen_text(app))
        assert_inert(app.screen.query_one(Markdown).source)
        await pilot.press("v")  # resolve
        await wait_for(pilot, lambda: isinstance(app.screen, ResolveScreen))
        assert_inert(screen_text(app))  # the dialog's title names the account
        await pilot.press("4")
        app.screen.query_one("#resolve-note", Input).value = "noted [/b] [@click=app.quit]x[/]"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: HistoryStore(db_file).get(open_id).resolved_at is not None)
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen)
                       and app.screen.assessment.resolved_at is not None)
        await pilot.pause()
        detail = app.screen
        title = str(detail.query_one("#detail-title", Static).render())
        # The resolution note is the text of the timeline's "resolved" event.
        await wait_for(pilot, lambda: "noted" in str(detail.query_one("#timeline", Static).render()))
        timeline = str(detail.query_one("#timeline", Static).render())
        assert "[@click=app.quit]pwn[/] Acme [/b] [EU] GmbH ␛]52;c;cHduZWQ=␇Z <U+009B>2J" in title
        assert "noted [/b] [@click=app.quit]x[/]" in timeline
        resolved = [n for n in app._notifications if "resolved" in n.message]
        assert resolved and all(not n.markup for n in resolved)
        assert_inert(screen_text(app))
        assert_inert(app.export_screenshot())
        # The record resolved elsewhere, with a hostile note.
        await pilot.press("escape", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen)
                       and app.screen.assessment.id != open_id)
        await pilot.pause()
        detail = app.screen
        await wait_for(pilot, lambda: "␛]52" in str(detail.query_one("#timeline", Static).render()))
        timeline = str(detail.query_one("#timeline", Static).render())
        assert "resolved" in timeline.casefold() and "␛]52;c;cHduZWQ=␇Z" in timeline
        assert_inert(screen_text(app))
        assert_inert(app.export_screenshot())
        # Reopened as a draft: the fields hold the visible pictures.
        await pilot.press("o")
        screen = await ready(pilot)
        await pilot.pause()
        assert "␛]52" in screen.query_one("#account", Input).value
        assert_inert(app.export_screenshot())
        # Review: the account as a repeat account and a follow-up.
        await pilot.press("f4")
        await wait_for(pilot, lambda: getattr(app.screen, "loaded", False))
        await pilot.pause()
        assert "␛]52" in screen_text(app) + app.export_screenshot()
        assert_inert(screen_text(app))
        assert_inert(app.export_screenshot())
        assert app.is_running


@asynctest
async def test_notify_titles_and_header_never_parse_markup(db_file: Path) -> None:
    app = app_for(db_file)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await ready(pilot)
        app.notify("[b]x[/] [@click=app.quit]q[/] \x1b[2J", title="[/b]\x1b]0;t\x07")
        app.screen.sub_title = "Acme [/b] \x1b]0;pwned\x07"
        await pilot.pause()
        n = app._notifications.last() if hasattr(app._notifications, "last") else list(app._notifications)[-1]
        assert n.message == "[b]x[/] [@click=app.quit]q[/] ␛[2J" and not n.markup
        assert n.title == "[/b]␛]0;t␇"
        title = str(app.format_title(app.title, app.screen.sub_title))
        assert "Acme [/b] ␛]0;pwned␇" in title
        assert_inert(app.export_screenshot())
        assert app.is_running


@asynctest
async def test_confirm_dialog_renders_inert(db_file: Path) -> None:
    app = app_for(db_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await app.push_screen(ConfirmScreen("Delete #1 [@click=app.quit]x[/] [/b] \x1b]52;c;x\x07?",
                                            title="T [/b]\x9b"))
        await pilot.pause()
        text = screen_text(app)
        assert "[@click=app.quit]x[/] [/b] ␛]52;c;x␇?" in text and "T [/b]<U+009B>" in text
        assert_inert(text)


# ----------------------------------------------------------------------------- sizes, input


@asynctest
async def test_no_crash_at_any_terminal_size(demo_db_small: Path) -> None:
    app = app_for(demo_db_small)
    async with app.run_test(size=(6, 4)) as pilot:
        await pilot.pause()
        for key in ("f2", "f3", "f4", "f1", "escape", "f2"):
            await pilot.press(key)
            for width, height in ((1, 1), (3, 2), (8, 4), (6, 4), (12, 5), (30, 8), (80, 24)):
                await pilot.resize_terminal(width, height)
                await pilot.pause()
                assert app.is_running
        await ready(pilot)
        await pilot.resize_terminal(7, 4)
        await pilot.pause()
        await pilot.pause()
        assert app.is_running and app.return_code is None


@pytest.fixture
def demo_db_small(tmp_path: Path) -> Path:
    from triage_tui.storage.demo import demo_assessments

    path = tmp_path / "demo.json"
    HistoryStore(path).add_many(demo_assessments(12, NOW, seed=7))
    return path


@asynctest
async def test_pasted_invalid_unicode_becomes_replacement_characters(db_file: Path) -> None:
    app = app_for(db_file)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        account = screen.query_one("#account", Input)
        account.focus()
        await pilot.pause()
        app.post_message(events.Paste("Acme\udcff\udcfe GmbH"))
        await wait_for(pilot, lambda: "GmbH" in account.value)
        assert account.value == "Acme\ufffd\ufffd GmbH"
        situation = screen.query_one("#situation", TextArea)
        situation.focus()
        await pilot.pause()
        app.post_message(events.Paste("line\udc80\nnext\tcol"))
        await wait_for(pilot, lambda: "next" in situation.text)
        assert situation.text == "line\ufffd\nnext\tcol"  # lines and tabs kept
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: HistoryStore(db_file).count() == 1)
        assert HistoryStore(db_file).all()[0].account == "Acme\ufffd\ufffd GmbH"
        assert_inert(app.export_screenshot())


def test_invalid_utf8_from_the_terminal_does_not_stop_input() -> None:
    """The Linux driver's decoder replaces invalid bytes (Textual #6456)."""
    from textual.drivers import linux_driver

    app = app_for(Path("unused.json"))
    driver_class = app.get_driver_class()
    module = __import__(driver_class.__module__, fromlist=["_"])
    decode = module.getincrementaldecoder("utf-8")().decode
    assert decode(b"Acme \xff\xfe ok") == "Acme \ufffd\ufffd ok"
    assert decode(b"\xc3") == "" and decode(b"\xa9") == "é"  # split characters still join
    assert linux_driver.getincrementaldecoder is not codecs.getincrementaldecoder or \
        driver_class.__module__ != linux_driver.__name__


# ----------------------------------------------------------------------------- templates


LOOPING = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"


@pytest.mark.parametrize(
    ("source", "seconds", "says"),
    [
        (LOOPING, 0.5, "longer than 0.5 s"),  # writes nothing, forever
        ("{% for i in range(99999) %}{% for j in range(99999) %}xxxxxxxx{% endfor %}{% endfor %}",
         30, "wrote more than"),
        ("{{ 'x' * 10**10 }}", 30, "builds a value"),
        ("{{ 2 ** 100000000 }}", 30, "too high a power"),
    ],
)
def test_template_has_time_and_size_limits(tmp_path: Path, source: str, seconds: float, says: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from triage_tui.domain import brief

    monkeypatch.setattr(brief, "RENDER_SECONDS", seconds)
    path = tmp_path / "t.md.j2"
    path.write_text(source, encoding="utf-8")
    a = assess(Draft(account="Acme"), Settings(), now=NOW)
    outcome: list[BaseException | str] = []

    def render() -> None:
        try:
            outcome.append(brief.render_brief(a, Settings(template=path)))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=render, daemon=True)  # a daemon: a hang fails, not blocks
    worker.start()
    worker.join(10)
    assert outcome, "the template was not stopped"
    assert isinstance(outcome[0], TemplateLimitError) and says in str(outcome[0])


def test_recursive_macro_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "t.md.j2"
    path.write_text("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", encoding="utf-8")
    a = assess(Draft(account="Acme"), Settings(), now=NOW)
    with pytest.raises(RecursionError):
        render_brief(a, Settings(template=path))


def test_shipped_template_within_limits_and_tracer_restored() -> None:
    import sys

    a = assess(Draft(account="Acme"), Settings(), now=NOW)
    before = sys.gettrace()
    assert render_brief(a).startswith("## Escalation Assessment: Acme")
    assert sys.gettrace() is before


@asynctest
async def test_looping_template_does_not_freeze_the_app(db_file: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from triage_tui.domain import brief

    monkeypatch.setattr(brief, "RENDER_SECONDS", 0.5)
    path = tmp_path / "loop.md.j2"
    path.write_text(LOOPING, encoding="utf-8")
    app = app_for(db_file, Settings(template=path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await wait_for(pilot, lambda: any(n.title == "Template" for n in app._notifications))
        note = next(n for n in app._notifications if n.title == "Template")
        assert note.severity == "error" and "longer than 0.5 s" in note.message
        assert "Cannot render the brief" in screen.query_one(Markdown).source
        await pilot.press("tab", "5")  # still answering keys
        await wait_for(pilot, lambda: screen.read_form().scores.customer_impact == 5)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running)


# ----------------------------------------------------------------------------- quitting, drafts


@asynctest
async def test_ctrl_q_with_unsaved_changes_asks(db_file: Path) -> None:
    app = app_for(db_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press(*"Acme", "ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "unsaved changes" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, AssessScreen)
        await pilot.press("ctrl+q", "y")
        await wait_for(pilot, lambda: not app.is_running)
    kept = load_draft(draft_path())
    assert kept is not None and kept[0].account == "Acme"


@asynctest
async def test_ctrl_q_without_changes_quits_at_once(db_file: Path) -> None:
    app = app_for(db_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running)
    assert load_draft(draft_path()) is None


FULL_DRAFT = Draft(
    account="Acme [EU] GmbH",
    arr=42000.0,
    strategic=Strategic.HIGH,
    scores=Scores(customer_impact=4, account_value=5, time_sensitivity=3, csm_capability=2),
    rationale=Rationale(customer_impact="outage", account_value="big", time_sensitivity="soon",
                        csm_capability="need eng"),
    issue_type=IssueType.SERVICE_FAILURE,
    signals=[Signal.SLA_BREACHED, Signal.HEALTH_RED],
    manager_surprised=True,
    open_since=datetime(2026, 11, 16).date(),
    situation="Two outages.\nSecond line.",
    ask="Eng lead by Friday",
    by=datetime(2026, 11, 27).date(),
    comms="Daily updates",
)


@asynctest
async def test_a_crash_loses_no_draft(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assess_module, "AUTOSAVE_EVERY", 0.05)
    app = app_for(db_file)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.load_draft(FULL_DRAFT)  # as if typed…
        screen._baseline = screen._comparable(Draft())  # …so it is unsaved
        screen.recompute()
        await wait_for(pilot, lambda: load_draft(draft_path()) is not None)
        app.exit()  # no quit handler: like a crash or a closed terminal
    path = draft_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700

    app = app_for(db_file)
    async with app.run_test(size=(120, 40)) as pilot:
        # The dialog is pushed, then composed: wait until it has drawn its text.
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                       and "Restore" in screen_text(app))
        assert "Acme [EU] GmbH" in screen_text(app)
        await pilot.press("y")
        screen = await ready(pilot)
        await wait_for(pilot, lambda: screen.read_form().account == FULL_DRAFT.account)
        await pilot.pause()
        assert screen.read_form() == FULL_DRAFT  # every field
        assert screen.dirty  # still unsaved: quitting asks again
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: HistoryStore(db_file).count() == 1)
        await wait_for(pilot, lambda: not path.exists())  # saved → the kept draft is gone


@asynctest
async def test_discarding_the_offered_draft(db_file: Path) -> None:
    save_draft(draft_path(), Draft(account="Old"), now=NOW)
    app = app_for(db_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        screen = await ready(pilot)
        assert screen.read_form().account == ""
    assert load_draft(draft_path()) is None
    assert load_draft(draft_path().with_name("draft.discarded.json"))[0].account == "Old"


def test_draft_file_private_atomic_and_odd_files_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "data" / "draft.json"
    save_draft(path, FULL_DRAFT, now=NOW)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_draft(path) == (FULL_DRAFT, NOW)
    assert not list(path.parent.glob("*.tmp"))
    for odd in (b"", b"null", b"[]", b'{"draft": {"scores": {"customer_impact": 9}}}', b"\xff"):
        path.write_bytes(odd)
        assert load_draft(path) is None
        assert path.read_bytes() == odd  # not touched
    clear_draft(path)
    assert not path.exists()


@asynctest
async def test_quit_waits_for_a_save_held_by_another_process(db_file: Path) -> None:
    from filelock import FileLock

    HistoryStore(db_file).count()  # the file exists
    lock = FileLock(HistoryStore(db_file).lock_path)
    lock.acquire()
    app = app_for(db_file)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await ready(pilot)
            await pilot.press(*"Acme", "ctrl+s", "ctrl+q")
            await wait_for(pilot, lambda: any("Saving" in n.message for n in app._notifications))
            await pilot.pause(0.3)
            assert app.is_running  # waiting for the save, not closed
            lock.release()
            await wait_for(pilot, lambda: not app.is_running)
    finally:
        if lock.is_locked:
            lock.release()
    assert [a.account for a in HistoryStore(db_file).all()] == ["Acme"]
    assert load_draft(draft_path()) is None  # saved: nothing kept


@asynctest
async def test_quit_stays_open_when_the_save_in_flight_fails(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from filelock import FileLock

    from triage_tui.storage import store as store_module

    monkeypatch.setattr(store_module, "LOCK_TIMEOUT", 0.3)
    HistoryStore(db_file).count()
    lock = FileLock(HistoryStore(db_file).lock_path)
    lock.acquire()
    app = app_for(db_file)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await ready(pilot)
            await pilot.press(*"Acme", "ctrl+s", "ctrl+q")
            await wait_for(pilot, lambda: any("Not quitting" in n.message for n in app._notifications))
            assert app.is_running
            assert any(n.title == "Not saved" for n in app._notifications)
    finally:
        lock.release()
    assert HistoryStore(db_file).count() == 0
    kept = load_draft(draft_path())
    assert kept is not None and kept[0].account == "Acme"
