"""deduce's lifecycle (R5.6, R5.7): where it is imported, its cache, its lookup keys."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from niemand_alleen.anonymiser import Anonymiser, AnonymiserCacheError, cache_file, warmup
from niemand_alleen.anonymiser.engine import load_deduce

LOOKUP_KEYS = {
    "common_word", "eponymous_disease", "first_name", "healthcare_institution", "hospital",
    "hospital_abbr", "initial", "interfix", "interfix_surname", "medical_term", "placename",
    "prefix", "stop_word", "street", "surname", "whitelist",
}  # fmt: skip


def test_importing_the_anonymiser_does_not_import_deduce() -> None:
    code = (
        "import sys; import niemand_alleen.intake; import niemand_alleen.anonymiser; "
        "print('deduce' in sys.modules, 'docdeid' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_the_lookup_keys_we_rely_on_exist(anonymiser: Anonymiser) -> None:
    keys = set(anonymiser._deduce.lookup_structs.keys())
    assert keys >= LOOKUP_KEYS


def test_our_annotators_run_before_deduces_post_processing(anonymiser: Anonymiser) -> None:
    names = anonymiser._deduce.processors.get_names(recursive=False)
    assert names.index("niemand_alleen") == names.index("post_processing") - 1


def test_loading_deduce_leaves_logging_alone(anonymiser: Anonymiser) -> None:
    root = logging.getLogger()
    assert not any(
        isinstance(handler, logging.StreamHandler)
        and getattr(handler, "stream", None) is sys.stdout
        for handler in root.handlers
    )


def test_cache_file_is_private(anonymiser: Anonymiser, deduce_cache_dir: Path) -> None:
    assert cache_file(deduce_cache_dir).stat().st_mode & 0o022 == 0
    assert deduce_cache_dir.stat().st_mode & 0o022 == 0


def test_a_group_writable_cache_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o775)
    with pytest.raises(AnonymiserCacheError, match="writable"):
        load_deduce(folder, build=False)


def test_a_missing_cache_is_not_built_when_building_is_off(tmp_path: Path) -> None:
    with pytest.raises(AnonymiserCacheError, match="warmup"):
        load_deduce(tmp_path / "empty", build=False)
    assert (tmp_path / "empty").stat().st_mode & 0o022 == 0


def test_warmup_with_a_built_cache_returns_it_without_rebuilding(
    anonymiser: Anonymiser, deduce_cache_dir: Path
) -> None:
    target = cache_file(deduce_cache_dir)
    before = target.stat().st_mtime_ns
    assert warmup(deduce_cache_dir) == target
    assert target.stat().st_mtime_ns == before
