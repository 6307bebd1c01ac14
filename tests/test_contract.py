"""The public contract, checked the way evaluators check it: ../shared/contract_check.py against a live server."""

import subprocess
import sys

import pytest

from tests.conftest import DEV_SET, ROOT

CHECKER = ROOT.parent / "shared" / "contract_check.py"
pytestmark = pytest.mark.skipif(not CHECKER.exists(), reason=f"{CHECKER} ontbreekt (../shared staat niet naast de repo)")


def run_checker(base: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECKER), base, str(DEV_SET), *args], capture_output=True, text=True,
                          timeout=900)


def test_search_contract_on_the_dev_set(live_server):
    r = run_checker(live_server, "--search-only")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "problems=0 five_xx=0" in r.stdout.splitlines()[-1]


def test_answer_contract_on_the_dev_set(live_server):
    r = run_checker(live_server)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "problems=0 five_xx=0" in r.stdout.splitlines()[-1]

