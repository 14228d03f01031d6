// How long clients waited for an operator, and the conversations closed without an operator's answer.
frappe.query_reports["IQC Queue and Waiting"] = {
	filters: iqchannels.report_filters(["line", "channel", "category", "segment"]),
};
