"""Channels: one adapter per channel type behind one interface (see base.py and registry.py)."""
