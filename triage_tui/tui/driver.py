"""Terminal input that is not valid UTF-8 must not stop the app.

Textual's Linux drivers decode the terminal's bytes with a *strict* UTF-8 decoder, so one
invalid byte (a paste from a Latin-1 terminal, binary noise on stdin) raises inside the
input thread: the thread dies and the app no longer reads a key — not even ctrl+q.
Upstream: https://github.com/Textualize/textual/issues/6456 (open; the fix there is the
same one-word change, ``errors="replace"``). Until it is released, the driver module's
decoder factory is swapped for one that turns invalid bytes into ``�``. Only the name the
driver module looks up is changed; no private module is imported.
"""

from __future__ import annotations

import codecs
import sys
from functools import partial
from typing import Any


def forgiving_decoder(encoding: str) -> Any:
    """``codecs.getincrementaldecoder`` whose decoders replace invalid bytes."""
    return partial(codecs.getincrementaldecoder(encoding), errors="replace")


def tolerate_invalid_input(driver_class: type) -> type:
    """Make ``driver_class``'s module decode its input with replacement characters."""
    module = sys.modules.get(driver_class.__module__)
    if module is not None and getattr(module, "getincrementaldecoder", None) is codecs.getincrementaldecoder:
        module.getincrementaldecoder = forgiving_decoder  # type: ignore[attr-defined]
    return driver_class
