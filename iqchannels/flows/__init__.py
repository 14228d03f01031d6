"""Flows: what happens to conversations, messages and operators, above records and channels."""
