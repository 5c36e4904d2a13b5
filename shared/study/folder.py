"""A data folder remembers the study it holds: a copy of the study file and a marker naming it.

The first command that opens a folder (``trialpro-server demo|serve --study FILE``, ``trialpro-client
gui|simulate --study FILE``, or any command with the shipped NCT05605665 as default) copies the study file
into the folder as ``study.toml`` and writes ``study.json`` (study id, version, SHA-256 of the text, where it
was copied from). Every later command loads that copy, so ``export``, ``audit``, ``user``, ``device``, ``lab``
… need no ``--study``, and the original file may move. Instruments are found by id and version in the
installed library, never by a path next to the study file. Giving a folder another study, or another version
of it, is refused: a folder holds one study.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from shared.errors import StudyFileError, StudyFolderMismatch
from shared.study.loader import DEFAULT_STUDY_FILE, parse_study
from shared.study.model import Study

STUDY_COPY = "study.toml"
MARKER = "study.json"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StudyFileError(f"cannot read study file {path}: {exc.strerror}", details={"source": str(path)}) from None


def _write_atomically(path: Path, text: str) -> None:
    """Write aside and rename, so several processes opening one new folder never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def remembered_study(folder: Path | str) -> Study | None:
    """The study the folder holds, or None for a folder that holds none yet."""
    copy = Path(folder) / STUDY_COPY
    if not copy.exists():
        return None
    return parse_study(_read(copy), source=str(copy))


def study_of_folder(folder: Path | str, study_file: Path | str | None = None) -> Study:
    """The study of data folder ``folder``; a new folder remembers ``study_file`` (default: NCT05605665).

    Raises StudyFileError for a broken file and StudyFolderMismatch when ``study_file`` is another study, or
    another version or text of it, than the folder holds.
    """
    folder = Path(folder)
    held = remembered_study(folder)
    if held is not None:
        if study_file is None:
            return held
        given_text = _read(Path(study_file))
        given = parse_study(given_text, source=str(study_file))
        held_text = _read(folder / STUDY_COPY)
        if (given.study.id, given.study.version) != (held.study.id, held.study.version):
            raise StudyFolderMismatch(
                f"The data folder {folder} holds study {held.study.id} version {held.study.version}; "
                f"{study_file} is study {given.study.id} version {given.study.version}. Use another data "
                "folder for another study, or leave out --study to work on the one this folder holds.",
                details={"held": [held.study.id, held.study.version],
                         "given": [given.study.id, given.study.version]})
        if given_text != held_text:
            raise StudyFolderMismatch(
                f"{study_file} says study {given.study.id} version {given.study.version} but differs from the "
                f"copy the data folder {folder} holds: a changed study file needs a new version (and a new "
                "data folder, or a migration of this one).",
                details={"held": [held.study.id, held.study.version], "given": [given.study.id,
                                                                               given.study.version]})
        return held
    source = Path(study_file) if study_file is not None else DEFAULT_STUDY_FILE
    text = _read(source)
    study = parse_study(text, source=str(source))
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(folder / STUDY_COPY, text)
    marker = {"study_id": study.study.id, "study_version": study.study.version,
              "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "copied_from": str(source)}
    _write_atomically(folder / MARKER, json.dumps(marker, indent=2) + "\n")
    return study
