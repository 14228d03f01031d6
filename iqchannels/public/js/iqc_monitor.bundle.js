// The supervisors' live floor (page iqc-monitor).
import { createApp } from "vue";
import Monitor from "./iqc_monitor/Monitor.vue";
import { start } from "./iqc_monitor/floor";

frappe.provide("iqchannels");

iqchannels.Monitor = class {
	constructor(page) {
		const mount = $('<div class="iqc-monitor"></div>').appendTo(page.main).get(0);
		const app = createApp(Monitor);
		SetVueGlobals(app);
		app.mount(mount);
		start();
	}
};
