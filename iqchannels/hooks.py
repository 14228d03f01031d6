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

has_permission = {
	"IQC Conversation": "iqchannels.permissions.conversation_has_permission",
	"IQC Message": "iqchannels.permissions.message_has_permission",
	"IQC Quick Reply": "iqchannels.permissions.quick_reply_has_permission",
	"IQC Line": "iqchannels.permissions.line_has_permission",
	"IQC Settings": "iqchannels.permissions.settings_has_permission",
}

permission_query_conditions = {
	"IQC Conversation": "iqchannels.permissions.conversation_condition",
	"IQC Message": "iqchannels.permissions.message_condition",
	"IQC Quick Reply": "iqchannels.permissions.quick_reply_condition",
	"IQC Transfer": "iqchannels.permissions.transfer_condition",
	"IQC Line": "iqchannels.permissions.line_condition",
}

scheduler_events = {
	"cron": {
		"* * * * *": [
			"iqchannels.distribution.sweep",
			"iqchannels.conversations.auto_close_silent",
			"iqchannels.distribution.requeue_unanswered",
			"iqchannels.operators.offline_absent",
			"iqchannels.transfers.expire_offers",
			"iqchannels.channels.webhooks.retry_due",
		],
	},
}
