"""verify's results as text, JSON and HTML (``report``), with inline SVG plots (``plot``)."""
