"""The one place that publishes realtime events (layer: records and infrastructure).

Always after commit, so nobody hears of a change that was rolled back, and never to the whole site:
to the rooms of the users a conversation or operator concerns, to a line's room (its members) and to
the supervisors' room. The last two are Frappe document rooms, which socket.io lets a user join only
after asking the site whether that user may read the document. Events carry ids and what changed;
clients reload details through permission-checked APIs.
"""

from collections.abc import Iterable

import frappe

from iqchannels.records.conversations import collaborators, collaborators_of
from iqchannels.records.followers import followers_of, followers_of_many


def publish(event: str, payload: dict, users: Iterable[str]) -> None:
	for user in sorted({u for u in users if u and u != "Guest"}):
		frappe.publish_realtime(f"iqchannels:{event}", payload, user=user, after_commit=True)


def publish_to_supervisors(event: str, payload: dict) -> None:
	"""One message to the supervisors' room: the document room of IQC Settings, which only those who
	oversee the floor may read (see permissions.settings_has_permission)."""
	frappe.publish_realtime(
		f"iqchannels:{event}", payload, doctype="IQC Settings", docname="IQC Settings", after_commit=True
	)


def publish_to_line(event: str, payload: dict, line: str) -> None:
	"""One message to the line's room, which only the line's members may join (the room is a document
	room: socket.io asks the site whether the user may read the line). A queue seen by hundreds of
	operators costs one publish, not one per operator."""
	frappe.publish_realtime(
		f"iqchannels:{event}", payload, doctype="IQC Line", docname=line, after_commit=True
	)


def conversation_audience(conversation) -> set[str]:
	"""The people a conversation concerns by name: its operator, collaborators and those who follow
	its client. Supervisors hear of every conversation in their room; a queued one's line members in
	the line's room."""
	audience = set(watchers(conversation))
	if conversation.operator:
		audience.add(conversation.operator)
	return audience


def watchers(conversation) -> list[str]:
	"""Its collaborators and those who follow its client. A conversation opened in this request
	(`flags.opened_here`, see lifecycle.open_conversation) has no collaborators yet: its client's
	followers are read once for the request's events, not for each."""
	flags = getattr(conversation, "flags", None)
	if flags and flags.get("opened_here"):
		if flags.get("watchers") is None:
			flags.watchers = followers_of(conversation.client)
		return flags.watchers
	return collaborators(conversation.name) + followers_of(conversation.get("client"))


def publish_conversation(
	event: str, conversation, also_to: Iterable[str] = (), to_line: bool = False, **changes
) -> None:
	"""To the people of the conversation, the supervisors, and its line's room while it waits there
	(or, `to_line`, when it has just left it)."""
	payload = {
		"conversation": conversation.name,
		"status": conversation.status,
		"operator": conversation.operator,
		"line": conversation.line,
		**changes,
	}
	publish(event, payload, conversation_audience(conversation) | set(also_to))
	publish_to_supervisors(event, payload)
	if conversation.line and (to_line or conversation.status == "Queued"):
		publish_to_line(event, payload, conversation.line)


def publish_typing(conversation, who: str, typing: bool, user: str | None = None) -> None:
	"""Someone is typing in a conversation: the operators' side hears it, never the typist."""
	payload = {"conversation": conversation.name, "who": who, "user": user, "typing": typing}
	publish("typing", payload, conversation_audience(conversation) - {user})
	publish_to_supervisors("typing", payload)
	if conversation.status == "Queued" and conversation.line:
		publish_to_line("typing", payload, conversation.line)


def publish_assignments(line: str, assignments: list[dict]) -> None:
	"""A distribution run's assignments (`conversation`, `client`, `operator`, `reason` each) in one
	event per person and room: each operator hears of their own new conversations, as do their
	collaborators and the clients' followers; the line's room hears that they left the queue, the
	supervisors' room of all of them."""
	if not assignments:
		return
	event = "conversations-assigned"
	by_person: dict[str, list[dict]] = {}
	watchers = collaborators_of([a["conversation"] for a in assignments])
	followers = followers_of_many([a["client"] for a in assignments])
	for item in assignments:
		concerned = (*watchers.get(str(item["conversation"]), ()), *followers.get(str(item["client"]), ()))
		for person in {item["operator"], *concerned}:
			by_person.setdefault(person, []).append(item)
	for person, items in by_person.items():
		publish(event, {"line": line, "assignments": items}, [person])
	publish_to_supervisors(event, {"line": line, "assignments": assignments})
	publish_to_line(event, {"line": line, "assignments": assignments}, line)
