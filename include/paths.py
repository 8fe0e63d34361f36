"""Where the project's files live (overridable by environment variables)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAPPINGS_DIR = Path(os.environ.get("INTEGRATION_MAPPINGS_DIR", PROJECT_ROOT / "mappings"))
VAR_DIR = Path(os.environ.get("INTEGRATION_VAR_DIR", PROJECT_ROOT / "var"))
