"""Calls made from the workspace (layer: flows): click-to-call through the channel's PBX.

The agreed entry point only, for the modules that place calls (callback requests); the PBX command
itself comes with the telephony channel adapter."""

from iqchannels.records.exceptions import fail


def call_client(user: str, client=None, phone: str | None = None, conversation=None) -> str:
	"""Ring the operator's extension, then the client's number; returns the IQC Call's name."""
	fail("conflict", "Calls from the workspace are not set up on this site.")
