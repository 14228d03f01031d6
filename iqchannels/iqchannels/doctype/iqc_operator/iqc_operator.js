// Copyright (c) 2026, IQChannels and contributors
// License: MIT. See license.txt

frappe.ui.form.on("IQC Operator", {
	refresh(frm) {
		// Membership is kept on the lines; show it here so an administrator sees the whole operator.
		const lines = (frm.doc.__onload && frm.doc.__onload.lines) || [];
		frm.dashboard.set_headline(
			lines.length
				? __("Lines: {0}", [lines.map((line) => frappe.utils.escape_html(line)).join(", ")])
				: __("Not a member of any line yet: add the operator on a line's Members table.")
		);
	},
});
