// The tickets' rules as the workspace needs them: which status actions a ticket offers, a subject
// proposed from the chat, the sub-tickets' tree as indented rows, a history event's parts, and the
// list's query. Pure functions (no Frappe, no Vue), so that they are tested with `node --test`.

export const SUBJECT_LENGTH = 140;
export const STATUSES = ["Open", "In Progress", "Waiting for Client", "Postponed", "Resolved", "Closed"];
export const PRIORITIES = ["Low", "Medium", "High", "Urgent"];
export const ACTIVE = ["Open", "In Progress", "Waiting for Client", "Postponed"];
export const DONE = ["Resolved", "Closed"];
export const VIEWS = ["mine", "lines", "watched", "postponed", "overdue"];

// What each action needs from the ticket's status; the same rules as the server's engine
// (engine/tickets.py `act`), so that the pane never offers what the server would refuse.
const ALLOWED = {
	start: ["Open", "Waiting for Client", "Postponed"],
	wait: ["Open", "In Progress"],
	postpone: ACTIVE,
	resolve: ACTIVE,
	close: ["Open", "In Progress", "Waiting for Client", "Postponed", "Resolved"],
	reopen: DONE,
};
export const ACTIONS = Object.keys(ALLOWED);

export function status_actions(ticket) {
	if (!ticket || !ticket.can_work) return [];
	return ACTIONS.filter((action) => ALLOWED[action].includes(ticket.status));
}

export function is_active(ticket) {
	return Boolean(ticket) && ACTIVE.includes(ticket.status);
}

// The client's last words in the conversation, on one line and short enough for a subject.
export function proposed_subject(messages, conversation = null) {
	const from_client = (messages || []).filter(
		(m) =>
			m.author_type === "Client" &&
			m.kind !== "ticket-event" &&
			(m.text || "").trim() &&
			(conversation == null || m.conversation === conversation) &&
			(!m.kind || m.kind === "Text")
	);
	const last = from_client[from_client.length - 1];
	if (!last) return "";
	return shorten(last.text.replace(/\s+/g, " ").trim(), SUBJECT_LENGTH);
}

export function shorten(text, length) {
	const chars = [...text];
	if (chars.length <= length) return text;
	const cut = chars.slice(0, length - 1).join("");
	const at_word = cut.replace(/\s+\S*$/, "");
	return `${at_word.length > length / 2 ? at_word : cut}…`;
}

// Sub-tickets arrive as nested rows ({..., children: [...]}); the pane draws them as rows indented by depth.
export function tree_rows(nodes, depth = 0, out = []) {
	for (const node of nodes || []) {
		const { children, ...row } = node;
		out.push({ ...row, depth });
		tree_rows(children, depth + 1, out);
	}
	return out;
}

// An event as a system line: "Ticket #12 Resolved by Ann: the note". A change of status is told by the
// status it reached; the others by their name.
export function event_parts(event) {
	const label = event.event === "Status Changed" && event.status ? event.status : event.event;
	return {
		ticket: event.ticket,
		label,
		user: event.user_name || event.user || "",
		note: (event.note || "").replace(/\s+/g, " ").trim(),
	};
}

// The arguments of `tickets()`: the view and the filters that are set.
export function list_query(view, filters = {}) {
	const query = { view };
	for (const [key, value] of Object.entries(filters)) {
		const text = typeof value === "string" ? value.trim() : value;
		if (text) query[key] = key === "search" ? text.replace(/^#(?=\d+$)/, "") : text;
	}
	// Postponed and overdue are states of active tickets: a status filter would contradict the view.
	if (view === "postponed" || view === "overdue") delete query.status;
	return query;
}

// A browser's <input type="datetime-local"> value ("2026-11-23T10:00") as the server reads it.
export function from_local_input(value) {
	if (!value) return null;
	const [day, time = "00:00"] = value.split("T");
	const [h = "00", m = "00", s = "00"] = time.split(":");
	return `${day} ${h.padStart(2, "0")}:${m.padStart(2, "0")}:${String(s).slice(0, 2).padStart(2, "0")}`;
}

// The default moment to come back to a postponed ticket: the next working morning at 10:00.
export function next_morning(now = new Date()) {
	const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 10, 0);
	while (day.getDay() === 0 || day.getDay() === 6) day.setDate(day.getDate() + 1);
	const pad = (n) => String(n).padStart(2, "0");
	return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}T10:00`;
}
