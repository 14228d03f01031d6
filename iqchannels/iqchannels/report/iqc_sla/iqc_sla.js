// The first-response target of each line and the share of conversations that met it.
frappe.query_reports["IQC SLA"] = {
	filters: iqchannels.report_filters(["line", "operator", "channel", "category", "segment"]),
};
