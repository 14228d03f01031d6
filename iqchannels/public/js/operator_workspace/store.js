// The workspace's state and everything it asks of the server. Realtime events only say what changed;
// the store then reloads that part through the permission-checked API, so an event that arrives twice
// or out of order does no harm, and a reconnect reloads everything it may have missed.
import { reactive } from "vue";
import { merge, oldest_message } from "./timeline";
import { notify } from "./notify";

const API = "iqchannels.api.operator.";
const PAGE = 50;

export function call(method, args = {}, type = "GET") {
	return frappe
		// A bare name is the operator's API; other endpoints are named in full.
		.call({ method: method.includes(".") ? method : API + method, args, type, freeze: false })
		.then((r) => r.message);
}

export const post = (method, args) => call(method, args, "POST");

export const state = reactive({
	boot: null,
	view: "mine",
	filters: { status: "", channel: "", line: "", segment: "", date_from: "", date_to: "", search: "", sort: "recent" },
	lists: { mine: [], queue: [], collaborating: [], all: [] },
	counters: {},
	current: null, // the open conversation's details: {conversation, client}
	messages: [],
	has_more: false,
	loading_history: false,
	typing: {}, // conversation -> "client" | operator's name, while they type
	offers: [],
	connected: true,
});

let send_seq = 0;

export async function start() {
	state.boot = await call("workspace_boot");
	state.offers = state.boot.transfers;
	subscribe_rooms();
	await Promise.all([load_list(), load_counters()]);
}

export function views() {
	const list = ["mine", "queue", "collaborating"];
	if (state.boot?.is_supervisor) list.push("all");
	return list;
}

export async function load_list(view = state.view) {
	const filters = Object.fromEntries(Object.entries(state.filters).filter(([, v]) => v));
	if (view === "queue") delete filters.status;
	state.lists[view] = await call("inbox", { view, ...filters, page_length: 100 });
}

export async function load_counters() {
	state.counters = await call("counters");
}

export async function open_conversation(name) {
	if (!name) return;
	const details = await call("conversation", { conversation: name });
	const same_client = state.current?.client.name === details.client.name;
	state.current = details;
	if (!same_client) {
		state.messages = [];
		state.has_more = false;
	}
	await load_latest();
	if (details.conversation.can_write && details.conversation.unread_count) {
		await post("mark_read", { conversation: name });
		refresh_lists();
	}
}

export async function reload_current() {
	if (!state.current) return;
	const name = state.current.conversation.name;
	try {
		state.current = await call("conversation", { conversation: name });
	} catch (e) {
		// The conversation went to someone else and is no longer visible.
		state.current = null;
		state.messages = [];
	}
}

export async function load_latest() {
	const page = await call("messages", { conversation: state.current.conversation.name, limit: PAGE });
	state.messages = merge(state.messages, page.messages);
	if (!state.has_more) state.has_more = page.has_more;
}

export async function load_older() {
	if (!state.current || !state.has_more || state.loading_history) return;
	state.loading_history = true;
	try {
		const first = oldest_message(state.messages);
		const page = await call("messages", {
			conversation: state.current.conversation.name,
			before: first?.name,
			limit: PAGE,
		});
		state.messages = merge(page.messages, state.messages);
		state.has_more = page.has_more;
	} finally {
		state.loading_history = false;
	}
}

// The message shows at once as "sending" and is confirmed by the stored copy.
export async function send(text, internal = false) {
	const conversation = state.current.conversation.name;
	const pending = {
		client_id: `local-${++send_seq}`,
		seq: send_seq,
		conversation,
		author_type: "Operator",
		author: frappe.session.user,
		author_name: state.boot.full_name,
		internal: internal ? 1 : 0,
		kind: "Text",
		text,
		sending: true,
		sent_at: frappe.datetime.now_datetime(true),
	};
	state.messages = merge(state.messages, [pending]);
	try {
		const stored = await post(internal ? "add_note" : "reply", { conversation, text });
		const rest = state.messages.filter((m) => m.client_id !== pending.client_id);
		state.messages = merge(rest, [{ ...pending, ...stored, client_id: undefined, sending: false }]);
		// The first reply sets the conversation's first response time in the side panel.
		if (!internal && !state.current.conversation.first_response_at) reload_current();
	} catch (e) {
		state.messages = state.messages.map((m) =>
			m.client_id === pending.client_id ? { ...m, sending: false, failed: true } : m
		);
	}
}

export async function send_file(file, internal = false) {
	const conversation = state.current.conversation.name;
	const form = new FormData();
	form.append("file", file, file.name);
	form.append("conversation", conversation);
	form.append("internal", internal ? 1 : 0);
	const response = await fetch(`/api/method/${API}send_file`, {
		method: "POST",
		body: form,
		headers: { "X-Frappe-CSRF-Token": frappe.csrf_token, Accept: "application/json" },
	});
	const body = await response.json();
	if (!response.ok) {
		frappe.msgprint({ message: server_error(body), indicator: "red", title: __("Not sent") });
		return;
	}
	await load_latest();
}

function server_error(body) {
	try {
		return JSON.parse(JSON.parse(body._server_messages)[0]).message;
	} catch (e) {
		return body.exception || __("The file was not sent.");
	}
}

let list_timer = null;
// Several events in a burst cost one reload.
export function refresh_lists() {
	clearTimeout(list_timer);
	list_timer = setTimeout(() => {
		load_list();
		load_counters();
	}, 150);
}

export async function set_status(status) {
	const answer = await post("set_status", { status });
	Object.assign(state.boot, answer);
	refresh_lists();
}

export async function set_muted(muted) {
	const answer = await post("set_notifications", { muted: muted ? 1 : 0 });
	state.boot.notifications_muted = answer.notifications_muted;
}

export async function respond_transfer(transfer, accept) {
	try {
		const answer = await post("respond_transfer", { transfer, accept: accept ? 1 : 0 });
		if (accept) {
			state.view = "mine";
			await open_conversation(answer.conversation);
		}
	} finally {
		state.offers = state.offers.filter((offer) => offer.name !== transfer);
		refresh_lists();
	}
}

let typing_sent_at = 0;
let typing_stop = null;
// Tell the others at most every 3 s while typing, and that it stopped after 4 s without a key.
export function typed() {
	const conversation = state.current?.conversation;
	if (!conversation?.can_write) return;
	const now = Date.now();
	if (now - typing_sent_at > 3000) {
		typing_sent_at = now;
		post("typing", { conversation: conversation.name, typing: 1 });
	}
	clearTimeout(typing_stop);
	typing_stop = setTimeout(() => {
		typing_sent_at = 0;
		post("typing", { conversation: conversation.name, typing: 0 });
	}, 4000);
}

function is_current(conversation) {
	return state.current && state.current.conversation.name === conversation;
}

// The tickets' part of the page (tickets_store.js) hears of its events here: a ticket changed, or the
// socket came back and anything may have changed (null).
const ticket_listeners = [];
export function on_ticket_updated(listener) {
	ticket_listeners.push(listener);
}

const typing_timers = {};
const handlers = {
	"ticket-updated"(data) {
		for (const listener of ticket_listeners) listener(data);
	},
	"message-created"(data) {
		if (is_current(data.conversation) || state.current?.client.name === data.client) load_latest();
		if (is_current(data.conversation)) {
			delete state.typing[data.conversation];
			if (data.author_type === "Client" && !document.hidden && state.current.conversation.can_write) {
				post("mark_read", { conversation: data.conversation });
			}
		}
		if (data.author_type === "Client") {
			notify("message", __("New message"), data.preview || __("Conversation {0}", [data.conversation]));
		}
		refresh_lists();
	},
	"message-updated"(data) {
		// A reply's delivery state moved (sent, delivered, read, failed): its ticks follow.
		if (is_current(data.conversation)) load_latest();
	},
	"conversation-assigned"(data) {
		if (data.operator === frappe.session.user) {
			notify("assignment", __("New conversation"), __("Conversation {0} is yours", [data.conversation]));
		}
		if (is_current(data.conversation)) reload_current();
		refresh_lists();
	},
	// A distribution run's assignments, in one event for the whole run.
	"conversations-assigned"(data) {
		const mine = data.assignments.filter((a) => a.operator === frappe.session.user);
		if (mine.length === 1) {
			notify("assignment", __("New conversation"), __("Conversation {0} is yours", [mine[0].conversation]));
		} else if (mine.length) {
			notify("assignment", __("New conversations"), __("{0} conversations are yours", [mine.length]));
		}
		if (data.assignments.some((a) => is_current(a.conversation))) reload_current();
		refresh_lists();
	},
	"conversation-queued"(data) {
		if (is_current(data.conversation)) reload_current();
		refresh_lists();
	},
	"conversation-rated"(data) {
		if (is_current(data.conversation)) reload_current();
	},
	"conversation-closed"(data) {
		if (is_current(data.conversation)) reload_current();
		refresh_lists();
	},
	"collaborator-invited"(data) {
		if (data.collaborator === frappe.session.user) {
			notify("assignment", __("You are invited"), __("Conversation {0}", [data.conversation]));
		}
		if (is_current(data.conversation)) reload_current();
		refresh_lists();
	},
	"operator-status-changed"(data) {
		if (data.operator === frappe.session.user) {
			state.boot.status = data.status;
			state.boot.status_since = data.since;
			refresh_lists();
		}
	},
	async "transfer-offered"() {
		state.offers = await call("pending_transfers");
		notify("transfer", __("Transfer offered"), __("A colleague offers you a conversation"));
	},
	"transfer-answered"(data) {
		state.offers = state.offers.filter((offer) => offer.name !== data.transfer);
		if (data.status !== "Accepted" && is_current(data.conversation)) load_latest();
		if (is_current(data.conversation)) reload_current();
		refresh_lists();
	},
	typing(data) {
		if (data.user === frappe.session.user) return;
		clearTimeout(typing_timers[data.conversation]);
		if (!data.typing) {
			delete state.typing[data.conversation];
			return;
		}
		state.typing[data.conversation] = data.who === "client" ? "client" : data.user;
		typing_timers[data.conversation] = setTimeout(() => delete state.typing[data.conversation], 6000);
	},
};

// Queue events of my lines come through each line's room, and supervisors hear of everything in
// theirs (the settings' room); socket.io lets a user in only if they may read that document. Rooms
// belong to a connection, so this is repeated after every reconnect.
function subscribe_rooms() {
	for (const line of state.boot?.lines || []) {
		frappe.realtime.emit("doc_subscribe", "IQC Line", line);
	}
	if (state.boot?.is_supervisor) frappe.realtime.emit("doc_subscribe", "IQC Settings", "IQC Settings");
}

export function listen() {
	for (const [event, handler] of Object.entries(handlers)) {
		frappe.realtime.on(`iqchannels:${event}`, handler);
	}
	const socket = frappe.realtime.socket;
	if (socket) {
		socket.on("disconnect", () => (state.connected = false));
		// Frappe's client gives up after three attempts; a shift outlasts a longer outage, so keep trying.
		socket.io?.on("reconnect_failed", () => setTimeout(() => socket.connect(), 10000));
		// Whatever happened while the socket was away is read again.
		socket.on("connect", () => {
			const was_down = !state.connected;
			state.connected = true;
			if (was_down) resync();
			else subscribe_rooms();
		});
	}
}

export async function resync() {
	await start();
	for (const listener of ticket_listeners) listener(null);
	if (state.current) {
		await reload_current();
		if (state.current) await load_latest();
	}
}

// Presence, not data: the server moves an Active operator whose page went away to Offline.
export function keep_alive() {
	const beat = () => post("heartbeat").catch(() => {});
	beat();
	return setInterval(beat, 60 * 1000);
}
