"""The anonymiser: deduce, loaded once per process, plus our own rules and rewriter.

Loading deduce takes seconds and about a gigabyte, so only the worker (or a dedicated
anonymiser process) constructs an :class:`Anonymiser`; web workers never import deduce.
Its lookup cache is a pickle: it lives in a folder the project controls, is built
atomically, and is refused when another user could have written it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import stat
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from niemand_alleen.anonymiser.brands import care_organisations, generalise_chains
from niemand_alleen.anonymiser.check import check_text
from niemand_alleen.anonymiser.guard import well_formed
from niemand_alleen.anonymiser.lexicon import (
    COUNTRIES,
    LANGUAGES,
    fold,
    normalise_input,
)
from niemand_alleen.anonymiser.model import (
    MAX_SITUATIE_CHARS,
    AnonymisedOproep,
    AnonymiserCacheError,
    Finding,
    Kind,
    ResidentFields,
    SituatieTooLongError,
    Span,
)
from niemand_alleen.anonymiser.own_fields import (
    find_own_fields,
    split_surname,
)
from niemand_alleen.anonymiser.persons import RewriteContext
from niemand_alleen.anonymiser.rewrite import rewrite
from niemand_alleen.anonymiser.screen import Screen, casing
from niemand_alleen.anonymiser.sentences import sentence_case, split_sentences
from niemand_alleen.anonymiser.vocabulary import (
    FAITH_WORDS,
    deduce_lists,
    read_items,
    vocabulary,
)

log = logging.getLogger(__name__)

CACHE_FILE = Path("cache") / "lookup_structs.pickle"

_TAGS: dict[str, tuple[Kind, str]] = {
    "patient": (Kind.NAME, "naam"),
    "persoon": (Kind.NAME, "naam"),
    "straat": (Kind.STREET, "straat"),
    "buurt": (Kind.AREA, "buurt"),
    "ziekenhuis": (Kind.INSTITUTION, "ziekenhuis"),
    "zorginstelling": (Kind.INSTITUTION, "instelling"),
    "datum": (Kind.DATE, "datum"),
    "leeftijd": (Kind.AGE, "leeftijd"),
    "bsn": (Kind.IDENTIFIER, "bsn"),
    "id": (Kind.IDENTIFIER, "nummer"),
    "iban": (Kind.IDENTIFIER, "iban"),
    "kenteken": (Kind.IDENTIFIER, "kenteken"),
    "telefoonnummer": (Kind.CONTACT, "telefoonnummer"),
    "emailadres": (Kind.CONTACT, "e-mailadres"),
    "url": (Kind.CONTACT, "website"),
    "handle": (Kind.CONTACT, "social-media-naam"),
}


@contextlib.contextmanager
def _quiet_import() -> Iterator[None]:
    """deduce calls ``logging.basicConfig(stdout, DEBUG)`` and changes the warning
    filters when imported; undo both so our logs (and a JSON stream on stdout) stay clean.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with warnings.catch_warnings():
        yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def _check_private(path: Path) -> None:
    """Refuse a cache folder or file that another user could have written (pickle!)."""
    info = path.stat()
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise AnonymiserCacheError(
            f"deduce cache {path} is writable by group or others; refusing to load it"
        )
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise AnonymiserCacheError(f"deduce cache {path} belongs to another user")


def _prepare_dir(path: Path) -> None:
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        path.chmod(0o700)
    _check_private(path)


def cache_file(cache_dir: str | os.PathLike[str]) -> Path:
    return Path(cache_dir) / CACHE_FILE


def _build(cache_dir: Path) -> Any:
    """Build deduce's lookup structures into a temporary folder, then move them in."""
    with _quiet_import():
        from deduce import Deduce
    log.info("building the deduce lookup cache (takes a few minutes, once)")
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=cache_dir))
    try:
        with _quiet_import():
            instance = Deduce(cache_path=scratch)
        target = cache_dir / CACHE_FILE
        _prepare_dir(target.parent)
        os.replace(scratch / CACHE_FILE, target)
        target.chmod(0o600)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log.info("deduce lookup cache built in %.0f s", time.monotonic() - started)
    return instance


def load_deduce(cache_dir: str | os.PathLike[str], *, build: bool = True) -> Any:
    """A ``Deduce`` instance using (and if allowed building) the cache in ``cache_dir``."""
    folder = Path(cache_dir)
    _prepare_dir(folder)
    target = folder / CACHE_FILE
    if not target.exists():
        if not build:
            raise AnonymiserCacheError(
                f"no deduce cache in {folder}; run `niemand-alleen anonymise --warmup`"
            )
        return _build(folder)
    _check_private(target.parent)
    _check_private(target)
    with _quiet_import():
        from deduce import Deduce

        return Deduce(cache_path=folder)


def warmup(cache_dir: str | os.PathLike[str], *, rebuild: bool = False) -> Path:
    """Build the deduce lookup cache ahead of time; returns the cache file."""
    folder = Path(cache_dir)
    _prepare_dir(folder)
    target = folder / CACHE_FILE
    if rebuild or not target.exists():
        _build(folder)
    else:
        _check_private(target.parent)
        _check_private(target)
    return target


def _keep_places() -> frozenset[str]:
    """Municipalities, provinces and regions from deduce's lists, plus countries."""
    places = deduce_lists() / "locations" / "lst_placename"
    names: set[str] = set(COUNTRIES)
    for sub in ("lst_municipality", "lst_province", "lst_region"):
        names |= read_items(places / sub / "items.txt")
    return frozenset(names)


class Anonymiser:
    """deduce plus our annotators and rewriter. Build one per process and reuse it."""

    def __init__(self, cache_dir: str | os.PathLike[str], *, build: bool = True) -> None:
        started = time.monotonic()
        self._install(load_deduce(cache_dir, build=build))
        self.load_seconds = time.monotonic() - started

    @classmethod
    def from_deduce(cls, instance: Any) -> Anonymiser:
        """Wrap an already loaded, unmodified ``Deduce`` (benchmarks and development)."""
        anonymiser = cls.__new__(cls)
        started = time.monotonic()
        anonymiser._install(instance)
        anonymiser.load_seconds = time.monotonic() - started
        return anonymiser

    def _install(self, instance: Any) -> None:
        self._deduce = instance
        with _quiet_import():
            import docdeid as dd
            from deduce.person import Person

            from niemand_alleen.anonymiser.annotators import (
                AreaRule,
                CleanUp,
                area_names,
                build_annotators,
            )
            from niemand_alleen.geo import BUURTEN_FILE, WIJKEN_FILE
            from niemand_alleen.resources import resource_dir
        self._person = Person
        postcodes = resource_dir("postcodes")
        area_rule = AreaRule(area_names([postcodes / WIJKEN_FILE, postcodes / BUURTEN_FILE]))
        processors = self._deduce.processors
        locations = processors["locations"]
        locations.remove_processor("remove_street_tags")  # CleanUp keeps the likely streets
        group = dd.process.DocProcessorGroup()
        for name, annotator in build_annotators(self._deduce.lookup_structs, area_rule):
            group.add_processor(name, annotator)
        group.add_processor("na_cleanup", CleanUp())
        names = processors.get_names(recursive=False)
        processors.add_processor("niemand_alleen", group, position=names.index("post_processing"))
        self._keep_places = _keep_places()
        vocabulary()  # the screen's word lists, loaded with the rest rather than on first use

    # --- detection ----------------------------------------------------------------

    def detect(self, fields: ResidentFields, text: str) -> list[Span]:
        """What deduce and our annotators find in ``text`` (already normalised)."""
        first_names = [word for word in fields.first_name.split() if word]
        person = self._person(
            first_names=first_names or None, surname=fields.last_name.strip() or None
        )
        doc = self._deduce.deidentify(
            text,
            metadata={"patient": person},
            disabled={"overlap_resolver", "merge_adjacent_annotations", "redactor"},
        )
        spans = []
        for annotation in doc.annotations:
            kind, category = _TAGS.get(annotation.tag, (Kind.NAME, "naam"))
            if annotation.tag == "locatie":
                kind, category = _location_kind(annotation.text)
            if kind is Kind.NAME and fold(annotation.text.strip()) in LANGUAGES:
                continue
            if annotation.tag != "patient" and _faith_only(annotation.text):
                continue  # "zij is protestants": deduce lists "Protestants" as an institution
            spans.append(
                Span(
                    int(annotation.start_char),
                    int(annotation.end_char),
                    kind,
                    category,
                    own=annotation.tag == "patient",
                )
            )
        return spans

    # --- the proposal --------------------------------------------------------------

    def anonymise(
        self,
        fields: ResidentFields,
        situatie: str,
        *,
        pc4: str | None,
        wijk: str | None,
    ) -> AnonymisedOproep:
        """The proposed oproep text for ``situatie``, with the PC4 and wijk name.

        Raises :class:`SituatieTooLongError` (a ``ValueError``) above 5,000 characters.
        """
        if len(situatie) > MAX_SITUATIE_CHARS:
            raise SituatieTooLongError(len(situatie))
        text = normalise_input(situatie)
        if not text.strip():
            return AnonymisedOproep("", pc4, wijk, ())
        if casing(text) == "upper":
            text = sentence_case(text)  # deduce reads every capitalised word as a name
        text = generalise_chains(text)
        spans = find_own_fields(fields, text, nicknames=True) + self.detect(fields, text)
        spans += [
            Span(start, end, Kind.INSTITUTION, "instelling")
            for start, end in care_organisations(text)
        ]
        context = self.context(fields, wijk)
        result = rewrite(text, spans, context)
        sentences = split_sentences(text)
        findings = tuple(
            Finding("removed", category, start, end, _sentence_number(sentences, start), own)
            for start, end, category, own in result.groups
        )
        found_names = [
            text[span.start : span.end]
            for span in spans
            if span.kind in (Kind.NAME, Kind.INSTITUTION) and not span.own
        ]
        own = [fields.first_name, fields.last_name, fields.street, str(fields.birth_date.year)]
        screened, _ = self._screen(wijk, found_names, own).redact(result.text)
        return AnonymisedOproep(well_formed(screened, text), pc4, wijk, findings)

    def _screen(
        self, wijk: str | None, names: list[str] | None = None, own: list[str] | None = None
    ) -> Screen:
        keep = [wijk] if wijk else []
        found = [name for name in names or [] if not self.keeps_place(name)]
        return Screen(keep=keep, names=found, own=own or [])

    def context(self, fields: ResidentFields, wijk: str | None) -> RewriteContext:
        from niemand_alleen.anonymiser.lexicon import HYPOCORISMS

        first = frozenset(fold(word) for word in fields.first_name.replace("-", " ").split())
        nicknames = frozenset().union(*(HYPOCORISMS.get(word, frozenset()) for word in first))
        surname = frozenset(word for _, core in split_surname(fields.last_name) for word in core)
        return RewriteContext(
            first_names=first,
            nicknames=nicknames,
            surname_words=surname,
            keep_places=self._keep_places,
            wijk=fold(wijk).strip() if wijk else None,
        )

    def check(self, fields: ResidentFields, text: str, *, wijk: str | None = None) -> list[Finding]:
        """:func:`check_text` with this anonymiser for the warnings."""
        return check_text(fields, text, self, wijk=wijk)

    def keeps_place(self, name: str) -> bool:
        return fold(name).strip() in self._keep_places


def _location_kind(text: str) -> tuple[Kind, str]:
    if re.search(r"\d{4}\s?[A-Za-z]{2}", text):
        return Kind.ADDRESS_PART, "postcode"
    if re.search(r"\d", text):
        return Kind.STREET, "adres"
    return Kind.PLACE, "plaats"


def _sentence_number(sentences: list[tuple[int, int]], position: int) -> int:
    for index, (_, end) in enumerate(sentences, start=1):
        if position < end:
            return index
    return max(1, len(sentences))


def _faith_only(text: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'’-]*", text)
    return bool(words) and all(fold(word) in FAITH_WORDS for word in words)
