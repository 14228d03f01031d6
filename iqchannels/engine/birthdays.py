"""When a client's birthday is near (layer: engine): the Clients view shows a balloon from a few days
before the day until the day itself."""

from datetime import date


def next_birthday(birthday: date, today: date) -> date:
	"""The client's next birthday on or after `today`. Someone born on 29 February celebrates on
	28 February in the years without one, as most calendars and people do."""
	for year in (today.year, today.year + 1):
		day = birthday_in(birthday, year)
		if day >= today:
			return day
	raise AssertionError("a birthday comes within a year")


def birthday_in(birthday: date, year: int) -> date:
	try:
		return birthday.replace(year=year)
	except ValueError:
		return date(year, 2, 28)


def days_to_birthday(birthday: date | None, today: date) -> int | None:
	if not birthday:
		return None
	return (next_birthday(birthday, today) - today).days


def balloon(birthday: date | None, today: date, notice_days: int) -> bool:
	"""True from `notice_days` before the birthday until the day."""
	days = days_to_birthday(birthday, today)
	return days is not None and 0 <= days <= max(notice_days, 0)
