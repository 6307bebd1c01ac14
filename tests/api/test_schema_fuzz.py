"""Schemathesis against the app's own /openapi.json: no 5xx, and every response as the schema says.

Each operation gets requests that fit the schema (positive) and requests that break it (negative), a
bounded, fixed set of examples (derandomized, so a run is repeatable), through the ASGI transport against
the real engine. The admin routes get the admin key and a private copy of the index, so uploads and
deletions change nothing the other tests use. Counts per operation and status go to
test-output/schema_fuzz.json.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rag.config import Settings
from tests.conftest import CORPUS, ROOT

EXAMPLES = 25
ADMIN_KEY = "fuzz-sleutel"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
OUT = ROOT / "test-output" / "schema_fuzz.json"


def _cases() -> list[tuple[str, GenerationMode]]:
    """Every operation with data that fits; those that take input also with data that does not."""
    from rag.api import create_app

    spec = create_app(Settings(ui=False), engine=None, load=False).openapi()
    cases = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            cases.append((f"{method.upper()} {path}", GenerationMode.POSITIVE))
            if op.get("parameters") or op.get("requestBody"):
                cases.append((f"{method.upper()} {path}", GenerationMode.NEGATIVE))
    return cases

COUNTS: Counter = Counter()


@pytest.fixture(scope="module")
def schema(index_dir, embedder, engine, tmp_path_factory):
    from rag.api import create_app
    from rag.engine import Engine

    own = tmp_path_factory.mktemp("fuzz") / "index"
    shutil.copytree(index_dir, own)
    fuzz_settings = Settings(index_dir=own, corpus_dir=CORPUS, ui=False, admin_key=ADMIN_KEY)
    fuzz_engine = Engine(fuzz_settings, embedder=embedder)
    fuzz_engine.load()
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(fuzz_settings, fuzz_engine))
    OUT.parent.mkdir(exist_ok=True)
    table: dict = {}
    for (op, mode, status), n in sorted(COUNTS.items()):
        table.setdefault(op, {}).setdefault(mode, {})[str(status)] = n
    OUT.write_text(json.dumps({"examples_per_operation_and_mode": EXAMPLES, "requests": sum(COUNTS.values()),
                               "by_operation": table}, indent=1) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("label", "mode"), _cases(), ids=lambda x: getattr(x, "value", x))
def test_the_api_keeps_to_its_schema(schema, label, mode):
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        COUNTS[(label, mode.value, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as e:  # every failing example is reported, not only the one Hypothesis shrinks to
            failures.append(f"{response.status_code} for {case.body!r:.300}: {e}"[:1500])

    run()
    assert not failures, "\n".join(failures[:5])
    assert any(k[0] == label and k[1] == mode.value for k in COUNTS)
