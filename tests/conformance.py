"""One schemathesis conformance run for the API tests: the schema is loaded from the running
app in-process (`/api/schema/`, WSGI, same thread and database as the test), every operation
gets generated requests (positive and negative), and each response must be no 5xx, a
documented status, a documented content type and a body matching its schema. Every
violation is collected, so a run names them all, not only the first."""

from collections import Counter
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@dataclass
class Run:
    operations: list
    calls: int = 0
    outcomes: Counter = field(default_factory=Counter)  # (operation, status) → count
    failures: dict = field(default_factory=dict)  # "operation [mode]" → what failed

    @property
    def codes(self) -> set[int]:
        return {code for (_, code) in self.outcomes}

    def report(self) -> str:
        return "\n\n".join(f"{k}:\n{v}" for k, v in self.failures.items())


def conform(
    *, path_regex: str, headers: dict, examples: int, strategy_for=None, schema_headers=None
) -> Run:
    """`strategy_for(operation, mode)` may widen the generated cases (say, towards objects
    that exist); negative cases get half the examples. `schema_headers` read the schema when
    the calls authenticate otherwise (a resource server cannot read it)."""
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", application, headers=schema_headers or headers
    )
    run = Run([r.ok() for r in schema.include(path_regex=path_regex).get_all_operations()])
    for operation in run.operations:
        for mode in MODES:
            strategy = (
                strategy_for(operation, mode)
                if strategy_for
                else operation.as_strategy(generation_mode=mode)
            )
            positive = mode is schemathesis.GenerationMode.POSITIVE

            @given(case=strategy)
            @settings(
                max_examples=examples if positive else max(examples // 2, 1),
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                run.calls += 1
                response = case.call(headers=headers)
                run.outcomes[(case.operation.label, response.status_code)] += 1
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # collected, reported by the test
                run.failures[f"{operation.label} [{mode.value}]"] = str(exc)[:1500]
    return run
