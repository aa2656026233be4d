"""The assessment history: a TinyDB JSON file (no Textual here).

    store = HistoryStore(path)                # no I/O until used
    store.add(a) -> Assessment                # with its new id (never reused)
    store.add_many(items) -> list[Assessment] # one write (demo data, benchmarks)
    store.get(id) / store.all() / store.count()
    store.query(account=, decision=, text=, limit=)   # newest first
    store.update(a) / store.resolve(id, satisfaction, note, now) / store.checkin(id, now, note)
    store.escalation(id) -> Escalation            # the timeline and its folded state
    store.escalations(include_closed=True, ids=None) -> list[Escalation]   # oldest first;
                                                  #   closed ones skipped on raw bytes when
                                                  #   False; ids: those only (a page)
    store.append(id, event, *, expect=None, assessment=None) -> Escalation
                                                  # one event, checked by the domain, under
                                                  #   the lock; expect: events read (else
                                                  #   StaleEditError); assessment: a re-score
    store.delete(id) / store.followups() / store.check() / store.recover()
    store.documents(limit=, since=) -> list[dict]  # plain JSON documents, newest first,
    store.followup_documents() -> list[dict]       #   no pydantic (big tables, the review)
    store.signature()                              # changes whenever the file does

Every error is a StoreError whose message is one line naming the file:
CorruptStoreError (corrupt or foreign file: never written to; ``recover`` moves it
aside), UnknownIdError (no such id) and StaleEditError (changed since read). A refused
transition is the domain's EscalationError (a TriageError).

``HistoryStore(path)`` is the API for the CLI and the TUI; :mod:`.jsonfile` holds the
atomic TinyDB storage and the file layout; :mod:`.migrations` upgrades older records;
:mod:`.demo` generates a realistic history for demos, tests and benchmarks.
"""

from .store import (
    CorruptStoreError,
    HistoryStore,
    StaleEditError,
    StoreError,
    UnknownIdError,
    document_texts,
)

__all__ = ["CorruptStoreError", "HistoryStore", "StaleEditError", "StoreError", "UnknownIdError",
           "document_texts"]
