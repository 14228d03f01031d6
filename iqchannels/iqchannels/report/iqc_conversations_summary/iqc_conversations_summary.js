// Conversations per day: opened, closed, answered, closed without an answer, and how long they waited, were answered and handled.
frappe.query_reports["IQC Conversations Summary"] = {
	filters: iqchannels.report_filters(["line", "operator", "channel", "category", "result", "segment"]),
};
