// Calls per day and line: inbound, outbound, answered, missed, the average wait and talk.
frappe.query_reports["IQC Calls"] = {
	filters: iqchannels.report_filters(["line", "operator", "channel", "segment"]),
};
