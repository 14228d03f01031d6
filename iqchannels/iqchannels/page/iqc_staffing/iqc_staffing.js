frappe.pages["iqc-staffing"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("Staffing"), single_column: true });
	frappe.require("iqc_staffing.bundle.js").then(() => {
		wrapper.staffing = new iqchannels.Staffing(page);
	});
};
