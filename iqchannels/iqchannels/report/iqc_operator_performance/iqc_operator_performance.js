// Per operator: conversations handled, first response time (average and 90th percentile), handling time, the clients' rating and the results.
frappe.query_reports["IQC Operator Performance"] = {
	filters: iqchannels.report_filters(["line", "operator", "channel", "category", "result", "segment"]),
};
