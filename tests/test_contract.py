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


# the contract only: quality is gated on the blind set G (tests/test_quality_gate.py, evals/thresholds.json), not on
# the checker's default thresholds against the dev set
NO_QUALITY_BAR = ("--min-hit5", "0", "--min-must", "0", "--min-supported", "0", "--min-abstain", "0",
                  "--max-false-abstain", "1000")


def test_answer_contract_on_the_dev_set(live_server):
    r = run_checker(live_server, *NO_QUALITY_BAR)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "problems=0 five_xx=0" in r.stdout.splitlines()[-1]

