"""Jinja filters that show stored UTC moments as a person at the site reads them (``shared.site_time``).

``{{ r.collected_at|site_date(r.site_id) }}`` gives the site's calendar day, ``|site_time(site_id)`` the site's
date and time (``YYYY-MM-DD HH:MM``), ``|utc_time`` the UTC reading the audit trail keeps. Without a site id the
study's first site is used (a one-site study); pages of several sites pass the row's site.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from shared.site_time import site_local_iso_date, site_local_text, site_today, utc_text
from shared.study.model import Study


def _study() -> Study:
    return current_app.extensions["trialpro"].study


def site_date(ts: Any, site_id: str | None = None) -> str:
    """The site-local ``YYYY-MM-DD`` of a stored moment ("" when empty)."""
    return site_local_iso_date(ts, _study(), site_id)


def site_time(ts: Any, site_id: str | None = None, seconds: bool = False) -> str:
    """The site-local ``YYYY-MM-DD HH:MM`` of a stored moment ("" when empty)."""
    return site_local_text(ts, _study(), site_id, seconds=seconds)


def utc_time(ts: Any) -> str:
    """The moment as ``YYYY-MM-DD HH:MM:SS UTC``."""
    return utc_text(ts)


def register_filters(app: Flask) -> None:
    """Make the filters (and ``site_zone(site_id)``, the zone's name) available to every template."""
    app.jinja_env.filters.update(site_date=site_date, site_time=site_time, utc_time=utc_time)

    def site_zone(site_id: str | None = None) -> str:
        study = _study()
        return next((s.timezone for s in study.sites if s.id == site_id), study.sites[0].timezone)

    app.jinja_env.globals.update(site_zone=site_zone)


def today_at_site(site_id: str | None = None) -> Any:
    """Today at the site (pages compute due and overdue visits from it)."""
    return site_today(_study(), site_id)
