// Tickets in the workspace: a website visitor's conversation closed into a ticket, the ticket in the
// side panel and its event in the history, a sub-ticket postponed, the ticket resolved, and what the
// visitor reads of it in the web chat; a colleague's list follows live.
import { randomUUID } from "node:crypto";
import { test, expect } from "@playwright/test";
import { data, login, client_writes, shot, shown_dialog } from "./helpers.js";

test("close a conversation into a ticket, a sub-ticket postponed, the ticket resolved, the client told", async ({ browser }) => {
	const ann = await login(browser, data.ann);
	await ann.locator('[data-status="Active"]').click();
	await expect(ann.locator('[data-status="Active"]')).toHaveClass(/btn-primary/);

	// Bob, of the same line, watches the line's tickets.
	const bob = await login(browser, data.bob);
	await bob.locator('[data-mode="tickets"]').click();
	await bob.locator('[data-ticket-view="lines"]').click();
	await expect(bob.locator('[data-ticket-view="lines"]')).toHaveClass(/btn-primary/);

	// A visitor writes in the web chat; Ann has the conversation.
	const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
	const site = await visitor.newPage();
	await site.goto(`/iqchannels_demo?channel=${encodeURIComponent(data.website_chat)}`);
	await site.locator(".iqc-launcher").click();
	const chat = site.frameLocator(".iqc-panel");
	await expect(chat.locator(".iqc-chat-dot.live")).toBeVisible();
	const complaint = `My parcel ${Date.now() % 100000} arrived broken, I need a replacement`;
	await chat.locator(".iqc-chat-composer textarea").fill(complaint);
	await chat.locator(".iqc-chat-composer textarea").press("Enter");

	const row = ann.locator('[data-testid="conversation-list"] [data-conversation]', { hasText: complaint });
	await row.click();
	const history = ann.getByTestId("history");
	await expect(history).toContainText(complaint);

	// Close and open a ticket: the subject is the visitor's last words.
	await ann.locator('[data-action="close-ticket"]').click();
	const dialog = await shown_dialog(ann);
	await expect(dialog.locator('input[data-fieldname="subject"]')).toHaveValue(complaint);
	await dialog.locator('select[data-fieldname="ticket_type"]').selectOption(data.ticket_type);
	await dialog.locator('select[data-fieldname="priority"]').selectOption("High");
	await dialog.locator('textarea[data-fieldname="description"]').fill("Photo of the box is in the chat.");
	await dialog.locator('select[data-fieldname="result"]').selectOption("Resolved");
	await shot(ann, "tickets-01-close-and-open");
	await dialog.locator(".btn-primary").click();
	await expect(dialog).toBeHidden();
	await expect(history.locator("xpath=..")).toContainText("Closed: Resolved");

	// The ticket in the side panel, its event in the history.
	const side_ticket = ann.locator('[data-testid="client-tickets"] [data-ticket]', { hasText: complaint });
	await expect(side_ticket).toBeVisible();
	const number = await side_ticket.getAttribute("data-ticket");
	expect(number).toMatch(/^\d+$/);
	await expect(side_ticket).toContainText("Open");
	const created = history.locator(`.iqc-ticket-event[data-ticket-event="${number}"][data-event="Created"]`);
	await expect(created).toContainText(`Ticket #${number} Created by Ann`);
	await expect(history).toContainText(`We have opened ticket #${number}`);
	await shot(ann, "tickets-02-side-panel-and-event");

	// The visitor reads the ticket's number in the chat.
	await expect(chat.locator(".iqc-chat-row.theirs", { hasText: `ticket #${number}` })).toBeVisible();
	await shot(site, "tickets-03-visitor-told");

	// Bob's list of the line's tickets has it without a reload.
	await expect(bob.locator(`[data-testid="ticket-list"] [data-ticket="${number}"]`)).toBeVisible();

	// Ann opens the ticket from the side panel.
	await side_ticket.click();
	const pane = ann.getByTestId("ticket-pane");
	await expect(pane.getByTestId("ticket-title")).toHaveText(`#${number} ${complaint}`);
	await expect(pane.getByTestId("ticket-status")).toHaveText("Open");
	await expect(pane.getByTestId("ticket-fields")).toContainText(data.ticket_type);
	await expect(pane.getByTestId("ticket-events")).toContainText("Created");
	await expect(ann.getByTestId("ticket-history")).toContainText(complaint);
	await expect(ann.locator(`[data-testid="ticket-list"] [data-ticket="${number}"]`)).toBeVisible();

	// Ann starts work on it and writes to the visitor from the ticket.
	await pane.locator('[data-ticket-action="start"]').click();
	await expect(pane.getByTestId("ticket-status")).toHaveText("In Progress");
	await pane.getByTestId("ticket-reply").fill("A courier will bring a new one");
	await pane.locator('[data-action="ticket-reply"]').click();
	await expect(pane.getByTestId("ticket-reply")).toHaveValue("");
	await expect(chat.locator(".iqc-chat-row.theirs", { hasText: "A courier will bring a new one" })).toBeVisible();

	// A sub-ticket for the courier.
	await pane.locator('[data-ticket-action="sub_ticket"]').click();
	const sub_dialog = await shown_dialog(ann);
	await sub_dialog.locator('input[data-fieldname="subject"]').fill("Send a courier with a new parcel");
	await sub_dialog.locator(".btn-primary").click();
	await expect(sub_dialog).toBeHidden();
	const sub_row = pane.locator('[data-testid="sub-tickets"] [data-ticket]', { hasText: "Send a courier" });
	await expect(sub_row).toBeVisible();
	const sub_number = await sub_row.getAttribute("data-ticket");
	await shot(ann, "tickets-04-sub-ticket");

	// The sub-ticket waits for the courier's day: postponed with a date and a reason.
	await sub_row.click();
	await expect(pane.getByTestId("ticket-title")).toHaveText(`#${sub_number} Send a courier with a new parcel`);
	await expect(pane.locator('[data-testid="sub-tickets"]')).toContainText(`Part of #${number}`);
	await pane.locator('[data-ticket-action="postpone"]').click();
	const form = pane.locator('[data-form="postpone"]');
	await expect(form.locator('[data-field="until"]')).toHaveValue(/^\d{4}-\d\d-\d\dT10:00$/);
	await form.locator('[data-field="reason"]').fill("The courier comes on the next working day");
	await form.locator('[data-action="confirm"]').click();
	await expect(pane.getByTestId("ticket-status")).toHaveText("Postponed");
	await expect(pane.getByTestId("ticket-fields")).toContainText("The courier comes on the next working day");
	await ann.locator('[data-ticket-view="postponed"]').click();
	await expect(ann.locator(`[data-testid="ticket-list"] [data-ticket="${sub_number}"]`)).toBeVisible();
	await expect(ann.locator('[data-count="postponed"]')).toHaveText(/[1-9]/);
	await shot(ann, "tickets-05-postponed");

	// Back to the ticket, through its parent link; resolved, and the visitor is told.
	await pane.locator(`[data-testid="sub-tickets"] [data-ticket="${number}"]`).click();
	await expect(pane.getByTestId("ticket-title")).toHaveText(`#${number} ${complaint}`);
	await pane.locator('[data-ticket-action="resolve"]').click();
	const resolve = pane.locator('[data-form="resolve"]');
	await resolve.locator('[data-field="resolution"]').fill("A new parcel is on its way");
	await expect(resolve.locator('[data-field="tell_client"]')).toBeChecked();
	await resolve.locator('[data-action="confirm"]').click();
	await expect(pane.getByTestId("ticket-status")).toHaveText("Resolved");
	await expect(pane.getByTestId("ticket-resolution")).toContainText("A new parcel is on its way");
	await expect(pane.getByTestId("ticket-events")).toContainText("Resolved");
	// Its client's history shows it among the messages.
	await expect(
		ann.getByTestId("ticket-history").locator(`.iqc-ticket-event[data-ticket-event="${number}"][data-event="Resolved"]`)
	).toContainText(`Ticket #${number} Resolved by Ann: A new parcel is on its way`);
	await shot(ann, "tickets-06-resolved");

	await expect(chat.locator(".iqc-chat-row.theirs", { hasText: `Ticket #${number} is resolved: A new parcel is on its way` })).toBeVisible();
	await shot(site, "tickets-07-visitor-sees-resolution");

	// Bob's list follows: a resolved ticket leaves the active ones.
	await expect(bob.locator(`[data-testid="ticket-list"] [data-ticket="${number}"]`)).toHaveCount(0);

	// The floor as it was found: the sub-ticket closed, Ann's list back to her conversations.
	await pane.locator(`[data-testid="sub-tickets"] [data-ticket="${sub_number}"]`).click();
	await expect(pane.getByTestId("ticket-title")).toHaveText(`#${sub_number} Send a courier with a new parcel`);
	await pane.locator('[data-ticket-action="close"]').click();
	await (await shown_dialog(ann)).locator(".btn-primary").click();
	await expect(pane.getByTestId("ticket-status")).toHaveText("Closed");
	await ann.locator('[data-mode="conversations"]').click();
	await expect(ann.getByTestId("conversation-list")).toBeVisible();
	await visitor.close();
});

test("a ticket from an open chat, found by search and filters, watched, handed over, waited on, closed and reopened", async ({ browser, request }) => {
	const ann = await login(browser, data.ann);
	await ann.locator('[data-status="Active"]').click();
	await expect(ann.locator('[data-status="Active"]')).toHaveClass(/btn-primary/);
	const bob = await login(browser, data.bob);

	// A partner's customer writes; Ann makes a ticket while the chat goes on.
	const question = `Please change the delivery address of order ${Date.now() % 100000}`;
	const first = await client_writes(request, `pw-${randomUUID()}`, question);
	await ann.locator(`[data-testid="conversation-list"] [data-conversation="${first.conversation}"]`).click();
	await expect(ann.getByTestId("history")).toContainText(question);
	await ann.locator('[data-action="create-ticket"]').click();
	const dialog = await shown_dialog(ann);
	await expect(dialog.locator('input[data-fieldname="subject"]')).toHaveValue(question);
	await dialog.locator('select[data-fieldname="priority"]').selectOption("Urgent");
	await dialog.locator(".btn-primary").click();
	await expect(dialog).toBeHidden();
	const side_ticket = ann.locator('[data-testid="client-tickets"] [data-ticket]', { hasText: question });
	await expect(side_ticket).toBeVisible();
	const number = await side_ticket.getAttribute("data-ticket");
	await expect(ann.getByTestId("history").locator(`.iqc-ticket-event[data-ticket-event="${number}"]`).first()).toBeVisible();
	// The conversation is still open.
	await expect(ann.getByTestId("composer")).toBeVisible();

	// The Tickets view: found by its number, kept by a matching filter, hidden by another.
	await ann.locator('[data-mode="tickets"]').click();
	const list = ann.getByTestId("ticket-list");
	await ann.getByTestId("ticket-search").fill(`#${number}`);
	await expect(list.locator("[data-ticket]")).toHaveCount(1);
	await expect(list.locator(`[data-ticket="${number}"]`)).toBeVisible();
	await ann.locator('select[data-filter="priority"]').selectOption("Urgent");
	await expect(list.locator(`[data-ticket="${number}"]`)).toBeVisible();
	await ann.locator('select[data-filter="priority"]').selectOption("Low");
	await expect(list.locator(`[data-ticket="${number}"]`)).toHaveCount(0);
	await ann.locator('select[data-filter="priority"]').selectOption("");
	await list.locator(`[data-ticket="${number}"]`).click();
	const pane = ann.getByTestId("ticket-pane");
	await expect(pane.getByTestId("ticket-title")).toHaveText(`#${number} ${question}`);

	// Ann watches it, then hands it over to Bob with a comment.
	await pane.locator('[data-ticket-action="watch"]').click();
	await expect(pane.locator('[data-ticket-action="watch"]')).toHaveText("Stop watching");
	await ann.getByTestId("ticket-search").fill("");
	await ann.locator('[data-ticket-view="watched"]').click();
	await expect(list.locator(`[data-ticket="${number}"]`)).toBeVisible();
	await pane.locator('[data-ticket-action="hand_over"]').click();
	const form = pane.locator('[data-form="hand_over"]');
	await form.locator('[data-field="user"]').selectOption(data.bob);
	await form.locator('[data-field="comment"]').fill("You know this courier");
	await form.locator('[data-action="confirm"]').click();
	await expect(pane.getByTestId("ticket-fields")).toContainText("Bob");
	await expect(pane.getByTestId("ticket-events")).toContainText("You know this courier");
	// Ann still follows it as a watcher, but no longer works on it.
	await expect(pane.locator('[data-ticket-action="start"]')).toHaveCount(0);
	await shot(ann, "tickets-08-handed-over");

	// Bob has it in his list, live.
	await bob.locator('[data-mode="tickets"]').click();
	const bobs_row = bob.locator(`[data-testid="ticket-list"] [data-ticket="${number}"]`);
	await expect(bobs_row).toBeVisible();
	await bobs_row.click();
	const bobs_pane = bob.getByTestId("ticket-pane");
	await bobs_pane.locator('[data-ticket-action="wait"]').click();
	await expect(bobs_pane.getByTestId("ticket-status")).toHaveText("Waiting for Client");
	// Ann's pane follows Bob's change.
	await expect(pane.getByTestId("ticket-status")).toHaveText("Waiting for Client");

	// Closed, then reopened with a comment, then closed for good.
	await bobs_pane.locator('[data-ticket-action="close"]').click();
	await (await shown_dialog(bob)).locator(".btn-primary").click();
	await expect(bobs_pane.getByTestId("ticket-status")).toHaveText("Closed");
	await bobs_pane.locator('[data-ticket-action="reopen"]').click();
	await bobs_pane.locator('[data-form="reopen"] [data-field="comment"]').fill("The client asked again");
	await bobs_pane.locator('[data-form="reopen"] [data-action="confirm"]').click();
	await expect(bobs_pane.getByTestId("ticket-status")).toHaveText("In Progress");
	await expect(bobs_pane.getByTestId("ticket-events")).toContainText("The client asked again");
	await shot(bob, "tickets-09-reopened");
	await bobs_pane.locator('[data-ticket-action="close"]').click();
	await (await shown_dialog(bob)).locator(".btn-primary").click();
	await expect(bobs_pane.getByTestId("ticket-status")).toHaveText("Closed");

	// The floor as it was found: Ann closes the conversation.
	await ann.locator('[data-mode="conversations"]').click();
	await ann.locator(`[data-testid="conversation-list"] [data-conversation="${first.conversation}"]`).click();
	await ann.locator('[data-action="close"]').click();
	const close = await shown_dialog(ann);
	await close.locator('select[data-fieldname="result"]').selectOption("Resolved");
	await close.locator(".btn-primary").click();
	await expect(close).toBeHidden();
});
