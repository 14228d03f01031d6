// Loaded on every desk page: what the IQChannels reports share.
frappe.provide("iqchannels");

const REPORT_FILTERS = {
	line: () => ({ fieldname: "line", label: __("Line"), fieldtype: "Link", options: "IQC Line" }),
	operator: () => ({ fieldname: "operator", label: __("Operator"), fieldtype: "Link", options: "User" }),
	channel: () => ({ fieldname: "channel", label: __("Channel"), fieldtype: "Link", options: "IQC Channel" }),
	category: () => ({ fieldname: "category", label: __("Category"), fieldtype: "Link", options: "IQC Category" }),
	result: () => ({ fieldname: "result", label: __("Result"), fieldtype: "Link", options: "IQC Close Result" }),
	segment: () => ({ fieldname: "segment", label: __("Segment"), fieldtype: "Link", options: "IQC Segment" }),
};

// The period (the last 30 days unless chosen) and the named filters, in that order.
iqchannels.report_filters = (names) => [
	{
		fieldname: "from_date",
		label: __("From"),
		fieldtype: "Date",
		default: frappe.datetime.add_days(frappe.datetime.get_today(), -30),
		reqd: 1,
	},
	{ fieldname: "to_date", label: __("To"), fieldtype: "Date", default: frappe.datetime.get_today(), reqd: 1 },
	...names.map((name) => REPORT_FILTERS[name]()),
];
