"""Whether two runs agree (``agreement``, with the statistics of ``stats``), and what that makes of a
finding, its fix and its pin (``verdict``)."""
