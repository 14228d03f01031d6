// Each operator's time in each status, per day.
frappe.query_reports["IQC Operator Status Time"] = {
	filters: iqchannels.report_filters(["operator", "segment"]),
};
