// What-if staffing: a supervisor replays a past morning of the fixture's line with more operators, and the
// table and the charts show the shorter waits.
import { test, expect } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { data, shot } from "./helpers.js";

const BENCH = process.env.IQC_BENCH_DIR;

// A past morning of the line, written by the fixture: Ann alone, 30 clients in an hour, so they wait.
function staffing_day() {
	const kwargs = `{'line': '${data.line}', 'operator': '${data.ann}'}`;
	const out = execFileSync(
		"bench",
		["--site", process.env.IQC_SITE, "execute", "iqchannels.tests.browser_fixture.staffing_day", "--kwargs", kwargs],
		{ cwd: BENCH, encoding: "utf8" }
	);
	return JSON.parse(out.trim().split("\n").pop());
}

async function supervisor(browser) {
	const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
	const page = await context.newPage();
	const answer = await page.request.post("/api/method/login", { form: { usr: data.supervisor, pwd: data.password } });
	expect(answer.ok()).toBeTruthy();
	return page;
}

test("the supervisor replays a past day with more operators and sees the waits shrink", async ({ browser }) => {
	const day = staffing_day();
	const sue = await supervisor(browser);
	await sue.goto("/app/iqc-staffing");
	await sue.locator(`[data-testid="staffing-lines"] input[data-line="${data.line}"]`).check();
	await sue.getByTestId("staffing-date").fill(day.date);
	await sue.locator('[data-action="show"]').click();

	const total = sue.getByTestId("staffing-total");
	await expect(sue.getByTestId("staffing-table")).toBeVisible();
	await expect(sue.getByTestId("staffing-summary")).toContainText(String(day.conversations));
	// Clients waited that morning, and the replay with Ann alone says so too.
	await expect(total.locator('[data-field="real-wait"]')).not.toHaveText("0:00");
	await expect(total.locator('[data-field="replay-wait"]')).not.toHaveText("0:00");
	await expect(sue.locator('[data-testid="chart-wait"] svg')).toBeVisible();
	// The staffing that really worked: one operator from 10:00.
	await expect(sue.locator('[data-testid="staffing-per-hour"] input[data-hour="10"]')).toHaveValue("1");
	const wait_before = await total.locator('[data-field="replay-wait"]').innerText();
	const sla_before = await total.locator('[data-field="replay-sla"]').innerText();
	const chart_before = await sue.getByTestId("chart-wait").innerHTML();
	await shot(sue, "staffing-01-real-day");

	// Three operators at 10 and 11: nobody waits.
	for (const hour of ["10", "11"]) {
		await sue.locator(`[data-testid="staffing-per-hour"] input[data-hour="${hour}"]`).fill("3");
	}
	await sue.locator('[data-action="replay"]').click();
	await expect(sue.getByTestId("staffing-summary")).toContainText("Replay with your staffing");
	await expect(total.locator('[data-field="replay-wait"]')).toHaveText("0:00");
	await expect(total.locator('[data-field="replay-sla"]')).toHaveText("100%");
	expect(wait_before).not.toBe("0:00");
	expect(sla_before).not.toBe("100%");
	// The real day stays as it was beside the replay; the wait chart is drawn anew.
	await expect(total.locator('[data-field="real-wait"]')).toHaveText(wait_before);
	await expect.poll(() => sue.getByTestId("chart-wait").innerHTML()).not.toBe(chart_before);
	await shot(sue, "staffing-02-replayed");
});
