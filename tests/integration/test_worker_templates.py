"""A gunicorn worker of `trialpro-server serve` compiles every page template as it starts
(server.commands.run.compile_templates), so no first request pays for it."""

from __future__ import annotations

from pathlib import Path

from server.app import create_app
from server.commands.run import compile_templates
from server.config import ServerConfig

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "web" / "templates"


def test_a_worker_compiles_every_page_template_before_its_first_request(tmp_path: Path) -> None:
    app = create_app(ServerConfig(data_dir=tmp_path / "server"))
    assert not app.jinja_env.cache
    on_disk = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")}
    assert compile_templates(app) >= len(on_disk) > 10
    assert on_disk <= {name for _loader, name in app.jinja_env.cache.keys()}
