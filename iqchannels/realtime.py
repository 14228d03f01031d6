"""The one place that publishes realtime events.

Always after commit, so nobody hears of a change that was rolled back, and always to user rooms, never
to the whole site: each event goes to the users entitled to the conversation or operator it is about.
Events carry ids and what changed; clients reload details through permission-checked APIs.
"""

from collections.abc import Iterable

import frappe

from iqchannels import roles


def publish(event: str, payload: dict, users: Iterable[str]) -> None:
	for user in sorted({u for u in users if u and u != "Guest"}):
		frappe.publish_realtime(f"iqchannels:{event}", payload, user=user, after_commit=True)


def conversation_audience(conversation) -> set[str]:
	"""Who may see a conversation: its operator, its line's members while it is queued, supervisors."""
	from iqchannels.operators import line_members
	from iqchannels.transfers import collaborators

	audience = set(roles.supervisors())
	audience.update(collaborators(conversation.name))
	if conversation.operator:
		audience.add(conversation.operator)
	if conversation.status == "Queued":
		audience.update(line_members(conversation.line))
	return audience


def publish_conversation(event: str, conversation, also_to: Iterable[str] = (), **changes) -> None:
	payload = {
		"conversation": conversation.name,
		"status": conversation.status,
		"operator": conversation.operator,
		"line": conversation.line,
		**changes,
	}
	publish(event, payload, conversation_audience(conversation) | set(also_to))


def publish_typing(conversation, who: str, typing: bool, user: str | None = None) -> None:
	"""Someone is typing in a conversation. Never to the typist."""
	payload = {"conversation": conversation.name, "who": who, "user": user, "typing": typing}
	publish("typing", payload, conversation_audience(conversation) - {user})
