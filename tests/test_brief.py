"""The brief: the seed's sections, markdown-safe for any user text, never a template."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from triage_tui.domain.brief import md_inline, render_brief
from triage_tui.domain.engine import assess
from triage_tui.domain.models import Draft, Rationale, Scores
from triage_tui.domain.rubric import Dimension
from triage_tui.domain.settings import Settings

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
MD = MarkdownIt("commonmark").enable("table")


def brief_for(**kw) -> str:
    scores = kw.pop("scores", (3, 3, 3, 3))
    d = Draft(scores=Scores(**dict(zip([x.value for x in Dimension], scores))), **kw)
    return render_brief(assess(d, now=NOW))


def table_shape(markdown: str) -> tuple[int, list[int]]:
    """(number of body rows, cells per row) of the first table a real parser finds."""
    tokens = MD.parse(markdown)
    start = next(i for i, t in enumerate(tokens) if t.type == "table_open")
    rows, cells, in_body = [], 0, False
    for tok in tokens[start:]:
        if tok.type == "tbody_open":
            in_body = True
        elif tok.type == "tr_open":
            cells = 0
        elif tok.type == "td_open":
            cells += 1
        elif tok.type == "tr_close" and in_body:
            rows.append(cells)
        elif tok.type == "table_close":
            break
    return len(rows), rows


def headings(markdown: str) -> list[tuple[str, str]]:
    tokens = MD.parse(markdown)
    return [
        (tok.tag, "".join(child.content for child in tokens[i + 1].children or []))
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open"
    ]


def test_sections_match_the_seed_when_escalating() -> None:
    text = brief_for(account="Acme Corp", situation="Exports fail.", ask="Fix it",
                     by=date(2026, 11, 27), comms="Told them")
    assert headings(text) == [
        ("h2", "Escalation Assessment: Acme Corp"),
        ("h3", "Situation"),
        ("h3", "Scoring"),
        ("h3", "Decision"),
        ("h3", "If Escalating"),
    ]
    assert "| **Total** | **12** | |" in text
    assert "- Route to: Engineering via support platform" in text
    assert "- Specific ask: Fix it" in text
    assert "- By when: 2026-11-27" in text
    assert "- Customer communication: Told them" in text
    assert "**Escalate for support**" in text


def test_no_if_escalating_section_when_handling_it_yourself() -> None:
    text = brief_for(account="Acme", scores=(1, 2, 1, 2))
    assert [h for _, h in headings(text)][-1] == "Decision"
    assert "Handle it yourself" in text


def test_manager_surprise_is_explained() -> None:
    text = brief_for(account="Acme", scores=(1, 1, 1, 1), manager_surprised=True)
    assert "manager-surprise test" in text
    assert "If Escalating" in text


def test_why_and_what_if_are_in_the_brief() -> None:
    text = brief_for(account="Acme", scores=(4, 3, 3, 3))
    assert "Why: Driven by customer impact (4)" in text
    assert "CSM capability 3→4" in text


def test_pipes_and_newlines_do_not_break_the_table() -> None:
    text = brief_for(account="A|B\n## x", rationale=Rationale(customer_impact="a | b\n\n| c |"))
    assert table_shape(text) == (5, [3, 3, 3, 3, 3])
    assert headings(text)[0] == ("h2", "Escalation Assessment: A|B ## x")


def test_user_text_is_never_evaluated_as_a_template() -> None:
    text = brief_for(account="{{ 7*7 }}", situation="{% for x in range(3) %}boom{% endfor %}")
    assert "49" not in text and "boomboom" not in text
    assert "{{ 7\\*7 }}" in text


def test_custom_template(tmp_path: Path) -> None:
    custom = tmp_path / "mine.md.j2"
    custom.write_text("# {{ account | md }} scored {{ total }}/20: {{ decision_label }}\n")
    d = Draft(account="Acme", scores=Scores(customer_impact=5))
    out = render_brief(assess(d, now=NOW), Settings(template=custom))
    assert out == "# Acme scored 8/20: Handle it yourself\n"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [("a|b", "a\\|b"), ("line\nbreak", "line break"), ("# head", "\\# head"),
     ("- item", "\\- item"), ("1. first", "1\\. first"), ("<b>x</b>", "\\<b\\>x\\</b\\>"),
     ("back\\slash", "back\\\\slash"), ("tab\there", "tab here")],
)
def test_md_inline(raw: str, safe: str) -> None:
    assert md_inline(raw) == safe


any_text = st.text(max_size=80)
score = st.integers(1, 5)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    account=any_text, situation=any_text, ask=any_text, comms=any_text,
    why=st.tuples(any_text, any_text, any_text, any_text),
    scores=st.tuples(score, score, score, score),
    surprised=st.booleans(),
)
def test_any_text_and_scores_give_a_5x3_scoring_table(
    account, situation, ask, comms, why, scores, surprised
) -> None:
    text = brief_for(
        account=account, situation=situation, ask=ask, comms=comms, scores=scores,
        rationale=Rationale(**dict(zip([d.value for d in Dimension], why))),
        manager_surprised=surprised,
    )
    assert table_shape(text) == (5, [3, 3, 3, 3, 3])
    titles = [h for _, h in headings(text)]
    assert titles[1:4] == ["Situation", "Scoring", "Decision"]
    assert titles[0].startswith("Escalation Assessment:")
    assert titles[4:] in ([], ["If Escalating"])


# ----------------------------------------------------------------- issue 12


def test_route_line_names_cs_leadership_and_the_cro_at_18_to_20() -> None:
    text = brief_for(account="Acme", scores=(5, 5, 4, 4))
    assert ("- Route to: CS leadership, the CRO (if needed) and Engineering via support "
            "platform, same day — product defect (technical): when the issue cannot be "
            "resolved through standard support channels within SLA\n") in text


def test_route_line_at_14_to_17_names_cs_leadership_and_the_team_once() -> None:
    text = brief_for(account="Acme", scores=(4, 4, 3, 3), issue_type="service-failure")
    line = next(x for x in text.splitlines() if x.startswith("- Route to:"))
    assert line.startswith("- Route to: CS leadership and support leadership — ")
    assert line.count("CS leadership") == 1


def test_warnings_are_off_by_default_so_the_brief_keeps_the_seed_format() -> None:
    text = brief_for(account="Acme", scores=(3, 3, 3, 3))
    assert "Warnings" not in [h for _, h in headings(text)]
    assert "Escalating as a complaint" not in text


def test_warnings_section_when_configured() -> None:
    d = Draft(account="Acme", scores=Scores(customer_impact=3, account_value=3,
                                            time_sensitivity=3, csm_capability=3),
              situation="x", comms="y", by=date(2026, 11, 27))
    a = assess(d, now=NOW)
    text = render_brief(a, Settings(brief_warnings=True))
    assert [h for _, h in headings(text)][-1] == "Warnings"
    assert text.endswith(
        "### Warnings\n- Escalating as a complaint, not an ask: no specific ask yet. Say what "
        "you need, from whom and by when: “I need \\[team\\] to \\[do X\\] by \\[date\\]”.\n")
    # nothing to warn about: no empty section
    full = assess(Draft(account="Acme", ask="a", situation="x", comms="y",
                        by=date(2026, 11, 27), scores=a.scores), now=NOW)
    assert "### Warnings" not in render_brief(full, Settings(brief_warnings=True))


def test_brief_warnings_is_a_config_key(tmp_path: Path) -> None:
    from triage_tui.config import load_settings

    path = tmp_path / "config.toml"
    path.write_text("brief_warnings = true\n")
    assert load_settings(path).brief_warnings is True
    assert Settings().brief_warnings is False
