// A group chat from a client of the Clients view: choose colleagues and other clients of the client's
// company, write the first message, and the group opens in the workspace.
import { call, post, open_conversation } from "./store";

const API = "iqchannels.api.directory.";

export async function start_group_chat(row, line) {
	const found = await call(API + "group_candidates", { client: row.client, line });
	const fields = [
		{
			fieldname: "colleagues",
			fieldtype: "MultiCheck",
			label: __("Colleagues"),
			columns: 2,
			options: found.colleagues.map((c) => ({ label: c.full_name, value: c.user })),
		},
	];
	fields.push(
		found.clients.length
			? {
					fieldname: "clients",
					fieldtype: "MultiCheck",
					label: __("Clients of {0}", [found.company]),
					columns: 2,
					options: found.clients.map((c) => ({ label: c.full_name || String(c.client), value: String(c.client) })),
			  }
			: { fieldtype: "HTML", options: `<p class="text-muted small">${__("The client has no colleagues of their company here.")}</p>` }
	);
	fields.push({ fieldname: "text", fieldtype: "Small Text", label: __("First message"), reqd: 1 });
	const dialog = new frappe.ui.Dialog({
		title: __("Group chat with {0}", [row.full_name || row.client]),
		fields,
		primary_action_label: __("Start"),
		primary_action: async (values) => {
			const answer = await post(API + "start_group_chat", {
				client: row.client,
				line,
				text: values.text,
				colleagues: JSON.stringify(values.colleagues || []),
				clients: JSON.stringify(values.clients || []),
			});
			dialog.hide();
			await open_conversation(answer.conversation);
		},
	});
	dialog.$wrapper.attr("data-testid", "group-chat-dialog");
	dialog.show();
}
