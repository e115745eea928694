"""The web layer: request plumbing every area shares (htmx, navigation, forms, i18n, security,
limits, access). Domain services live in services/ and never import Flask's request objects."""
