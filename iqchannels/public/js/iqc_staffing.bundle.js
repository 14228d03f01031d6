// What-if staffing (page iqc-staffing): a past day as it went and replayed with other staffing, the
// coming week's forecast and the saved plans.
import { createApp } from "vue";
import Staffing from "./iqc_staffing/Staffing.vue";
import { start } from "./iqc_staffing/state";

frappe.provide("iqchannels");

iqchannels.Staffing = class {
	constructor(page) {
		const mount = $('<div class="iqc-staffing"></div>').appendTo(page.main).get(0);
		const app = createApp(Staffing);
		SetVueGlobals(app);
		app.mount(mount);
		start();
	}
};
