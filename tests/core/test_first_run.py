"""The first ten minutes: e-mail links follow PORT, development mail is one line each."""

import os
import subprocess
import sys
from pathlib import Path

from django.core import mail
from django.core.mail import EmailMessage

from core.mail import OneLineConsoleBackend

ROOT = Path(__file__).resolve().parents[2]


def setting_under(env: dict, name: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"HOST", "PORT", "STEWARD_BASE_URL"}}
    clean.update(env)
    code = f"import django; django.setup(); from django.conf import settings as s; print(s.{name})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_base_url_follows_port_and_host_when_unset():
    assert setting_under({}, "STEWARD_BASE_URL") == "http://127.0.0.1:8000"
    assert setting_under({"PORT": "8123"}, "STEWARD_BASE_URL") == "http://127.0.0.1:8123"
    wildcard = {"HOST": "0.0.0.0", "PORT": "9000"}  # noqa: S104 - the bind address under test
    assert setting_under(wildcard, "STEWARD_BASE_URL") == "http://127.0.0.1:9000"
    explicit = {"PORT": "8123", "STEWARD_BASE_URL": "https://steward.example.com/"}
    assert setting_under(explicit, "STEWARD_BASE_URL") == "https://steward.example.com"


def test_development_mail_backend_is_one_line_per_message():
    assert setting_under({}, "EMAIL_BACKEND") == "core.mail.OneLineConsoleBackend"


def test_one_line_backend_prints_recipient_and_subject_only(capsys):
    message = EmailMessage(
        subject="Credential\nexpired", body="line one\nline two\n" * 20, to=["a@example.com"]
    )
    sent = OneLineConsoleBackend().send_messages([message])
    out = capsys.readouterr().out
    assert sent == 1
    assert out == "[mail] to a@example.com: Credential expired\n"
    assert mail.outbox == []  # nothing else captured it
