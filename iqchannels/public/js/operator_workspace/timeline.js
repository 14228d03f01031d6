// The chat's history as rows to draw: a separator where a new conversation begins, the messages with
// their place in a block of one author, the delivery mark of operators' replies, and the events of the
// client's tickets (rows of kind "ticket-event") and their calls (rows of kind "call") as lines of their
// own in time order among the messages.
// Pure functions (no Frappe, no Vue), so that they are tested with `node --test`.

export const GROUP_SECONDS = 60;

const TICKS = {
	Pending: "",
	Sent: "",
	Delivered: "✓",
	Read: "✓✓",
	Failed: "!",
};

export function tick(message) {
	if (message.author_type !== "Operator" || message.internal) return "";
	if (message.sending) return "…";
	return TICKS[message.delivery_status] ?? "";
}

function time_of(message) {
	// Frappe sends "2026-11-22 10:00:00.123456" in the site's time zone; only differences matter here.
	return new Date(String(message.sent_at).replace(" ", "T").slice(0, 23)).getTime();
}

function same_block(previous, message) {
	if (!previous || !message) return false;
	return (
		previous.conversation === message.conversation &&
		previous.author_type === message.author_type &&
		(previous.author || "") === (message.author || "") &&
		Boolean(previous.internal) === Boolean(message.internal) &&
		message.author_type !== "System" &&
		time_of(message) - time_of(previous) <= GROUP_SECONDS * 1000
	);
}

export function is_ticket_event(row) {
	return row?.kind === "ticket-event";
}

export function is_call(row) {
	return row?.kind === "call";
}

// Rows that happened beside the messages: they take their place by time and open no conversation.
export function is_event(row) {
	return is_ticket_event(row) || is_call(row);
}

// A ticket event's number may equal a message's: the two are kept apart by their key. Calls are named
// "call-12" by the server.
function key_of(row) {
	if (is_ticket_event(row)) return `t${row.name ?? `${row.ticket}-${row.event}-${row.at ?? row.sent_at}`}`;
	if (is_call(row)) return `k${row.call ?? row.name}`;
	return row.name ?? row.client_id;
}

// "2026-11-22 10:00:00" and "2026-11-22 10:00:00.123456" compared as text to the microsecond.
function stamp(row) {
	const value = String((is_event(row) ? row.at ?? row.sent_at : row.sent_at) ?? "");
	if (!value) return "9999";
	return value.replace("T", " ").length === 19 ? `${value.replace("T", " ")}.000000` : value.replace("T", " ");
}

// Messages merged by name (a message arriving twice, or a confirmed one replacing its pending copy,
// is kept once) and ordered as stored; each event (a ticket's, a call) goes before the first message
// written after it.
export function merge(current, incoming) {
	const by_key = new Map();
	for (const row of [...current, ...incoming]) {
		const key = key_of(row);
		by_key.set(key, { ...by_key.get(key), ...row });
	}
	const rows = [...by_key.values()];
	const messages = rows.filter((r) => !is_event(r)).sort((a, b) => order_key(a) - order_key(b));
	const events = rows
		.filter(is_event)
		.sort((a, b) => (stamp(a) < stamp(b) ? -1 : stamp(a) > stamp(b) ? 1 : event_number(a) - event_number(b)));
	const out = [];
	let e = 0;
	for (const message of messages) {
		// Messages still being sent have no stored time yet: every event comes before them.
		while (e < events.length && (message.sending || stamp(events[e]) < stamp(message))) out.push(events[e++]);
		out.push(message);
	}
	return out.concat(events.slice(e));
}

// Events are named "ticket-event-12" or "call-12" by the server: their number orders those of the same moment.
function event_number(row) {
	return Number(String(row.name ?? "").replace(/\D+/g, "")) || 0;
}

function order_key(message) {
	// Messages still being sent have no name yet: they belong at the end, in the order typed.
	return typeof message.name === "number" ? message.name : Number.MAX_SAFE_INTEGER - 1e6 + (message.seq || 0);
}

// The oldest stored message: where the next older page starts (events have numbers of their own).
export function oldest_message(rows) {
	return rows.find((m) => !is_event(m) && typeof m.name === "number");
}

// Rows: {type: "separator", conversation}, {type: "message", message, first, last, tick} and
// {type: "ticket-event", event} and {type: "call", call}. An event ends the block before it and starts
// none; it opens no conversation, so the messages around it keep their separators.
export function timeline(messages) {
	const rows = [];
	let previous = null;
	messages.forEach((message, i) => {
		if (is_ticket_event(message)) {
			rows.push({ type: "ticket-event", key: key_of(message), event: message });
			return;
		}
		if (is_call(message)) {
			rows.push({ type: "call", key: key_of(message), call: message });
			return;
		}
		if (!previous || previous.conversation !== message.conversation) {
			rows.push({ type: "separator", key: `c${message.conversation}`, conversation: message.conversation });
		}
		const next = messages[i + 1];
		const after_event = i > 0 && is_event(messages[i - 1]);
		rows.push({
			type: "message",
			key: `m${message.name ?? message.client_id}`,
			message,
			first: after_event || !same_block(previous, message),
			last: is_event(next) || !same_block(message, next),
			tick: tick(message),
		});
		previous = message;
	});
	return rows;
}

// Quick replies whose shortcut or title match what follows the "/" at the start of the composer.
export function matching_replies(replies, text) {
	if (!text.startsWith("/")) return [];
	const term = text.slice(1).toLowerCase();
	if (term.includes(" ") || term.includes("\n")) return [];
	return replies
		.filter(
			(reply) =>
				(reply.shortcut || "").toLowerCase().includes(term) ||
				(reply.title || "").toLowerCase().includes(term)
		)
		.slice(0, 8);
}
