"""Values shared by the engine modules: statuses, authors and the domain error."""

from enum import StrEnum


class ConversationStatus(StrEnum):
	QUEUED = "Queued"
	OPEN = "Open"
	CLOSED = "Closed"


class OperatorStatus(StrEnum):
	ACTIVE = "Active"
	AWAY = "Away"
	BREAK = "Break"
	OFFLINE = "Offline"


class Author(StrEnum):
	CLIENT = "Client"
	OPERATOR = "Operator"
	BOT = "Bot"
	SYSTEM = "System"


class OfflinePolicy(StrEnum):
	"""What going Offline does to the conversations an operator holds."""

	REQUEUE = "Return to queue"
	REFUSE = "Refuse while holding"


class DomainError(Exception):
	"""A rule refused an action.

	`kind` tells the shell which HTTP answer fits: "invalid" (400), "forbidden" (403),
	"not_found" (404) or "conflict" (409). `message` is an English template with `{name}` fields,
	translated by the shell before the fields are filled in.
	"""

	def __init__(self, kind: str, message: str, **params):
		super().__init__(message.format(**params) if params else message)
		self.kind = kind
		self.message = message
		self.params = params
