# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

from frappe.model.document import Document


class IQCConversationParticipant(Document):
	pass
