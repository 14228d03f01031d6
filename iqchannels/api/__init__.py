"""Endpoints, one module per audience: operator, supervisor, inbound (partners), widget (visitors)."""
