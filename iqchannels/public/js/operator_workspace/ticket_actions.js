// The dialogs that make tickets: closing a conversation into a ticket, a ticket from the open
// conversation, a sub-ticket of the open ticket. Each reloads what it changed and shows the new ticket's number.
import { state, call, reload_current, refresh_lists } from "./store";
import { tickets, tpost, load_types, load_tickets, load_client_tickets, after_ticket_change } from "./tickets_store";
import { proposed_subject, PRIORITIES, SUBJECT_LENGTH } from "./tickets";
import { merge } from "./timeline";

function ticket_fields(subject) {
	return [
		{ fieldname: "subject", label: __("Subject"), fieldtype: "Data", reqd: 1, default: subject, length: SUBJECT_LENGTH },
		{
			fieldname: "ticket_type",
			label: __("Type"),
			fieldtype: "Select",
			options: [{ value: "", label: "" }, ...tickets.types.map((t) => ({ value: t.name, label: __(t.name) }))],
		},
		{ fieldname: "column_ticket", fieldtype: "Column Break" },
		{
			fieldname: "priority",
			label: __("Priority"),
			fieldtype: "Select",
			options: PRIORITIES.map((p) => ({ value: p, label: __(p) })),
			default: "Medium",
		},
		{ fieldname: "section_description", fieldtype: "Section Break" },
		{ fieldname: "description", label: __("Description"), fieldtype: "Small Text" },
	];
}

function values_of(values) {
	return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== ""));
}

// Bootstrap ignores a hide() while the dialog is still opening: hidden again once the call ends.
async function submit(dialog, promise) {
	dialog.disable_primary_action();
	try {
		const answer = await promise;
		dialog.hide();
		return answer;
	} catch (e) {
		// The server's reason is shown by the desk; the dialog stays open to correct it.
		return null;
	} finally {
		dialog.enable_primary_action();
	}
}

function opened(ticket) {
	frappe.show_alert({ message: __("Ticket #{0} opened", [ticket.name]), indicator: "green" });
}

async function after_chat_ticket(conversation) {
	await Promise.all([reload_current(), load_client_tickets(), load_tickets()]);
	refresh_lists();
	// The chat shows the new ticket's event and the notice the client was sent.
	const page = await call("messages", { conversation, limit: 50 });
	if (state.current?.conversation.name === conversation) state.messages = merge(state.messages, page.messages);
}

export async function close_and_open() {
	await load_types();
	const conversation = state.current.conversation;
	const dialog = new frappe.ui.Dialog({
		title: __("Close conversation {0} and open a ticket", [conversation.name]),
		fields: [
			...ticket_fields(proposed_subject(state.messages, conversation.name)),
			{ fieldname: "section_close", fieldtype: "Section Break", label: __("Conversation") },
			{
				fieldname: "result",
				label: __("Result"),
				fieldtype: "Select",
				options: ["", ...state.boot.results],
				reqd: 1,
			},
			{ fieldname: "column_close", fieldtype: "Column Break" },
			{
				fieldname: "category",
				label: __("Category"),
				fieldtype: "Select",
				options: ["", ...state.boot.categories],
				default: conversation.category || "",
			},
		],
		primary_action_label: __("Close and open ticket"),
		async primary_action(values) {
			const answer = await submit(
				dialog,
				tpost("close_and_open", { conversation: conversation.name, ...values_of(values) })
			);
			if (!answer) return;
			opened(answer.ticket);
			await after_chat_ticket(conversation.name);
		},
	});
	dialog.show();
}

export async function create_for_conversation() {
	await load_types();
	const conversation = state.current.conversation;
	const dialog = new frappe.ui.Dialog({
		title: __("New ticket from conversation {0}", [conversation.name]),
		fields: ticket_fields(proposed_subject(state.messages, conversation.name)),
		primary_action_label: __("Create ticket"),
		async primary_action(values) {
			const answer = await submit(dialog, tpost("create", { conversation: conversation.name, ...values_of(values) }));
			if (!answer) return;
			opened(answer.ticket);
			await after_chat_ticket(conversation.name);
		},
	});
	dialog.show();
}

export async function create_sub_ticket() {
	await load_types();
	const parent = tickets.current.ticket;
	const dialog = new frappe.ui.Dialog({
		title: __("New sub-ticket of #{0}", [parent.name]),
		fields: ticket_fields(""),
		primary_action_label: __("Create sub-ticket"),
		async primary_action(values) {
			const answer = await submit(dialog, tpost("create", { parent: parent.name, ...values_of(values) }));
			if (!answer) return;
			opened(answer.ticket);
			await after_ticket_change(answer);
		},
	});
	dialog.set_value("priority", parent.priority || "Medium");
	if (parent.ticket_type) dialog.set_value("ticket_type", parent.ticket_type);
	dialog.show();
}
