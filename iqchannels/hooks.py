app_name = "iqchannels"
app_title = "IQChannels"
app_publisher = "IQChannels"
app_description = "Omnichannel contact center: web chat, Telegram, e-mail and API channels, distribution, operator workspace, monitoring and reports"
app_email = "dev@iqchannels.local"
app_license = "mit"

# The reports' shared filters (iqchannels.report_filters).
app_include_js = "iqchannels_desk.bundle.js"

after_install = "iqchannels.install.after_install"
after_migrate = "iqchannels.install.after_migrate"

# A caller over an endpoint's rate limit is refused with 429 first, before anything else is done; then the
# app's endpoints refuse a missing or mistyped argument with HTTP 400 and a message for a person.
# A request that meets a database or Redis restarting is answered 503 with Retry-After (records/outages.py).
before_request = [
	"iqchannels.records.outages.install",
	"iqchannels.api.limits.refuse_floods",
	"iqchannels.api.arguments.check_arguments",
]

has_permission = {
	"IQC Conversation": "iqchannels.records.permissions.conversation_has_permission",
	"IQC Message": "iqchannels.records.permissions.message_has_permission",
	"IQC Quick Reply": "iqchannels.records.permissions.quick_reply_has_permission",
	"IQC Line": "iqchannels.records.permissions.line_has_permission",
	"IQC Settings": "iqchannels.records.permissions.settings_has_permission",
	"IQC Ticket": "iqchannels.records.permissions.ticket_has_permission",
	"IQC Call": "iqchannels.records.calls.call_has_permission",
}

permission_query_conditions = {
	"IQC Conversation": "iqchannels.records.permissions.conversation_condition",
	"IQC Message": "iqchannels.records.permissions.message_condition",
	"IQC Quick Reply": "iqchannels.records.permissions.quick_reply_condition",
	"IQC Transfer": "iqchannels.records.permissions.transfer_condition",
	"IQC Line": "iqchannels.records.permissions.line_condition",
	"IQC Ticket": "iqchannels.records.permissions.ticket_condition",
	"IQC Ticket Event": "iqchannels.records.permissions.ticket_event_condition",
	"IQC Call": "iqchannels.records.calls.call_condition",
}
# An Email Account bound to an E-mail channel brings its mail to the channel when Frappe's scheduler
# pulls it (flows/mailboxes.py); every other account is received as Frappe receives it.
override_doctype_class = {"Email Account": "iqchannels.flows.mailboxes.ChannelEmailAccount"}

doc_events = {
	# Saving a Telegram channel checks its token and registers (or removes) its webhook.
	"IQC Channel": {"on_update": "iqchannels.channels.telegram.on_channel_saved"},
	# Assigned on the desk (the form's sidebar): the ticket's assignee follows.
	"ToDo": {
		"after_insert": "iqchannels.records.tickets.mirror_assignee",
		"on_update": "iqchannels.records.tickets.mirror_assignee",
	},
	# A client's edits reach their Contact in the desk's address book.
	"IQC Client": {"on_update": "iqchannels.records.contacts.client_saved"},
	# The desk's address book and the clients linked to it stay in step.
	"Contact": {
		"on_update": "iqchannels.records.contacts.contact_saved",
		"on_trash": "iqchannels.records.contacts.contact_deleted",
	},
}

scheduler_events = {
	"cron": {
		"* * * * *": [
			"iqchannels.flows.distribution.sweep",
			"iqchannels.flows.lifecycle.auto_close_silent",
			"iqchannels.flows.distribution.requeue_unanswered",
			"iqchannels.flows.statuses.offline_absent",
			"iqchannels.flows.transfers.expire_offers",
			"iqchannels.channels.registry.retry_due",
			"iqchannels.flows.tickets.bring_back_postponed",
		],
	},
}
