"""An operator's reply, note or file (layer: flows)."""

from iqchannels.channels.registry import adapter_of
from iqchannels.engine.lifecycle import ensure_not_closed
from iqchannels.engine.messages import clean_text
from iqchannels.flows.lifecycle import say
from iqchannels.records import files, settings


def post_operator_message(conversation, user: str, text, internal: bool = False, file: tuple | None = None):
	"""An operator's reply or note, or (`file` = (name, content)) a file, brought to the client by the
	conversation's channel; a channel that delivers replies itself keeps them Pending until it has."""
	ensure_not_closed(conversation.status)
	stored = None
	if file:
		text = clean_text(file[0], settings.number("max_message_length"))
		stored = files.store(files.checked(*file))
	else:
		text = clean_text(text, settings.number("max_message_length"))
	message = say(
		conversation,
		"Operator",
		text,
		author=user,
		internal=internal,
		delivery_status="Sent"
		if internal
		else adapter_of(conversation.channel).reply_state(conversation.channel),
		file=stored,
	)
	return message
