// The tickets' state in the workspace and what it asks of `iqchannels.api.tickets`: the list with its
// counters, the open ticket with its client's history, and the tickets of the client whose conversation
// is open. As in store.js, a realtime event only says which ticket changed; what is shown is read
// again through the permission-checked API.
import { reactive } from "vue";
import { state, call, on_ticket_updated } from "./store";
import { merge, oldest_message } from "./timeline";
import { list_query, VIEWS } from "./tickets";
import { notify } from "./notify";

const API = "iqchannels.api.tickets.";
const PAGE = 50;

export function tcall(method, args = {}, type = "GET", options = {}) {
	return frappe
		.call({ method: API + method, args, type, freeze: false, ...options })
		.then((r) => r.message);
}

export const tpost = (method, args) => tcall(method, args, "POST");

export const tickets = reactive({
	mode: "conversations", // which list the left column shows: "conversations" | "tickets"
	view: "mine",
	filters: { status: "", priority: "", ticket_type: "", search: "" },
	rows: [],
	counters: {},
	current: null, // the open ticket: the answer of ticket()
	history: [], // its client's chat history, with the ticket events
	history_conversation: null,
	has_more: false,
	loading_history: false,
	of_client: { client: null, open: [], recent_done: [] }, // the side panel's
	types: [],
});

export function ticket_views() {
	return state.boot?.is_supervisor ? [...VIEWS, "all"] : VIEWS;
}

export function show_mode(mode) {
	tickets.mode = mode;
	if (mode === "tickets") load_tickets();
}

let list_seq = 0;
export async function load_tickets() {
	const seq = ++list_seq;
	const answer = await tcall("tickets", { ...list_query(tickets.view, tickets.filters), limit: 100 });
	// A slower answer to an older query (typing in the search) must not replace a newer one.
	if (seq !== list_seq) return;
	tickets.rows = answer.tickets;
	tickets.counters = answer.counters || {};
}

export async function load_types() {
	if (tickets.types.length) return tickets.types;
	tickets.types = await frappe.db.get_list("IQC Ticket Type", {
		filters: { enabled: 1 },
		fields: ["name", "resolution_hours"],
		order_by: "name asc",
		limit: 200,
	});
	return tickets.types;
}

export async function open_ticket(name) {
	if (!name) return;
	tickets.mode = "tickets";
	const details = await tcall("ticket", { ticket: name });
	const same_client = tickets.current?.ticket.client === details.ticket.client;
	tickets.current = details;
	const conversation = history_conversation(details);
	if (!same_client || conversation !== tickets.history_conversation) {
		tickets.history = [];
		tickets.has_more = false;
	}
	tickets.history_conversation = conversation;
	await load_ticket_history();
}

export async function reload_ticket() {
	if (!tickets.current) return;
	try {
		tickets.current = await tcall("ticket", { ticket: tickets.current.ticket.name }, "GET", { silent: true });
	} catch (e) {
		// Handed over to where I may no longer see it.
		tickets.current = null;
		tickets.history = [];
	}
}

export function close_ticket() {
	tickets.current = null;
	tickets.history = [];
	tickets.history_conversation = null;
}

// The client's history is read through one of their conversations: the ticket's own, or else their latest.
function history_conversation(details) {
	return details.ticket.conversation || details.client?.previous?.[0]?.name || null;
}

export async function load_ticket_history(older = false) {
	const conversation = tickets.history_conversation;
	if (!conversation || tickets.loading_history) return;
	if (older && !tickets.has_more) return;
	tickets.loading_history = true;
	try {
		const args = { conversation, limit: PAGE };
		if (older) args.before = oldest_message(tickets.history)?.name;
		const page = await frappe
			.call({ method: "iqchannels.api.operator.messages", args, type: "GET", freeze: false, silent: true })
			.then((r) => r.message);
		if (conversation !== tickets.history_conversation) return;
		tickets.history = older ? merge(page.messages, tickets.history) : merge(tickets.history, page.messages);
		if (older || !tickets.has_more) tickets.has_more = page.has_more;
	} catch (e) {
		// The conversation is not one this operator may read: the pane says there is no history to show.
	} finally {
		tickets.loading_history = false;
	}
}

export async function load_client_tickets(client = state.current?.client.name) {
	if (!client) return;
	const answer = await tcall("client_tickets", { client }, "GET", { silent: true }).catch(() => null);
	if (!answer || client !== state.current?.client.name) return;
	tickets.of_client = { client, open: answer.open || [], recent_done: answer.recent_done || [] };
}

// After an action on the open ticket: the pane, the list, and the side panel if it shows the same client.
export async function after_ticket_change(answer) {
	await Promise.all([reload_ticket(), load_tickets(), load_ticket_history(), refresh_client_side()]);
	return answer;
}

async function refresh_client_side(events = null) {
	if (!state.current) return;
	await load_client_tickets();
	const mine = [...tickets.of_client.open, ...tickets.of_client.recent_done].map((t) => String(t.name));
	if (events && !events.some((e) => mine.includes(String(e.ticket)))) return;
	// The chat shows the client's ticket events too.
	const page = await call("messages", { conversation: state.current.conversation.name, limit: PAGE });
	state.messages = merge(state.messages, page.messages);
}

let refresh_timer = null;
let pending = [];
// Several events in a burst cost one reload of each part.
function ticket_updated(data) {
	if (data) pending.push(data);
	if (data?.assignee === frappe.session.user && data.event === "Handed Over") {
		notify("assignment", __("Ticket handed over to you"), __("Ticket #{0}", [data.ticket]));
	}
	clearTimeout(refresh_timer);
	refresh_timer = setTimeout(() => {
		const events = pending;
		pending = [];
		load_tickets();
		const current = tickets.current?.ticket.name;
		if (current && (!events.length || events.some((e) => String(e.ticket) === String(current) || is_in_tree(e.ticket)))) {
			reload_ticket().then(() => load_ticket_history());
		}
		if (state.current) refresh_client_side(events.length ? events : null);
	}, 200);
}

function is_in_tree(name) {
	const walk = (nodes) => (nodes || []).some((n) => String(n.name) === String(name) || walk(n.children));
	const t = tickets.current;
	return Boolean(t) && (String(t.parent?.name) === String(name) || walk(t.sub_tickets));
}

on_ticket_updated(ticket_updated);
