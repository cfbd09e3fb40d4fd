"""SearchIndex: the only door to the search engine (Whoosh stays behind it).

Writes from every thread and process go through :meth:`SearchIndex._write`, which holds a
cross-process ``fcntl`` lock, so Whoosh's ``LockError`` never reaches the caller and no
document waits in memory. Each thread keeps a searcher and refreshes it when the index
changed. :meth:`rebuild` builds a new folder and swaps the ``CURRENT`` pointer atomically.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.searching import Searcher

from cop.search import segments, storage
from cop.search.analysis import is_stopword, iter_words
from cop.search.documents import SearchDocument, SearchHit, SearchResults
from cop.search.facets import MatchCounter, segment_key
from cop.search.highlight import snippet_html
from cop.search.query import ParsedQuery, parse
from cop.search.spelling import suggest
from cop.search.storage import IndexBusy
from cop.search.synonyms import SynonymTable, load_synonyms
from cop.search.writing import (
    Operation,
    apply_operations,
    create_index,
    is_healthy,
    merge_tiers,
    open_writer,
)

__all__ = ["IndexBusy", "SearchDocument", "SearchHit", "SearchIndex", "SearchResults"]

Health = Literal["ok", "created", "reset"]
UNAVAILABLE = "Search is unavailable while the index is being rebuilt."


class SearchIndex:
    """A French/English clinical search index stored under ``directory``."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        synonyms: SynonymTable | None = None,
        lock_timeout: float = 60.0,
        rebuild_procs: int = 1,
    ) -> None:
        self.root = Path(directory)
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self.lock_timeout = lock_timeout
        self.rebuild_procs = rebuild_procs
        self._local = threading.local()
        self._matches = MatchCounter()

    # Writing

    def add(self, doc: SearchDocument) -> None:
        """Index ``doc``, replacing any document with the same ``doc_id``."""
        self._write([("add", doc.to_json())])

    def add_many(self, docs: Iterable[SearchDocument]) -> None:
        """Index several documents in one commit (upsert by ``doc_id``)."""
        operations = [("add", doc.to_json()) for doc in docs]
        if operations:
            self._write(operations)

    def remove(self, doc_id: str) -> None:
        """Remove one document; unknown ids are ignored."""
        self._write([("remove", doc_id)])

    def remove_case(self, case_id: int) -> None:
        """Remove every document of a case (its post, replies, synthesis, transcripts)."""
        self._write([("remove_case", int(case_id))])

    def replace_case(self, case_id: int, docs: Iterable[SearchDocument],
                     kinds: Iterable[str]) -> None:
        """Replace a case's documents of the given kinds with ``docs``, in one commit."""
        payload = {"case_id": int(case_id), "kinds": sorted(set(kinds))}
        self._write([("remove_case_kinds", payload)] + [("add", d.to_json()) for d in docs])

    def purge(self) -> None:
        """Merge segments so deleted documents (a redacted text) leave the index files."""
        self._write([], optimize=True)

    def _write(self, operations: list[Operation], optimize: bool = False) -> None:
        with storage.write_lock(self.root, self.lock_timeout):
            folder = storage.current_folder(self.root)
            if folder is None or not folder.is_dir():
                folder = self._create_empty()
            ix = storage.open_index(folder)
            writer = open_writer(ix, time.monotonic() + self.lock_timeout)
            try:
                apply_operations(writer, operations)
            except BaseException:
                writer.cancel()
                raise
            if optimize:
                writer.commit(optimize=True)
            else:
                writer.commit(mergetype=merge_tiers)
            if storage.rebuild_marker(self.root):
                storage.journal(self.root, operations)

    # Reading

    def query(
        self,
        q: str,
        *,
        filters: dict[str, Any] | None = None,
        sort: Literal["relevance", "date"] = "relevance",
        page: int = 1,
        per_page: int = 20,
        facets: bool = True,
    ) -> SearchResults:
        """Search; never raises for any ``q`` (problems are explained in ``message``)."""
        page, per_page = max(1, int(page)), min(100, max(1, int(per_page)))
        parsed = parse(q, filters, self.synonyms)
        results = SearchResults(page=page, per_page=per_page)
        messages = parsed.messages
        if parsed.query is not None:
            searcher = self._searcher()
            if searcher is None:
                messages.append(UNAVAILABLE)
            else:
                self._run(searcher, parsed, results, sort, facets)
                if results.total == 0:
                    results.suggestion = suggest(searcher, q, parsed.words)
        results.message = " ".join(messages) or None
        return results

    def _run(
        self,
        searcher: Searcher,
        parsed: ParsedQuery,
        results: SearchResults,
        sort: str,
        facets: bool,
    ) -> None:
        matches = self._matches.matches(searcher, parsed.query)
        results.total = sum(len(docnums) for _, docnums in matches)
        if facets and results.total:
            results.facets = self._matches.count(matches)
        limit = results.page * results.per_page
        if limit - results.per_page >= results.total:
            return
        # Rank only the page's top ``limit`` (a heap over cached weights): Whoosh's
        # collector would score every match through its Python matchers.
        ranked = self._matches.top(searcher, parsed.query, matches, limit, sort == "date")
        leaves = [leaf for leaf, _ in matches]
        for score, number, docnum in ranked[limit - results.per_page : limit]:
            stored = leaves[number].stored_fields(docnum)
            snippet = snippet_html(
                stored.get("body") or stored.get("title", ""), parsed.terms, parsed.prefixes
            )
            results.hits.append(
                SearchHit.from_stored(stored, snippet, None if sort == "date" else score)
            )

    def similar(self, case_id: int, limit: int = 5) -> list[int]:
        """Return the ids of the cases closest to ``case_id`` (its key terms), best first."""
        searcher = self._searcher()
        if searcher is None:
            return []
        is_case = wq.Term("kind", "case")
        target = wq.And([is_case, wq.Term("case_id", str(int(case_id)))])
        docnums = list(searcher.docs_for_query(target))
        if not docnums:
            return []
        stored = searcher.stored_fields(docnums[0])
        text = " ".join(
            word
            for word, _, _ in iter_words(f"{stored['title']} {stored['body']}")
            if not is_stopword(word) and len(word) > 2
        )
        found = searcher.more_like(
            docnums[0], "content", text=text, top=limit, numterms=15, filter=is_case
        )
        return [int(hit["case_id"]) for hit in found if int(hit["case_id"]) != case_id]

    def doc_count(self) -> int:
        """Return the number of documents in the live index (0 when there is none)."""
        searcher = self._searcher()
        return searcher.doc_count() if searcher is not None else 0

    def _searcher(self) -> Searcher | None:
        """Return this thread's searcher, reopened or refreshed when the index changed."""
        local = self._local
        folder = storage.current_folder(self.root)
        if folder is None:
            return None
        searcher = getattr(local, "searcher", None)
        if searcher is not None and getattr(local, "folder", None) == folder:
            if searcher.up_to_date():
                return searcher
        # Not Searcher.refresh(): it reuses segment readers by segment id and so misses
        # deletions committed since (whoosh-reloaded 2.7.5); a fresh searcher is cheap.
        if searcher is not None:
            searcher.close()
            local.searcher = None
        try:
            local.searcher = storage.open_index(folder).searcher()
        except (OSError, whoosh_index.IndexError):
            return None
        local.folder = folder
        live = {segment_key(leaf) for leaf, _ in local.searcher.leaf_searchers()}
        self._matches.forget(live)
        return local.searcher

    def close(self) -> None:
        """Close this thread's searcher (other threads close theirs when they refresh)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    # Consistency

    def ensure(self) -> Health:
        """Make sure a usable index exists: "ok", "created" (was missing) or "reset".

        "reset" means the index was unreadable, or of another schema version, and was
        replaced by an empty one: the caller should :meth:`rebuild` it from the database.
        """
        with storage.write_lock(self.root, self.lock_timeout):
            folder = storage.current_folder(self.root)
            if folder is None:
                self._create_empty()
                return "created"
            if is_healthy(folder):
                return "ok"
            self._create_empty()
        self.close()
        return "reset"

    def rebuild(
        self,
        documents: Iterable[SearchDocument],
        *,
        progress: Callable[[int], None] | None = None,
        procs: int | None = None,
    ) -> int:
        """Index ``documents`` into a new folder, then swap it in; return the count.

        ``progress`` is called with the number of documents done so far; ``procs``
        (default: ``rebuild_procs``) processes share the work. Searches and writes
        continue on the old index meanwhile; writes made during the build are journaled
        and replayed into the new index before the swap.
        """
        with storage.write_lock(self.root, self.lock_timeout):
            if storage.rebuild_marker(self.root):
                raise IndexBusy("a rebuild of the search index is already running")
            folder = storage.new_folder(self.root)
            storage.start_rebuild(self.root, folder)
        try:
            count = segments.build(
                create_index(folder), documents, procs or self.rebuild_procs, progress
            )
            with storage.write_lock(self.root, self.lock_timeout):
                replay = storage.read_journal(self.root)
                if replay:
                    ix = storage.open_index(folder)
                    writer = open_writer(ix, time.monotonic() + self.lock_timeout)
                    apply_operations(writer, replay)
                    writer.commit(mergetype=merge_tiers)
                previous = storage.current_folder(self.root)
                storage.switch(self.root, folder)
                storage.end_rebuild(self.root)
                keep = {folder.name} | ({previous.name} if previous else set())
                storage.cleanup(self.root, keep)
        except BaseException:
            with storage.write_lock(self.root, self.lock_timeout):
                storage.end_rebuild(self.root)
            storage.cleanup(self.root, _live_names(self.root))
            raise
        return count

    def _create_empty(self) -> Path:
        """Create an empty index folder and make it live (call under the write lock)."""
        folder = storage.new_folder(self.root)
        create_index(folder)
        previous = storage.current_folder(self.root)
        storage.switch(self.root, folder)
        keep = {folder.name} | ({previous.name} if previous else set())
        storage.cleanup(self.root, keep)
        return folder


def _live_names(root: Path) -> set[str]:
    folder = storage.current_folder(root)
    return {folder.name} if folder else set()
