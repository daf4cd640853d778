"""WSGI entry point for gunicorn: ``gunicorn 'niemand_alleen.wsgi:app'`` (production preset).

Builds the app from the environment; never migrates and never starts the scheduler.
"""

from __future__ import annotations

import os

from niemand_alleen import create_app
from niemand_alleen.config import load_settings
from niemand_alleen.private_files import keep_new_files_private

keep_new_files_private()
app = create_app(load_settings(os.environ.get("NIEMAND_ALLEEN_PRESET", "production")))
