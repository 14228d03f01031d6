// Tickets opened in a period by type, line or assignee: opened, resolved, still open, overdue, and how long they took to resolve.
frappe.query_reports["IQC Tickets"] = {
	filters: [
		...iqchannels.report_filters(["line", "segment"]),
		{ fieldname: "assignee", label: __("Assignee"), fieldtype: "Link", options: "User" },
		{ fieldname: "ticket_type", label: __("Ticket Type"), fieldtype: "Link", options: "IQC Ticket Type" },
		{
			fieldname: "group_by",
			label: __("Group by"),
			fieldtype: "Select",
			options: [
				{ value: "Type", label: __("Type") },
				{ value: "Line", label: __("Line") },
				{ value: "Assignee", label: __("Assignee") },
			],
			default: "Type",
			reqd: 1,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		return data && data.is_total ? `<b>${value}</b>` : value;
	},
};
