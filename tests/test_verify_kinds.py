"""verify's checks for the finding kinds beyond the defaults (CNV1xx, transposed layers), in real TensorFlow and JAX.

Each kind has a CONFIRMED case and a NOT CONFIRMED control. Findings come from conv-lint's own
analysis of a small module; a control edits one to a configuration where the two runs agree.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import FIXTURES, require_installed, run
from conv_lint.analyzer import analyze_source, parse
from conv_lint.verify.judging.verdict import judge
from conv_lint.verify.planning.plan import Jobs, Planner
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.values import Evaluator
from conv_lint.verify.workers.pool import Limits, Pool

FRAMEWORKS = ("tensorflow", "keras", "jax", "flax", "haiku", "equinox")


@pytest.fixture(scope="module")
def pool():
    require_installed(*FRAMEWORKS)
    with Pool(Limits()) as workers:
        yield workers


def verdicts(source: str, pool: Pool, code: str, edit=None, seeds=(0,)) -> list:
    """The results of verify's checks of every ``code`` finding in ``source`` (``edit``: a change to
    each finding first), one per finding and seed."""
    analysis = analyze_source(source, "<module>")
    evaluator = Evaluator(analysis, parse(source, "<module>"))
    findings = [f for f in analysis.findings if f.code == code]
    assert findings, [f.code for f in analysis.findings]
    jobs = Jobs()
    checks = []
    for seed in seeds:
        planner = Planner(Probe(seed=seed), jobs, sample_size=4096)
        for finding in findings:
            finding = edit(finding) if edit else finding
            checks.append(planner.plan(finding, evaluator.arguments(finding.call) if finding.call else None, "no pin"))
    pool.run(jobs.all())
    return [judge(check) for check in checks]


# -- CNV101 / CNV107: the kernel read as written vs as intended ----------------------------------

SEED_LAYOUT = (
    "import jax\nimport jax.numpy as jnp\nfrom jax import lax, random\n"
    "x = jnp.ones((1, 7, 1))\n"
    "w = random.normal(random.PRNGKey(0), (3, 1, 1))  # width, in, out\n"
    "y = lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NWC', 'OIW', 'NWC'))\n"
)
PORTED = (
    "import jax.numpy as jnp\nimport torch\nfrom jax import lax\n"
    "conv = torch.nn.Conv1d(4, 8, 3)\n"
    "w = jnp.asarray(conv.weight.detach().numpy())\n"
    "y = lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
)


def test_cnv101_the_seed_posts_kernel_read_through_oiw_gives_1_7_3_and_the_fixed_spec_agrees(pool):
    (result,) = verdicts(SEED_LAYOUT, pool, "CNV101")
    assert result.verdict == "CONFIRMED", result.reason
    assert "(1, 7, 3) vs (1, 5, 1)" in result.reason
    assert result.fix.status == "FIX VERIFIED", result.fix.summary


def test_cnv101_not_confirmed_where_the_two_orders_read_the_same_values(pool):
    """Swapping two axes of size one moves no value: the control a check that always confirms would fail."""
    def size_one_axes(finding):
        message = finding.message.replace("kernel of shape (3, 1, 1)", "kernel of shape (1, 1, 1)")
        return replace(finding, message=message)

    results = verdicts(SEED_LAYOUT, pool, "CNV101", size_one_axes, seeds=range(20))
    assert {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


def test_cnv107_a_pytorch_weight_read_as_wio_differs_and_the_oiw_spec_agrees(pool):
    (result,) = verdicts(PORTED, pool, "CNV107")
    assert result.verdict == "CONFIRMED", result.reason
    assert result.fix.status == "FIX VERIFIED", result.fix.summary


def test_cnv107_not_confirmed_where_the_layer_order_is_the_order_read(pool):
    def already_read_in_its_order(finding):
        return replace(finding, message=finding.message.replace("laid out (out, in, width)", "laid out (width, in, out)"))

    results = verdicts(PORTED, pool, "CNV107", already_read_in_its_order, seeds=range(20))
    assert {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


def test_verify_confirms_every_finding_on_the_seed_posts_snippets():
    require_installed(*FRAMEWORKS)
    result = run("conv-lint", "verify", str(FIXTURES / "seed_post"), "--format", "json", "--no-cache")
    document = json.loads(result.stdout)
    verdict = {(Path(r["path"]).name, r["code"]): r for r in document["results"]}
    assert {r["verdict"] for r in verdict.values()} == {"CONFIRMED"}, {k: r["reason"] for k, r in verdict.items()}
    assert "(1, 7, 3) vs (1, 5, 1)" in verdict["snippet2_jax_valid.py", "CNV101"]["reason"]
    assert "(1, 7, 3) vs (1, 7, 1)" in verdict["snippet3_jax_same.py", "CNV101"]["reason"]
    assert "(1, 5, 1) vs (1, 7, 1)" in verdict["snippet1_tensorflow.py", "CNV001"]["reason"]
