// Debian's Chromium, never a downloaded browser; the site and its data come from e2e/run.
import { defineConfig } from "@playwright/test";

export default defineConfig({
	testDir: "./tests",
	outputDir: "./artifacts/results",
	timeout: 120_000,
	expect: { timeout: 15_000 },
	workers: 1,
	reporter: [["list"]],
	use: {
		baseURL: process.env.IQC_SITE_URL,
		screenshot: "on",
		trace: "retain-on-failure",
		launchOptions: {
			executablePath: process.env.IQC_CHROMIUM || "/usr/bin/chromium",
			args: [
				"--no-sandbox",
				"--disable-gpu",
				"--disable-quic",
				"--no-first-run",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
			],
		},
	},
});
