// The workspace's history rules, as an operator reads them: a separator per conversation, one author's
// messages within 60 s in one block, ticks on replies only, and a message never shown twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { merge, timeline, tick, matching_replies } from "../../iqchannels/public/js/operator_workspace/timeline.js";

const at = (seconds) => `2026-11-22 10:${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}.000000`;
const msg = (name, conversation, author_type, seconds, extra = {}) => ({
	name,
	conversation,
	author_type,
	author: author_type === "Operator" ? "ann@x" : null,
	internal: 0,
	text: `m${name}`,
	sent_at: at(seconds),
	delivery_status: "Sent",
	...extra,
});

test("a separator opens each conversation of the client's history", () => {
	const rows = timeline([msg(1, 7, "Client", 0), msg(2, 7, "Operator", 5), msg(3, 9, "Client", 100)]);
	assert.deepEqual(
		rows.filter((r) => r.type === "separator").map((r) => r.conversation),
		[7, 9]
	);
	assert.equal(rows.length, 5);
});

test("one author's messages within 60 s form one block; a pause, another author or a note starts a new one", () => {
	const rows = timeline([
		msg(1, 7, "Client", 0),
		msg(2, 7, "Client", 59),
		msg(3, 7, "Client", 125),
		msg(4, 7, "Operator", 126),
		msg(5, 7, "Operator", 127, { internal: 1 }),
	]).filter((r) => r.type === "message");
	assert.deepEqual(
		rows.map((r) => [r.message.name, r.first, r.last]),
		[
			[1, true, false],
			[2, false, true],
			[3, true, true],
			[4, true, true],
			[5, true, true],
		]
	);
});

test("replies show delivered ✓ and read ✓✓; client messages and notes show none", () => {
	assert.equal(tick(msg(1, 7, "Operator", 0, { delivery_status: "Sent" })), "");
	assert.equal(tick(msg(1, 7, "Operator", 0, { delivery_status: "Delivered" })), "✓");
	assert.equal(tick(msg(1, 7, "Operator", 0, { delivery_status: "Read" })), "✓✓");
	assert.equal(tick(msg(1, 7, "Operator", 0, { delivery_status: "Read", internal: 1 })), "");
	assert.equal(tick(msg(1, 7, "Client", 0, { delivery_status: "Read" })), "");
	assert.equal(tick({ author_type: "Operator", sending: true }), "…");
});

test("a message that arrives twice, or confirms its pending copy, is kept once and in order", () => {
	const pending = { client_id: "local-1", seq: 1, conversation: 7, author_type: "Operator", text: "hi", sending: true };
	let messages = merge([msg(1, 7, "Client", 0)], [pending]);
	assert.deepEqual(messages.map((m) => m.name ?? m.client_id), [1, "local-1"]);
	messages = merge(messages.filter((m) => m.client_id !== "local-1"), [msg(3, 7, "Operator", 2)]);
	messages = merge(messages, [msg(3, 7, "Operator", 2), msg(2, 7, "Client", 1)]);
	assert.deepEqual(messages.map((m) => m.name), [1, 2, 3]);
});

test('quick replies are found by "/" and part of their shortcut or title', () => {
	const replies = [
		{ shortcut: "hello", title: "Greeting", text: "Hello!" },
		{ shortcut: "bye", title: "Farewell", text: "Bye" },
	];
	assert.deepEqual(matching_replies(replies, "/he").map((r) => r.shortcut), ["hello"]);
	assert.deepEqual(matching_replies(replies, "/fare").map((r) => r.shortcut), ["bye"]);
	assert.equal(matching_replies(replies, "/").length, 2);
	assert.deepEqual(matching_replies(replies, "hello"), []);
	assert.deepEqual(matching_replies(replies, "/hello there"), []);
});
