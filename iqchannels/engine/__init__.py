"""Framework-free decisions of the contact center.

Nothing in this package imports Frappe: it takes plain values and returns decisions, so that every rule
can be tested with plain pytest and reused by benchmarks, replays and the Frappe shell alike.
"""
