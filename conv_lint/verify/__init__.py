"""``conv-lint verify``: run flagged convolution calls in real TensorFlow and JAX.

Imported only by the ``verify`` subcommand (never by ``check``, ``fix`` or the flake8 plugin),
and itself pure Python: TensorFlow and JAX run in worker processes. Data flows one way:

- ``values`` reads a call's arguments off the source; ``families`` turns them into a neutral
  ``Conv`` and spells it back as any framework's ``Call``; ``probe`` makes the shared arrays;
- ``plan`` turns each finding into runs (``Job``) and the comparisons to make of them;
  ``pair`` does the same for two calls written as source;
- ``pool`` runs the jobs in ``tf_worker`` and ``jax_worker`` (``serve``, ``expressions`` and
  ``layouts`` are the workers' side);
- ``compare`` and ``stats`` decide whether two runs differ; ``verdict`` names the outcome;
  ``report`` and ``plot`` render it; ``command`` is the subcommand;
- ``exec_mode`` runs the files themselves, ``recorder`` wrapping the conv APIs inside them.
"""
