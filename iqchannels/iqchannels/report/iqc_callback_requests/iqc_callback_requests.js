// Callback requests per day and line: made, reached and their share, the time to call back, attempts.
frappe.query_reports["IQC Callback Requests"] = {
	filters: iqchannels.report_filters(["line", "operator", "channel", "segment"]),
};
