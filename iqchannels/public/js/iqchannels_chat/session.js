// The visitor's session: the token that is all the server knows them by, the history, the live
// events of their private room on Frappe's socket.io, and the calls to the widget API.
import { reactive } from "vue";
import { io } from "socket.io-client";
import { __ } from "./i18n";

const config = window.iqc_chat_config || {};
const API = "/api/method/iqchannels.api.widget.";
const TYPING_SHOWN_MS = 6000;
const TYPING_SENT_EVERY_MS = 3000;
const storage_key = `iqchannels:${config.channel}:token`;

export const state = reactive({
	ready: false,
	error: null,
	title: config.title,
	messages: [],
	has_more: false,
	queue: null,
	to_rate: null,
	rated: false,
	operator_typing: false,
	connected: false,
	accept: "",
	max_file_size_mb: 10,
	max_message_length: 4096,
	notice: null,
	telegram_link: null,
});

let token = null;
let room = null;
let identity = {};
let typing_timer = null;
let last_typing_sent = 0;

function remembered_token() {
	try {
		return localStorage.getItem(storage_key);
	} catch (e) {
		return null; // storage blocked: the visitor stays for this page's life
	}
}

function remember(new_token) {
	try {
		localStorage.setItem(storage_key, new_token);
	} catch (e) {
		/* as above */
	}
}

// The embed script passes a signed-in user of the website in the fragment, which is never sent to
// any server; it is read once and removed from the address.
function identity_from_fragment() {
	const params = new URLSearchParams(location.hash.slice(1));
	if (location.hash) history.replaceState(null, "", location.pathname + location.search);
	const found = {};
	for (const key of ["user_id", "user_hash", "name", "email", "token"]) {
		if (params.get(key)) found[key] = params.get(key);
	}
	return found;
}

export async function call(method, args = {}, options = {}) {
	const body = options.form || JSON.stringify({ channel: config.channel, token, ...args });
	const headers = options.form ? {} : { "Content-Type": "application/json" };
	const response = await fetch((options.api || API) + method, {
		method: "POST",
		headers: { Accept: "application/json", ...headers },
		body,
		credentials: "same-origin",
	});
	const data = await response.json().catch(() => ({}));
	if (!response.ok) {
		const error = new Error(server_message(data) || __("Something went wrong. Please try again."));
		error.status = response.status;
		throw error;
	}
	return data.message;
}

function server_message(data) {
	try {
		const first = JSON.parse(data._server_messages || "[]")[0];
		return first && JSON.parse(first).message;
	} catch (e) {
		return data.exception;
	}
}

export async function start() {
	identity = identity_from_fragment();
	try {
		await open_session();
		connect();
	} catch (error) {
		state.error = error.message;
	}
}

async function open_session() {
	const answer = await call("start", {
		// The token in hand first: the browser may not keep storage for a frame on another site.
		token: identity.user_id ? null : token || remembered_token() || identity.token,
		language: navigator.language,
		...identity,
	}).catch(async (error) => {
		// A token this chat no longer knows (its secret changed): start afresh as a new visitor.
		if (error.status !== 401 || identity.user_id) throw error;
		return call("start", { token: null, language: navigator.language });
	});
	token = answer.token;
	room = answer.room;
	if (!answer.identified) {
		remember(token);
		// Browsers deny a frame on another site its storage: the embed script keeps the token there.
		if (window.parent !== window) window.parent.postMessage({ type: "iqchannels:token", token }, "*");
	}
	state.messages = answer.messages;
	state.has_more = answer.has_more;
	state.to_rate = answer.to_rate;
	state.queue = answer.queue;
	state.telegram_link = answer.telegram_link;
	state.accept = answer.accept;
	state.max_file_size_mb = answer.max_file_size_mb;
	state.max_message_length = answer.max_message_length;
	state.ready = true;
	acknowledge();
}

function socket_url() {
	let origin = location.origin;
	if (config.socketio_port) origin = `${location.protocol}//${location.hostname}:${config.socketio_port}`;
	return `${origin}/${config.site}`;
}

function embedded_in_another_site() {
	try {
		return window.top.location.origin !== location.origin;
	} catch (e) {
		return true; // the top page belongs to another origin
	}
}

// Frappe's socket.io admits a connection only with a session cookie, and on another website's page
// the browser keeps this frame's cookies apart from the site's own, or drops them. A visitor's session
// is always "Guest", so the frame sets that cookie for itself, in its own partition.
function ensure_guest_cookie() {
	if (embedded_in_another_site() && !/(^|;\s*)sid=/.test(document.cookie)) {
		document.cookie = "sid=Guest; path=/; SameSite=None; Secure; Partitioned";
	}
}

function connect() {
	ensure_guest_cookie();
	const socket = io(socket_url(), { withCredentials: true, reconnectionAttempts: Infinity });
	let was_connected = false;
	socket.on("connect", async () => {
		if (was_connected) {
			// Whatever happened while the socket was away is read again.
			await open_session().catch(() => {});
		}
		was_connected = true;
		socket.emit("task_subscribe", room);
		state.connected = true;
	});
	socket.on("disconnect", () => (state.connected = false));
	socket.on("iqchannels:message-created", ({ message }) => {
		if (message.author_type !== "Client") state.operator_typing = false;
		upsert(message);
		acknowledge();
	});
	socket.on("iqchannels:typing", ({ typing }) => {
		state.operator_typing = typing;
		clearTimeout(typing_timer);
		if (typing) typing_timer = setTimeout(() => (state.operator_typing = false), TYPING_SHOWN_MS);
	});
	socket.on("iqchannels:messages-read", ({ conversation }) => {
		for (const m of state.messages) {
			if (m.author_type === "Client" && m.conversation === conversation) m.delivery_status = "Read";
		}
	});
	socket.on("iqchannels:conversation-closed", ({ conversation, rate }) => {
		state.queue = null;
		if (rate) state.to_rate = conversation;
	});
}

function upsert(message) {
	const at = state.messages.findIndex(
		(m) => m.name === message.name || (m.local_id && m.local_id === message.local_id)
	);
	if (at >= 0) {
		// Never step a message back: a late event must not undo "read".
		const rank = { Sent: 1, Delivered: 2, Read: 3 };
		const kept = state.messages[at];
		const status =
			(rank[kept.delivery_status] || 0) > (rank[message.delivery_status] || 0)
				? kept.delivery_status
				: message.delivery_status;
		state.messages[at] = { ...kept, ...message, delivery_status: status, pending: false };
	} else {
		state.messages.push(message);
		// Stored messages in their order; those still on their way stay last.
		const order = (m) => m.name || Number.MAX_SAFE_INTEGER;
		state.messages.sort((a, b) => order(a) - order(b));
	}
	notify_parent();
}

let unread = 0;
function notify_parent() {
	if (window.parent === window) return;
	const unseen = document.visibilityState !== "visible" || !window.iqc_chat_open;
	unread = unseen ? unread + 1 : 0;
	window.parent.postMessage({ type: "iqchannels:unread", count: unread }, "*");
}

// The replies reached the visitor (delivered); seen when the chat is open in front of them (read).
export function acknowledge() {
	const replies = state.messages.filter((m) => m.author_type !== "Client" && m.name);
	if (!replies.length) return;
	const up_to = replies[replies.length - 1].name;
	const visible = document.visibilityState === "visible" && window.iqc_chat_open !== false;
	call("seen", { up_to, state: visible ? "read" : "delivered" }).catch(() => {});
}

document.addEventListener("visibilitychange", acknowledge);
window.addEventListener("message", (event) => {
	if (event.source !== window.parent || !event.data) return;
	if (event.data.type === "iqchannels:opened") {
		window.iqc_chat_open = true;
		unread = 0;
		acknowledge();
	} else if (event.data.type === "iqchannels:closed") {
		window.iqc_chat_open = false;
	}
});
// Inside the embed script's frame the chat counts as seen only while its panel is open.
window.iqc_chat_open = window.parent === window;

function local_id() {
	return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export async function send_text(text) {
	const pending = {
		local_id: local_id(),
		author_type: "Client",
		kind: "Text",
		text,
		delivery_status: "Sent",
		pending: true,
		sent_at: new Date().toISOString(),
	};
	state.messages.push(pending);
	await deliver(pending, () => call("send", { text, local_id: pending.local_id, language: navigator.language }));
}

export async function send_file(file) {
	if (file.size > state.max_file_size_mb * 1024 * 1024) {
		state.notice = __("The file is larger than {0} MB.", [state.max_file_size_mb]);
		return;
	}
	const pending = {
		local_id: local_id(),
		author_type: "Client",
		kind: "File",
		text: file.name,
		delivery_status: "Sent",
		pending: true,
		sent_at: new Date().toISOString(),
	};
	state.messages.push(pending);
	await deliver(pending, () => {
		const form = new FormData();
		form.append("channel", config.channel);
		form.append("token", token);
		form.append("local_id", pending.local_id);
		form.append("file", file, file.name);
		return call("send_file", {}, { form });
	});
}

async function deliver(pending, request) {
	state.notice = null;
	try {
		const answer = await request();
		const message = { ...answer.message, local_id: pending.local_id };
		upsert(message);
		state.queue = answer.queue;
	} catch (error) {
		const at = state.messages.indexOf(pending);
		if (error.status >= 400 && error.status < 500) {
			// Refused (too long, a forbidden file): nothing was stored, so the bubble goes.
			if (at >= 0) state.messages.splice(at, 1);
		} else if (at >= 0) {
			state.messages[at] = { ...pending, failed: true, retry: () => retry(pending, request) };
		}
		state.notice = error.message;
	}
}

function retry(pending, request) {
	const at = state.messages.findIndex((m) => m.local_id === pending.local_id);
	if (at >= 0) state.messages[at] = { ...pending, failed: false };
	return deliver(state.messages[at] || pending, request);
}

export function typing() {
	const now = Date.now();
	if (now - last_typing_sent < TYPING_SENT_EVERY_MS) return;
	last_typing_sent = now;
	call("typing", { typing: 1 }).catch(() => {});
}

export async function load_older() {
	const first = state.messages.find((m) => m.name);
	if (!first) return;
	const page = await call("history", { before: first.name });
	state.messages.unshift(...page.messages);
	state.has_more = page.has_more;
}

export async function rate(rating, comment) {
	await call("rate", { rating, comment });
	state.to_rate = null;
	state.rated = true;
}
