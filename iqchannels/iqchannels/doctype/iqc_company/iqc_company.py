# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

from frappe.model.document import Document

from iqchannels.records.companies import clean_inn, unique_employees


class IQCCompany(Document):
	def validate(self):
		self.company_name = (self.company_name or "").strip()
		self.inn = clean_inn(self.inn)
		unique_employees(self.employees)
