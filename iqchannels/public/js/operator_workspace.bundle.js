import { createApp } from "vue";
import App from "./operator_workspace/App.vue";
import { keep_alive, listen, start, state } from "./operator_workspace/store";
import { ask_permission } from "./operator_workspace/notify";

frappe.provide("iqchannels");

iqchannels.OperatorWorkspace = class OperatorWorkspace {
	constructor(wrapper, page) {
		this.page = page;
		$(wrapper).find(".page-head").addClass("iqc-hidden-head");
		const mount = $('<div class="iqc-root"></div>').appendTo(page.main).get(0);
		this.app = createApp(App);
		SetVueGlobals(this.app);
		this.app.mount(mount);
		listen();
		start();
		keep_alive();
		ask_permission();
	}

	on_show() {
		// Coming back to the page from elsewhere in the desk: nothing was missed, the socket stayed up.
		if (state.boot) state.connected = true;
	}
};
