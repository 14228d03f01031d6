// Calls in the workspace, as an operator sees them: in the history at their moment among the messages,
// with what they were and how long they lasted; a ringing call pops up for me alone and goes away once
// answered elsewhere or ended, even when the events come twice or out of order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { merge, timeline, oldest_message } from "../../iqchannels/public/js/operator_workspace/timeline.js";
import { duration, call_label, ringing_after } from "../../iqchannels/public/js/operator_workspace/calls.js";

const at = (seconds) => `2026-11-22 10:${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}.000000`;
const msg = (name, seconds, author_type = "Client") => ({
	name,
	conversation: 7,
	author_type,
	internal: 0,
	text: `m${name}`,
	sent_at: at(seconds),
});
const call = (number, seconds, extra = {}) => ({
	kind: "call",
	name: `call-${number}`,
	call: number,
	author_type: "System",
	direction: "Inbound",
	state: "Answered",
	at: at(seconds),
	sent_at: at(seconds),
	...extra,
});

test("a call takes its place by time among the messages and is kept once", () => {
	let rows = merge([msg(1, 0), msg(2, 30)], [call(1, 10), call(2, 40)]);
	rows = merge(rows, [call(1, 10, { state: "Answered", talk_seconds: 20 })]);
	assert.deepEqual(
		rows.map((r) => r.name),
		[1, "call-1", 2, "call-2"]
	);
	assert.equal(rows[1].talk_seconds, 20);
	assert.equal(oldest_message([call(3, 0), ...rows]).name, 1, "the paging goes by messages");
});

test("a call ends the block of messages before it and opens no conversation", () => {
	const rows = timeline(merge([], [msg(1, 0), call(1, 5), msg(2, 10)]));
	assert.deepEqual(
		rows.map((r) => r.type),
		["separator", "message", "call", "message"]
	);
	const [first, second] = rows.filter((r) => r.type === "message");
	assert.equal(first.last, true);
	assert.equal(second.first, true);
	assert.equal(rows[2].call.call, 1);
});

test("a call's duration and what it was", () => {
	assert.equal(duration(42), "0:42");
	assert.equal(duration(725), "12:05");
	assert.equal(duration(3723), "1:02:03");
	assert.equal(duration(null), "0:00");
	assert.equal(call_label({ direction: "Inbound", state: "Answered" }).label, "Incoming call");
	assert.equal(call_label({ direction: "Inbound", state: "Missed" }).missed, true);
	assert.equal(call_label({ direction: "Inbound", state: "Busy" }).label, "Missed call, line busy");
	assert.equal(call_label({ direction: "Outbound", state: "Missed" }).label, "Outgoing call, not answered");
	assert.equal(call_label({ direction: "Outbound", state: "Answered" }).label, "Outgoing call");
});

test("a call ringing at my extension pops up; answered elsewhere or ended it goes away for good", () => {
	const me = "ann@x";
	const finished = new Set();
	let ringing = ringing_after([], { call: 5, state: "Ringing", operator: me, client: 3 }, me, finished);
	assert.deepEqual(ringing.map((r) => r.call), [5]);
	ringing = ringing_after(ringing, { call: 6, state: "Ringing", operator: "boris@x" }, me, finished);
	assert.deepEqual(ringing.map((r) => r.call), [5], "someone else's call does not ring for me");
	ringing = ringing_after(ringing, { call: 5, state: "Ringing", operator: me }, me, finished);
	assert.equal(ringing.length, 1, "the same event twice: one pop-up");
	assert.equal(ringing[0].client, 3, "what the first event said is kept");
	ringing = ringing_after(ringing, { call: 5, state: "Answered", operator: "boris@x" }, me, finished);
	assert.deepEqual(ringing, [], "answered elsewhere");
	ringing = ringing_after(ringing, { call: 5, state: "Ringing", operator: me }, me, finished);
	assert.deepEqual(ringing, [], "a late Ringing of a call already answered does not come back");
	ringing = ringing_after([{ call: 8, state: "Ringing", operator: me }], { call: 8, state: "Ringing", operator: me, ended_at: at(3) }, me, finished);
	assert.deepEqual(ringing, [], "ended while ringing");
});
