"""A web worker starts without the libraries only some requests need (docs/decisions.md 80, issue 16): the PDF,
spreadsheet, holiday-table and identity-provider libraries are imported where they are used, so a worker that
never serves them never holds them (about 30 MB of the start's resident size)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# each imported only by the requests that need it: PDFs, XLSX exports, a term's calendar, the identity provider's
# sign-in (authlib brings requests and its crypto with it)
HEAVY = ("fpdf", "openpyxl", "holidays", "authlib", "requests", "joserfc", "PIL")
PROBE = """
import json, sys
from coordinator import create_app
create_app()
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {heavy})))
"""


def test_create_app_imports_no_heavy_module(tmp_path: Path):
    """Checked in a fresh interpreter: the test process itself has imported everything by now. The identity
    provider is configured, as in production, so its settings are checked at start but Authlib is not loaded."""
    env = {**os.environ, "COORDINATOR_INSTANCE_PATH": str(tmp_path), "COORDINATOR_SECRET_KEY": "test-secret",
           "COORDINATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
           "COORDINATOR_BASE_URL": "http://127.0.0.1:5000", "COORDINATOR_OIDC_ISSUER": "https://login.example.se",
           "COORDINATOR_OIDC_CLIENT_ID": "samverkan", "COORDINATOR_OIDC_CLIENT_SECRET": "s3cret-of-the-provider"}
    result = subprocess.run([sys.executable, "-c", PROBE.format(heavy=set(HEAVY))], env=env, capture_output=True,
                            text=True, cwd=Path(__file__).resolve().parents[2], check=False)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
