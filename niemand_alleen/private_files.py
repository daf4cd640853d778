"""Files with personal data or secrets are for the service's own user only.

Every entry point (the ``niemand-alleen`` command, ``wsgi.py``, ``dev.py demo``) sets the
umask, so what the service creates is 0600 (files) or 0700 (folders): the instance folder,
the SQLite database with its WAL, the demo keys, the demo's mail files and the anonymiser's
cache. Start-up and ``niemand-alleen db check`` warn about such a path that is looser: one
made before this rule, by another tool, or by hand.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from niemand_alleen.anonymiser import cache_file
from niemand_alleen.config import Settings
from niemand_alleen.db import sqlite_file

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# The database file, and the journal, WAL and shared-memory files SQLite keeps beside it.
SQLITE_SUFFIXES = ("", "-journal", "-wal", "-shm")


def keep_new_files_private() -> None:
    """From now on this process creates files 0600 and folders 0700."""
    os.umask(PRIVATE_UMASK)


def private_paths(settings: Settings) -> list[Path]:
    """The paths that hold personal data or secrets; they need not all exist."""
    instance = settings.instance_path
    paths = [
        instance,
        instance / "mail",
        settings.generated_keys_file or instance / "demo-keys.json",
    ]
    database = sqlite_file(settings.database_url)
    if database is not None:
        paths += [database.with_name(database.name + suffix) for suffix in SQLITE_SUFFIXES]
    cache = cache_file(settings.anonymiser_cache_dir)
    paths += [settings.anonymiser_cache_dir, cache.parent, cache]
    return paths


@dataclass(frozen=True)
class LoosePath:
    path: Path
    mode: int
    is_dir: bool

    @property
    def expected(self) -> int:
        return PRIVATE_DIR_MODE if self.is_dir else PRIVATE_FILE_MODE


def loose_paths(paths: Iterable[Path]) -> list[LoosePath]:
    """The existing paths that the group or others may read, write or enter."""
    found = []
    for path in dict.fromkeys(paths):
        try:
            info = path.stat()
        except OSError:
            continue  # not there (yet): nothing to leak
        mode = stat.S_IMODE(info.st_mode)
        if mode & PRIVATE_UMASK:
            found.append(LoosePath(path=path, mode=mode, is_dir=stat.S_ISDIR(info.st_mode)))
    return found


def warn_about_loose_paths(settings: Settings) -> list[LoosePath]:
    """Log a warning for every private path that is looser than owner-only."""
    found = loose_paths(private_paths(settings))
    for loose in found:
        log.warning(
            "private path open to other users path=%s mode=%04o expected=%04o",
            loose.path,
            loose.mode,
            loose.expected,
        )
    return found
