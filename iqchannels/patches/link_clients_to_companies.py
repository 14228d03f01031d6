"""A client's company was free text; it is now a link to an IQC Company. Every distinct company a client
names becomes a company of that name, so the clients keep showing the same text."""

import frappe


def execute():
	names = {}
	for (value,) in frappe.db.sql(
		"select distinct company from `tabIQC Client` where coalesce(company, '') != ''"
	):
		clean = value.strip()[:140]
		if not clean:
			continue
		# The database compares names without case: "ACME" and "Acme" are one company, the first seen.
		existing = frappe.db.get_value("IQC Company", clean, "name") or names.get(clean.lower())
		if not existing:
			company = frappe.get_doc({"doctype": "IQC Company", "company_name": clean})
			company.flags.ignore_validate = True
			company.insert(ignore_permissions=True)
			existing = company.name
		names[clean.lower()] = existing
		# Compared as the database compares, this also catches the spellings `distinct` folded into
		# this one (other letter case, trailing spaces): every client shows the company's own name.
		frappe.db.sql("update `tabIQC Client` set company=%s where company=%s", (existing, value))
	frappe.db.sql("update `tabIQC Client` set company=null where company=''")
