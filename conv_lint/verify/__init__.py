"""``conv-lint verify``: run flagged convolution calls in real TensorFlow and JAX.

Imported only by the ``verify`` subcommand and ``fix --verify`` (never by ``check`` or the
flake8 plugin), and itself pure Python: TensorFlow and JAX run in worker processes. By role,
data flowing one way (docs/VERIFY.md has the whole tour):

- ``planning``: a call's arguments read off the source (``values``, ``arguments``), each
  framework's spelling of a convolution (``conv``, ``families``, whose table is read from the
  catalog), the shared probe arrays (``probe``), and each finding's runs and comparisons (``plan``);
- ``workers``: the TensorFlow and JAX processes (``tf_worker``, ``jax_worker``, ``serve``,
  ``expressions``, ``layouts``) and the parent's ``pool`` that runs the jobs in them;
- ``judging``: whether two runs agree (``agreement``, ``stats``) and the verdicts (``verdict``);
- ``rendering``: text, JSON and HTML reports (``report``) with plots (``plot``);
- ``execution``: ``--exec``, the files themselves run sandboxed (``sandbox``, ``recorder``) and
  each recorded call replayed (``exec_mode``);
- front doors: ``command`` (the subcommand, ``fix --verify``'s pin check), ``options`` (its typed
  options) and ``pair`` (two calls written as source, compared: a library API).
"""
