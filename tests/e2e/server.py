"""Serve Assess for the browser tests: ``python -m tests.e2e.server --instance DIR --port N``.

A fresh SQLite instance in ``DIR``, migrated, with the demo units and accounts (every
account's password is ``assess.demo.DEMO_PASSWORD``), served by werkzeug on 127.0.0.1 with
the production settings: CSRF on, the secret key generated into the instance. It runs in its
own process so the app's global database handle never meets the one of the test process.
``--demo full`` loads the whole demo (cycles, evidence, the nomination round) with open
work beside it, and writes the site map of ``tests/e2e/site_map.py`` into ``DIR``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from argon2 import PasswordHasher
from werkzeug.serving import make_server

from assess import create_app
from assess.accounts import users
from assess.core.db import database
from assess.demo.units import load_demo
from assess.evidence.storage import EvidenceStore
from assess.ops import migrations
from tests.e2e import site_map


def build_app(instance: Path, demo: str = "units"):
    """The app on a fresh database in ``instance`` with the demo units and accounts loaded
    (``demo="full"``: the whole demo, open work and the site map)."""
    # Cheap hashing, as in tests/conftest.py: the demo's 32 accounts would otherwise take
    # seconds to create. Verification still runs argon2, with the parameters in each hash.
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    users._DUMMY_HASH = users._hasher.hash("dummy-password-1")
    app = create_app(
        {
            "ASSESS_INSTANCE": str(instance),
            "DATABASE_URL": f"sqlite:///{instance}/assess.db",
            "SECRET_KEY": "",  # generated into the instance, as on a real first start
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        if demo == "full":
            load_demo(store=EvidenceStore.from_config(app.config))
            site_map.add_open_work()
            site_map.write(app, instance)
        else:
            load_demo(extensions=False)
        database.close()
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--demo", choices=("units", "full"), default="units")
    args = parser.parse_args(argv)
    app = build_app(args.instance, args.demo)
    server = make_server(args.host, args.port, app, threaded=True)
    print(f"serving http://{args.host}:{server.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
