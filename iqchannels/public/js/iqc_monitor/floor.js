// The floor's data: loaded from the monitor API, reloaded (at most once a second) whenever socket.io
// says something changed in the supervisors' room, and every minute, as tickets fall overdue without
// any event; aged every second in between.
import { reactive } from "vue";

const API = "iqchannels.api.supervisor.";
const RELOAD_AT_MOST_EVERY_MS = 1000;
const RELOAD_ANYWAY_EVERY_MS = 60 * 1000;
const EVENTS = [
	"conversation-queued",
	"conversation-assigned",
	"conversations-assigned",
	"conversation-closed",
	"conversation-transferred",
	"message-created",
	"operator-status-changed",
	"transfer-answered",
	"ticket-updated",
	"call",
];

export const floor = reactive({
	operators: [],
	lines: [],
	conversations: [],
	overdue_tickets: { count: 0, tickets: [] },
	// The segment the supervisor chose to watch ("" for all theirs) and those they may choose from.
	chosen_segment: "",
	segments: [],
	loaded_at: 0,
	tick: 0,
	error: null,
});

let pending = null;
let last_load = 0;

export async function load() {
	try {
		const args = floor.chosen_segment ? { segment: floor.chosen_segment } : {};
		const data = (await frappe.call({ method: API + "monitor", type: "GET", args })).message;
		Object.assign(floor, data, { loaded_at: Date.now(), error: null });
	} catch (e) {
		floor.error = __("The floor could not be loaded.");
	}
	last_load = Date.now();
}

function reload_soon() {
	if (pending) return;
	const wait = Math.max(0, last_load + RELOAD_AT_MOST_EVERY_MS - Date.now());
	pending = setTimeout(async () => {
		pending = null;
		await load();
	}, wait);
}

// Seconds as the server counted them, plus the time since.
export function aged(seconds) {
	if (seconds === null || seconds === undefined) return null;
	floor.tick; // re-render every second
	return seconds + Math.floor((Date.now() - floor.loaded_at) / 1000);
}

export function start() {
	load();
	frappe.realtime.emit("doc_subscribe", "IQC Settings", "IQC Settings");
	for (const event of EVENTS) frappe.realtime.on(`iqchannels:${event}`, reload_soon);
	frappe.realtime.socket?.on("connect", () => {
		frappe.realtime.emit("doc_subscribe", "IQC Settings", "IQC Settings");
		reload_soon();
	});
	setInterval(() => floor.tick++, 1000);
	setInterval(reload_soon, RELOAD_ANYWAY_EVERY_MS);
}

export function post(method, args) {
	return frappe.call({ method: API + method, args }).then(() => reload_soon());
}
