"""The Keras configuration a call without ``data_format`` runs under: the user's keras.json, found
and read as Keras itself does (the TensorFlow worker and ``verify --exec`` snippets read the same)."""

from __future__ import annotations

import json
import os


def keras_json() -> str:
    """The keras.json Keras reads its configuration from: in ``$KERAS_HOME``, else ``~/.keras``,
    or ``/tmp/.keras`` when the home folder is not writable (keras/src/backend/config.py)."""
    if "KERAS_HOME" in os.environ:
        folder = os.environ["KERAS_HOME"]
    else:
        home = os.path.expanduser("~")
        folder = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    return os.path.join(os.path.expanduser(folder), "keras.json")


def keras_image_data_format() -> str:
    """What ``keras.config.image_data_format()`` starts as: ``image_data_format`` in ``keras_json()``,
    "channels_last" without one. The TensorFlow worker inherits the same environment, so its
    Keras reads the same file (a test checks the two agree).
    """
    try:
        with open(keras_json(), encoding="utf-8") as file:
            config = json.load(file)
    except (OSError, ValueError):
        return "channels_last"
    value = config.get("image_data_format", "channels_last") if isinstance(config, dict) else "channels_last"
    return "channels_first" if value == "channels_first" else "channels_last"
