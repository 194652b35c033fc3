"""``verify --exec``: the files themselves run in a sandboxed process (``sandbox``) that records
every conv call (``recorder``); each recorded call is then replayed elsewhere (``exec_mode``)."""
