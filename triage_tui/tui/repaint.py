"""The fast path from a key press to the redrawn screen (the assess screen's hot path).

A slider key changes four small widgets: the slider in the left column and the total,
band and "why" texts in the right one. Textual's generic path costs far more than the
drawing itself; two changes here take a key to its frame in well under half the time
(benchmarks/bench.py, "slider keypress"):

1. `DirtyRegionCompositor`: Textual's compositor answers a partial update by drawing
   every widget that overlaps the *bounding box* of all changed regions. The slider and
   the panel are in different columns, so their bounding box held about 22 widgets,
   containers included. This compositor draws, for each changed region, only the
   widgets that show through it: from the top down until one widget covers the region
   (a widget paints every cell of its region, so nothing below it can show there). The
   update still writes only the changed spans to the terminal. Full updates, layout
   and inline mode are Textual's own code.

2. `direct_repaints(screen)`: a widget's repaint normally travels as two messages (a
   Prompt to the widget's own queue, whose idle handler posts an Update to the screen),
   one pair per widget, each a trip through the event loop. Inside this block, widgets
   with the `DirectRepaint` mixin hand their plain repaints straight to the screen's set
   of dirty widgets and ask for the next frame, as the screen's own idle handler would;
   a repaint that also needs layout, styles or scrolling takes Textual's usual path.

Both lean on Textual 8.2 internals (`Compositor.cuts`, `ChopsUpdate`,
`Screen._dirty_widgets`, `Screen._update_timer`, `Widget._repaint_required`); the tests
(tests/test_repaint.py) compare every partial update with the one Textual's own
compositor makes, and the screen after each slider key with a full render, so a change
in Textual shows up there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from textual._compositor import ChopsUpdate, Compositor
from textual.dom import NoScreen
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget


class DirtyRegionCompositor(Compositor):
    """A `Compositor` whose partial updates draw only what shows through the changes."""

    def render_partial_update(self) -> ChopsUpdate | None:
        """The changed spans, as Textual's own partial update (a `ChopsUpdate`): per
        screen line, the strips between the layout's cuts. Only lines with a change
        are filled in; the update writes only those."""
        regions = list(self._dirty_regions)
        self._dirty_regions.clear()
        if not regions:
            return None
        spans = list(self._regions_to_spans(regions))
        changed_lines = {y for y, _, _ in spans}
        cuts = self.cuts
        chops: list[dict[int, Strip | None] | None] = [
            dict.fromkeys(line_cuts[:-1]) if y in changed_lines else None
            for y, line_cuts in enumerate(cuts)
        ]
        for crop, strips in self._renders(regions):
            first, last = crop.column_span
            for y, strip in zip(crop.line_range, strips):
                line = chops[y]
                if line is None:
                    continue
                line_cuts = [cut for cut in cuts[y] if last >= cut >= first]
                if len(line_cuts) == 2:  # one piece: the usual case, nothing to divide
                    pieces: Sequence[Strip] = (strip,)
                else:
                    pieces = strip.divide([cut - first for cut in line_cuts[1:]])
                for cut, piece in zip(line_cuts, pieces):
                    if line[cut] is None:  # front to back: the first strip wins
                        line[cut] = piece
        return ChopsUpdate(chops, spans, [line_cuts[1:] for line_cuts in cuts])  # type: ignore[arg-type]

    def _renders(self, regions: list[Region]) -> Iterator[tuple[Region, list[Strip]]]:
        """(screen region, lines) of each widget that shows through `regions`, topmost
        first, each drawn only over the part of it that changed."""
        remaining = regions
        for widget, (region, clip) in self.visible_widgets.items():  # topmost first
            visible = region.intersection(clip)
            touched = [update for update in remaining if visible.overlaps(update)]
            if not touched:
                continue
            # Only the lines that changed, but the widget's whole width: a strip must
            # start at a cut (a widget's edge) to land in the update.
            bounds = Region.from_union(touched) if len(touched) > 1 else touched[0]
            top, bottom = max(bounds.y, visible.y), min(bounds.bottom, visible.bottom)
            crop = Region(visible.x, top, visible.width, bottom - top)
            x, y, width, height = crop
            yield crop, widget.render_lines(Region(x - region.x, y - region.y, width, height))
            # This widget paints every cell it covers: the widgets below it are hidden
            # there, so a changed region it covers is done.
            remaining = [update for update in remaining if not visible.contains_region(update)]
            if not remaining:
                return


def use_dirty_region_compositor(screen: Screen[Any]) -> None:
    """Give `screen` the compositor above (call from its `__init__`)."""
    screen._compositor = DirtyRegionCompositor()


class DirectRepaint:
    """Mixin for a Widget whose repaints may go straight to the screen (see
    `direct_repaints`). Put it before the widget class."""

    def check_idle(self) -> None:
        batch: list[Widget] | None = getattr(screen_of(self), "_direct_repaints", None)
        if batch is None:
            super().check_idle()  # type: ignore[misc]
        else:
            batch.append(self)  # type: ignore[arg-type]


def screen_of(widget: Any) -> Screen[Any] | None:
    """The widget's screen, or None while it is not mounted."""
    try:
        return widget.screen
    except NoScreen:
        return None


class direct_repaints:  # noqa: N801 - used like a function: `with direct_repaints(screen):`
    """Hand the repaints of `DirectRepaint` widgets made inside the block to `screen`."""

    def __init__(self, screen: Screen[Any]) -> None:
        self.screen = screen
        self.batch: list[Widget] | None = None

    def __enter__(self) -> None:
        if getattr(self.screen, "_direct_repaints", None) is None:  # else: nested
            self.batch = []
            self.screen._direct_repaints = self.batch  # type: ignore[attr-defined]

    def __exit__(self, *exc_info: object) -> None:
        batch, screen = self.batch, self.screen
        if batch is None:
            return
        screen._direct_repaints = None  # type: ignore[attr-defined]
        handed = False
        current = screen.is_current
        for widget in dict.fromkeys(batch):
            # What the widget's own idle handler would check (`Widget._check_refresh`);
            # the widget was found under `screen`, so it is on it.
            plain = (
                current
                and widget._repaint_required
                and not widget._layout_required
                and not widget._refresh_styles_required
                and not widget._scroll_required
                and widget.display
                and widget._parent is not None
                and not widget._closing
            )
            if plain:
                widget._repaint_required = False
                screen._dirty_widgets.add(widget)
                handed = True
            else:
                Widget.check_idle(widget)  # Textual's usual path
        if handed:
            if screen.app._batch_count:
                screen.check_idle()
            else:
                # What the screen's idle handler does on finding dirty widgets: ask for
                # the next frame (here without a message round trip to get there).
                screen._update_timer.resume()
