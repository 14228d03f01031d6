// The tickets in the workspace: the actions a status offers, the subject proposed from the chat, the
// sub-tickets' tree, an event's line, the list's query, and the events placed among the messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
	status_actions,
	proposed_subject,
	shorten,
	tree_rows,
	event_parts,
	list_query,
	from_local_input,
	next_morning,
	SUBJECT_LENGTH,
} from "../../iqchannels/public/js/operator_workspace/tickets.js";
import { merge, timeline, oldest_message } from "../../iqchannels/public/js/operator_workspace/timeline.js";

test("each status offers the actions the server's rules allow, and none to who may not work it", () => {
	const offer = (status) => status_actions({ status, can_work: true });
	assert.deepEqual(offer("Open"), ["start", "wait", "postpone", "resolve", "close"]);
	assert.deepEqual(offer("In Progress"), ["wait", "postpone", "resolve", "close"]);
	assert.deepEqual(offer("Waiting for Client"), ["start", "postpone", "resolve", "close"]);
	assert.deepEqual(offer("Postponed"), ["start", "postpone", "resolve", "close"]);
	assert.deepEqual(offer("Resolved"), ["close", "reopen"]);
	assert.deepEqual(offer("Closed"), ["reopen"]);
	assert.deepEqual(status_actions({ status: "Open", can_work: false }), []);
	assert.deepEqual(status_actions(null), []);
});

test("the subject is the client's last text in the conversation, on one line and at most 140 characters", () => {
	const messages = [
		{ name: 1, conversation: 7, author_type: "Client", kind: "Text", text: "Old question" },
		{ name: 2, conversation: 8, author_type: "Client", kind: "Text", text: "My card\n  was   charged twice" },
		{ name: 3, conversation: 8, author_type: "Operator", kind: "Text", text: "Let me check" },
		{ name: 4, conversation: 8, author_type: "Client", kind: "Image", text: "photo.png" },
		{ kind: "ticket-event", ticket: 3, event: "Created", author_type: "System", at: "2026-11-22 10:00:00" },
	];
	assert.equal(proposed_subject(messages, 8), "My card was charged twice");
	assert.equal(proposed_subject(messages, 7), "Old question");
	assert.equal(proposed_subject(messages, 9), "");
	assert.equal(proposed_subject([]), "");
	const long = "word ".repeat(60).trim();
	const subject = proposed_subject([{ conversation: 1, author_type: "Client", text: long }], 1);
	assert.ok([...subject].length <= SUBJECT_LENGTH);
	assert.ok(subject.endsWith("…"));
	assert.ok(!subject.includes("wor…"), "cut at a word");
	assert.equal(shorten("x".repeat(200), 10), `${"x".repeat(9)}…`);
	assert.equal(shorten("short", 10), "short");
});

test("sub-tickets are drawn as rows indented by their depth, in tree order", () => {
	const rows = tree_rows([
		{ name: 2, subject: "a", children: [{ name: 4, subject: "a1", children: [{ name: 5, children: [] }] }] },
		{ name: 3, subject: "b", children: [] },
	]);
	assert.deepEqual(
		rows.map((r) => [r.name, r.depth]),
		[
			[2, 0],
			[4, 1],
			[5, 2],
			[3, 0],
		]
	);
	assert.equal(rows[0].children, undefined);
	assert.deepEqual(tree_rows(undefined), []);
});

test("an event reads as its name, or the status a change of status reached, with who and the note", () => {
	assert.deepEqual(event_parts({ ticket: 12, event: "Resolved", status: "Resolved", user_name: "Ann", note: "Refunded\n twice" }), {
		ticket: 12,
		label: "Resolved",
		user: "Ann",
		note: "Refunded twice",
	});
	assert.equal(event_parts({ ticket: 12, event: "Status Changed", status: "In Progress" }).label, "In Progress");
	assert.equal(event_parts({ ticket: 12, event: "Client Wrote", status: "In Progress" }).user, "");
});

test("the list's query keeps the filters that are set; postponed and overdue take no status", () => {
	assert.deepEqual(list_query("mine", { status: "", priority: "High", ticket_type: "", search: " #12 " }), {
		view: "mine",
		priority: "High",
		search: "12",
	});
	assert.deepEqual(list_query("overdue", { status: "Resolved", search: "card" }), { view: "overdue", search: "card" });
	assert.deepEqual(list_query("lines", { search: "#abc" }), { view: "lines", search: "#abc" });
});

test("a postponement's moment goes to the server as a datetime; by default the next working morning", () => {
	assert.equal(from_local_input("2026-11-23T09:30"), "2026-11-23 09:30:00");
	assert.equal(from_local_input(""), null);
	assert.equal(next_morning(new Date(2026, 10, 23, 15, 0)), "2026-11-24T10:00"); // Monday → Tuesday
	assert.equal(next_morning(new Date(2026, 10, 27, 15, 0)), "2026-11-30T10:00"); // Friday → Monday
});

const at = (s) => `2026-11-22 10:00:${String(s).padStart(2, "0")}.000000`;
const msg = (name, conversation, author_type, s, extra = {}) => ({
	name,
	conversation,
	author_type,
	author: author_type === "Operator" ? "ann@x" : null,
	internal: 0,
	kind: "Text",
	text: `m${name}`,
	sent_at: at(s),
	...extra,
});
const ev = (n, s, extra = {}) => ({
	kind: "ticket-event",
	name: `ticket-event-${n}`,
	ticket: 12,
	subject: "Card",
	event: "Created",
	status: "Open",
	user_name: "Ann",
	author_type: "System",
	at: at(s),
	...extra,
});

test("ticket events sit among the messages in time order, kept apart from messages of the same number", () => {
	let rows = merge([msg(1, 7, "Client", 0), msg(2, 7, "Operator", 10)], [ev(2, 20), ev(1, 5)]);
	// An event numbered as a message is still a row of its own.
	assert.equal(merge(rows, [{ ...ev(1, 5), name: 1 }]).length, 5);
	assert.deepEqual(
		rows.map((r) => (r.kind === "ticket-event" ? `e${r.name.split("-").pop()}` : `m${r.name}`)),
		["m1", "e1", "m2", "e2"]
	);
	// The same page read again changes nothing; an older page goes in front.
	rows = merge(rows, [msg(2, 7, "Operator", 10), ev(1, 5)]);
	rows = merge([msg(0, 7, "Client", 0, { sent_at: "2026-11-22 09:59:00" }), ev(3, 1, { at: "2026-11-22 09:00:00" })], rows);
	assert.deepEqual(
		rows.map((r) => (r.kind === "ticket-event" ? `e${r.name.split("-").pop()}` : `m${r.name}`)),
		["e3", "m0", "m1", "e1", "m2", "e2"]
	);
	assert.equal(oldest_message(rows).name, 0);
	// A reply being sent stays last.
	rows = merge(rows, [{ client_id: "local-1", seq: 1, conversation: 7, author_type: "Operator", sending: true, text: "x" }]);
	assert.equal(rows.at(-1).client_id, "local-1");
});

test("an event ends a block and starts none; it opens no conversation", () => {
	const rows = timeline(merge([msg(1, 7, "Client", 0), msg(2, 7, "Client", 10), msg(3, 7, "Client", 20)], [ev(9, 15)]));
	assert.deepEqual(
		rows.map((r) => r.type),
		["separator", "message", "message", "ticket-event", "message"]
	);
	const [a, b, , c] = rows.filter((r) => r.type !== "separator");
	assert.deepEqual([a.first, a.last], [true, false]);
	assert.deepEqual([b.first, b.last], [false, true]);
	assert.deepEqual([c.first, c.last], [true, true]);
	assert.equal(rows[3].event.ticket, 12);
	assert.equal(rows[3].key, "tticket-event-9");
});
