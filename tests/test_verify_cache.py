"""verify's answer cache, in real TensorFlow and JAX: a second run answers from it and starts no
worker; the seed, the environment the frameworks read, the framework versions and the worker code
each make a new key; --no-cache recomputes and writes nothing; a corrupt cache file is ignored.

Kept small: one file, one finding (CNV001: outputs compared, fix and pin), and one JAX request.
"""

import dataclasses
import math
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, require_installed, run
from conv_lint.verify.planning.plan import Job
from conv_lint.verify.workers.answers import AnswerCache, Context, worker_code
from conv_lint.verify.workers.pool import MODULES, Limits, Pool

FRAMEWORKS = ("tensorflow", "keras", "jax", "flax")
MODEL = "import keras\nlayer = keras.layers.Conv1D(1, 3)\n"
SMALL = {"op": "sample", "kind": "flax_linen", "api": "flax.linen.Conv", "kwargs": {"features": "1", "kernel_size": "3"},
         "input": {"shape": [1, 7, 1]}, "input_layout": "NWC", "param": "kernel", "count": 30, "seed": 0}


def verify(folder: Path, *options: str, env: dict | None = None):
    result = run("conv-lint", "verify", "model.py", "--select", "CNV001", "--format", "json",
                 "--cache-dir", str(folder / "cache"), *options, cwd=folder, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def verdicts(document: dict) -> list[dict]:
    """The results, verdicts and evidence, without where their answers came from."""
    return [{key: value for key, value in result.items() if key != "answers"} for result in document["results"]]


def cache_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (folder / "cache" / "verify-answers").glob("*.json")}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project verified once, cold: (folder, the run's JSON document)."""
    require_installed(*FRAMEWORKS)
    folder = tmp_path_factory.mktemp("project")
    (folder / "model.py").write_text(MODEL)
    return folder, verify(folder)


def test_a_second_run_answers_everything_from_the_cache_and_starts_no_worker(project):
    folder, cold = project
    computed = cold["summary"]["answers"]["computed"]
    assert computed > 0 and cold["summary"]["answers"]["from_cache"] == 0
    assert set(cold["workers"]) == {"tensorflow", "jax"}
    # A memory limit no worker could start under: any worker this run started would fail, and its
    # checks would come out UNVERIFIABLE. The limit is not in the key (failures are never kept).
    warm = verify(folder, "--memory-limit", "1")
    assert warm["summary"]["answers"] == {"from_cache": computed, "computed": 0}
    assert warm["workers"] == {}
    assert verdicts(warm) == verdicts(cold)
    (result,) = warm["results"]
    assert result["verdict"] == "CONFIRMED" and result["pin"]["status"] == "PIN VERIFIED"
    assert result["answers"]["computed"] == 0 and result["answers"]["from_cache"] > 0
    assert cold["results"][0]["answers"]["computed_at"] is None and result["answers"]["computed_at"].startswith("20")

    text = run("conv-lint", "verify", "model.py", "--select", "CNV001", "--cache-dir", str(folder / "cache"), cwd=folder)
    assert "  answers: from cache, computed 20" in text.stdout
    assert f"answers: {computed} from cache, 0 computed; workers: none;" in text.stdout.splitlines()[-1]


def test_a_new_seed_or_no_cache_recomputes_and_no_cache_writes_nothing(project):
    folder, cold = project
    computed = cold["summary"]["answers"]["computed"]
    before = cache_files(folder)
    fresh = verify(folder, "--no-cache")
    assert fresh["summary"]["answers"] == {"from_cache": 0, "computed": computed}
    assert set(fresh["workers"]) == {"tensorflow", "jax"}
    assert verdicts(fresh) == verdicts(cold)
    assert cache_files(folder) == before

    seeded = verify(folder, "--seed", "1")
    assert seeded["summary"]["answers"] == {"from_cache": 0, "computed": computed}
    assert seeded["results"][0]["verdict"] == "CONFIRMED"


def test_the_environment_a_framework_reads_is_in_the_key_of_its_worker_only(project):
    """oneDNN changes which kernels TensorFlow runs: TF_ENABLE_ONEDNN_OPTS makes the TensorFlow
    worker's answers new ones, and leaves the JAX worker's in the cache."""
    folder, cold = project
    # The other setting than the one the suite runs under (CI may already turn oneDNN off).
    flipped = "1" if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0" else "0"
    document = verify(folder, env={"TF_ENABLE_ONEDNN_OPTS": flipped})
    answers = document["summary"]["answers"]
    assert answers["from_cache"] > 0 and answers["computed"] > 0
    assert answers["from_cache"] + answers["computed"] == cold["summary"]["answers"]["computed"]
    assert set(document["workers"]) == {"tensorflow"}
    assert verdicts(document) == verdicts(cold)
    (result,) = document["results"]
    assert result["answers"]["from_cache"] > 0 and result["answers"]["computed"] > 0


def test_a_corrupt_cache_file_is_ignored(tmp_path):
    require_installed(*FRAMEWORKS)
    (tmp_path / "model.py").write_text(MODEL)
    cold = verify(tmp_path)
    (name,) = cache_files(tmp_path)
    (tmp_path / "cache" / "verify-answers" / name).write_text('{"answers": {"')
    again = verify(tmp_path)
    assert again["summary"]["answers"] == cold["summary"]["answers"]
    assert verdicts(again) == verdicts(cold)
    assert json.loads(cache_files(tmp_path)[name])["answers"]  # written anew


def test_the_framework_versions_the_key_reads_are_the_ones_the_workers_run(project):
    """Read from the packages' metadata in the parent (no framework imported), they must be what
    the workers report once they have imported the frameworks."""
    _, cold = project
    versions = dict(Context.current(MODULES.values()).versions)
    for worker in cold["workers"].values():
        for name, version in worker["versions"].items():
            assert version in {v for d, v in versions.items() if d == name or d.startswith(f"{name}-")}, (name, version)


def test_framework_versions_and_worker_code_are_in_the_key(tmp_path):
    """Through the Python API, with the key's fields varied one at a time: each makes a new key
    (the JAX worker starts again), and the same context answers from the cache with no worker."""
    require_installed("jax", "flax")
    context = Context.current(MODULES.values())
    versions = tuple((name, "0.0.0" if name == "jax" else version) for name, version in context.versions)
    contexts = {"installed": context, "another jax": dataclasses.replace(context, versions=versions),
                "other worker code": dataclasses.replace(context, worker_code="0" * 64)}
    for name, each in (*contexts.items(), ("installed again", context)):
        job = Job("jax", dict(SMALL))
        with Pool(Limits(), answers=AnswerCache(tmp_path, each)) as pool:
            pool.run([job])
            started = set(pool.workers)
        assert len(job.answer["values"]) == 30, name
        assert (job.answer["from_cache"], started) == ((True, set()) if name == "installed again" else (False, {"jax"})), name


def test_the_worker_code_hash_follows_what_the_workers_import(tmp_path):
    shutil.copytree(ROOT / "conv_lint", tmp_path / "conv_lint", ignore=shutil.ignore_patterns("__pycache__"))
    installed = worker_code(MODULES.values(), ROOT)
    assert worker_code(MODULES.values(), tmp_path) == installed
    with open(tmp_path / "conv_lint" / "fix.py", "a") as source:  # not run in a worker
        source.write("\n# changed\n")
    assert worker_code(MODULES.values(), tmp_path) == installed
    for changed in ("verify/workers/layouts.py", "resolve.py"):  # a worker module, and one expressions imports
        with open(tmp_path / "conv_lint" / changed, "a") as source:
            source.write("\n# changed\n")
        assert worker_code(MODULES.values(), tmp_path) != installed, changed
        installed = worker_code(MODULES.values(), tmp_path)


def test_the_cache_keeps_what_this_run_used_then_the_newest_within_its_bound(tmp_path):
    context = Context.current(MODULES.values())
    sample = {"values_float32": "A" * 1000, "shape": [3, 1, 1]}
    cache = AnswerCache(tmp_path, context, max_bytes=3000)
    for index in range(4):
        cache.put(f"k{index}", {**sample, "id": index, "ms": 1.0}, f"2026-01-0{index + 1}T00:00:00Z")
    cache.put("failed", {"failure": "the jax worker crashed"}, "2026-01-09T00:00:00Z")
    cache.save()
    kept = AnswerCache(tmp_path, context, max_bytes=3000)
    assert sorted(kept.answers) == ["k2", "k3"]  # the newest two fit; failures are never kept
    assert kept.get("k3") == ({**sample}, "2026-01-04T00:00:00Z")  # without the worker's id and timings


def test_kept_outputs_and_weights_come_back_bit_for_bit(tmp_path):
    # float32 arrays are kept packed (a third of the file), and read back as the very values the worker sent:
    # a pin check compares them bit for bit.
    import numpy as np

    context = Context.current(MODULES.values())
    values = np.random.RandomState(0).standard_normal(257).astype(np.float32)
    values[:4] = (np.float32(1e-45), np.float32(-0.0), np.float32(3.4e38), np.nextafter(np.float32(1), np.float32(2)))
    single = {"shape": [257], "values": values.astype(np.float64).tolist(), "dtype": "float32"}
    double = {"shape": [2], "values": [0.1, 1 / 3], "dtype": "float64"}  # not float32: kept as it is
    answer = {"output": single, "canonical": single, "weights": {"kernel": single, "bias": double}}
    cache = AnswerCache(tmp_path, context)
    cache.put("run", answer, "2026-01-01T00:00:00Z")
    cache.save()
    stored = json.loads(next(tmp_path.glob("*.json")).read_text())["answers"]["run"]["answer"]
    assert "values" not in stored["output"] and stored["weights"]["bias"] == double
    (kept, _) = AnswerCache(tmp_path, context).get("run")
    assert kept == answer and [math.copysign(1, v) for v in kept["output"]["values"][:2]] == [1, -1]
