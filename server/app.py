"""create_app(config): the Flask application factory. Nothing happens at import time."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine

from server.api import errors, health, home_app, openapi, sync
from server.config import ServerConfig
from server.private_files import private_database, private_dir, private_file, restrict_process, write_once
from server.services import signing_keys
from server.storage.engine import database_url, make_engine, migrate
from shared.study.folder import STUDY_COPY, study_of_folder
from shared.study.model import Study


@dataclass(frozen=True)
class ServerContext:
    """What every request handler may use: the database engine and the study."""

    engine: Engine
    study: Study
    config: ServerConfig

    @property
    def study_file(self) -> Path:
        """The data folder's copy of the study file it holds."""
        return Path(self.config.data_dir) / STUDY_COPY


def open_context(config: ServerConfig) -> ServerContext:
    """Load the study, open (and migrate) the database, make sure the signing key file exists (moving a key
    found in the database out of it). Used by the app, the worker and the CLI alike.

    The study is the one the data folder remembers; a new folder remembers ``config.study_file`` (default
    NCT05605665). Another study for a folder that holds one raises StudyFolderMismatch.

    From here on the process writes private files only (umask 077), and the data folder and the SQLite
    files are made 0700/0600 even when an earlier run left them looser (server/private_files.py).
    """
    restrict_process()
    private_dir(Path(config.data_dir))
    study = study_of_folder(config.data_dir, config.study_file)
    engine = make_engine(config.database_url or database_url(config.data_dir))
    migrate(engine)
    private_database(engine)
    engine = signing_keys.engine_with_key(engine, Path(config.data_dir))
    return ServerContext(engine=engine, study=study, config=config)


def _secret_key(config: ServerConfig) -> str:
    if config.secret_key:
        return config.secret_key
    path = Path(config.data_dir) / "secret_key"
    if not path.exists():  # several gunicorn workers start at once: the first one's key wins
        write_once(path, secrets.token_hex(32).encode("ascii"))
    private_file(path)
    return path.read_text().strip()


def create_app(config: ServerConfig, context: ServerContext | None = None) -> Flask:
    """A configured Flask app with every blueprint registered."""
    ctx = context or open_context(config)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=_secret_key(config), MAX_CONTENT_LENGTH=config.max_body_bytes,
                      TESTING=config.testing)
    app.extensions["trialpro"] = ctx
    errors.register(app)
    for bp in (health.bp, sync.bp, openapi.bp, home_app.bp):
        app.register_blueprint(bp)
    from server import web  # admin pages + admin JSON API (session cookie, CSRF, security headers)

    web.register(app, config)
    if config.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # only as many X-Forwarded-For hops as there are proxies we run: a client cannot forge its address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=config.trusted_proxies)
    return app
