"""CNV102, CNV103, CNV104: padding that another framework's strings cannot reproduce, run both ways.

The call as written vs the port the rule warns of, on the same probe and weights, at every input
length the stride makes distinct:

- CNV102 (Keras ``'causal'``): lax's ``'SAME'``, the closest-looking string there; the fix is lax
  with the explicit pairs ``((k-1)*d, 0)`` the message gives;
- CNV103 (``'same'`` with an even kernel or a stride above 1, next to PyTorch): PyTorch's symmetric
  integer padding ``(k-1)*d//2``, written as explicit lax pairs (where verify does not run PyTorch);
- CNV104 (integer padding no string reproduces): Keras' ``'same'``, the string a port picks; the fix is
  Keras with the exact pairs (a ``ZeroPadding`` layer, then ``'valid'``), as the message says.
"""

from __future__ import annotations

from dataclasses import replace

from conv_lint.verify.planning.conv import Padding, Unsupported
from conv_lint.verify.planning.families import KERAS, LAX

CODES = ("CNV102", "CNV103", "CNV104")


def plan(planner, check, conv) -> None:
    code, native = check.finding.code, check.native
    channels_last = replace(conv, channels_last=True)
    if code == "CNV102":
        if conv.padding.kind != "causal":
            raise Unsupported(f"the call pads {conv.padding}, not 'causal'")
        port = LAX.write(replace(channels_last, padding=Padding("same")))
        exact, how = LAX.write(channels_last), "lax with the explicit pairs the message gives"
        title = "lax 'SAME'"
    elif code == "CNV103":
        if conv.padding.kind != "same":
            raise Unsupported(f"the call pads {conv.padding}, not 'same': PyTorch's own 'same' needs PyTorch")
        pairs = tuple(((k - 1) * d // 2,) * 2 for k, d in zip(conv.kernel_size, conv.dilation))
        port = LAX.write(replace(channels_last, padding=Padding("explicit", pairs)))
        exact, how = None, "'same' pads by the input's length: no fixed pairs reproduce it at every length"
        title = f"PyTorch-style symmetric padding={pairs[0][0]} (explicit lax pairs)"
    else:
        if conv.padding.kind != "explicit":
            raise Unsupported(f"the call pads {conv.padding}, not explicit pairs")
        port = KERAS.write(replace(channels_last, padding=Padding("same")))
        exact, how = KERAS.write(channels_last), "Keras with the exact pairs (ZeroPadding, then 'valid')"
        title = "keras 'same'"
    check.counterpart = port
    check.divergence = planner.values("divergence", conv, native, port, (native.api, title))
    if exact is None:
        check.fix_note = how
    else:
        check.fix = planner.values("fix", conv, native, exact, (native.api, exact.api))
        check.fix_note = how
    check.pin_note = f"{code} has no fix to pin"
