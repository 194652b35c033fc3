"""verify reads its API tables from the catalog: a new catalog entry of a kind verify models is
run by verify with nothing else to change."""

from __future__ import annotations

from dataclasses import replace

from conv_lint.catalog import CATALOG, TORCH
from conv_lint.verify.planning.conv import Unsupported
from conv_lint.verify.planning.families import CONVOLVE, KERAS, LAX, TF_NN, family_of, family_table
from conv_lint.verify.planning.torch_family import torch_family
from conv_lint.verify.planning.variants import variant_of
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.values import Known


def test_a_new_alias_entry_is_run_by_the_family_of_its_kind():
    conv1d = CATALOG.lookup("keras.layers.Conv1D")
    alias = replace(conv1d, names=("my_keras_alias.layers.Conv1D",))
    assert family_table((alias,)) == {"my_keras_alias.layers.Conv1D": KERAS}
    args = {"filters": Known("4", 4), "kernel_size": Known("3", 3)}
    conv = KERAS.read(alias, args, Probe())
    assert (conv.rank, conv.filters, conv.kernel_size) == (1, 4, (3,))


def test_every_catalog_entry_verify_can_run_has_a_family():
    """Everything but transposed convolutions, PyTorch, and depthwise or separable layers."""
    table = family_table(CATALOG.apis)
    for api in CATALOG.apis:
        leaf = api.name.rsplit(".", 1)[1].lower()
        modelled = not api.transposed and api.side != TORCH and "depthwise" not in leaf and "separable" not in leaf
        assert (api.name in table) is modelled, api.name
    assert table["jax.lax.conv"] is LAX and table["tensorflow.nn.conv2d"] is TF_NN
    assert table["scipy.signal.fftconvolve"] is CONVOLVE
    assert family_of("flax.nnx.Conv").name == "flax.nnx" and family_of("flax.linen.Conv").name == "flax"


def test_verify_runs_every_catalog_entry():
    """A finding on any catalog entry gets a verdict: the entry is run by its plain family, PyTorch's
    (transposed too; where torch is installed), or a transposed, separable or depthwise variant."""
    table = family_table(CATALOG.apis)
    for api in CATALOG.apis:
        try:
            family = table.get(api.name) or torch_family(api) or variant_of(api)
        except Unsupported as why:
            assert api.side == TORCH and "torch is not installed" in str(why), (api.name, why)
            continue
        assert family is not None, api.name
