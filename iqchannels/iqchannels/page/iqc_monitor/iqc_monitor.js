frappe.pages["iqc-monitor"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("Monitor"), single_column: true });
	frappe.require("iqc_monitor.bundle.js").then(() => {
		wrapper.monitor = new iqchannels.Monitor(page);
	});
};
