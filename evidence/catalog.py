"""The framework catalog: data files in evidence/frameworks/, keyed by URN and ref id."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

FRAMEWORKS_DIR = Path(__file__).resolve().parent / "frameworks"


@dataclass(frozen=True)
class Control:
    framework: str  # the framework's ref id
    ref_id: str
    urn: str
    title: str
    checks: tuple[str, ...]
    request_kinds: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.framework}:{self.ref_id}"


@dataclass(frozen=True)
class Framework:
    ref_id: str
    urn: str
    name: str
    source: str
    controls: tuple[Control, ...]


@cache
def frameworks() -> tuple[Framework, ...]:
    out = []
    for path in sorted(FRAMEWORKS_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        meta = data["framework"]
        controls = tuple(
            Control(
                framework=meta["ref_id"],
                ref_id=c["ref_id"],
                urn=c["urn"],
                title=c["title"],
                checks=tuple(c.get("checks", ())),
                request_kinds=tuple(c.get("request_kinds", ())),
            )
            for c in data["controls"]
        )
        out.append(
            Framework(meta["ref_id"], meta["urn"], meta["name"], meta.get("source", ""), controls)
        )
    return tuple(out)


def controls() -> list[Control]:
    return [c for f in frameworks() for c in f.controls]


def control_get(ref: str) -> Control | None:
    """By URN, `FRAMEWORK:REF` or a bare ref id (e.g. 'PR.AA-05', 'NHI1')."""
    ref = ref.strip()
    for c in controls():
        if ref.lower() in (c.urn.lower(), c.key.lower(), c.ref_id.lower()):
            return c
    return None


def control_request_kinds(ref: str) -> tuple[str, ...]:
    """The request kinds whose access evidence evidences a control (none: no rows)."""
    control = control_get(ref)
    return control.request_kinds if control else ()
