"""The TensorFlow and JAX worker processes (``tf_worker``, ``jax_worker``, on ``serve``'s protocol,
with ``expressions`` and ``layouts``), and the parent's side that starts and feeds them (``pool``)."""
