// The header's actions, each asking what it needs in a desk dialog and reloading what it changed.
import { state, call, post, reload_current, refresh_lists, load_older } from "./store";

function current() {
	return state.current.conversation;
}

async function after(promise) {
	await promise;
	await reload_current();
	refresh_lists();
}

// Bootstrap ignores a hide() while the dialog is still opening: a quick click would leave it open
// after the action is done, so it is hidden again once the action ends.
function submit(dialog, promise) {
	dialog.hide();
	return after(promise).finally(() => dialog.hide());
}

export function take() {
	return after(post("take", { conversation: current().name }));
}

export function close_conversation() {
	const dialog = new frappe.ui.Dialog({
		title: __("Close conversation {0}", [current().name]),
		fields: [
			{
				fieldname: "result",
				label: __("Result"),
				fieldtype: "Select",
				options: ["", ...state.boot.results],
				reqd: 1,
			},
			{
				fieldname: "category",
				label: __("Category"),
				fieldtype: "Select",
				options: ["", ...state.boot.categories],
				default: current().category || "",
			},
		],
		primary_action_label: __("Close"),
		primary_action(values) {
			submit(dialog, post("close", { conversation: current().name, ...values }));
		},
	});
	dialog.show();
}

export async function transfer() {
	const targets = await call("transfer_targets", { conversation: current().name });
	const operators = targets.operators.map((op) => ({
		value: op.name,
		label: `${op.full_name} — ${__(op.status)}, ${op.load}/${op.slots}`,
	}));
	const dialog = new frappe.ui.Dialog({
		title: __("Transfer conversation {0}", [current().name]),
		fields: [
			{
				fieldname: "to",
				label: __("To"),
				fieldtype: "Select",
				options: [
					{ value: "operator", label: __("An operator (who must accept)") },
					{ value: "line", label: __("A line's queue") },
				],
				default: "operator",
			},
			{
				fieldname: "to_operator",
				label: __("Operator"),
				fieldtype: "Select",
				options: [{ value: "", label: "" }, ...operators],
				depends_on: "eval:doc.to=='operator'",
			},
			{
				fieldname: "to_line",
				label: __("Line"),
				fieldtype: "Select",
				options: [{ value: "", label: "" }, ...targets.lines.map((l) => ({ value: l.name, label: l.line_name }))],
				depends_on: "eval:doc.to=='line'",
			},
			{ fieldname: "comment", label: __("Comment"), fieldtype: "Small Text" },
		],
		primary_action_label: __("Transfer"),
		primary_action(values) {
			const args = { conversation: current().name, comment: values.comment || "" };
			if (values.to === "line") args.to_line = values.to_line;
			else args.to_operator = values.to_operator;
			submit(dialog, post("transfer", args)).then(() =>
				frappe.show_alert({
					message: values.to === "line" ? __("Returned to the line's queue") : __("Transfer offered"),
					indicator: "blue",
				})
			);
		},
	});
	dialog.show();
}

export async function invite() {
	const targets = await call("transfer_targets", { conversation: current().name });
	const dialog = new frappe.ui.Dialog({
		title: __("Invite a colleague to conversation {0}", [current().name]),
		fields: [
			{
				fieldname: "operator",
				label: __("Operator"),
				fieldtype: "Select",
				reqd: 1,
				options: [
					{ value: "", label: "" },
					...targets.operators.map((op) => ({ value: op.name, label: `${op.full_name} — ${__(op.status)}` })),
				],
			},
		],
		primary_action_label: __("Invite"),
		primary_action(values) {
			submit(dialog, post("invite", { conversation: current().name, operator: values.operator }));
		},
	});
	dialog.show();
}

export function mark_spam() {
	frappe.confirm(__("Mark conversation {0} as spam and block the client?", [current().name]), () =>
		after(post("mark_spam", { conversation: current().name, block_client: 1 }))
	);
}

export function set_category(category) {
	return after(post("set_category", { conversation: current().name, category }));
}

export { load_older };

const LINES_API = "iqchannels.api.lines.";

// Where the conversation can go between its first and second line, and its segment.
export function levels(conversation) {
	return call(LINES_API + "levels", { conversation });
}

// "To the second line" and "Back to the first line": one action each, with a comment for the other line.
function move_between_lines(method, title, line, done) {
	const dialog = new frappe.ui.Dialog({
		title,
		fields: [
			{
				fieldname: "comment",
				label: __("Comment for line {0}", [line]),
				fieldtype: "Small Text",
				reqd: 1,
			},
		],
		primary_action_label: __("Send"),
		primary_action(values) {
			submit(dialog, post(LINES_API + method, { conversation: current().name, comment: values.comment })).then(
				() => frappe.show_alert({ message: done, indicator: "blue" })
			);
		},
	});
	dialog.show();
}

export function to_second_line(line) {
	move_between_lines(
		"to_second_line",
		__("Send conversation {0} to the second line", [current().name]),
		line,
		__("Sent to line {0}", [line])
	);
}

export function back_to_first_line(line) {
	move_between_lines(
		"back_to_first_line",
		__("Return conversation {0} to the first line", [current().name]),
		line,
		__("Returned to line {0}", [line])
	);
}
