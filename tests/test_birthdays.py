"""The Clients view's birthday balloon: N days before the birthday until the day, across the new year
and for those born on 29 February."""

from datetime import date

from iqchannels.engine.birthdays import balloon, days_to_birthday


def test_balloon_from_three_days_before_until_the_day():
	born = date(1990, 6, 15)
	assert not balloon(born, date(2026, 6, 11), 3)
	assert balloon(born, date(2026, 6, 12), 3)
	assert balloon(born, date(2026, 6, 15), 3)
	assert not balloon(born, date(2026, 6, 16), 3)


def test_birthday_early_in_january_seen_from_december():
	born = date(1985, 1, 1)
	assert days_to_birthday(born, date(2026, 12, 30)) == 2
	assert balloon(born, date(2026, 12, 30), 3)
	assert not balloon(born, date(2026, 12, 28), 3)


def test_born_on_29_february():
	born = date(2000, 2, 29)
	assert days_to_birthday(born, date(2027, 2, 26)) == 2  # 28 February in a common year
	assert balloon(born, date(2027, 2, 28), 3)
	assert days_to_birthday(born, date(2028, 2, 27)) == 2  # the 29th in a leap year
	assert not balloon(born, date(2027, 3, 1), 3)


def test_no_birthday_no_balloon_and_zero_days_means_the_day_only():
	assert not balloon(None, date(2026, 1, 1), 3)
	born = date(1970, 5, 5)
	assert balloon(born, date(2026, 5, 5), 0)
	assert not balloon(born, date(2026, 5, 4), 0)
