"""A call's settings read off its known arguments (``values.Known``): literals, integers, sizes
per spatial axis, padding and layout, each with the default the call leaves it to, or
``NotStatic``/``Unsupported`` saying why it cannot be read."""

from __future__ import annotations

from conv_lint.catalog import ConvAPI
from conv_lint.verify.planning.conv import Padding, Unsupported
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.values import OPERAND_RANK, NotStatic, OperandRank


def literal(args: dict, name: str):
    """The literal value of an argument; None when not passed; NotStatic when it is not known."""
    known = args.get(name)
    if known is None:
        return None
    if isinstance(known, NotStatic):
        raise NotStatic(f"{name}: {known}")
    if not known.literal:
        raise NotStatic(f"{name}={known.source} is not a literal")
    return known.value


def integer(args: dict, name: str, default: int | None = None) -> int:
    value = literal(args, name)
    if value is None:
        if default is None:
            raise NotStatic(f"{name} is not passed")
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unsupported(f"{name}={value!r} is not an integer")
    return value


def integers(args: dict, name: str, rank: int, default: int | None = 1) -> tuple[int, ...]:
    value = literal(args, name)
    if value is None:
        if default is None:
            raise NotStatic(f"{name} is not passed")
        return (default,) * rank
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if isinstance(value, (tuple, list)) and all(isinstance(v, int) for v in value):
        if len(value) == rank:
            return tuple(value)
        if len(value) == rank + 2:  # tf.nn's [1, s, 1] form
            return tuple(value[1:-1])
    raise Unsupported(f"{name}={value!r} does not give {rank} spatial sizes")


def boolean(args: dict, name: str, default: bool) -> bool:
    value = literal(args, name)
    return default if value is None else bool(value)


def read_padding(value, rank: int, default: str) -> Padding:
    """A padding as Keras, Flax, Haiku, Equinox, lax and tf.nn write it."""
    if value is None:
        return Padding(default)
    if isinstance(value, str):
        kind = value.lower()
        if kind in ("valid", "same", "same_lower", "causal"):
            return Padding(kind)
    elif isinstance(value, int) and not isinstance(value, bool):
        return Padding("explicit", ((value, value),) * rank) if value else Padding("valid")
    elif isinstance(value, (tuple, list)) and len(value) == rank:
        pairs = []
        for item in value:
            if isinstance(item, int):
                pairs.append((item, item))
            elif isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(v, int) for v in item):
                pairs.append((item[0], item[1]))
            else:
                break
        else:
            return Padding("explicit", tuple(pairs))
    raise Unsupported(f"padding={value!r} is not modelled")


def default_kind(api: ConvAPI, param: str, fallback: str) -> str:
    """The kind the catalog records for a parameter's default (``valid``, ``channels_last``)."""
    return next((default.kind for default in api.defaults if default.param == param), fallback)


def read_channels_last(value, default_kind: str) -> bool:
    if value is None:
        return default_kind != "channels_first"
    text = value.lower() if isinstance(value, str) else ""
    if text == "channels_last" or (len(text) >= 3 and text[0] == "n" and text[-1] == "c"):
        return True
    if text == "channels_first" or text.startswith("nc"):
        return False
    raise Unsupported(f"data_format={value!r} is not modelled")


def rank_from(args: dict, names: tuple[str, ...], probe: Probe, hint: str) -> int:
    """The spatial rank of a functional call: a literal tuple's length, else its arrays' where the
    source fixes it (``values.OperandRank``), else the probe's."""
    for name in names:
        value = literal(args, name)
        if isinstance(value, (tuple, list)) and 1 <= len(value) <= 3:
            return len(value)
    operands = args.get(OPERAND_RANK)
    if isinstance(operands, OperandRank) and 1 <= operands.rank <= 3:
        return operands.rank
    rank = probe.rank()
    if rank is None:
        raise NotStatic(f"the spatial rank is not written in the call, nor fixed by its arrays in the file ({hint}, "
                        "or give --input-shape)")
    return rank
