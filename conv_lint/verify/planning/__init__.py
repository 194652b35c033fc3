"""From a finding to the runs that test it: a call's arguments read off the source (``values``)
and its settings read from them (``arguments``), each framework's spelling of a convolution
(``conv``, ``families``, ``keras_config``), the shared probe arrays (``probe``), and the runs and
comparisons to make (``plan``)."""
