"""moto's server mode: the AWS API emulator speaking IAM over HTTP on 127.0.0.1, started
as a subprocess for the session and reset before each test. Never a mock of our own code."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from connectors.choices import ConnectorKind
from connectors.models import PlatformConnector
from tests.factories import PlatformFactory, TeamFactory

ENV_PREFIX = "STEWARD_TEST_AWS"
KEYS = {f"{ENV_PREFIX}_ACCESS_KEY_ID": "testing", f"{ENV_PREFIX}_SECRET_ACCESS_KEY": "testing"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        exe = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
        self.proc = subprocess.Popen(
            [exe, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1)  # noqa: S310
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto_server did not start")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def reset(self):
        url = f"{self.url}/moto-api/reset"
        request = urllib.request.Request(url, method="POST")  # noqa: S310 - http only
        urllib.request.urlopen(request, timeout=5).close()  # noqa: S310

    def iam(self):
        return boto3.client(
            "iam",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture(scope="session")
def moto_server():
    server = Moto()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def moto(moto_server, monkeypatch):
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    moto_server.reset()
    return moto_server


@pytest.fixture
def aws_team(db):
    return TeamFactory(slug="cloud", name="Cloud")


@pytest.fixture
def aws_connector(moto, admin_user, aws_team, settings):
    settings.CONNECTORS_AWS_TIMEOUT = 2
    platform = PlatformFactory(slug="aws-prod", name="AWS prod", kind="aws", owning_team=aws_team)
    return PlatformConnector.objects.create(
        platform=platform,
        kind=ConnectorKind.AWS_IAM,
        configured_by=admin_user,
        team=aws_team,
        endpoint_url=moto.url,
        credentials_env=ENV_PREFIX,
    )


def worker_env() -> dict:
    """What a worker process needs to reach the emulator."""
    return {**KEYS, "CONNECTORS_AWS_TIMEOUT": "2"}
