"""scripts/serve_agency.sh refuses to start, with a clear message, when PostgreSQL or Redis
is not reachable (Rasa's SQL tracker store would otherwise retry forever)."""
import os
import subprocess

from tests.agency.conftest import ROOT


def run_serve_agency(**env):
    return subprocess.run(["bash", "scripts/serve_agency.sh"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, RASA_PORTS="5297", ACTION_PORT="5298", **env))


def test_unreachable_databases_stop_it_with_a_clear_message():
    result = run_serve_agency(AGENCY_DB_PORT="1", REDIS_PORT="1", TRACKER_STORE_URL="", DATABASE_URL="")
    assert result.returncode == 1
    assert "PostgreSQL (TRACKER_STORE_URL=postgresql://" in result.stderr
    assert "Redis (127.0.0.1:1) is not reachable" in result.stderr
    assert "Start them, or point" in result.stderr


def test_a_missing_database_is_named():
    result = run_serve_agency(AGENCY_DB_NAME="no_such_database_here", TRACKER_STORE_URL="", DATABASE_URL="")
    assert result.returncode == 1
    assert 'database "no_such_database_here" does not exist' in result.stderr
