frappe.pages["operator-workspace"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Operator Workspace"),
		single_column: true,
	});
	frappe.require("operator_workspace.bundle.js").then(() => {
		wrapper.operator_workspace = new iqchannels.OperatorWorkspace(wrapper, page);
	});
};

frappe.pages["operator-workspace"].on_page_show = function (wrapper) {
	wrapper.operator_workspace?.on_show();
};
