"""A setting nobody can find is a setting nobody can use: each one must be in the README."""

from pathlib import Path

import pytest

from rag.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_is_documented_in_the_readme(name):
    assert f"`RAG_{name.upper()}`" in README


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_has_a_description(name):
    assert Settings.model_fields[name].description
