"""Who is who (layer: records): the app's roles and the checks built on them."""

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
	"""Enabled users who oversee the floor."""
	return frappe.db.sql_list(
		"""select distinct user.name from `tabUser` user
		join `tabHas Role` role on role.parent = user.name and role.parenttype = 'User'
		where user.enabled = 1 and role.role in %(roles)s
		order by user.name""",
		{"roles": [SUPERVISOR, ADMINISTRATOR]},
	)
