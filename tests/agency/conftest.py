"""Agency-profile tests: real Rasa and action servers on PostgreSQL + Redis.

They start servers (a minute or more each), so the plain `pytest tests` run does not
collect them; scripts/agency_test.sh runs them (AGENCY_TESTS=1). Without PostgreSQL or
Redis they skip with the reason, except under CI=true, where that is a failure.

Ports (env): AGENCY_TEST_RASA_PORT (5205), AGENCY_TEST_ACTION_PORT (5255).
Databases (env): AGENCY_DB_HOST/PORT/NAME/USER, REDIS_HOST/PORT/DB, as scripts/serve_agency.sh.
"""
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

if os.environ.get("AGENCY_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / "var" / "agency-test"


def agency_env() -> dict:
    env = dict(os.environ)
    host, port = env.setdefault("AGENCY_DB_HOST", "127.0.0.1"), env.setdefault("AGENCY_DB_PORT", "5432")
    name, user = env.setdefault("AGENCY_DB_NAME", "test"), env.setdefault("AGENCY_DB_USER", "postgres")
    default_url = f"postgresql://{user}@{host}:{port}/{name}"
    env.setdefault("TRACKER_STORE_URL", default_url)
    env.setdefault("DATABASE_URL", default_url)
    env.setdefault("REDIS_HOST", "127.0.0.1")
    env.setdefault("REDIS_PORT", "6379")
    env.setdefault("REDIS_DB", "1")
    env.setdefault("REDIS_PASSWORD", "")
    env["ACTION_HOST"] = "127.0.0.1"
    env["ACTION_PORT"] = env.get("AGENCY_TEST_ACTION_PORT", "5255")
    env["SANIC_REQUEST_MAX_SIZE"] = env.get("SANIC_REQUEST_MAX_SIZE", "2000000")
    env["SANIC_KEEP_ALIVE_TIMEOUT"] = env.get("SANIC_KEEP_ALIVE_TIMEOUT", "75")  # see serve_agency.sh
    return env


def services_or_fail(env):
    """Skip (locally) or fail (CI=true) when PostgreSQL or Redis is not there."""
    import redis
    from sqlalchemy import create_engine, text

    problems = []
    try:
        with create_engine(env["DATABASE_URL"], connect_args={"connect_timeout": 5}).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:
        problems.append(f"PostgreSQL at {env['DATABASE_URL']}: {str(error).splitlines()[0]}")
    try:
        redis.Redis(host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]), socket_connect_timeout=5).ping()
    except Exception as error:
        problems.append(f"Redis at {env['REDIS_HOST']}:{env['REDIS_PORT']}: {error}")
    if problems:
        message = "agency tests need PostgreSQL and Redis: " + "; ".join(problems)
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def http_ok(url, timeout=2.0) -> bool:
    try:
        urllib.request.urlopen(url, timeout=timeout)
        return True
    except (OSError, urllib.error.URLError):
        return False


def port_in_use(port) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", int(port))) == 0


class AgencyServers:
    """One action server and one Rasa replica on the agency profile, killable and restartable."""

    def __init__(self, env):
        self.env = env
        self.rasa_port = int(env.get("AGENCY_TEST_RASA_PORT", "5205"))
        self.action_port = int(env["ACTION_PORT"])
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.processes = {}
        self.starts = 0
        LOG_DIR.mkdir(parents=True, exist_ok=True)

    def start(self, timeout=420):
        for port in (self.rasa_port, self.action_port):
            if port_in_use(port):
                pytest.fail(f"port {port} is in use; set AGENCY_TEST_RASA_PORT / AGENCY_TEST_ACTION_PORT")
        self.starts += 1
        action_env = dict(self.env, SANIC_HOST="127.0.0.1")
        self.processes["actions"] = subprocess.Popen(
            [str(ROOT / ".venv/bin/python"), "-m", "rasa_sdk", "--actions", "actions",
             "--port", str(self.action_port)],
            cwd=ROOT, env=action_env, start_new_session=True,
            stdout=open(LOG_DIR / f"actions-{self.starts}.log", "w"), stderr=subprocess.STDOUT)
        self.processes["rasa"] = subprocess.Popen(
            [str(ROOT / ".venv/bin/rasa"), "run", "--interface", "127.0.0.1", "--port", str(self.rasa_port),
             "--credentials", "credentials.yml", "--endpoints", "endpoints.agency.yml"],
            cwd=ROOT, env=self.env, start_new_session=True,
            stdout=open(LOG_DIR / f"rasa-{self.starts}.log", "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        for what, url in (("action server", f"http://127.0.0.1:{self.action_port}/health"), ("Rasa", self.url + "/")):
            while not http_ok(url):
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        self.stop()
                        pytest.fail(f"{name} exited during start-up; see {LOG_DIR}")
                if time.time() > deadline:
                    self.stop()
                    pytest.fail(f"{what} did not answer at {url} within {timeout} s; see {LOG_DIR}")
                time.sleep(1)

    def kill(self):
        """SIGKILL, as a crash or an OOM kill would: no clean shutdown of either server."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(30)
        self.processes = {}

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self.processes = {}

    def post(self, sender, message, timeout=120):
        """(status, reply list) for one message on the REST channel."""
        data = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(self.url + "/webhooks/rest/webhook", data=data,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            body = error.read()
            try:
                return error.code, json.loads(body)
            except ValueError:
                return error.code, body.decode("utf-8", "replace")

    def say(self, sender, message):
        """The reply text of one message; fails the test on anything but 200 with text."""
        status, body = self.post(sender, message)
        assert status == 200, f"{message!r} -> HTTP {status}: {body}"
        text = "\n".join(m.get("text") or "" for m in body)
        assert text.strip(), f"{message!r} -> no reply text: {body}"
        return text


@pytest.fixture(scope="session")
def env():
    env = agency_env()
    services_or_fail(env)
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]  # for the Store() the tests use
    from bot.store import migrate

    migrate(env["DATABASE_URL"])
    return env


@pytest.fixture(scope="session")
def servers(env):
    servers = AgencyServers(env)
    servers.start()
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def store(env):
    from bot.store import Store

    return Store(env["DATABASE_URL"])
