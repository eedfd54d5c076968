"""The HTTP routes, one module per party or concern."""
