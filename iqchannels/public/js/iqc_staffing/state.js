// The staffing page's data: the chosen lines and day, the day as it went and as replayed, the staffing
// being edited, the forecast and the saved plans; every change of staffing replays at once on the server.
import { reactive } from "vue";

const API = "iqchannels.api.staffing.";
const HOURS = [...Array(24).keys()];

export const state = reactive({
	all_lines: [],
	lines: [],
	date: frappe.datetime.add_days(frappe.datetime.get_today(), -1),
	day: null,
	replay: null,
	replay_label: "",
	replay_is_real: true,
	per_hour: HOURS.map(() => 0),
	slots: 3,
	shifts: [],
	forecast: null,
	forecast_from: frappe.datetime.get_today(),
	weeks: 4,
	plans: [],
	busy: false,
	error: null,
});

function call(method, args, type = "GET") {
	const sent = {};
	for (const [key, value] of Object.entries(args)) {
		sent[key] = typeof value === "object" && value !== null ? JSON.stringify(value) : value;
	}
	return frappe.call({ method: API + method, args: sent, type }).then((r) => r.message);
}

async function guarded(work) {
	state.busy = true;
	state.error = null;
	try {
		return await work();
	} catch (e) {
		// frappe.call has shown the server's message; keep it beside the page too.
		state.error = __("Not done: see the message above.");
	} finally {
		state.busy = false;
	}
}

export async function start() {
	const lines = await frappe.db.get_list("IQC Line", { fields: ["name"], limit: 500, order_by: "name asc" });
	state.all_lines = lines.map((l) => l.name);
	if (state.all_lines.length === 1) state.lines = [...state.all_lines];
}

export function staffing() {
	return {
		per_hour: Object.fromEntries(state.per_hour.map((n, hour) => [String(hour), n])),
		slots: state.slots,
		shifts: state.shifts.map((s) => ({ operator: s.operator, from: s.from, to: s.to, slots: s.slots })),
	};
}

export function show_day() {
	return guarded(async () => {
		const day = await call("day", { lines: state.lines, date: state.date });
		state.day = day;
		state.replay = day.replay;
		state.replay_label = __("Replay with the real staffing");
		state.replay_is_real = true;
		state.slots = day.staffing.slots;
		state.per_hour = HOURS.map((hour) => day.staffing.hours.find((h) => h.hour === hour)?.operators ?? 0);
		state.shifts = [];
		await load_plans();
	});
}

export function replay() {
	return guarded(async () => {
		const answer = await call("replay", { lines: state.lines, date: state.date, staffing: staffing() });
		state.replay = answer.replay;
		state.replay_label = __("Replay with your staffing");
		state.replay_is_real = false;
	});
}

export function add_shift() {
	state.shifts.push({ operator: "", from: "09:00", to: "18:00", slots: state.slots });
}

export function load_forecast() {
	return guarded(async () => {
		state.forecast = await call("forecast", { lines: state.lines, date: state.forecast_from, weeks: state.weeks });
	});
}

export function apply_plan(day) {
	return guarded(async () => {
		const per_hour = Object.fromEntries(
			day.hours.map((h) => [
				String(h.hour),
				{ operators: h.operators, arrivals: h.arrivals, handle_seconds: h.handle_seconds, service_level: h.service_level },
			])
		);
		await call(
			"apply_plan",
			{
				lines: state.lines,
				date: day.date,
				per_hour,
				slots: state.forecast.slots,
				weeks: state.forecast.weeks,
				target_minutes: state.forecast.target_seconds / 60,
			},
			"POST"
		);
		frappe.show_alert({ message: __("Plan saved for {0}", [frappe.datetime.str_to_user(day.date)]), indicator: "green" });
		await load_plans();
	});
}

export async function load_plans() {
	state.plans = await call("plans", { lines: state.lines });
}

export function export_file(kind) {
	const args = { kind, lines: JSON.stringify(state.lines) };
	if (kind === "day") Object.assign(args, { date: state.date, staffing: JSON.stringify(staffing()) });
	if (kind === "forecast") Object.assign(args, { date: state.forecast_from, weeks: state.weeks });
	window.open(`/api/method/${API}export?${new URLSearchParams(args)}`);
}

// Seconds as "m:ss" (or "h:mm:ss").
export function duration(seconds) {
	if (seconds === null || seconds === undefined) return "";
	seconds = Math.round(seconds);
	const h = Math.floor(seconds / 3600);
	const m = Math.floor((seconds % 3600) / 60);
	const s = seconds % 60;
	return h ? `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}` : `${m}:${String(s).padStart(2, "0")}`;
}

export function percent(share) {
	return share === null || share === undefined ? "" : `${Math.round(share * 100)}%`;
}
