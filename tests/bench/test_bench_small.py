"""The whole benchmark pipeline at small scale (≈2,000 identities), in the normal suite on
PostgreSQL: it keeps the generator, the baselines and every measured path alive. It asserts
that each figure was produced and the JSON written — never a timing."""

import json

import pytest
from django.db import connection

from tests.bench.generate import SCALES, generate
from tests.bench.measure import measure_all, print_table, write_json

pytestmark = [pytest.mark.bench, pytest.mark.postgres]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)  # gunicorn (figures 6, 7) must see committed data
def test_small_scale_pipeline_produces_every_figure(tmp_path, settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    counts = generate("small", log=lambda *_: None)
    assert counts["identities"] == SCALES["small"].identities
    assert counts["history_rows"] >= SCALES["small"].history

    results = measure_all(
        scale="small",
        repeat=1,
        database_url=_database_url(),
        generated=counts,
        import_rows=200,
        http_seconds=1,
    )
    print_table(results)
    out = tmp_path / "results.json"
    write_json(results, out)

    written = json.loads(out.read_text())
    keys = {f["key"] for f in written["figures"]}
    assert keys == {"1", "2", "3", "4", "5", "6", "7"}
    names = [f["name"] for f in written["figures"]]
    assert sum(1 for n in names if n.endswith("sweep")) == 4
    for f in written["figures"]:
        assert f["value"] is not None and f["baseline"], f
        assert f["ratio"] is not None, f
    export = next(f for f in written["figures"] if f["key"] == "4")
    assert export["rows"] == SCALES["small"].requests
    http = [f for f in written["figures"] if f["key"] in ("6", "7")]
    assert all(f["non_2xx"] == 0 for f in http), http
    runtime = [f["name"] for f in written["figures"] if f["key"] == "7"]
    assert [n.split(" (")[0].split(":")[0] for n in runtime] == [
        "HTTP token exchange",
        "HTTP introspection",
        "HTTP floor",
    ]
    assert counts["issued tokens"] == SCALES["small"].identities and counts["federated identities"]
