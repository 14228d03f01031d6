import pytest

from iqchannels.engine.model import DomainError, OfflinePolicy
from iqchannels.engine.statuses import counts_as_work_time, plan_status_change


def test_break_returns_held_conversations_to_the_queue():
	change = plan_status_change("Active", "Break", held=2)
	assert change.requeue_held and change.changed and not change.accepts_new


def test_away_keeps_held_conversations_but_takes_no_new_ones():
	change = plan_status_change("Active", "Away", held=2)
	assert not change.requeue_held and not change.accepts_new


def test_offline_requeues_or_is_refused_per_setting():
	assert plan_status_change("Active", "Offline", held=1, offline_policy=OfflinePolicy.REQUEUE).requeue_held
	with pytest.raises(DomainError) as error:
		plan_status_change("Active", "Offline", held=1, offline_policy=OfflinePolicy.REFUSE)
	assert error.value.kind == "conflict" and "1" in str(error.value)
	# with nothing held, Offline is always allowed
	assert not plan_status_change(
		"Active", "Offline", held=0, offline_policy=OfflinePolicy.REFUSE
	).requeue_held


def test_turning_active_frees_capacity_but_staying_active_does_not():
	assert plan_status_change("Away", "Active", held=0).frees_capacity
	assert not plan_status_change("Active", "Active", held=0).changed


@pytest.mark.parametrize("bad", ["Lunch", "", None, "active"])
def test_unknown_status_is_refused(bad):
	with pytest.raises(DomainError) as error:
		plan_status_change("Active", bad, held=0)
	assert error.value.kind == "invalid"


def test_work_time():
	assert counts_as_work_time("Active") and counts_as_work_time("Away")
	assert not counts_as_work_time("Break") and not counts_as_work_time("Offline")
