"""Web exports as background jobs: queued by a page, run by the one job runner, downloaded when ready.

A request checks the export (format, site, dates: refused at once, nothing
queued) and queues a ``jobs`` row; the job runner calls ``run_export_job``,
which writes the folder with ``registry.run_export`` (audited ``export.<fmt>``,
progress as rows read), zips it to ``DATA_DIR/exports/job-<id>.zip`` (0600, on
disk, never in memory) and removes the folder. Only the staff member who asked
sees the job and downloads it; every download is audited (``export.download``).
A job survives a server restart: it is a row, and a job left running by a
stopped runner is queued again.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from server.exports import registry
from server.private_files import private_dir, private_file
from server.services.audit import AuditEntry, append
from server.services.jobs import Progress
from server.storage import jobs as store
from server.storage.engine import reading, writing
from shared.errors import JobNotFound, JobNotReady
from shared.records import utc_now
from shared.study.model import Study

KIND = "export"
EXPORT_DIR = "exports"


@dataclass(frozen=True)
class ExportRequest:
    """What a staff member asked for (already scoped to their sites by the page)."""

    format: str
    site_id: str | None
    date_from: str | None
    date_to: str | None
    bom: bool
    actor: str


def request_export(engine: Engine, study: Study, req: ExportRequest) -> int:
    """Check the request and queue it; returns the job id. Raises ExportRefused (nothing queued)."""
    registry.check_request(study, req.format, site_id=req.site_id, date_from=req.date_from, date_to=req.date_to)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{study.study.id}-{req.format}-{req.site_id or 'all'}-{stamp}"
    params = {"format": req.format, "site": req.site_id, "from": req.date_from, "to": req.date_to,
              "bom": req.bom, "name": name}
    with writing(engine) as conn:
        return store.enqueue(conn, kind=KIND, params=params, created_by=req.actor, now=utc_now())


def _folder(data_dir: Path) -> Path:
    return private_dir(Path(data_dir) / EXPORT_DIR)


def zip_path(data_dir: Path, job_id: int) -> Path:
    return Path(data_dir) / EXPORT_DIR / f"job-{job_id}.zip"


def run_export_job(engine: Engine, study: Study, data_dir: Path, job: store.Job, progress: Progress) -> dict[str, Any]:
    """The job runner's handler: write, zip to disk (0600), clean up; returns what the job row keeps."""
    p = job.params
    work = _folder(data_dir) / f"job-{job.id}"
    shutil.rmtree(work, ignore_errors=True)            # a half-written folder of an interrupted earlier attempt
    total = [0]

    def tell(done: int, rows: int) -> None:
        total[0] = rows
        progress(done, rows)

    try:
        summary = registry.run_export(engine, study, p["format"], work / p["name"], site_id=p["site"],
                                      date_from=p["from"], date_to=p["to"], actor=job.created_by, bom=p["bom"],
                                      progress=tell)
        target = zip_path(data_dir, job.id)
        partial = target.with_suffix(".zip.part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted((work / p["name"]).rglob("*")):
                if path.is_file():
                    zf.write(path, f"{p['name']}/{path.relative_to(work / p['name'])}")
        os.replace(partial, target)
        private_file(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    progress(total[0], total[0], force=True)
    return {"file": target.name, "download_name": f"{p['name']}.zip", "files": summary.files,
            "bytes": target.stat().st_size}


def job_of(engine: Engine, job_id: int, actor: str) -> store.Job:
    """The export job ``job_id`` of ``actor``; raises JobNotFound for anyone else's or an unknown id."""
    with reading(engine) as conn:
        job = store.get(conn, job_id)
    if job is None or job.kind != KIND or job.created_by != actor:
        raise JobNotFound(f"There is no export job {job_id} of yours; start the export again on the exports page.",
                          details={"job": job_id})
    return job


def jobs_of(engine: Engine, actor: str, limit: int = 10) -> list[store.Job]:
    with reading(engine) as conn:
        return store.recent(conn, kind=KIND, created_by=actor, limit=limit)


def download(engine: Engine, data_dir: Path, job_id: int, actor: str) -> tuple[Path, str]:
    """(zip on disk, download name) of a finished job, audited; raises JobNotFound or JobNotReady."""
    job = job_of(engine, job_id, actor)
    if job.status != store.DONE or job.result is None:
        raise JobNotReady(f"Export job {job_id} is {job.status}: download it when it is done.",
                          details={"job": job_id, "status": job.status})
    path = zip_path(data_dir, job.id)
    if not path.exists():
        raise JobNotFound(f"The file of export job {job_id} is no longer on the server; run the export again.",
                          details={"job": job_id})
    with writing(engine) as conn:
        append(conn, AuditEntry(actor=actor, action="export.download", entity_type="export_job",
                                entity_id=str(job.id), new={"file": job.result["download_name"],
                                                            "bytes": path.stat().st_size}))
    return path, job.result["download_name"]
