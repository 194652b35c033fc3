"""docs/defaults.md is generated from the catalog (``conv-lint defaults``) and kept equal to it."""

from conftest import ROOT, run
from conv_lint.catalog import CATALOG
from conv_lint.defaults_doc import defaults_markdown

DEFAULTS_MD = ROOT / "docs" / "defaults.md"


def test_defaults_md_is_the_generated_table():
    # To update: uv run conv-lint defaults > docs/defaults.md
    assert DEFAULTS_MD.read_text(encoding="utf-8") == defaults_markdown()


def test_every_api_and_default_has_a_row():
    text = DEFAULTS_MD.read_text(encoding="utf-8")
    for api in CATALOG.apis:
        assert f"`{api.name.rpartition('.')[2]}`" in text, api.name
        for default in api.defaults:
            if default.param:
                assert f"| `{default.param}` | `{default.value}` |" in text, (api.name, default.param)


def test_the_command_prints_it():
    result = run("conv-lint", "defaults")
    assert result.returncode == 0 and result.stdout == DEFAULTS_MD.read_text(encoding="utf-8")
