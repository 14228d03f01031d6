"""Operator statuses and what a change of status does to the operator's conversations."""

from dataclasses import dataclass

from iqchannels.engine.model import DomainError, OfflinePolicy, OperatorStatus

WORK_TIME_STATUSES = frozenset({OperatorStatus.ACTIVE, OperatorStatus.AWAY})


def parse_status(value: object) -> OperatorStatus:
	try:
		return OperatorStatus(value)
	except ValueError:
		raise DomainError(
			"invalid",
			"Unknown status {status}: use one of {allowed}.",
			status=repr(value),
			allowed=", ".join(status.value for status in OperatorStatus),
		) from None


@dataclass(frozen=True)
class StatusChange:
	old: OperatorStatus
	new: OperatorStatus
	requeue_held: bool

	@property
	def changed(self) -> bool:
		return self.old != self.new

	@property
	def accepts_new(self) -> bool:
		return self.new == OperatorStatus.ACTIVE

	@property
	def frees_capacity(self) -> bool:
		"""Turning Active may let the operator's lines hand out waiting conversations."""
		return self.changed and self.new == OperatorStatus.ACTIVE


def plan_status_change(
	old: str, new: object, held: int, offline_policy: str = OfflinePolicy.REQUEUE
) -> StatusChange:
	"""Decide a status change.

	Active and Away keep the held conversations; Break returns them to the queue; Offline returns
	them too, or is refused while any are held when the settings ask so.
	"""
	target = parse_status(new)
	current = parse_status(old) if old else OperatorStatus.OFFLINE
	if target == current:
		return StatusChange(current, target, requeue_held=False)
	if target == OperatorStatus.OFFLINE and held and offline_policy == OfflinePolicy.REFUSE:
		raise DomainError(
			"conflict",
			"Close or transfer your {count} open conversations before going Offline.",
			count=held,
		)
	requeue = held > 0 and target in (OperatorStatus.BREAK, OperatorStatus.OFFLINE)
	return StatusChange(current, target, requeue_held=requeue)


def counts_as_work_time(status: str) -> bool:
	return status in WORK_TIME_STATUSES
