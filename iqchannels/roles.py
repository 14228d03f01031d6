"""Who is who: the app's roles and the checks built on them."""

import frappe

OPERATOR = "IQC Operator"
SUPERVISOR = "IQC Supervisor"
ADMINISTRATOR = "IQC Administrator"
ALL_ROLES = (OPERATOR, SUPERVISOR, ADMINISTRATOR)

# Roles that see every conversation, queue and operator.
OVERSEER_ROLES = frozenset({SUPERVISOR, ADMINISTRATOR, "System Manager"})


def is_supervisor(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(OVERSEER_ROLES.intersection(frappe.get_roles(user)))


def is_operator(user: str | None = None) -> bool:
	return OPERATOR in frappe.get_roles(user or frappe.session.user)


def supervisors() -> list[str]:
	"""Enabled users who oversee the floor; cached per request since events fan out to them."""
	cache = frappe.local.__dict__.setdefault("iqc_supervisors", None)
	if cache is None:
		cache = frappe.get_all(
			"Has Role",
			filters={"role": ["in", list(OVERSEER_ROLES - {"System Manager"})], "parenttype": "User"},
			pluck="parent",
			distinct=True,
		)
		enabled = set(frappe.get_all("User", filters={"name": ["in", cache], "enabled": 1}, pluck="name"))
		cache = sorted(enabled)
		frappe.local.iqc_supervisors = cache
	return cache
