// The chat's history as rows to draw: a separator where a new conversation begins, the messages with
// their place in a block of one author, and the delivery mark of operators' replies.
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

// Messages merged by name (a message arriving twice, or a confirmed one replacing its pending copy,
// is kept once) and ordered as stored.
export function merge(current, incoming) {
	const by_name = new Map();
	for (const message of [...current, ...incoming]) {
		const key = message.name ?? message.client_id;
		by_name.set(key, { ...by_name.get(key), ...message });
	}
	return [...by_name.values()].sort((a, b) => order_key(a) - order_key(b));
}

function order_key(message) {
	// Messages still being sent have no name yet: they belong at the end, in the order typed.
	return typeof message.name === "number" ? message.name : Number.MAX_SAFE_INTEGER - 1e6 + (message.seq || 0);
}

// Rows: {type: "separator", conversation} and {type: "message", message, first, last, tick}.
export function timeline(messages) {
	const rows = [];
	let previous = null;
	messages.forEach((message, i) => {
		if (!previous || previous.conversation !== message.conversation) {
			rows.push({ type: "separator", key: `c${message.conversation}`, conversation: message.conversation });
		}
		const next = messages[i + 1];
		rows.push({
			type: "message",
			key: `m${message.name ?? message.client_id}`,
			message,
			first: !same_block(previous, message),
			last: !same_block(message, next),
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
